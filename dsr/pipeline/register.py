"""The controller's record of processing activities (Art. 30 GDPR), read from TOML.

The letter lists, per activity that applies to the reader, purpose, legal basis, categories,
named recipients, retention, source, third-country transfers and automated decisions
(Art. 15(1)(a)–(h), 15(2)). Format::

    [defaults]                      # used where an activity leaves a text out
    source = { de = "…", en = "…" }
    transfers = { de = "Keine.", en = "None." }
    automated = { de = "…", en = "…" }

    [categories]                    # CollectionSpec.category → label
    loans = { de = "Ausleihen", en = "loans" }

    [activities.circulation]        # CollectionSpec.activity
    name = { de = "Ausleihe", en = "Lending" }
    purpose = { de = "…", en = "…" }
    legal_basis = { de = "…", en = "…" }
    retention = { de = "…", en = "…" }
    recipients = [{ name = "DS-Software-Lösungen GmbH", role = { de = "Auftragsverarbeiter", en = "processor" } }]

    # storage as a rule that gives each record its date ("wird gelöscht ab …"), and lets
    # ``dsr retention`` count records kept past it
    retention_rule = { collections = ["loan"], after = "returned_at", months = 6, unless = ["account.keep_loan_history"] }

    # recipients the reader's own records name (CJEU C-154/21: the actual recipients)
    [[activities.notices.disclosed_to]]
    collection = "notice"
    when = "cc_address"             # a record counts when this field holds a value
    name = { de = "{cc_address}", en = "{cc_address}" }
    text = { de = "Kopie der {kind} vom {created_at:date}", en = "copy of the {kind} of {created_at:date}" }

A German text that addresses the reader ("Führen Ihres Leserkontos") may add ``du = "…"``, which a
young reader's letter in "du" prints (``Wording.pick``; ``dsr check`` warns for a school without it).

Texts may use ``{land_law}``, ``{land_law_access}``, ``{land_school_law}`` (the Land's provisions
for a public controller, :mod:`dsr.pipeline.land_law`; BDSG for a private one) and
``{authority}`` (the competent supervisory authority).

Built-in registers: ``james-school`` and ``james-vendor``; any other value is a path.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from dsr.config import convert, read_toml
from dsr.errors import ConfigError

LANGUAGES = ("de", "en")

#: built-in name → (package, file)
BUILT_IN = {
    "james-school": ("dsr_connectors.james", "register-school.toml"),
    "james-vendor": ("dsr_connectors.james", "register-vendor.toml"),
}


class Named(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A named recipient (Art. 15(1)(c)): a processor, a registrar, an authority.

    ``name`` is a proper name (one text) or a text per language. ``category_only`` marks an entry
    that names a kind of recipient ("unsere Steuerberatung"), not the recipient: ``dsr check``
    warns, since the actual recipient must be named where it is known (CJEU C-154/21).
    """

    name: str | dict[str, str]
    role: dict[str, str] = {}
    address: str = ""
    #: a processor serves the controller (Art. 28): said once for all activities it serves
    processor: bool = False
    category_only: bool = False

    def name_in(self, language: str) -> str:
        if isinstance(self.name, str):
            return self.name
        return self.name.get(language) or next(iter(self.name.values()), "")


class Disclosed(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A recipient named by the reader's records: every record of ``collection`` whose ``when``
    field holds a value (and is not false) was disclosed to ``name``; ``text`` says what and when.

    ``{field}`` in ``name`` and ``text`` is the record's value as the letter prints it;
    ``{field:date}`` its day only. ``names`` maps a stored value of the field ``name_from`` to the
    recipient's name ("mother" → "Ihre Mutter"); ``lookup`` = ``"collection.field"`` finds the
    record whose field equals ``when``'s value and takes ``name_from`` from it (the guardian whose
    e-mail address got the copy).
    """

    collection: str
    when: str
    name: dict[str, str] = {}
    text: dict[str, str] = {}
    lookup: str = ""
    name_from: str = ""
    names: dict[str, dict[str, str]] = {}


class RetentionRule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """When a record of ``collections`` is due for erasure: ``after`` (a date field of the record)
    plus the period; with ``from_year_end`` the period runs from the end of that calendar year
    (§ 147 AO, § 257 HGB). ``unless``: "collection.field" values in the reader's records that
    suspend the rule when true (the reader agreed to keep their loan history); ``referenced_by``:
    "collection.field" — a record another record points at (a loan with a fee) is kept with it.
    A record whose ``after`` (and ``or_after``) field is empty (a loan not yet returned) has no
    date yet.

    ``law``: the provision that *obliges* the controller to keep the records until the date
    ("§ 147 Abs. 1 Nr. 4, Abs. 3 AO; § 14b Abs. 1 UStG"). An erasure request waits for such a
    rule (a retention hold, :mod:`dsr.pipeline.erasure`); a rule without it is the controller's
    own storage period, which an erasure request cuts short."""

    collections: list[str]
    after: str
    or_after: str = ""
    referenced_by: list[str] = []
    days: int = 0
    months: int = 0
    years: int = 0
    from_year_end: bool = False
    unless: list[str] = []
    law: str = ""


class ActivityEntry(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: dict[str, str]
    purpose: dict[str, str]
    legal_basis: dict[str, str]
    retention: dict[str, str]
    recipients: list[Named] = []
    source: dict[str, str] = {}
    transfers: dict[str, str] = {}
    automated: dict[str, str] = {}
    rights: dict[str, str] = {}
    #: "collection.field" whose values in the reader's records name further recipients
    #: (e.g. the registrar a domain order went to)
    recipient_fields: list[str] = []
    recipients_role: dict[str, str] = {}
    disclosed_to: list[Disclosed] = []
    retention_rule: RetentionRule | None = None


class Defaults(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    source: dict[str, str]
    transfers: dict[str, str]
    automated: dict[str, str]


class Register(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    defaults: Defaults
    activities: dict[str, ActivityEntry]
    categories: dict[str, dict[str, str]] = {}
    file: str = ""

    def activity(self, key: str) -> ActivityEntry | None:
        return self.activities.get(key)


def locate(name: str, base_dir: Path | None = None) -> Path:
    """The file of a built-in register name, or ``name`` as a path (relative to ``base_dir``)."""
    if name in BUILT_IN:
        package, file = BUILT_IN[name]
        return Path(str(resources.files(package).joinpath(file)))
    path = Path(name)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path


def load(name: str, base_dir: Path | None = None) -> Register:
    """Read and validate a register. Raises :class:`ConfigError` naming file and key."""
    file = locate(name, base_dir)
    return parse(read_toml(file, "register file"), file)


def parse(raw: dict[str, Any], file: Path) -> Register:
    # Entry by entry, so that an error names the activity (msgspec would say "activities[...]").
    for top in raw:
        if top not in ("defaults", "categories", "activities"):
            raise ConfigError(file, top, "unknown section (expected defaults, categories, activities)")
    if "defaults" not in raw:
        raise ConfigError(file, "defaults", "missing section")
    defaults = convert(raw["defaults"], Defaults, file, "defaults")
    categories = {k: convert(v, dict[str, str], file, f"categories.{k}") for k, v in raw.get("categories", {}).items()}
    activities = {k: convert(v, ActivityEntry, file, f"activities.{k}") for k, v in raw.get("activities", {}).items()}
    _check_texts(raw, file)
    return Register(defaults=defaults, activities=activities, categories=categories, file=str(file))


def _check_texts(raw: dict[str, Any], file: Path) -> None:
    """Every text must exist in every language the letters are written in."""

    def check(text: Any, key: str) -> None:
        if isinstance(text, dict):
            for lang in LANGUAGES:
                if not isinstance(text.get(lang), str) or not text[lang].strip():
                    raise ConfigError(file, key, f'missing text for language "{lang}"')

    for name, text in raw.get("defaults", {}).items():
        check(text, f"defaults.{name}")
    for name, text in raw.get("categories", {}).items():
        check(text, f"categories.{name}")
    for key, entry in raw.get("activities", {}).items():
        for name, text in entry.items():
            if name == "recipient_fields":
                for i, ref in enumerate(text):
                    if ref.count(".") != 1:
                        raise ConfigError(
                            file, f"activities.{key}.recipient_fields[{i}]", 'expected "collection.field"'
                        )
            elif name == "recipients":
                for i, r in enumerate(text):
                    for part in ("name", "role"):
                        if r.get(part):
                            check(r[part], f"activities.{key}.recipients[{i}].{part}")
            elif name == "disclosed_to":
                for i, d in enumerate(text):
                    where = f"activities.{key}.disclosed_to[{i}]"
                    check(d.get("text"), f"{where}.text")
                    if d.get("name"):
                        check(d["name"], f"{where}.name")
                    for value, label in d.get("names", {}).items():
                        check(label, f"{where}.names.{value}")
                    if not d.get("name") and not d.get("names"):
                        raise ConfigError(file, where, "name the recipient: give name or names")
                    if d.get("lookup") and str(d["lookup"]).count(".") != 1:
                        raise ConfigError(file, f"{where}.lookup", 'expected "collection.field"')
            elif name == "retention_rule":
                rule = text
                where = f"activities.{key}.retention_rule"
                if not any(rule.get(unit) for unit in ("days", "months", "years")):
                    raise ConfigError(file, where, "give the period: days, months or years")
                for part in ("unless", "referenced_by"):
                    for i, ref in enumerate(rule.get(part, [])):
                        if str(ref).count(".") != 1:
                            raise ConfigError(file, f"{where}.{part}[{i}]", 'expected "collection.field"')
            else:
                check(text, f"activities.{key}.{name}")


#: how a German or English category (not a name) begins: "unsere Steuerberatung", "the bank"
_CATEGORY_WORDS = ("unser", "unsere", "zuständige", "die", "der", "das", "eine", "ein", "our", "the", "a", "an")


def unnamed_recipients(reg: Register) -> list[ConfigError]:
    """Recipients the register names only by their kind: a warning for ``dsr check`` (the actual
    recipients must be named where known, CJEU C-154/21 of 12 January 2023)."""
    found = []
    for key, entry in reg.activities.items():
        for i, r in enumerate(entry.recipients):
            names = [r.name] if isinstance(r.name, str) else list(r.name.values())
            looks_generic = any(
                not n.strip() or n[:1].islower() or n.split()[0].casefold() in _CATEGORY_WORDS for n in names
            )
            if r.category_only or looks_generic:
                found.append(
                    ConfigError(
                        Path(reg.file),
                        f"activities.{key}.recipients[{i}]",
                        f"{r.name_in('de')!r} names a kind of recipient: name the recipient (CJEU C-154/21)",
                    )
                )
    return found
