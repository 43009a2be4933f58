"""Mapping files, store settings and `dsr check` for the SQL connector."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from dsr.config import connect, load
from dsr.errors import ConfigError
from dsr.model import Descriptor
from dsr_connectors.james import MAPPINGS, SCHOOL_SQL, VENDOR_SQL, create_schema
from dsr_connectors.sql import SQLConnector, load_mapping

SMALL = """
name = "tiny"
[[people]]
table = "reader"
first_name = "first"
last_name = "last"
email = "email"

[collections.reader]
table = "reader"
title = { de = "Konto", en = "Account" }
activity = "accounts"
category = "master data"
match = [{ id = "key" }]

[collections.reader.columns]
id = { class = "system", kind = "int", label = { de = "Nr.", en = "No." } }
first = { class = "own", label = { de = "Vorname", en = "First name" } }
last = { class = "own", label = { de = "Nachname", en = "Last name" } }
email = { class = "own", label = { de = "E-Mail", en = "E-mail" } }
"""


def write(tmp_path: Path, text: str, name: str = "mapping.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> ConfigError:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_mapping(path)
    assert info.value.file == str(path)
    return info.value


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ('first = { class = "own", label', "collections.reader.columns.first.kind", "colour"),
        ('class = "mine"', "collections.reader.columns.first.class", "mine"),
        ('match = [{ id = "key" }]', "collections.reader.match[0].id", "unknown source"),
        ('en = "First name"', "collections.reader.columns.first.label", "en"),
        ('class = "reference"', "collections.reader.columns.first.role", "role"),
        ('colour = "red"', "collections.reader.colour", "unknown field"),
    ],
)
def test_mapping_errors_name_file_and_key(tmp_path, change, key, words):
    text = {
        'first = { class = "own", label': SMALL.replace(
            'first = { class = "own", label', 'first = { class = "own", kind = "colour", label'
        ),
        'class = "mine"': SMALL.replace('first = { class = "own"', 'first = { class = "mine"'),
        'match = [{ id = "key" }]': SMALL.replace('match = [{ id = "key" }]', 'match = [{ id = "nobody.id" }]'),
        'en = "First name"': SMALL.replace(', en = "First name"', ""),
        'class = "reference"': SMALL.replace('first = { class = "own"', 'first = { class = "reference"'),
        'colour = "red"': SMALL.replace('activity = "accounts"', 'activity = "accounts"\ncolour = "red"'),
    }[change]
    error = error_of(tmp_path, text)
    assert error.key == key and (words in error.problem), str(error)
    assert str(error).startswith(str(tmp_path))


def test_built_in_mappings_load():
    for path in MAPPINGS.values():
        assert load_mapping(path).collections


def test_check_passes_for_the_james_schema_and_finds_an_unclassified_column(db_url):
    engine = sa.create_engine(db_url)
    create_schema(engine, SCHOOL_SQL)
    school = SQLConnector("school", engine, MAPPINGS["james-school"], controller="gym")
    assert school.check() == []
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE loan ADD COLUMN hidden_note VARCHAR(100)")
    problems = {(e.key, e.problem) for e in school.check()}
    assert (
        "collections.loan.columns.hidden_note",
        "column loan.hidden_note is in the database but not classified",
    ) in problems
    assert any(k == "collections.loan_issued.columns.hidden_note" for k, _ in problems)
    school.close()


def test_check_finds_unknown_tables_and_columns(tmp_path, sqlite_url):
    engine = sa.create_engine(sqlite_url)
    create_schema(engine, VENDOR_SQL)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE reader (id INTEGER PRIMARY KEY, first VARCHAR(10), last VARCHAR(10))")
    mapping = load_mapping(write(tmp_path, SMALL))
    problems = {(e.key, e.problem) for e in SQLConnector("tiny", engine, mapping).check()}
    assert ("collections.reader.columns.email", "column reader.email not found in the database") in problems
    assert ("people[0].email", "column reader.email not found in the database") in problems
    assert any("'customer' is in the database but no collection maps it" in p for _, p in problems)
    missing = load_mapping(write(tmp_path, SMALL.replace('table = "reader"', 'table = "leser"'), "m2.toml"))
    problems = {(e.key, e.problem) for e in SQLConnector("tiny", engine, missing).check()}
    assert ("collections.reader.table", "table 'leser' not found in the database") in problems


CONFIG = """
[controllers.gym]
name = "Gymnasium"
kind = "school"
land = "BY"
public = true
street = "Schulweg 1"
postal_code = "12345"
city = "Musterstadt"
email = "info@gym.example"
dpo = { name = "DSB" }
signatory = { name = "Leitung" }

[controllers.gym.stores.school]
connector = "sql"
url = "sqlite:///data/school.db"
mapping = "james-school"
"""


def test_store_settings_resolve_relative_paths_and_built_in_mappings(tmp_path):
    (tmp_path / "data").mkdir()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'data' / 'school.db'}")
    create_schema(engine, SCHOOL_SQL)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO person (id, kind, first_name, last_name, card_number, created_at, keep_loan_history)"
            " VALUES (1, 'student', 'Ada', 'Muster', 'L1', '2025-01-01 00:00:00', 0)"
        )
    config = write(tmp_path, CONFIG, "dsr.toml")
    [school] = connect(load(config), "gym")
    assert isinstance(school, SQLConnector) and school.name == "school"
    assert [c.key for c in school.candidates(Descriptor(card_number="L1"))] == ["1"]
    assert school.check() == []
    write(tmp_path, SMALL, "own.toml")
    config = write(tmp_path, CONFIG.replace('"james-school"', '"own.toml"'), "dsr.toml")
    [school] = connect(load(config), "gym")
    assert school.mapping.name == "tiny"


@pytest.mark.parametrize(
    ("line", "key", "words"),
    [
        ('colour = "red"', "controllers.gym.stores.school.colour", "unknown setting"),
        ('mapping = "missing.toml"', None, "mapping file not found"),
        ('url = "not a url"', "controllers.gym.stores.school.url", "not a database URL"),
    ],
)
def test_store_setting_errors_name_the_key(tmp_path, line, key, words):
    text = CONFIG + line + "\n"
    if line.startswith("mapping"):
        text = CONFIG.replace('mapping = "james-school"', line)
    if line.startswith("url"):
        text = CONFIG.replace('url = "sqlite:///data/school.db"', line)
    config = write(tmp_path, text, "dsr.toml")
    with pytest.raises(ConfigError) as info:
        connect(load(config), "gym")
    assert words in info.value.problem
    if key:
        assert info.value.key == key and info.value.file == str(config.resolve())
    else:
        assert info.value.file == str(tmp_path / "missing.toml")
