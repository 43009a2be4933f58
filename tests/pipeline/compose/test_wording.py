"""Every key the built-in mappings use has words in both languages, so no letter prints a bare
key ("Datenkategorien: master data") or "eine andere Person" where a role is known."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

import dsr_connectors.james
from dsr.model import CollectionSpec
from dsr.pipeline import compose, register
from dsr.pipeline.compose import specimen
from dsr.pipeline.compose.wording import wording
from dsr_connectors.sql.mapping import load_mapping
from dsr_connectors.weblog import specs as weblog

JAMES = Path(dsr_connectors.james.__file__).parent
#: mapping file → the built-in register its controller uses
MAPPINGS = {"school.toml": "james-school", "vendor.toml": "james-vendor"}


def _specs(mapping_file: str) -> list[CollectionSpec]:
    return load_mapping(JAMES / mapping_file).specs("store")


def _weblog_specs() -> list[CollectionSpec]:
    return weblog.specs("weblog", "catalogue", 14, anonymous=True)


def _roles() -> set[str]:
    roles = set()
    for name in MAPPINGS:
        mapping = load_mapping(JAMES / name)
        roles |= {p.role for p in mapping.people if p.role}
        roles |= {f.role for s in mapping.specs("store") for f in s.fields if f.role}
    roles |= {f.role for s in _weblog_specs() for f in s.fields if f.role}
    return roles


def _categories() -> set[str]:
    specs = [s for name in MAPPINGS for s in _specs(name)] + _weblog_specs()
    return {s.category for s in specs if s.category}


def test_the_mappings_are_read_at_all():
    # guards the tests below against passing on an empty set
    assert {"affected_account", "ticket_reporter", "guardian"} <= _roles()
    assert {"master data", "family", "web-server logs"} <= _categories()


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_role_of_the_built_in_mappings_has_a_label(language):
    words = wording(language)
    missing = sorted(r for r in _roles() if words.get("roles", r, default="") == "")
    assert missing == []


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_category_of_the_built_in_mappings_has_a_label(language):
    words = wording(language)
    missing = sorted(c for c in _categories() if words.get("categories", c, default="") == "")
    assert missing == []


@pytest.mark.parametrize(("mapping_file", "register_name"), MAPPINGS.items())
def test_every_activity_of_a_mapping_is_in_its_register(mapping_file, register_name):
    activities = {s.activity for s in _specs(mapping_file) if s.activity} | {weblog.ACTIVITY}
    assert activities - set(register.load(register_name).activities) == set()


def test_a_german_letter_names_categories_in_german():
    gathering = specimen.gathering(2)
    # the categories as the James mapping spells them, not as the register keys them
    spelt = {"master_data": "master data", "fees": "payment data"}
    collections = tuple(
        msgspec.structs.replace(c, category=spelt.get(c.category, c.category)) for c in gathering.collections
    )
    gathering = msgspec.structs.replace(gathering, collections=collections)
    reg = register.load("james-school")
    de = compose.disclosure(specimen.SCHOOL, gathering, specimen.request("de"), register=reg)
    en = compose.disclosure(specimen.SCHOOL, gathering, specimen.request("en"), register=reg)
    # the category's name (before the fields held): "Zahlungsdaten: Betrag, …"
    de_categories = [c.split(":")[0] for a in de.activities for c in a.categories]
    assert "Zahlungsdaten" in de_categories
    assert not {"master data", "payment data"} & set(de_categories)
    assert "payment data" in [c.split(":")[0] for a in en.activities for c in a.categories]


def test_a_reference_prints_its_role_in_the_readers_language():
    from dsr.model import Classification, Field, FieldSpec
    from dsr.pipeline.compose.values import field_text

    spec = FieldSpec(
        name="handled_by_staff_id", classification=Classification.REFERENCE, role="support_staff", label={"de": "x"}
    )
    field = Field("handled_by_staff_id", 7, Classification.REFERENCE)
    assert field_text(field, spec, wording("de")) == "Support-Team von DS-Software-Lösungen"
    assert field_text(field, spec, wording("en")) == "DS-Software-Lösungen support team"


def test_every_withholding_ground_has_its_words_in_both_languages():
    from dsr.pipeline.compose.wording import wording
    from dsr.pipeline.redact.decisions import GROUNDS

    for language in ("de", "en"):
        words = wording(language)
        for ground in GROUNDS:
            text = words.get("grounds", ground)
            assert text and text != ground, (language, ground)
            assert "siehe Begründung" not in text and "see reasons" not in text  # the letter gives no reasons section
