"""Whose data a column is, beyond "own" and "reference" — on SQLite, PostgreSQL and MariaDB.

- ``other_party``: columns of the subject's row that hold another party's data (an incident's
  attacker, a shared item's earlier borrowers): restricted for an officer, or left out;
- ``holds = "ip"``: an address column shows the subject's own addresses, anybody else's as a role;
- ``[[ip_addresses]] where``: only a successful login shows that a person used an address;
- ``relative``: the name of a relative the subject may see (their parent, their child).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from dsr.errors import ConfigError
from dsr.model import Classification, Descriptor, Field, Gathering, IdentifierKind, Record, Subject, Withholding
from dsr.pipeline.identify import confirm, resolve
from dsr.pipeline.restriction import (
    OTHER_PARTY,
    RecordAction,
    RestrictionDecision,
    WithholdingGround,
    decide_restricted,
    restricted_references,
)
from dsr_connectors.sql import SQLConnector, load_mapping
from tests.databases import insert_rows

DDL = (
    "CREATE TABLE reader (id INTEGER PRIMARY KEY, card VARCHAR(20), first VARCHAR(100), last VARCHAR(100))",
    "CREATE TABLE parent (id INTEGER PRIMARY KEY, child_id INTEGER, name VARCHAR(200), email VARCHAR(200))",
    "CREATE TABLE login (id INTEGER PRIMARY KEY, reader_id INTEGER, ip VARCHAR(45), outcome VARCHAR(20))",
    "CREATE TABLE incident (id INTEGER PRIMARY KEY, victim_id INTEGER, attacker_id INTEGER, "
    "attacker_ip VARCHAR(45), case_no VARCHAR(50), what VARCHAR(50))",
    "CREATE TABLE medium (id INTEGER PRIMARY KEY, title VARCHAR(100), condition_note VARCHAR(500))",
    "CREATE TABLE lending (id INTEGER PRIMARY KEY, medium_id INTEGER, reader_id INTEGER)",
)

MAPPING = """
name = "tiny"

[[people]]
table = "reader"
card = "card"
first_name = "first"
last_name = "last"

[[people]]
table = "parent"
key = "email"
key_format = "email"
key_prefix = "parent:"
email = "email"
full_name = "name"

[[ip_addresses]]
table = "login"
person = "reader_id"
column = "ip"
where = { outcome = "success" }

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

[collections.parents]
table = "parent"
title = { de = "Ihre Eltern", en = "Your parents" }
activity = "family"
category = "family"
match = [{ child_id = "key" }]

[collections.parents.columns]
id = { class = "system", kind = "int", label = { de = "Nr.", en = "No." } }
child_id = { class = "reference", role = "child", label = { de = "Kind", en = "Child" } }
name = { class = "reference", role = "guardian", holds = "name", relative = "full_name", label = { de = "Name", en = "Name" } }
email = { class = "reference", role = "guardian", holds = "email", label = { de = "E-Mail", en = "E-mail" } }

[collections.children]
table = "parent"
title = { de = "Ihre Kinder", en = "Your children" }
activity = "family"
category = "family"
match = [{ email = "email" }]

[collections.children.columns]
id = { class = "system", kind = "int", label = { de = "Nr.", en = "No." } }
child_id = { class = "reference", role = "child", relative = "first_name", label = { de = "Kind", en = "Child" } }
name = { class = "own", label = { de = "Name", en = "Name" } }
email = { class = "own", label = { de = "E-Mail", en = "E-mail" } }

[collections.login]
table = "login"
title = { de = "Anmeldungen", en = "Logins" }
activity = "logins"
category = "usage data"
match = [{ reader_id = "key" }]

[collections.login.columns]
id = { class = "system", kind = "int", label = { de = "Nr.", en = "No." } }
reader_id = { class = "reference", role = "other_reader", label = { de = "Konto", en = "Account" } }
ip = { class = "reference", role = "other_reader", holds = "ip", label = { de = "Adresse", en = "Address" } }
outcome = { class = "own", label = { de = "Ergebnis", en = "Outcome" } }

[collections.incident]
table = "incident"
title = { de = "Vorfälle", en = "Incidents" }
activity = "security"
category = "security logs"
match = [{ victim_id = "key" }]
other_party = { person = "attacker_id", columns = ["attacker_ip", "case_no"] }

[collections.incident.columns]
id = { class = "system", kind = "int", label = { de = "Nr.", en = "No." } }
victim_id = { class = "reference", role = "affected_account", label = { de = "Konto", en = "Account" } }
attacker_id = { class = "reference", role = "suspect", label = { de = "Verdacht", en = "Suspect" } }
attacker_ip = { class = "system", label = { de = "Adresse des Angriffs", en = "Attack address" } }
case_no = { class = "own", label = { de = "Aktenzeichen", en = "Case number" } }
what = { class = "own", label = { de = "Art", en = "Kind" } }

[collections.lending]
table = "lending"
title = { de = "Ausleihen", en = "Loans" }
activity = "loans"
category = "loans"
match = [{ reader_id = "key" }]

[collections.lending.columns]
id = { class = "system", kind = "int", label = { de = "Nr.", en = "No." } }
medium_id = { class = "system", kind = "int", label = { de = "Medium", en = "Item" } }
reader_id = { class = "reference", role = "other_reader", label = { de = "Leser", en = "Reader" } }

[collections.medium]
table = "medium"
title = { de = "Medien", en = "Items" }
activity = "loans"
category = "loans"
match = [{ id = "lending.medium_id" }]
other_party = { columns = ["condition_note"], handling = "omitted" }

[collections.medium.columns]
id = { class = "system", kind = "int", label = { de = "Nr.", en = "No." } }
title = { class = "own", label = { de = "Titel", en = "Title" } }
condition_note = { class = "free_text", label = { de = "Zustand", en = "Condition" } }
"""

ROWS = {
    "reader": [
        dict(id=1, card="L1", first="Mia", last="Brandt"),
        dict(id=2, card="L2", first="Jonas", last="Brandt"),
        dict(id=3, card="L3", first="Kai", last="Vogt"),
    ],
    "parent": [
        dict(id=1, child_id=1, name="Petra Brandt", email="petra@eltern.example"),
        dict(id=2, child_id=2, name="Petra Brandt", email="petra@eltern.example"),
        dict(id=3, child_id=3, name="Kai Vogt", email="kai.senior@eltern.example"),  # named like his son
    ],
    "login": [
        dict(id=1, reader_id=1, ip="198.51.100.7", outcome="success"),
        dict(id=2, reader_id=1, ip="203.0.113.66", outcome="bad_password"),  # Kai, guessing her password
        dict(id=3, reader_id=3, ip="203.0.113.66", outcome="success"),
        dict(id=4, reader_id=1, ip="2001:db8:0:0::5", outcome="success"),
        dict(id=5, reader_id=1, ip="2001:db8::5", outcome="bad_password"),  # her own address, written otherwise
    ],
    "incident": [
        dict(id=1, victim_id=1, attacker_id=3, attacker_ip="203.0.113.66", case_no="Polizei 2026-4711", what="x"),
        dict(id=2, victim_id=2, attacker_id=2, attacker_ip="198.51.100.9", case_no=None, what="own rights"),
        dict(id=3, victim_id=2, attacker_id=None, attacker_ip=None, case_no=None, what="nothing known"),
    ],
    "medium": [dict(id=1, title="Momo", condition_note="Wasserschaden, zuletzt bei Kai Vogt; Mutter informiert")],
    "lending": [dict(id=1, medium_id=1, reader_id=1), dict(id=2, medium_id=1, reader_id=3)],
}


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[SQLConnector]:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        for stmt in DDL:
            conn.exec_driver_sql(stmt)
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.begin() as conn:
        for table, rows in ROWS.items():
            insert_rows(conn, meta.tables[table], rows)
    mapping = tmp_path / "tiny.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    connector = SQLConnector("tiny", engine, load_mapping(mapping), controller="lib")
    assert connector.check() == []
    yield connector
    connector.close()


def _subject(store: SQLConnector, descriptor: Descriptor) -> Subject:
    resolution = resolve("lib", [store], descriptor)
    subject = confirm("lib", resolution.candidates, resolution.candidates[0].reference)
    return subject.with_identifiers(store.identifiers(subject))


def _records(store: SQLConnector, descriptor: Descriptor) -> tuple[Subject, list[Record]]:
    subject = _subject(store, descriptor)
    return subject, list(store.records(subject))


def _field(record: Record, name: str) -> Field:
    return next(f for f in record.fields if f.name == name)


# ------------------------------------------------------------------ the other party


def test_the_attackers_data_is_restricted_in_the_victims_record(store: SQLConnector) -> None:
    subject, records = _records(store, Descriptor(card_number="L1"))
    [incident] = [r for r in records if r.collection == "incident"]
    assert not incident.restricted  # the incident itself is the victim's
    assert incident.restricted_fields == ("attacker_ip", "case_no")
    assert incident.value("what") == "x"
    gathering = Gathering(subject=subject, records=tuple(records), collections=(), reports=())
    assert [r.key for r in restricted_references(gathering).values()] == ["1"]  # listed for the officer

    undecided = decide_restricted(gathering, {})
    kept = next(r for r in undecided.gathering.records if r.collection == "incident")
    assert {f.name for f in kept.fields} == {"id", "victim_id", "attacker_id", "what"}
    assert "203.0.113.66" not in repr(undecided.gathering.records)
    assert undecided.withholdings == (Withholding(OTHER_PARTY, 2, "art15-4"),)
    assert len(undecided.undecided) == 1

    [ref] = restricted_references(gathering)
    released = decide_restricted(gathering, {ref: RestrictionDecision(decision=RecordAction.DISCLOSE)})
    kept = next(r for r in released.gathering.records if r.collection == "incident")
    assert kept.value("attacker_ip") == "203.0.113.66" and kept.value("case_no") == "Polizei 2026-4711"
    assert released.withholdings == () and released.undecided == ()

    withheld = decide_restricted(
        gathering, {ref: RestrictionDecision(decision=RecordAction.WITHHOLD, ground=WithholdingGround.BDSG_29)}
    )
    assert withheld.withholdings == (Withholding(OTHER_PARTY, 2, "bdsg-29"),)
    assert any(r.collection == "incident" for r in withheld.gathering.records)  # the record stays


def test_where_the_subject_is_the_other_party_the_columns_are_theirs(store: SQLConnector) -> None:
    _, records = _records(store, Descriptor(card_number="L2"))
    by_key = {r.key: r for r in records if r.collection == "incident"}
    assert by_key["2"].restricted_fields == ()  # the subject attacked their own account's rights
    assert by_key["2"].value("attacker_ip") == "198.51.100.9"
    assert by_key["3"].restricted_fields == ()  # nothing of anybody recorded: nothing to restrict


def test_omitted_columns_never_leave_the_connector(store: SQLConnector) -> None:
    for card in ("L1", "L3"):
        _, records = _records(store, Descriptor(card_number=card))
        [medium] = [r for r in records if r.collection == "medium"]
        assert [f.name for f in medium.fields] == ["id", "title"] and medium.restricted_fields == ()
    spec = next(c for c in store.collections() if c.name == "medium")
    assert [f.name for f in spec.fields] == ["id", "title"]  # the letter has no always-empty column


# ------------------------------------------------------------------ addresses


def test_an_address_column_shows_the_subjects_own_addresses_only(store: SQLConnector) -> None:
    subject, records = _records(store, Descriptor(card_number="L1"))
    # a failed attempt shows nobody used an address: Kai's guess is not one of Mia's addresses
    assert set(subject.values(IdentifierKind.IP)) == {"198.51.100.7", "2001:db8:0:0::5"}
    logins = {r.key: _field(r, "ip") for r in records if r.collection == "login"}
    assert logins["1"] == Field("ip", "198.51.100.7", Classification.OWN)
    assert logins["4"].classification is Classification.OWN and logins["4"].value == "2001:db8:0:0::5"
    assert logins["5"].classification is Classification.OWN  # the same address, written compressed
    assert logins["2"] == Field("ip", True, Classification.REFERENCE)  # someone else's: a role, never the value
    assert "203.0.113.66" not in repr([r for r in records if r.collection == "login"])


def test_exclusivity_still_counts_every_row(store: SQLConnector) -> None:
    kai = _subject(store, Descriptor(card_number="L3"))
    # Kai logged in successfully from 203.0.113.66; Mia's account saw a failed attempt from it
    assert kai.values(IdentifierKind.IP) == ("203.0.113.66",)
    assert kai.values(IdentifierKind.IP_EXCLUSIVE) == ()


# ------------------------------------------------------------------ relatives


def test_a_pupil_gets_their_parents_name_and_a_parent_their_childrens_first_names(store: SQLConnector) -> None:
    _, records = _records(store, Descriptor(card_number="L1"))
    [parent] = [r for r in records if r.collection == "parents"]
    name = _field(parent, "name")
    assert name.value is True and name.relative == "Petra Brandt"  # the value stays out, the relative is named
    assert _field(parent, "email").relative is None  # contact details stay the parent's own

    # a father who bears his son's very name is still the father, never "you"
    _, records = _records(store, Descriptor(card_number="L3"))
    [father] = [r for r in records if r.collection == "parents"]
    assert _field(father, "name") == Field("name", True, Classification.REFERENCE, False, "Kai Vogt")

    _, records = _records(store, Descriptor(email="petra@eltern.example"))
    children = sorted(_field(r, "child_id").relative or "" for r in records if r.collection == "children")
    assert children == ["Jonas", "Mia"]


# ------------------------------------------------------------------ mapping errors


def _error(tmp_path: Path, text: str) -> ConfigError:
    path = tmp_path / "m.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_mapping(path)
    return info.value


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        (
            'columns = ["attacker_ip", "case_no"]',
            'columns = ["nope"]',
            "collections.incident.other_party.columns[0]",
            "not among",
        ),
        (
            'columns = ["attacker_ip", "case_no"]',
            'columns = ["id"]',
            "collections.incident.other_party.columns[0]",
            "key",
        ),
        ('person = "attacker_id"', 'person = "what"', "collections.incident.other_party.person", "not a reference"),
        ('handling = "omitted"', 'handling = "hidden"', "collections.medium.other_party.handling", "hidden"),
        (
            'title = { class = "own", label',
            'title = { class = "own", relative = "full_name", label',
            "collections.medium.columns.title",
            "references only",
        ),
        (
            'holds = "name", relative = "full_name"',
            'holds = "name", relative = "first_name"',
            "collections.parents.columns.name.relative",
            "full_name",
        ),
        (
            'holds = "email", label = { de = "E-Mail"',
            'holds = "email", relative = "full_name", label = { de = "E-Mail"',
            "collections.parents.columns.email.relative",
            "key",
        ),
    ],
)
def test_mapping_errors_name_the_key(tmp_path: Path, old: str, new: str, key: str, words: str) -> None:
    assert old in MAPPING
    error = _error(tmp_path, MAPPING.replace(old, new, 1))
    assert error.key == key and words in error.problem, str(error)


def test_a_relative_behind_a_key_needs_a_people_table_to_look_the_name_up(tmp_path: Path) -> None:
    text = MAPPING.replace('[[people]]\ntable = "reader"', '[[people]]\ntable = "reader"\nkey_prefix = "r:"', 1)
    error = _error(tmp_path, text)
    assert error.key == "collections.children.columns.child_id.relative" and "key_prefix" in error.problem


def test_ip_addresses_where_is_checked_against_the_schema(store: SQLConnector, tmp_path: Path) -> None:
    path = tmp_path / "where.toml"
    path.write_text(MAPPING.replace('where = { outcome = "success" }', 'where = { result = "ok" }'), encoding="utf-8")
    other = SQLConnector("tiny", store.engine, load_mapping(path))
    assert [(e.key, e.problem) for e in other.check()] == [
        ("ip_addresses[0].where.result", "column login.result not found in the database")
    ]
