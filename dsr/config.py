"""Configuration: one TOML file (or a mapping of the same shape) → typed settings. Every error
names where the setting was written: the file and key, or the mapping's field
(``DSRConfig.settings["controllers"]["gym"]["land"]``) for settings given in code.

    [dsr]
    secret_key = "…"                 # salts opaque references; keep it secret

    [controllers.gym-musterstadt]    # the key requests are addressed to
    name = "Gymnasium Musterstadt"
    kind = "school"                  # school | vendor
    land = "BY"                      # picks holidays and the supervisory authority
    public = true                    # public body (public school) or private
    street = "…"; postal_code = "…"; city = "…"; email = "…"

    [controllers.gym-musterstadt.dpo]
    name = "…"; email = "…"

    [controllers.gym-musterstadt.signatory]
    name = "…"; role = "…"

    [controllers.gym-musterstadt.stores.school]
    connector = "sql"                # a name in the dsr.connectors entry-point group
    url = "sqlite:///school.db"      # the rest of the table is the connector's own settings
    mapping = "james-school"

The full reference is in the README ("Configuration reference").
"""

from __future__ import annotations

import functools
import importlib
import ipaddress
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

import msgspec

from dsr.connector import Connector, StoreContext, load_connector_class
from dsr.errors import ConfigError, ConfigErrors, ConfigSource

LANDS = ("BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH")


#: the prefix of every portal table unless configured otherwise (``[portal] table_prefix``)
DEFAULT_TABLE_PREFIX = "dsr_"


class Contact(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: str
    email: str | None = None
    phone: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    role: str | None = None


class LocalText(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A text the letters print, in both letter languages."""

    de: str
    en: str


class ControllerSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A controller in the GDPR sense: a school, or the vendor."""

    key: str = ""
    name: str
    kind: Literal["school", "vendor"]
    land: str
    public: bool
    street: str
    postal_code: str
    city: str
    email: str
    phone: str | None = None
    website: str | None = None
    #: letterhead footer details (register court, managing director, VAT id ...)
    legal_details: list[str] = []
    logo: str | None = None
    dpo: Contact
    signatory: Contact
    #: age from which a pupil files requests alone (Land school law)
    pupil_age_of_consent: int = 14
    #: how letters speak to readers from the age of consent to 17 who asked themselves: "sie"
    #: (first name and Sie) or "du" (first name, du and plain language, as below the age of consent)
    young_readers_address: Literal["sie", "du"] = "sie"
    #: systems the answer does not search, each with why (neutral wording, no form of address);
    #: None = the defaults of dsr_letter_templates/wording.toml [not_searched], [] = none
    not_searched: list[LocalText] | None = None
    #: record of processing activities: a built-in name or a path to a TOML file
    register: str | None = None
    #: the key the James application signs logins with (dsr.signin); "" = James logins not accepted
    james_login_key: str = ""
    #: the reader's relatives (their guardians, a parent's children) by name beside the relation
    #: ("shown"), or by the relation only ("role_only"); see docs/representation.md
    relationship_names: Literal["shown", "role_only"] = "shown"
    #: an IP address in free text that belongs to nobody in the stores: redacted (default), sent
    #: to review, or kept (a known person's address is always redacted)
    unknown_ip: Literal["redact", "review", "keep"] = "redact"
    stores: dict[str, dict[str, Any]] = {}


#: ``[dsr] timezone`` unless set: the schools' clock. The core's functions that read a local day take
#: a ``zone`` and default to this one, so an install that sets nothing keeps German days
DEFAULT_TIME_ZONE = "Europe/Berlin"
DEFAULT_ZONE = ZoneInfo(DEFAULT_TIME_ZONE)


class GeneralSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    secret_key: str = ""
    language: Literal["de", "en"] = "de"
    #: days after a case ends until its request file is purged (dsr.casefile.purge_closed)
    request_retention_days: int = 1095
    #: the local time of pages, mails, letters and deadlines (an IANA zone name)
    timezone: str = DEFAULT_TIME_ZONE
    #: how many controllers' store connections, reflected schemas and redaction indexes a process
    #: keeps (least recently used go first): a vendor serving 500 schools need not hold 500 of each
    cache_controllers: int = 32


class MailSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[portal.mail]``: how the portal sends e-mail (codes, notices, digests)."""

    #: smtp | file (one .eml per message in ``directory``) | console (stdout; demo only)
    backend: Literal["smtp", "file", "console"] = "console"
    sender: str = "datenschutz@localhost"
    host: str = "127.0.0.1"
    port: int = 25
    username: str | None = None
    password: str | None = None
    #: "starttls" upgrades a plain connection, "tls" connects with TLS at once (port 465)
    security: Literal["none", "starttls", "tls"] = "none"
    timeout: float = 10.0
    directory: str = "mail"  #: for backend = "file", relative to the config file


class RateLimits(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[portal.rate_limits]``: per client address (the public side, and the officer login)."""

    #: accepted requests only (a form sent back with mistakes costs nothing); a whole class
    #: behind a school's one address must fit
    submissions_per_hour: int = 60
    code_attempts_per_hour: int = 120  #: verification and download code entries, and resends
    downloads_per_hour: int = 20
    logins_per_hour: int = 20  #: officer login attempts (right or wrong) per client address


class AuditSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[portal.audit]``: signed checkpoints of the audit chain's head (dsr.casefile.checkpoints)."""

    #: file with the HMAC-SHA256 key (32+ random bytes), outside the database and its backups;
    #: the environment variable DSR_AUDIT_CHECKPOINT_KEY_FILE overrides it. "" = no checkpoints
    checkpoint_key_file: str = ""
    #: JSON-lines file the housekeeping appends a signed checkpoint to once a day ("" = none)
    checkpoint_file: str = ""
    #: an address the housekeeping mails each new checkpoint to, through [portal.mail] ("" = none)
    digest_to: str = ""


class JobSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[portal.jobs]``: where background jobs (gathering, candidate search, mails) are run from
    (dsr.service.queue, docs/jobs.md)."""

    #: "table": workers poll the portal database's job table (any database, no other service);
    #: "procrastinate": PostgreSQL's procrastinate queue carries the jobs (dsr[queue]); "auto":
    #: procrastinate when the portal database is PostgreSQL and procrastinate is installed
    backend: Literal["auto", "table", "procrastinate"] = "auto"
    #: with procrastinate: an address the deadlines digest goes to each weekday morning ("" = none)
    deadlines_digest_to: str = ""


class PortalSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[portal]``: the web portal (``dsr serve``). Every key is optional."""

    #: SQLAlchemy URL of the portal's own database; "" = sqlite file dsr-portal.db next to the config
    database_url: str = ""
    #: prefix of the portal's table names (and of its Alembic version table, ``<prefix>alembic_version``),
    #: so the portal can live in a host's database; "" = none. An installation from before prefixes
    #: (``cases``, ``alembic_version``) is moved to the prefixed names by ``dsr migrate``/startup
    table_prefix: str = DEFAULT_TABLE_PREFIX
    #: the address requesters reach the portal at, used for links in e-mails (no trailing slash)
    base_url: str = "http://127.0.0.1:8000"
    #: the path the portal is mounted at ("" = the root; "/datenschutz" inside a host app)
    path: str = ""
    #: served over TLS (directly or behind a proxy): the session cookie gets ``Secure``, HSTS is sent
    tls: bool = False
    #: largest upload accepted (a representative's authorisation), in bytes
    max_upload_bytes: int = 5_000_000
    mail: MailSettings = MailSettings()
    rate_limits: RateLimits = RateLimits()
    audit: AuditSettings = AuditSettings()
    jobs: JobSettings = JobSettings()
    #: where rate-limit counters live: "memory" (one server process) or "database" (the portal's
    #: database, shared by every process and host serving the portal)
    rate_limit_store: str = "memory"
    #: staff need the second factor (TOTP): one without it is sent to set it up right after the
    #: password, before any case page; false lets the password alone do (not recommended)
    require_totp: bool = True
    #: reverse proxies whose X-Forwarded-For/-Proto ``dsr serve --behind-proxy`` believes: IP addresses
    #: or networks (CIDR); [] = only 127.0.0.1. Any other client's forwarded headers are ignored
    trusted_proxies: list[str] = []


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Validated settings: from a TOML file (:func:`load`) or a mapping of its shape (:func:`from_mapping`)."""

    dsr: GeneralSettings
    controllers: dict[str, ControllerSettings]
    portal: PortalSettings = PortalSettings()
    #: what errors name: the file, or the mapping (``DSRConfig.settings``)
    source: ConfigSource
    #: relative paths in the settings (the default portal database, ``[portal.mail] directory``,
    #: stores' files, registers) are relative to this: the file's folder, or for a mapping the
    #: ``base_dir`` given to :func:`from_mapping` (default: the working directory at that moment)
    base_dir: Path
    #: the TOML file read; None for settings from a mapping
    file: Path | None = None
    #: how errors name a controller's table when it is not ``controllers.<key>``: ``registry[<key>]``
    #: for a controller listed by the ``[registry]`` (dsr.registry)
    origins: dict[str, str] = {}

    def where(self, key: str) -> str:
        """The key errors name a controller's settings by: ``controllers.gym`` or ``registry[gym]``."""
        return self.origins.get(key, f"controllers.{key}")

    @property
    def secret(self) -> bytes:
        """``[dsr] secret_key`` as the key of codes, opaque references and review ids."""
        return self.dsr.secret_key.encode()

    @property
    def zone(self) -> ZoneInfo:
        """``[dsr] timezone``: the local time of pages, mails, letters' dates and deadlines."""
        return ZoneInfo(self.dsr.timezone)

    @property
    def portal_database_url(self) -> str:
        """``[portal] database_url``, or the default SQLite file next to the configuration."""
        return self.portal.database_url or f"sqlite:///{self.base_dir / 'dsr-portal.db'}"

    def controller(self, key: str) -> ControllerSettings:
        try:
            return self.controllers[key]
        except KeyError:
            known = ", ".join(sorted(self.controllers)) or "none"
            raise ConfigError(self.source, f"controllers.{key}", f"no such controller (configured: {known})") from None


#: ``[portal] table_prefix``: empty or ``[a-z][a-z0-9_]*_``, at most 12 characters (the longest
#: constraint name must fit PostgreSQL's and MariaDB's 63/64)
TABLE_PREFIX = re.compile(r"(?:[a-z][a-z0-9_]{0,10}_)?")
_PATH = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_UNKNOWN = re.compile(r"Object contains unknown field `(?P<field>[^`]+)`")


_T = TypeVar("_T")


def convert(value: Any, type_: type[_T], source: ConfigSource | Path | str, prefix: str, *, strict: bool = True) -> _T:
    """msgspec.convert with errors turned into ``ConfigError(source, "prefix.key", problem)``.
    ``strict=False`` takes text for numbers and booleans (values read from a database table)."""
    try:
        return msgspec.convert(value, type_, strict=strict)
    except msgspec.ValidationError as exc:
        msg = str(exc)
        m = _PATH.search(msg)
        path, problem = (m.group("path"), msg[: m.start()]) if m else ("", msg)
        unknown = _UNKNOWN.match(problem)
        if unknown:
            path, problem = f"{path}.{unknown.group('field')}", "unknown field (check the spelling)"
        key = ".".join(p for p in (prefix, path.lstrip(".")) if p).replace(".[", "[")
        raise ConfigError(source, key or None, problem) from None


def read_toml(file: Path, what: str = "file") -> dict[str, Any]:
    """A TOML file's content; a missing or malformed file is a :class:`ConfigError` naming it."""
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(file, None, f"{what} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, None, f"not valid TOML: {exc}") from None


#: the least length of ``[dsr] secret_key``: it keys the code hashes, opaque references and review ids
MIN_SECRET_LENGTH = 32


def _known_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def secret_key_problem(settings: Settings) -> ConfigError | None:
    """Why ``[dsr] secret_key`` is not fit to key a portal's codes and references, or None.

    Only length and variety can be checked; the key must come from a random source."""
    key = settings.dsr.secret_key
    if len(key) >= MIN_SECRET_LENGTH and len(set(key)) >= 10:
        return None
    return ConfigError(
        settings.source,
        "dsr.secret_key",
        f"needs at least {MIN_SECRET_LENGTH} random characters, e.g. the output of "
        "python3 -c 'import secrets; print(secrets.token_hex(32))' (keep it; codes and references depend on it)",
    )


def load(path: str | Path) -> Settings:
    """Read and validate a configuration file. Raises :class:`ConfigError` naming file and key."""
    file = Path(path).resolve()
    return parse(read_toml(file), file)


def parse(raw: Mapping[str, Any], file: Path) -> Settings:
    """Validate a TOML file's content (``file`` is what errors name and paths are relative to)."""
    return _settings(raw, ConfigSource(str(file)), file.parent, file)


def from_mapping(raw: Mapping[str, Any], *, source: str = "settings", base_dir: str | Path | None = None) -> Settings:
    """Validate settings given in code: a mapping with the TOML file's shape.

        from_mapping({"dsr": {...}, "controllers": {"gym": {...}}}, source="DSRConfig.settings")

    Errors name the mapping's field as the host wrote it (``DSRConfig.settings["controllers"]["gym"]["land"]``).
    Relative paths are relative to ``base_dir``, by default the working directory at this call
    (made absolute, so a later ``chdir`` changes nothing).
    """
    if not isinstance(raw, Mapping):
        raise ConfigError(ConfigSource(source, mapping=True), None, "expected a mapping with the TOML file's shape")
    folder = Path(base_dir if base_dir is not None else Path.cwd()).resolve()
    return _settings(raw, ConfigSource(source, mapping=True), folder, None)


def _settings(raw: Mapping[str, Any], source: ConfigSource, base_dir: Path, file: Path | None) -> Settings:
    for top in raw:
        if top not in ("dsr", "controllers", "portal", "registry", "templates"):
            raise ConfigError(
                source,
                top,
                "unknown section (expected [dsr], [controllers.<key>], [registry], [templates.<name>] and [portal])",
            )
    general = convert(raw.get("dsr", {}), GeneralSettings, source, "dsr")
    if not _known_zone(general.timezone):
        raise ConfigError(source, "dsr.timezone", f"unknown time zone {general.timezone!r} (e.g. Europe/Berlin)")
    if general.cache_controllers < 1:
        raise ConfigError(source, "dsr.cache_controllers", "must be at least 1")
    portal = _portal(raw.get("portal", {}), source)
    tables = raw.get("controllers", {})
    if not isinstance(tables, Mapping) or not (tables or "registry" in raw):
        raise ConfigError(source, "controllers", "configure at least one controller: [controllers.<key>]")
    errors: list[ConfigError] = []
    controllers: dict[str, ControllerSettings] = {}
    for key, table in tables.items():
        c = controller_settings(table, source, f"controllers.{key}", key, errors)
        if c is not None:
            controllers[key] = c
    origins: dict[str, str] = {}
    if "registry" in raw:
        from dsr.registry import RegistrySettings, listed, origin, summarised

        registry = convert(raw["registry"], RegistrySettings, source, "registry")
        templates = convert(raw.get("templates", {}), dict[str, dict[str, Any]], source, "templates")
        found = listed(registry, templates, source, base_dir, skip=frozenset(tables))
        listed_errors = list(found.problems)
        for key, table in found.tables.items():
            # the table came from a database: text for numbers and booleans is taken
            c = controller_settings(table, source, origin(key), key, listed_errors, strict=False)
            if c is not None:
                controllers[key], origins[key] = c, origin(key)
        errors.extend(summarised(listed_errors))
    if errors:
        raise ConfigErrors(errors) if len(errors) > 1 else errors[0]
    return Settings(
        dsr=general,
        controllers=controllers,
        portal=portal,
        source=source,
        base_dir=base_dir,
        file=file,
        origins=origins,
    )


def controller_settings(
    table: Any, source: ConfigSource, where: str, key: str, errors: list[ConfigError], *, strict: bool = True
) -> ControllerSettings | None:
    """One controller's table validated (``where`` is what errors name it by); problems go to
    ``errors``, and None is returned when the table could not be read at all."""
    try:
        c = convert(table, ControllerSettings, source, where, strict=strict)
    except ConfigError as exc:
        errors.append(exc)
        return None
    if c.land not in LANDS:
        errors.append(ConfigError(source, f"{where}.land", f"unknown Land {c.land!r}; one of {', '.join(LANDS)}"))
    for i, text in enumerate(c.not_searched or ()):
        for lang in ("de", "en"):
            if not getattr(text, lang).strip():
                errors.append(ConfigError(source, f"{where}.not_searched[{i}].{lang}", "empty text"))
    if not c.stores:
        errors.append(ConfigError(source, f"{where}.stores", "a controller needs at least one store"))
    if c.james_login_key and (len(c.james_login_key) < MIN_SECRET_LENGTH or len(set(c.james_login_key)) < 10):
        errors.append(
            ConfigError(
                source,
                f"{where}.james_login_key",
                f"needs at least {MIN_SECRET_LENGTH} random characters (James signs logins with it), or leave it out",
            )
        )
    for store, options in c.stores.items():
        if "connector" not in options:
            errors.append(
                ConfigError(source, f"{where}.stores.{store}.connector", "missing: which connector reads this store")
            )
    return msgspec.structs.replace(c, key=key)


def _portal(raw: Any, source: ConfigSource) -> PortalSettings:
    portal = convert(raw, PortalSettings, source, "portal")
    if portal.path and (not portal.path.startswith("/") or portal.path.endswith("/")):
        raise ConfigError(
            source, "portal.path", 'start with / and do not end with / (e.g. "/datenschutz"), or leave empty'
        )
    if not portal.base_url.startswith(("http://", "https://")) or portal.base_url.endswith("/"):
        raise ConfigError(source, "portal.base_url", "an http(s) address without a trailing slash")
    for key in RateLimits.__struct_fields__:
        if getattr(portal.rate_limits, key) < 1:
            raise ConfigError(source, f"portal.rate_limits.{key}", "must be at least 1")
    if not TABLE_PREFIX.fullmatch(portal.table_prefix):
        raise ConfigError(
            source,
            "portal.table_prefix",
            'lower-case letters, digits and "_", starting with a letter and ending with "_" (e.g. "dsr_"), '
            'at most 12 characters; or "" for none',
        )
    if portal.rate_limit_store not in ("memory", "database"):
        raise ConfigError(
            source,
            "portal.rate_limit_store",
            'one of "memory" (one server process) or "database" (shared by all processes)',
        )
    for i, proxy in enumerate(portal.trusted_proxies):
        if (problem := proxy_problem(proxy)) is not None:
            raise ConfigError(source, f"portal.trusted_proxies[{i}]", problem)
    if portal.jobs.backend == "procrastinate" and portal.database_url and not _is_postgres(portal.database_url):
        raise ConfigError(
            source, "portal.jobs.backend", '"procrastinate" needs a PostgreSQL [portal] database_url; or "table"'
        )
    return portal


def _is_postgres(url: str) -> bool:
    return url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


def proxy_problem(entry: str) -> str | None:
    """Why ``entry`` of ``[portal] trusted_proxies`` is not an IP address or network, or None.

    Checked as uvicorn reads it (a network must not have host bits set: ``10.0.0.0/8``, not
    ``10.0.0.1/8``), since uvicorn would silently take a malformed entry as a name that never matches."""
    try:
        if "/" in entry:
            ipaddress.ip_network(entry)
        else:
            ipaddress.ip_address(entry)
    except ValueError:
        if entry.strip() == "*":
            return "* would believe the X-Forwarded-For of every client: list the proxies' addresses"
        return f"{entry!r} is not an IP address or network (e.g. 127.0.0.1, 10.0.0.0/8, ::1)"
    return None


def connect(
    settings: Settings, controller: str, *, connectors: Mapping[str, type[Connector]] | None = None
) -> list[Connector]:
    """Build the connectors of one controller's stores. Raises :class:`ConfigError`.

    A store's ``connector`` is looked up in ``connectors`` (a host's own classes by name), then
    taken as a ``"package.module:Class"`` path, then as a name in the ``dsr.connectors``
    entry-point group; in settings from a mapping it may be the class itself.
    """
    c = settings.controller(controller)
    from dsr import controller_cache

    controller_cache.configure(settings.dsr.cache_controllers)
    built: list[Connector] = []
    for store, table in c.stores.items():
        context = StoreContext(
            file=settings.source,
            key=f"{settings.where(controller)}.stores.{store}",
            base_dir=settings.base_dir,
            controller=controller,
        )
        cls = connector_class(table.get("connector"), context, connectors or {})
        options = {k: v for k, v in table.items() if k != "connector"}
        built.append(cls.from_settings(store, options, context))
    return built


def connector_class(name: Any, context: StoreContext, extra: Mapping[str, type[Connector]]) -> type[Connector]:
    """The class a store's ``connector`` names (see :func:`connect`)."""
    if isinstance(name, type):
        found: Any = name
    elif isinstance(name, str) and name in extra:
        found = extra[name]
    elif isinstance(name, str) and ":" in name:
        found = _import_object(name, context)
    else:
        try:
            return _installed_connector(str(name))
        except KeyError:
            raise context.error("connector", f"no connector named {name!r} is installed") from None
    if not (isinstance(found, type) and issubclass(found, Connector)):
        raise context.error("connector", f"{name!r} is not a dsr Connector class")
    return found


@functools.cache
def _installed_connector(name: str) -> type[Connector]:
    """The entry point's class, looked up once (reading the installed packages' entry points takes
    tens of milliseconds, and each job builds its controller's connectors)."""
    return load_connector_class(name)


def _import_object(path: str, context: StoreContext) -> Any:
    """``package.module:Class`` (or ``package.module:Outer.Inner``), as entry points spell it."""
    module_name, _, attribute = path.partition(":")
    try:
        found: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise context.error("connector", f"cannot import module {module_name!r} ({exc})") from None
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise context.error("connector", f"module {module_name!r} has no {attribute!r}") from None
    return found
