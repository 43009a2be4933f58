"""Keys that would merge rows (#11): a collection whose key the schema does not make unique — a table
without a primary key, or a key column that is neither primary key nor unique — keeps every row
as its own record, and ``dsr check`` says which collection and column, and what to declare instead."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from dsr import Descriptor, ResolutionStatus, gather, resolve
from dsr.cli import main
from dsr.errors import ConfigError
from dsr.model import Record
from dsr_connectors.sql import SQLConnector, load_mapping
from tests.settings import controller_toml

MAPPING = """
name = "visits"

[[people]]
table = "reader"
card = "card"
first_name = "first"
last_name = "last"

[collections.account]
table = "reader"
title = { de = "Konto", en = "Account" }
activity = "accounts"
category = "master data"
match = [{ id = "key" }]

[collections.account.columns]
id = { class = "system", kind = "int", label = { de = "Nr.", en = "No." } }
card = { class = "own", label = { de = "Ausweis", en = "Card" } }
first = { class = "own", label = { de = "Vorname", en = "First name" } }
last = { class = "own", label = { de = "Nachname", en = "Last name" } }

[collections.visit]
table = "visit"
key = "reader_id"
title = { de = "Besuche", en = "Visits" }
activity = "library-use"
category = "usage"
order_by = "visited_on"
# a row is found by both alternatives: it must still be one record
match = [{ reader_id = "key" }, { card = "card" }]

[collections.visit.columns]
reader_id = { class = "system", kind = "int", label = { de = "Leser", en = "Reader" } }
card = { class = "own", label = { de = "Ausweis", en = "Card" } }
visited_on = { class = "own", kind = "date", label = { de = "Am", en = "On" } }
room = { class = "own", label = { de = "Raum", en = "Room" } }
"""

SCHEMA = [
    "CREATE TABLE reader (id INTEGER PRIMARY KEY, card VARCHAR(20), first VARCHAR(50), last VARCHAR(50))",
    # no primary key, nothing unique: reader_id repeats, and two rows are alike in every column
    "CREATE TABLE visit (reader_id INTEGER, card VARCHAR(20), visited_on DATE, room VARCHAR(50))",
]
ROWS = [
    "INSERT INTO reader (id, card, first, last) VALUES (1, 'L0000001', 'Anna', 'Berg'), (2, 'L0000002', 'Ben', 'Kurz')",
    "INSERT INTO visit (reader_id, card, visited_on, room) VALUES"
    " (1, 'L0000001', '2024-01-08', 'Lesesaal'),"
    " (1, 'L0000001', '2024-02-12', 'Lesesaal'),"
    " (1, 'L0000001', '2024-03-04', 'Mediathek'),"
    " (1, 'L0000001', '2024-03-04', 'Mediathek'),"
    " (2, 'L0000002', '2024-01-08', 'Lesesaal')",
]


def database(url: str, schema: list[str] = SCHEMA) -> sa.Engine:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in [*schema, *ROWS]:
            conn.exec_driver_sql(statement)
    return engine


def mapping_file(tmp_path: Path, text: str = MAPPING) -> Path:
    path = tmp_path / "visits.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def visits_of_anna(connector: SQLConnector) -> list[Record]:
    resolution = resolve("gym", [connector], Descriptor(card_number="L0000001"))
    assert resolution.status is ResolutionStatus.MATCH and resolution.subject is not None
    gathering = gather(resolution.subject, [connector])
    assert gathering.complete
    return [r for r in gathering.records if r.collection == "visit"]


def test_rows_sharing_a_key_are_all_in_the_answer_each_with_its_own_stable_key(db_url: str, tmp_path: Path) -> None:
    engine = database(db_url)
    connector = SQLConnector("school", engine, load_mapping(mapping_file(tmp_path)), controller="gym")
    visits = visits_of_anna(connector)
    # four rows of reader 1 (two of them alike in every column), found by two alternatives each
    assert sorted((str(r.value("visited_on")), r.value("room")) for r in visits) == [
        ("2024-01-08", "Lesesaal"),
        ("2024-02-12", "Lesesaal"),
        ("2024-03-04", "Mediathek"),
        ("2024-03-04", "Mediathek"),
    ]
    assert {r.value("reader_id") for r in visits} == {1}
    keys = [r.key for r in visits]
    assert len(set(keys)) == 4 and all(k.startswith("1#") for k in keys)
    assert sorted(keys) == sorted(r.key for r in visits_of_anna(connector))  # the same keys every time
    connector.close()


def test_a_composite_key_the_schema_makes_unique_is_the_records_key(db_url: str, tmp_path: Path) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        for statement in SCHEMA:
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql(ROWS[0])
        conn.exec_driver_sql(
            "INSERT INTO visit (reader_id, card, visited_on, room) VALUES"
            " (1, 'L0000001', '2024-01-08', 'Lesesaal'), (1, 'L0000001', '2024-02-12', 'Lesesaal')"
        )
        conn.exec_driver_sql("CREATE UNIQUE INDEX ux_visit ON visit (reader_id, visited_on)")
    text = MAPPING.replace('key = "reader_id"', 'key = ["reader_id", "visited_on"]')
    connector = SQLConnector("school", engine, load_mapping(mapping_file(tmp_path, text)), controller="gym")
    assert connector.check() == []
    assert sorted(r.key for r in visits_of_anna(connector)) == ["1/2024-01-08", "1/2024-02-12"]
    connector.close()


def test_dsr_check_names_the_store_collection_and_column_and_what_to_declare(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database(db_url).dispose()
    mapping_file(tmp_path)
    config = tmp_path / "dsr.toml"
    config.write_text(
        '[dsr]\nsecret_key = "7f3c9a1e5b2d8f4a6c0e9b3d7a1f5c8e2b6d0a4f"\n'
        + controller_toml(db_url).replace('mapping = "james-school"', 'mapping = "visits.toml"'),
        encoding="utf-8",
    )
    assert main(["check", "--config", str(config)]) == 2
    err = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert "1 problem(s)" in err
    assert "visits.toml: collections.visit.key: store 'school' (controllers.gym.stores.school)" in err
    assert "table 'visit' has no primary key, and the key column 'reader_id' has no unique" in err
    assert "Several rows of the table already have the same 'reader_id'" in err
    assert 'key = ["reader_id", "<column>"] (a list is a composite key)' in err


def test_check_when_the_key_is_not_the_primary_key_or_no_key_is_given(db_url: str, tmp_path: Path) -> None:
    schema = [
        SCHEMA[0],
        "CREATE TABLE visit (id INTEGER PRIMARY KEY, reader_id INTEGER, card VARCHAR(20),"
        " visited_on DATE, room VARCHAR(50))",
    ]
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        for statement in schema:
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql(ROWS[0])
    text = MAPPING.replace(
        "room = { class", 'id = { class = "system", kind = "int", label = { de = "Nr.", en = "No." } }\nroom = { class'
    )
    connector = SQLConnector("school", engine, load_mapping(mapping_file(tmp_path, text)))
    (problem,) = connector.check()
    assert problem.key == "collections.visit.key"
    assert "store 'school': the key column 'reader_id' is not the primary key of table 'visit' (column 'id')" in (
        problem.problem
    )
    assert "Several rows" not in problem.problem  # no data yet: no duplicates to speak of
    assert 'e.g. key = "id"' in problem.problem
    # the default key `id`, on a table without a primary key
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE visit")
        conn.exec_driver_sql(
            "CREATE TABLE visit (id INTEGER, reader_id INTEGER, card VARCHAR(20), visited_on DATE, room VARCHAR(50))"
        )
    connector = SQLConnector(
        "school", engine, load_mapping(mapping_file(tmp_path, text.replace('key = "reader_id"\n', "")))
    )
    (problem,) = connector.check()
    assert "table 'visit' has no primary key, and the key column 'id' (no key is given: the default)" in problem.problem
    connector.close()


@pytest.mark.parametrize(
    ("key", "where", "words"),
    [
        ('["reader_id", "when"]', "collections.visit.key[1]", "'when' is not among the columns"),
        ('["reader_id", "reader_id"]', "collections.visit.key[1]", "named twice"),
        ("[]", "collections.visit.key", "at least one column"),
        ('"nope"', "collections.visit.key", "'nope' is not among the columns"),
    ],
)
def test_key_errors_name_the_key(tmp_path: Path, key: str, where: str, words: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_mapping(mapping_file(tmp_path, MAPPING.replace('key = "reader_id"', f"key = {key}")))
    assert raised.value.key == where and words in raised.value.problem
