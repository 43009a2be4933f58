"""The write side of a dataset mapping: declarations parsed, errors naming file and key, conflicts
between collections of one table, and ``dsr check`` against the live schema."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dsr.errors import ConfigError, ConfigErrors
from dsr.testing import FakeConnector, FakeWriter
from dsr.writing import EraseAction, RestrictHow, Step, StepAction, Target, WriteError, WriteRules
from dsr_connectors.james import MAPPINGS, SCHOOL_SQL, create_schema
from dsr_connectors.sql import SQLConnector, parse_mapping
from dsr_connectors.sql.write_rules import WRITE_KEYS
from dsr_connectors.weblog.connector import WebLogConnector

FILE = Path("tiny.toml")
LABEL = {"de": "X", "en": "X"}


def tiny(**collections: dict[str, Any]) -> dict[str, Any]:
    """A reader table with an account collection and a view onto it; ``collections`` adds keys."""
    cols = {
        "id": {"class": "system", "kind": "int", "label": LABEL},
        "name": {"class": "own", "label": LABEL},
        "email": {"class": "own", "label": LABEL},
        "blocked": {"class": "own", "kind": "bool", "label": LABEL},
        "back_on": {"class": "own", "kind": "date", "label": LABEL},
    }
    raw: dict[str, Any] = {
        "name": "tiny",
        "people": [{"table": "reader", "full_name": "name", "email": "email"}],
        "collections": {
            "account": {
                "table": "reader",
                "title": LABEL,
                "activity": "a",
                "category": "c",
                "match": [{"id": "key"}],
                "columns": cols,
            },
            "contact": {
                "table": "reader",
                "title": LABEL,
                "activity": "a",
                "category": "c",
                "match": [{"email": "email"}],
                "columns": cols,
            },
        },
    }
    for name, keys in collections.items():
        raw["collections"][name].update(keys)
    return raw


def error_keys(raw: dict[str, Any]) -> list[str]:
    try:
        parse_mapping(raw, FILE)
    except ConfigErrors as exc:
        return [str(e.key) for e in exc.errors]
    except ConfigError as exc:
        return [str(exc.key)]
    return []


def test_declarations_become_write_rules() -> None:
    raw = tiny(
        account={
            "erase": {"action": "overwrite", "columns": ["email"], "set": {"name": "[gelöscht]"}, "stamp": ["back_on"]},
            "restrict": {"how": "flag", "column": "blocked"},
            "rectify": ["name", "email"],
            "holds": [{"kind": "open_loan", "when": {"back_on": "null"}}],
        }
    )
    rules = parse_mapping(raw, FILE).write_rules("lib")
    assert set(rules) == {"account"}  # "contact" declares nothing: read-only
    r = rules["account"]
    assert r.erase.action is EraseAction.OVERWRITE
    assert dict(r.erase.columns) == {"email": None, "name": "[gelöscht]"}
    assert r.erase.stamp == ("back_on",)
    assert (r.restrict.how, r.restrict.column, r.restrict.value, r.restrict.lifted) == (
        RestrictHow.FLAG,
        "blocked",
        True,
        False,
    )
    assert r.rectify == ("name", "email")
    assert r.holds[0].kind == "open_loan" and dict(r.holds[0].when) == {"back_on": "null"}


@pytest.mark.parametrize(
    ("declared", "key"),
    [
        ({"erase": {"action": "shred"}}, "collections.account.erase.action"),
        ({"erase": {"action": "delete", "colour": 1}}, "collections.account.erase.colour"),
        ({"erase": {"action": "anonymise"}}, "collections.account.erase.columns"),
        ({"erase": {"action": "anonymise", "columns": ["nickname"]}}, "collections.account.erase.columns[0]"),
        ({"erase": {"action": "overwrite", "columns": ["id"]}}, "collections.account.erase.columns[0]"),
        ({"erase": {"action": "overwrite", "set": {"name": dt.time(1, 2)}}}, "collections.account.erase.set.name"),
        (
            {"erase": {"action": "overwrite", "columns": ["name"], "set": {"name": "x"}}},
            "collections.account.erase.set.name",
        ),
        ({"erase": {"action": "delete", "columns": ["name"]}}, "collections.account.erase"),
        ({"erase": {"action": "expires"}}, "collections.account.erase.expires_after_days"),
        ({"erase": {"action": "delete", "note": {"de": "nur deutsch"}}}, "collections.account.erase.note"),
        ({"erase": {"action": "delete"}, "restrict": {"how": "flag"}}, "collections.account.restrict.column"),
        (
            {"erase": {"action": "delete"}, "restrict": {"how": "list", "column": "blocked"}},
            "collections.account.restrict.column",
        ),
        ({"erase": {"action": "delete"}, "rectify": ["nickname"]}, "collections.account.rectify[0]"),
        (
            {"erase": {"action": "delete"}, "holds": [{"kind": "x", "when": {"gone": "null"}}]},
            "collections.account.holds[0].when.gone",
        ),
        ({"erase": {"action": "delete"}, "holds": [{"kind": "x", "when": {}}]}, "collections.account.holds[0].when"),
        ({"rectify": ["name"]}, "collections.account.erase"),
    ],
)
def test_a_mistake_names_its_key(declared: dict[str, Any], key: str) -> None:
    assert key in error_keys(tiny(account=declared))


def test_collections_of_one_table_must_not_erase_a_row_two_ways() -> None:
    delete = {"erase": {"action": "delete"}}
    clear = {"erase": {"action": "overwrite", "columns": ["email"]}}
    assert error_keys(tiny(account=delete, contact=clear)) == ["collections.contact.erase.action"]
    placeholder = {"erase": {"action": "overwrite", "set": {"email": "-"}}}
    assert error_keys(tiny(account=clear, contact=placeholder)) == ["collections.contact.erase"]
    # the same way twice, or a view that keeps its rows: no conflict
    assert error_keys(tiny(account=delete, contact=delete)) == []
    assert error_keys(tiny(account=clear, contact={"erase": {"action": "none"}})) == []
    assert (
        error_keys(tiny(account=clear, contact={"erase": {"action": "overwrite", "columns": ["email", "name"]}})) == []
    )


def test_every_james_collection_declares_its_erasure_and_reads_as_before() -> None:
    for path in MAPPINGS.values():
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        mapping = parse_mapping(raw, path)
        assert set(mapping.write_rules("s")) == {c.name for c in mapping.collections}
        read_only = copy.deepcopy(raw)
        for c in read_only["collections"].values():
            for k in WRITE_KEYS:
                c.pop(k, None)
        assert parse_mapping(read_only, path).specs("s") == mapping.specs("s")
        assert parse_mapping(read_only, path).write_rules("s") == {}


def test_dsr_check_reports_a_missing_column_and_null_for_a_not_null_column(db_url: str, tmp_path: Path) -> None:
    engine = sa.create_engine(db_url)
    create_schema(engine, SCHOOL_SQL)
    engine.dispose()
    text = MAPPINGS["james-school"].read_text(encoding="utf-8")
    text = (
        text.replace('rectify = ["first_name", "last_name",', 'rectify = ["nickname", "first_name", "last_name",', 1)
        .replace('columns = ["card_number", "login_name",', 'columns = ["first_name", "card_number", "login_name",', 1)
        .replace('set = { first_name = "[gelöscht]", ', "set = { ", 1)
        .replace(
            "[collections.account.columns]\n",
            '[collections.account.columns]\nnickname = { class = "own", label = { de = "Spitzname", en = "Nickname" } }\n',
            1,
        )
    )
    mapping = tmp_path / "school.toml"
    mapping.write_text(text, encoding="utf-8")
    connector = SQLConnector("school", db_url, mapping)
    try:
        found = {(e.key, e.problem) for e in connector.check()}
    finally:
        connector.close()
    keys = {k for k, _ in found}
    assert "collections.account.rectify[0]" in keys
    assert "collections.account.erase.columns[0]" in keys
    problem = dict(found)["collections.account.erase.columns[0]"]
    assert "person.first_name is NOT NULL" in problem
    assert all(str(k).startswith("collections.account") for k in keys), found
    # the shipped mapping passes
    shipped = SQLConnector("school", db_url, MAPPINGS["james-school"])
    try:
        assert shipped.check() == []
    finally:
        shipped.close()


def test_the_web_log_declares_expiry_and_refuses_to_erase(tmp_path: Path) -> None:
    logs = WebLogConnector("weblog", tmp_path, "catalogue", tenant_key="gym", retention_days=10)
    writer = logs.writer()
    rules = writer.rules()
    assert {r.erase.action for r in rules.values()} == {EraseAction.EXPIRES}
    assert {r.erase.expires_after_days for r in rules.values()} == {10}
    assert {r.restrict.how for r in rules.values()} == {RestrictHow.LIST}
    assert (
        WebLogConnector("w", tmp_path, "site", keep_days=30).writer().rules()["log_lines"].erase.expires_after_days
        == 30
    )
    assert WebLogConnector("w", tmp_path, "site").writer().rules()["log_lines"].erase.expires_after_days == 14
    line = Target("weblog", "log_lines", "access.log:3")
    with pytest.raises(WriteError, match=r"weblog\.log_lines access\.log:3: log lines cannot be edited"):
        writer.apply([Step(target=line, action=StepAction.RESTRICT), Step(target=line, action=StepAction.ERASE)])
    assert [a.changed for a in writer.apply([Step(target=line, action=StepAction.RESTRICT)])] == [False]


def test_a_fake_store_carries_a_fake_writer() -> None:
    fake = FakeConnector("school")
    assert fake.writer() is None
    rules = {"loan": WriteRules(store="school", collection="loan", erase=parse_erase("delete"))}
    attached = fake.attach_writer(rules, held={"1": ["open_loan"]})
    assert isinstance(attached, FakeWriter) and fake.writer() is attached
    assert attached.holds([Target("school", "loan", "1")]) == {Target("school", "loan", "1"): ("open_loan",)}


def parse_erase(action: str) -> Any:
    raw = tiny(account={"erase": {"action": action}})
    return parse_mapping(raw, FILE).write_rules("school")["account"].erase
