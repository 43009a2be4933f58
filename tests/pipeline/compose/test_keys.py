"""``dsr check`` finds codes and relations the letter would print as keys; the mapping's ``joins``
and ``internal`` are read and checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsr.errors import ConfigError, ConfigErrors
from dsr.model import Classification as C
from dsr.model import CollectionSpec, FieldSpec
from dsr.pipeline.compose.keys import unworded
from dsr_connectors.sql.mapping import load_mapping, parse_mapping

JAMES = Path(__file__).resolve().parents[3] / "dsr_connectors" / "james"


def spec(**changes) -> CollectionSpec:
    base = {
        "store": "school",
        "name": "loan",
        "title": {"de": "Ausleihen", "en": "Loans"},
        "activity": "circulation",
        "category": "loans",
        "fields": (FieldSpec(name="kind", classification=C.OWN, kind="code", label={"de": "Art"}),),
    }
    return CollectionSpec(**{**base, **changes})


def test_a_code_column_without_codes_fails_naming_the_column():
    problems = unworded([spec()], "school.toml", "")
    assert [p.key for p in problems] == ["collections.loan.columns.kind.codes"]


def test_a_technical_code_and_an_explained_code_pass():
    fields = (
        FieldSpec(name="kind", classification=C.OWN, kind="code", label={"de": "Art"}, codes={"a": {"de": "A"}}),
        FieldSpec(name="protocol", classification=C.SYSTEM, kind="code", label={"de": "Protokoll"}),
    )
    assert unworded([spec(fields=fields)], "school.toml", "") == []


def test_a_relation_without_words_fails_and_one_with_words_passes():
    assert unworded([spec(fields=(), relation="issued by you")], "x.toml", "") == []
    problems = unworded([spec(fields=(), relation="borrowed for the class")], "x.toml", "")
    assert [p.key for p in problems] == ["relations.borrowed for the class"]
    assert "would print the key" in problems[0].problem


def test_rows_found_through_another_collection_need_its_words():
    assert unworded([spec(fields=(), via=("loan", "review"))], "x.toml", "") == []
    assert [p.key for p in unworded([spec(fields=(), via=("basket",))], "x.toml", "")] == ["relations.basket"]


@pytest.mark.parametrize("name", ["school.toml", "vendor.toml"])
def test_the_james_mappings_have_words_for_every_code_and_relation(name):
    mapping = load_mapping(JAMES / name)
    assert unworded(mapping.specs("s"), mapping.file, "") == []


def test_james_ids_are_internal_and_loans_join_their_items():
    specs = {s.name: s for s in load_mapping(JAMES / "school.toml").specs("school")}
    loan = {f.name: f for f in specs["loan"].fields}
    assert loan["id"].internal and loan["item_id"].internal and not loan["issued_at"].internal
    assert loan["item_id"].joins is not None and loan["item_id"].joins.collection == "item"
    assert loan["item_id"].joins.column == "id"  # the item's key, filled in
    assert specs["item"].via == ("loan", "reservation", "review")
    assert specs["loan_issued"].relation == "issued by you"


def mapping_with(loan_item: dict) -> dict:
    return {
        "collections": {
            "loan": {
                "table": "loan",
                "title": {"de": "Ausleihen", "en": "Loans"},
                "activity": "circulation",
                "category": "loans",
                "match": [{"person_id": "key"}],
                "columns": {
                    "id": {"class": "system", "kind": "int", "label": {"de": "Nr.", "en": "No."}},
                    "person_id": {"class": "reference", "role": "other_reader", "label": {"de": "L", "en": "R"}},
                    "item_id": loan_item,
                },
            },
            "item": {
                "table": "item",
                "title": {"de": "Medien", "en": "Items"},
                "activity": "circulation",
                "category": "loans",
                "match": [{"id": "loan.item_id"}],
                "columns": {
                    "id": {"class": "system", "kind": "int", "label": {"de": "Nr.", "en": "No."}},
                    "title": {"class": "own", "label": {"de": "Titel", "en": "Title"}},
                },
            },
        }
    }


ITEM_ID = {"class": "system", "kind": "int", "label": {"de": "Medium", "en": "Item"}}


def test_a_join_to_an_unknown_collection_or_column_fails_naming_the_key():
    for join, key in (
        ({"collection": "medium", "show": ["title"]}, "joins.collection"),
        ({"collection": "item", "show": ["isbn"]}, "joins.show[0]"),
        ({"collection": "item", "column": "barcode", "show": ["title"]}, "joins.column"),
    ):
        raw = mapping_with({**ITEM_ID, "joins": join})
        with pytest.raises((ConfigError, ConfigErrors)) as info:
            parse_mapping(raw, Path("m.toml"))
        assert f"collections.loan.columns.item_id.{key}" in str(info.value)


def test_internal_may_be_declared_against_the_default():
    raw = mapping_with({**ITEM_ID, "internal": False})
    loan = next(s for s in parse_mapping(raw, Path("m.toml")).specs("s") if s.name == "loan")
    fields = {f.name: f for f in loan.fields}
    assert fields["id"].internal  # the key, by default
    assert not fields["item_id"].internal  # declared


def test_a_relation_without_a_du_text_fails(monkeypatch):
    # a young reader addressed in "du" would read "von Ihnen ausgeliehen" in the copy
    from dsr.pipeline.compose import keys
    from dsr.pipeline.compose import wording as texts

    table = dict(texts.wording("de").table)
    table["relations"] = {**table["relations"], "borrowed": {"de": "von Ihnen ausgeliehen", "en": "borrowed by you"}}
    monkeypatch.setattr(keys, "wording", lambda lang: texts.Wording(table, lang))
    problems = unworded([spec(fields=(), relation="borrowed")], "x.toml", "")
    assert [p.key for p in problems] == ["relations.borrowed"] and "du" in str(problems[0])
    table["relations"]["borrowed"] = {**table["relations"]["borrowed"], "du": "von dir ausgeliehen"}
    assert unworded([spec(fields=(), relation="borrowed")], "x.toml", "") == []
