"""The audit trail: an append-only, hash-chained event log.

Each event's hash is sha256 over the canonical JSON of (seq, time, case reference, actor,
action, detail, previous hash). Changing any stored field, deleting an event or swapping two
breaks the chain at that point; deleting the newest events shows against ``chain_head``, the
single row holding the last seq and hash. (Someone able to rewrite the whole table *and* the
head can forge a consistent chain; publish ``head()`` somewhere else — e.g. in the daily
digest — to detect that too.)

Events describe what happened ("identity confirmed", "records viewed") with ids and
references only: no names, addresses or contents. Purging a case never touches its events.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any

import msgspec
import sqlalchemy as sa

from dsr.casefile import clock
from dsr.casefile.schema import chain_head, events

GENESIS = "0" * 64
DetailValue = str | int | float | bool | None | list[Any] | dict[str, Any]


class Event(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    at: dt.datetime
    case_ref: str | None
    actor: str
    action: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


class Problem(msgspec.Struct, frozen=True):
    """One break in the chain.

    ``kind``: altered (content ≠ hash) | missing (a gap in seq) | broken_link (prev_hash is not
    the previous event's hash) | reordered | head_mismatch (newest events deleted or rewritten).
    """

    seq: int
    kind: str
    explanation: str


class AuditReport(msgspec.Struct, frozen=True, kw_only=True):
    events: int
    head_seq: int
    head_hash: str
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def event_hash(
    *, seq: int, at: dt.datetime, case_ref: str | None, actor: str, action: str, detail: str, prev_hash: str
) -> str:
    body = {
        "seq": seq,
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "case_ref": case_ref,
        "actor": actor,
        "action": action,
        "detail": detail,
        "prev": prev_hash,
    }
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def append(
    conn: sa.Connection,
    action: str,
    *,
    actor: str,
    case_ref: str | None = None,
    detail: Mapping[str, DetailValue] | None = None,
    now: dt.datetime | None = None,
) -> Event:
    """Append an event inside the caller's transaction (so it commits with the change it records)."""
    at = clock.resolve(now)
    # Updating the head first takes its row lock (SQLite: the write lock) before reading it,
    # so two concurrent appenders queue up instead of forking the chain.
    conn.execute(sa.update(chain_head).where(chain_head.c.id == 1).values(seq=chain_head.c.seq + 1))
    seq, prev_hash = conn.execute(sa.select(chain_head.c.seq, chain_head.c.hash).where(chain_head.c.id == 1)).one()
    detail_text = canonical(dict(detail or {}))
    digest = event_hash(
        seq=seq, at=at, case_ref=case_ref, actor=actor, action=action, detail=detail_text, prev_hash=prev_hash
    )
    conn.execute(
        sa.insert(events).values(
            seq=seq,
            at=at,
            case_ref=case_ref,
            actor=actor,
            action=action,
            detail=detail_text,
            prev_hash=prev_hash,
            hash=digest,
        )
    )
    conn.execute(sa.update(chain_head).where(chain_head.c.id == 1).values(hash=digest))
    return Event(
        seq=seq,
        at=at,
        case_ref=case_ref,
        actor=actor,
        action=action,
        detail=json.loads(detail_text),
        prev_hash=prev_hash,
        hash=digest,
    )


def _rows(conn: sa.Connection, where: sa.ColumnElement[bool] | None = None) -> Iterator[sa.Row[Any]]:
    query = sa.select(events).order_by(events.c.seq)
    if where is not None:
        query = query.where(where)
    yield from conn.execution_options(yield_per=1000).execute(query)


def _event(row: sa.Row[Any]) -> Event:
    return Event(
        seq=row.seq,
        at=row.at,
        case_ref=row.case_ref,
        actor=row.actor,
        action=row.action,
        detail=json.loads(row.detail),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def history(engine: sa.Engine, case_ref: str) -> list[Event]:
    """The events of one case, oldest first."""
    with engine.connect() as conn:
        return [_event(r) for r in _rows(conn, events.c.case_ref == case_ref)]


def head(engine: sa.Engine) -> tuple[int, str]:
    """(seq, hash) of the newest event: publish it to detect a rewritten log."""
    with engine.connect() as conn:
        seq, digest = conn.execute(sa.select(chain_head.c.seq, chain_head.c.hash).where(chain_head.c.id == 1)).one()
        return seq, digest


def verify(engine: sa.Engine) -> AuditReport:
    """Walk the whole chain; report every altered, missing or reordered event."""
    problems: list[Problem] = []
    count = 0
    expected_seq, prev_hash, last_id = 1, GENESIS, 0
    with engine.connect() as conn:
        head_seq, head_hash = conn.execute(sa.select(chain_head.c.seq, chain_head.c.hash)).one()
        for row in _rows(conn):
            count += 1
            if row.seq != expected_seq:
                problems.append(Problem(expected_seq, "missing", f"events {expected_seq}..{row.seq - 1} are missing"))
            elif row.prev_hash != prev_hash:
                problems.append(
                    Problem(row.seq, "broken_link", "does not link to the event before it (changed or removed)")
                )
            if row.id < last_id:
                problems.append(Problem(row.seq, "reordered", "stored out of order"))
            recomputed = event_hash(
                seq=row.seq,
                at=row.at,
                case_ref=row.case_ref,
                actor=row.actor,
                action=row.action,
                detail=row.detail,
                prev_hash=row.prev_hash,
            )
            if recomputed != row.hash:
                problems.append(Problem(row.seq, "altered", "content does not match its hash"))
            expected_seq, prev_hash, last_id = row.seq + 1, row.hash, row.id
    if expected_seq - 1 != head_seq or prev_hash != head_hash:
        problems.append(
            Problem(
                expected_seq - 1, "head_mismatch", f"the log ends at {expected_seq - 1}; its head records {head_seq}"
            )
        )
    return AuditReport(events=count, head_seq=head_seq, head_hash=head_hash, problems=tuple(problems))
