"""The record of processing activities and the supervisory authorities, as the letter uses them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import msgspec
import pytest

from dsr.config import LANDS
from dsr.errors import ConfigError
from dsr.model import Classification as C
from dsr.model import CollectionSpec, Field, FieldSpec, Record, StoreReport, StoreState
from dsr.pipeline import authorities, compose, register
from dsr.pipeline.compose import specimen

SCHOOL_ACTIVITIES = {
    "library-accounts",
    "circulation",
    "reservations",
    "fees",
    "notices",
    "reviews",
    "catalogue-logins",
    "catalogue-search",
    "staff-permissions",
    "it-security",
    "guardians",
    "web-logs",
}
VENDOR_ACTIVITIES = {"customer-management", "contracts", "invoicing", "domain-orders", "support", "web-logs"}


def test_built_in_registers_describe_every_activity_the_james_mappings_use():
    assert set(register.load("james-school").activities) == SCHOOL_ACTIVITIES
    vendor = register.load("james-vendor")
    assert set(vendor.activities) == VENDOR_ACTIVITIES
    assert "Acht Jahre ab Ende des Kalenderjahres" in vendor.activities["invoicing"].retention["de"]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "register.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
[defaults]
source = { de = "a", en = "a" }
transfers = { de = "b", en = "b" }
automated = { de = "c", en = "c" }
[activities.circulation]
name = { de = "Ausleihe", en = "Lending" }
purpose = { de = "p", en = "p" }
legal_basis = { de = "l", en = "l" }
retention = { de = "r", en = "r" }
"""


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (('legal_basis = { de = "l", en = "l" }\n', ""), "activities.circulation"),  # missing legal basis
        (('retention = { de = "r", en = "r" }', 'retention = { de = "r" }'), "activities.circulation.retention"),
        (("purpose =", "purpos ="), "activities.circulation.purpos"),  # misspelt key
        (("[defaults]", "[defaults]\nextra = 1"), "defaults.extra"),
    ],
)
def test_register_errors_name_file_and_key(tmp_path, change, key):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as err:
        register.load(str(path))
    assert err.value.file == str(path)
    assert err.value.key == key


def test_register_path_is_relative_to_the_configuration(tmp_path):
    write(tmp_path, GOOD)
    assert "circulation" in register.load("register.toml", base_dir=tmp_path).activities
    with pytest.raises(ConfigError, match="not found"):
        register.load("missing.toml", base_dir=tmp_path)


def test_only_activities_that_apply_are_listed_with_the_categories_found():
    letter = compose.disclosure(
        specimen.SCHOOL, specimen.gathering(2), specimen.request("en"), register=register.load("james-school")
    )
    assert [a.key for a in letter.activities] == ["library-accounts", "circulation", "fees"]
    circulation = letter.activities[1]
    # the category as it applies to this reader: the fields actually held, not the register's examples
    assert circulation.categories == ("loans: Title, Borrowed, Due, Issued by, Note",)
    # the processor and the facts every activity shares are said once, above the activities
    assert circulation.recipients == ()
    assert letter.common is not None
    assert [p.name for p in letter.common.processors] == ["DS-Software-Lösungen GmbH"]
    assert "Art. 22" in letter.common.automated and circulation.automated == ""


def test_an_activity_missing_from_the_register_is_a_clear_error(tmp_path):
    reg = register.load(str(write(tmp_path, GOOD)))
    with pytest.raises(ConfigError) as err:
        compose.disclosure(specimen.SCHOOL, specimen.gathering(1), specimen.request(), register=reg)
    assert err.value.key == "activities.library-accounts"


def test_the_registrar_of_a_domain_order_is_named_as_recipient():
    spec = CollectionSpec(
        store="vendor",
        name="domain_order",
        title={"de": "Domainbestellungen"},
        activity="domain-orders",
        category="domain_orders",
        fields=(
            FieldSpec(name="domain_name", classification=C.OWN, label={"de": "Domain"}),
            FieldSpec(name="provider_name", classification=C.OWN, label={"de": "Registrar"}),
        ),
    )
    rec = Record(
        store="vendor",
        collection="domain_order",
        key="1",
        fields=(Field("domain_name", "bib.example", C.OWN), Field("provider_name", "Registrar Beispiel GmbH", C.OWN)),
    )
    g = msgspec.structs.replace(
        specimen.gathering(empty=True),
        records=(rec,),
        collections=(spec,),
        reports=(StoreReport(store="vendor", state=StoreState.OK, records=1),),
    )
    vendor = msgspec.structs.replace(specimen.SCHOOL, kind="vendor", public=False)
    letter = compose.disclosure(vendor, g, specimen.request("de"), register=register.load("james-vendor"))
    (activity,) = letter.activities
    assert activity.recipients[-1].name == "Registrar Beispiel GmbH"
    assert activity.recipients[-1].role.startswith("Registrar")


@pytest.mark.parametrize("land", LANDS)
@pytest.mark.parametrize("public", [True, False])
def test_every_land_has_a_competent_authority_and_never_the_bfdi(land, public):
    entry = authorities.competent(land, public)
    assert entry.land == land
    assert "Bundesbeauftragte" not in entry.name
    assert entry.verified <= dt.date(2026, 11, 25) and entry.street and entry.postal_code and entry.city


def test_bavaria_is_split_between_public_and_private_bodies():
    assert "Bayerische Landesbeauftragte" in authorities.competent("BY", True).name
    assert authorities.competent("BY", False).city == "Ansbach"


def test_a_broken_authorities_file_names_the_entry(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text(
        '[[authority]]\nland = "BY"\nsector = "somewhere"\nname = "x"\nstreet = "s"\npostal_code = "1"\n'
        'city = "c"\nwebsite = "w"\nverified = 2026-01-01\n'
    )
    with pytest.raises(ConfigError) as err:
        authorities.load(path)
    assert err.value.key == "authority[0].sector"


def test_a_field_that_holds_nothing_about_the_reader_is_not_named_among_the_categories():
    import msgspec

    gathering = specimen.gathering(2)
    records = tuple(
        msgspec.structs.replace(r, fields=tuple(f for f in r.fields if f.name != "note")) for r in gathering.records
    )
    letter = compose.disclosure(
        specimen.SCHOOL,
        msgspec.structs.replace(gathering, records=records),
        specimen.request("de"),
        register=register.load("james-school"),
    )
    circulation = next(a for a in letter.activities if a.key == "circulation")
    assert circulation.categories == ("Ausleihen: Titel, Ausgeliehen am, Fällig am, Ausgegeben von",)


# ------------------------------------------------------------------ named recipients, languages, retention


def test_a_recipient_named_only_by_its_kind_is_a_warning(tmp_path):
    path = write(
        tmp_path,
        GOOD
        + 'recipients = [{ name = "unsere Steuerberatung" }, { name = "Kanzlei Beispiel mbB", address = "Weg 1, 12345 Ort" },'
        ' { name = "Kasse", category_only = true }]\n',
    )
    found = register.unnamed_recipients(register.load(str(path)))
    assert [e.key for e in found] == ["activities.circulation.recipients[0]", "activities.circulation.recipients[2]"]
    assert all("C-154/21" in e.problem for e in found)


def test_the_built_in_vendor_register_names_every_recipient():
    assert register.unnamed_recipients(register.load("james-vendor")) == []


def test_a_register_without_english_fails_dsr_check_naming_the_text(tmp_path):
    from dsr.pipeline.check import check

    (tmp_path / "register.toml").write_text(GOOD.replace('purpose = { de = "p", en = "p" }', 'purpose = { de = "p" }'))
    config = tmp_path / "dsr.toml"
    config.write_text(
        '[controllers.s]\nname = "S"\nkind = "school"\nland = "BY"\npublic = true\nstreet = "x"\npostal_code = "1"\n'
        'city = "c"\nemail = "e@x.example"\nregister = "register.toml"\n'
        '[controllers.s.dpo]\nname = "d"\n[controllers.s.signatory]\nname = "s"\n'
        '[controllers.s.stores.school]\nconnector = "sql"\nurl = "sqlite:///school.db"\nmapping = "james-school"\n'
    )
    problems = [p for p in check(config) if p.key and p.key.startswith("activities")]
    assert [(p.key, p.problem) for p in problems] == [
        ("activities.circulation.purpose", 'missing text for language "en"')
    ]


def test_a_retention_rule_without_a_period_names_its_key(tmp_path):
    path = write(tmp_path, GOOD + 'retention_rule = { collections = ["loan"], after = "returned_at" }\n')
    with pytest.raises(ConfigError) as err:
        register.load(str(path))
    assert err.value.key == "activities.circulation.retention_rule"


def test_the_built_in_registers_have_no_vague_storage_text():
    for name in ("james-school", "james-vendor"):
        for entry in register.load(name).activities.values():
            assert "kurz nach" not in entry.retention["de"] and "soon after" not in entry.retention["en"]
