"""Retention: a case's file is deleted a set time after it ended; the audit chain still verifies."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import Channel, Intake, Party, RequestType
from dsr.casefile.schema import cases as case_table
from dsr.casefile.schema import comments, events, parties
from dsr.model import Descriptor

SECRET = b"server-secret-for-tests"
T = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)
THREE_YEARS = dt.timedelta(days=3 * 365)


def _open(engine: sa.Engine) -> str:
    intake = Intake(
        controller="gym",
        land="BY",
        request_types=(RequestType.ERASURE,),
        channel=Channel.EMAIL,
        received_at=T,
        subject=Party(descriptor=Descriptor(first_name="Anna", last_name="Beispiel"), email="anna@example.org"),
    )
    return casefile.open_case(engine, SECRET, intake, now=T).reference


def test_cases_ended_longer_than_the_period_are_purged_and_the_chain_verifies(engine: sa.Engine) -> None:
    officer = casefile.create_user(engine, "o", "pw", {"gym": ["officer"]}, now=T)
    old, recent, still_open = _open(engine), _open(engine), _open(engine)
    casefile.add_comment(engine, officer, old, "Anna Beispiel hat angerufen", now=T)
    casefile.withdraw(engine, officer, old, now=T)
    casefile.withdraw(engine, officer, recent, now=T + dt.timedelta(days=400))

    purged = casefile.purge_closed(engine, period=THREE_YEARS, now=T + THREE_YEARS + dt.timedelta(days=1))
    assert purged == [old]
    with engine.connect() as conn:
        remaining = (
            conn.execute(sa.select(case_table.c.reference).join(parties, parties.c.case_id == case_table.c.id))
            .scalars()
            .all()
        )
        assert sorted(remaining) == sorted([recent, still_open])
        assert conn.execute(sa.select(sa.func.count()).select_from(comments)).scalar_one() == 0
        # a stub stays: reference and dates, no person
        stub = conn.execute(sa.select(case_table).where(case_table.c.reference == old)).one()
        assert stub.purged_at is not None and stub.subject_reference is None
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(events).where(events.c.case_ref == old)).scalar_one()
            > 0
        )
    assert casefile.verify(engine).ok
    assert casefile.history(engine, old)[-1].action == "case purged"
    # purging again finds nothing; the officer's list no longer shows it
    assert casefile.purge_closed(engine, period=THREE_YEARS, now=T + THREE_YEARS + dt.timedelta(days=2)) == []
    assert old not in [v.reference for v in casefile.list_cases(engine, officer)]
