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
    "james-school": ("connectors.james", "register-school.toml"),
    "james-vendor": ("connectors.james", "register-vendor.toml"),
}


class Named(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A named recipient (Art. 15(1)(c)): a processor, a registrar, an authority."""

    name: str
    role: dict[str, str] = {}
    address: str = ""


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
                    if r.get("role"):
                        check(r["role"], f"activities.{key}.recipients[{i}].role")
            else:
                check(text, f"activities.{key}.{name}")
