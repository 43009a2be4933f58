"""Idempotency keys are honoured for their window and then deleted by housekeeping, on SQLite,
PostgreSQL and MariaDB: an old key no longer finds its case (the case itself stays), a fresh one
still answers with the first receipt."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from dsr.casefile import Channel, Intake, Party, RequestType, idempotency
from dsr.casefile.documents import open_case_with_documents
from dsr.casefile.schema import cases, idempotency_keys
from dsr.config import Settings, load
from dsr.model import Descriptor
from dsr.service.housekeeping import tidy
from tests.settings import controller_toml

SECRET = b"server-secret-for-tests"
NOW = dt.datetime(2026, 3, 20, 3, 0, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)  # the window as documented (docs/cases.md), not read from the code


def _settings(engine: sa.Engine, tmp_path: Path) -> Settings:
    url = engine.url.render_as_string(hide_password=False)
    file = tmp_path / "dsr.toml"
    file.write_text(f'[dsr]\nsecret_key = "{"s3cr3t-" * 6}"\n[portal]\ndatabase_url = "{url}"\n' + controller_toml())
    return load(file)


def _submit(engine: sa.Engine, key: str, at: dt.datetime) -> tuple[idempotency.Claim, str]:
    request = f'{{"first_name":"Anna","key":"{key}"}}'.encode()
    claim = idempotency.claim(SECRET, "gym", key, request)
    intake = Intake(
        controller="gym",
        land="BY",
        request_types=(RequestType.ACCESS,),
        channel=Channel.PORTAL,
        received_at=at,
        subject=Party(descriptor=Descriptor(first_name="Anna", last_name="Beispiel"), email="anna@example.org"),
    )
    return claim, open_case_with_documents(engine, SECRET, intake, [], now=at, claim=claim).reference


def _count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_housekeeping_deletes_keys_past_their_window_and_keeps_the_fresh_ones(
    engine: sa.Engine, tmp_path: Path
) -> None:
    old, old_ref = _submit(engine, "old-key-0000000000000001", NOW - WEEK - dt.timedelta(minutes=1))
    fresh, fresh_ref = _submit(engine, "fresh-key-00000000000002", NOW - WEEK + dt.timedelta(minutes=1))
    today, today_ref = _submit(engine, "today-key-00000000000003", NOW - dt.timedelta(hours=1))
    assert idempotency.find(engine, old) is not None  # honoured until housekeeping runs

    done = tidy(engine, _settings(engine, tmp_path), now=NOW)

    assert done.idempotency_keys_purged == 1
    assert idempotency.find(engine, old) is None  # sent again now, the request would open a new case
    for claim, reference in ((fresh, fresh_ref), (today, today_ref)):
        earlier = idempotency.find(engine, claim)
        assert earlier is not None and earlier.reference == reference
        assert earlier.status_secret == claim.status_secret
    # only the key went: its case is untouched
    assert _count(engine, cases) == 3 and _count(engine, idempotency_keys) == 2
    with engine.connect() as conn:
        assert conn.execute(sa.select(cases.c.purged_at).where(cases.c.reference == old_ref)).scalar_one() is None
    # a second round finds nothing more; the fresh key goes once its week is over
    assert tidy(engine, _settings(engine, tmp_path), now=NOW).idempotency_keys_purged == 0
    assert tidy(engine, _settings(engine, tmp_path), now=NOW + dt.timedelta(minutes=2)).idempotency_keys_purged == 1
    assert idempotency.find(engine, fresh) is None and idempotency.find(engine, today) is not None
