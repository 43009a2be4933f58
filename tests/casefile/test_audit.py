"""The hash-chained audit log: tampering with rows directly in SQL is detected."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import sqlalchemy as sa

from dsr.casefile import audit, verify
from dsr.casefile.schema import chain_head, events

T0 = dt.datetime(2026, 3, 10, 9, 30, 0, 123456, tzinfo=dt.UTC)


def _log(engine: sa.Engine, n: int) -> None:
    with engine.begin() as conn:
        for i in range(n):
            audit.append(
                conn,
                "state changed",
                actor="user:1",
                case_ref="DSR-2026-AAAAAA",
                detail={"from": "review", "to": "prepared", "i": i},
                now=T0 + dt.timedelta(seconds=i),
            )


def test_an_untouched_chain_verifies(engine: sa.Engine) -> None:
    _log(engine, 5)
    report = verify(engine)
    assert report.ok and report.events == 5 and report.head_seq == 5
    history = audit.history(engine, "DSR-2026-AAAAAA")
    assert [e.detail["i"] for e in history] == [0, 1, 2, 3, 4]
    assert history[0].at == T0  # microseconds survive the round trip on every dialect
    assert all(b.prev_hash == a.hash for a, b in pairwise(history))


def test_an_altered_event_is_detected(engine: sa.Engine) -> None:
    _log(engine, 5)
    with engine.begin() as conn:
        conn.execute(sa.update(events).where(events.c.seq == 3).values(action="identity confirmed"))
    report = verify(engine)
    assert not report.ok
    assert [(p.seq, p.kind) for p in report.problems] == [(3, "altered")]


def test_an_altered_and_rehashed_event_breaks_the_link_to_the_next(engine: sa.Engine) -> None:
    _log(engine, 5)
    with engine.begin() as conn:
        row = conn.execute(sa.select(events).where(events.c.seq == 2)).one()
        forged = audit.event_hash(
            seq=2,
            at=row.at,
            case_ref=row.case_ref,
            actor="user:99",
            action=row.action,
            detail=row.detail,
            prev_hash=row.prev_hash,
        )
        conn.execute(sa.update(events).where(events.c.seq == 2).values(actor="user:99", hash=forged))
    assert [(p.seq, p.kind) for p in verify(engine).problems] == [(3, "broken_link")]


def test_a_deleted_event_is_detected(engine: sa.Engine) -> None:
    _log(engine, 5)
    with engine.begin() as conn:
        conn.execute(sa.delete(events).where(events.c.seq == 2))
    kinds = {p.kind for p in verify(engine).problems}
    assert "missing" in kinds


def test_deleting_the_newest_events_is_detected(engine: sa.Engine) -> None:
    _log(engine, 5)
    with engine.begin() as conn:
        conn.execute(sa.delete(events).where(events.c.seq >= 4))
    assert [p.kind for p in verify(engine).problems] == ["head_mismatch"]


def test_swapped_events_are_detected(engine: sa.Engine) -> None:
    _log(engine, 4)
    with engine.begin() as conn:
        conn.execute(sa.update(events).where(events.c.seq == 2).values(seq=-2))
        conn.execute(sa.update(events).where(events.c.seq == 3).values(seq=2))
        conn.execute(sa.update(events).where(events.c.seq == -2).values(seq=3))
    report = verify(engine)
    assert not report.ok
    assert {"altered", "reordered"} <= {p.kind for p in report.problems}


def test_appends_from_two_connections_never_fork_the_chain(engine: sa.Engine) -> None:
    # interleaved transactions: the head row lock serialises them
    for i in range(3):
        with engine.begin() as a:
            audit.append(a, "a", actor="system", detail={"i": i})
        with engine.begin() as b:
            audit.append(b, "b", actor="system", detail={"i": i})
    with engine.connect() as conn:
        seqs = list(conn.execute(sa.select(events.c.seq).order_by(events.c.seq)).scalars())
        head = conn.execute(sa.select(chain_head.c.seq)).scalar_one()
    assert seqs == [1, 2, 3, 4, 5, 6] and head == 6
    assert verify(engine).ok
