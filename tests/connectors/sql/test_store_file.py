"""A SQLite store is read, never made: a missing file fails that store, naming the file (SQLite would
create it empty, and the answer would say "we hold no data about you"), and an existing file is
opened read-only."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from dsr import ConnectorError, Descriptor, load
from dsr.config import connect
from dsr_connectors.james import SCHOOL_SQL, create_schema
from tests.settings import controller_toml

CONFIG = controller_toml("sqlite:///stores/school #1.db")


def _settings(tmp_path: Path):
    (tmp_path / "dsr.toml").write_text(CONFIG, encoding="utf-8")
    return load(tmp_path / "dsr.toml")


def test_a_missing_sqlite_file_fails_that_store_naming_the_file_and_is_not_created(tmp_path: Path) -> None:
    (school,) = connect(_settings(tmp_path), "gym")
    with pytest.raises(ConnectorError) as raised:
        school.candidates(Descriptor(card_number="L0000001"))
    assert raised.value.store == "school" and "school #1.db" in str(raised.value)
    assert "does not exist" in str(raised.value)
    # dsr check names the key as well
    (problem,) = school.check()
    assert "controllers.gym.stores.school.url" in str(problem) and "does not exist" in str(problem)
    school.close()
    assert not (tmp_path / "stores").exists()


def test_an_existing_sqlite_store_is_opened_read_only(tmp_path: Path) -> None:
    (tmp_path / "stores").mkdir()
    store = tmp_path / "stores" / "school #1.db"  # a name that needs quoting in a SQLite URI
    engine = sa.create_engine(f"sqlite:///{store}")
    create_schema(engine, SCHOOL_SQL)
    engine.dispose()
    before = store.read_bytes()

    (school,) = connect(_settings(tmp_path), "gym")
    with school.engine.connect() as conn:  # type: ignore[attr-defined]
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM person").scalar() == 0
        with pytest.raises(sa.exc.OperationalError, match="readonly"):
            conn.exec_driver_sql("CREATE TABLE intruder (id INTEGER)")
    school.close()
    assert store.read_bytes() == before
