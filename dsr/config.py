"""Configuration: one TOML file → typed settings. Every error names the file and the key.

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

import ipaddress
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

import msgspec

from dsr.connector import Connector, StoreContext, load_connector_class
from dsr.errors import ConfigError, ConfigErrors

LANDS = ("BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH")


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
    #: None = the defaults of letter_templates/wording.toml [not_searched], [] = none
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


class GeneralSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    secret_key: str = ""
    language: Literal["de", "en"] = "de"
    #: days after a case ends until its request file is purged (dsr.casefile.purge_closed)
    request_retention_days: int = 1095
    #: the local time of the officer pages, mails, letters' dates and deadlines (an IANA zone name)
    timezone: str = "Europe/Berlin"


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


class PortalSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[portal]``: the web portal (``dsr serve``). Every key is optional."""

    #: SQLAlchemy URL of the portal's own database; "" = sqlite file dsr-portal.db next to the config
    database_url: str = ""
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
    file: Path
    dsr: GeneralSettings
    controllers: dict[str, ControllerSettings]
    portal: PortalSettings = PortalSettings()

    @property
    def base_dir(self) -> Path:
        return self.file.parent

    @property
    def portal_database_url(self) -> str:
        """``[portal] database_url``, or the default SQLite file next to the configuration."""
        return self.portal.database_url or f"sqlite:///{self.base_dir / 'dsr-portal.db'}"

    def controller(self, key: str) -> ControllerSettings:
        try:
            return self.controllers[key]
        except KeyError:
            known = ", ".join(sorted(self.controllers)) or "none"
            raise ConfigError(self.file, f"controllers.{key}", f"no such controller (configured: {known})") from None


_PATH = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_UNKNOWN = re.compile(r"Object contains unknown field `(?P<field>[^`]+)`")


_T = TypeVar("_T")


def convert(value: Any, type_: type[_T], file: Path, prefix: str) -> _T:
    """msgspec.convert with errors turned into ``ConfigError(file, "prefix.key", problem)``."""
    try:
        return msgspec.convert(value, type_)
    except msgspec.ValidationError as exc:
        msg = str(exc)
        m = _PATH.search(msg)
        path, problem = (m.group("path"), msg[: m.start()]) if m else ("", msg)
        unknown = _UNKNOWN.match(problem)
        if unknown:
            path, problem = f"{path}.{unknown.group('field')}", "unknown field (check the spelling)"
        key = ".".join(p for p in (prefix, path.lstrip(".")) if p).replace(".[", "[")
        raise ConfigError(file, key or None, problem) from None


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
        settings.file,
        "dsr.secret_key",
        f"needs at least {MIN_SECRET_LENGTH} random characters, e.g. the output of "
        "python3 -c 'import secrets; print(secrets.token_hex(32))' (keep it; codes and references depend on it)",
    )


def load(path: str | Path) -> Settings:
    """Read and validate a configuration file. Raises :class:`ConfigError` naming file and key."""
    file = Path(path).resolve()
    return parse(read_toml(file), file)


def parse(raw: Mapping[str, Any], file: Path) -> Settings:
    for top in raw:
        if top not in ("dsr", "controllers", "portal"):
            raise ConfigError(file, top, "unknown section (expected [dsr], [controllers.<key>] and [portal])")
    general = convert(raw.get("dsr", {}), GeneralSettings, file, "dsr")
    if not _known_zone(general.timezone):
        raise ConfigError(file, "dsr.timezone", f"unknown time zone {general.timezone!r} (e.g. Europe/Berlin)")
    portal = _portal(raw.get("portal", {}), file)
    tables = raw.get("controllers", {})
    if not isinstance(tables, Mapping) or not tables:
        raise ConfigError(file, "controllers", "configure at least one controller: [controllers.<key>]")
    errors: list[ConfigError] = []
    controllers: dict[str, ControllerSettings] = {}
    for key, table in tables.items():
        where = f"controllers.{key}"
        try:
            c = convert(table, ControllerSettings, file, where)
        except ConfigError as exc:
            errors.append(exc)
            continue
        if c.land not in LANDS:
            errors.append(ConfigError(file, f"{where}.land", f"unknown Land {c.land!r}; one of {', '.join(LANDS)}"))
        for i, text in enumerate(c.not_searched or ()):
            for lang in ("de", "en"):
                if not getattr(text, lang).strip():
                    errors.append(ConfigError(file, f"{where}.not_searched[{i}].{lang}", "empty text"))
        if not c.stores:
            errors.append(ConfigError(file, f"{where}.stores", "a controller needs at least one store"))
        if c.james_login_key and (len(c.james_login_key) < MIN_SECRET_LENGTH or len(set(c.james_login_key)) < 10):
            errors.append(
                ConfigError(
                    file,
                    f"{where}.james_login_key",
                    f"needs at least {MIN_SECRET_LENGTH} random characters (James signs logins with it), or leave it out",
                )
            )
        for store, table in c.stores.items():
            if "connector" not in table:
                errors.append(
                    ConfigError(file, f"{where}.stores.{store}.connector", "missing: which connector reads this store")
                )
        controllers[key] = msgspec.structs.replace(c, key=key)
    if errors:
        raise ConfigErrors(errors) if len(errors) > 1 else errors[0]
    return Settings(file=file, dsr=general, controllers=controllers, portal=portal)


def _portal(raw: Any, file: Path) -> PortalSettings:
    portal = convert(raw, PortalSettings, file, "portal")
    if portal.path and (not portal.path.startswith("/") or portal.path.endswith("/")):
        raise ConfigError(
            file, "portal.path", 'start with / and do not end with / (e.g. "/datenschutz"), or leave empty'
        )
    if not portal.base_url.startswith(("http://", "https://")) or portal.base_url.endswith("/"):
        raise ConfigError(file, "portal.base_url", "an http(s) address without a trailing slash")
    for key in RateLimits.__struct_fields__:
        if getattr(portal.rate_limits, key) < 1:
            raise ConfigError(file, f"portal.rate_limits.{key}", "must be at least 1")
    if portal.rate_limit_store not in ("memory", "database"):
        raise ConfigError(
            file,
            "portal.rate_limit_store",
            'one of "memory" (one server process) or "database" (shared by all processes)',
        )
    for i, proxy in enumerate(portal.trusted_proxies):
        if (problem := proxy_problem(proxy)) is not None:
            raise ConfigError(file, f"portal.trusted_proxies[{i}]", problem)
    return portal


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


def connect(settings: Settings, controller: str) -> list[Connector]:
    """Build the connectors of one controller's stores. Raises :class:`ConfigError`."""
    c = settings.controller(controller)
    connectors: list[Connector] = []
    for store, table in c.stores.items():
        context = StoreContext(
            file=settings.file,
            key=f"controllers.{controller}.stores.{store}",
            base_dir=settings.base_dir,
            controller=controller,
        )
        name = table.get("connector")
        try:
            cls = load_connector_class(str(name))
        except KeyError:
            raise context.error("connector", f"no connector named {name!r} is installed") from None
        options = {k: v for k, v in table.items() if k != "connector"}
        connectors.append(cls.from_settings(store, options, context))
    return connectors
