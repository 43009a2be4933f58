"""Retention: the request file is personal data and is deleted a set time after the case ends.

Purging deletes parties, candidates, identity checks and queries, review decisions, comments,
codes, download offers, documents, jobs, rectifications and objections of the case, and keeps a stub of the case row
(reference, controller, kinds of request, dates, state) for statistics and for the audit trail.
The audit chain is untouched and stays verifiable: events never held personal data, only the
case reference, and a "case purged" event records the purge itself.

Idempotency keys (keyed hashes, :mod:`dsr.casefile.idempotency`) go much sooner, whatever the
state of their case: once their window has passed nobody sends the request again.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from dsr.casefile import audit, clock
from dsr.casefile.idempotency import KEY_WINDOW
from dsr.casefile.schema import (
    candidates,
    cases,
    codes,
    comments,
    documents,
    downloads,
    idempotency_keys,
    identity_checks,
    identity_queries,
    jobs,
    objections,
    parties,
    rectifications,
    review_items,
)

#: "e.g. three years" (disclosure requirements); configurable by the caller
DEFAULT_PERIOD = dt.timedelta(days=3 * 365)
# children before the tables they reference
_CHILDREN = (
    codes,
    downloads,
    documents,
    parties,
    candidates,
    identity_checks,
    identity_queries,
    review_items,
    comments,
    jobs,
    rectifications,  # before and after of a correction: the person's own data
    objections,  # the reasons speak of the person's situation
)


def purge_closed(
    engine: sa.Engine, *, period: dt.timedelta = DEFAULT_PERIOD, now: dt.datetime | None = None
) -> list[str]:
    """Purge cases that ended (closed, refused, withdrawn, or dispatched) more than ``period`` ago.

    Returns the references purged.
    """
    now = clock.resolve(now)
    ended = sa.func.coalesce(cases.c.closed_at, cases.c.dispatched_at)
    with engine.connect() as conn:
        due = conn.execute(
            sa.select(cases.c.id, cases.c.reference).where(cases.c.purged_at.is_(None), ended <= now - period)
        ).all()
    purged: list[str] = []
    for case_id, reference in due:
        # one transaction per case: a failure leaves the others done and this one whole
        with engine.begin() as conn:
            counts = {}
            for table in _CHILDREN:
                counts[table.name] = conn.execute(sa.delete(table).where(table.c.case_id == case_id)).rowcount
            conn.execute(
                sa.update(cases)
                .where(cases.c.id == case_id)
                .values(subject_reference=None, purged_at=now, updated_at=now)
            )
            audit.append(
                conn,
                "case purged",
                actor="system",
                case_ref=reference,
                now=now,
                detail={k: v for k, v in counts.items() if v},
            )
        purged.append(reference)
    return purged


def purge_idempotency_keys(
    engine: sa.Engine, *, window: dt.timedelta = KEY_WINDOW, now: dt.datetime | None = None
) -> int:
    """Delete the idempotency keys recorded more than ``window`` ago; returns how many."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        deleted: int = conn.execute(
            sa.delete(idempotency_keys).where(idempotency_keys.c.created_at <= now - window)
        ).rowcount
    return deleted
