"""After the commit, hand the ids of the jobs a transaction queued to the queue.

:func:`dsr.casefile.jobs.note_queued` records each queued id in ``Connection.info`` on connections
watched here; the commit moves them to "committed", a rollback drops them, and when the
connection goes back to the pool (after the commit is done) they are delivered. A crash between
commit and delivery loses only the message, not the job: the queue's sweep finds the row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from dsr.casefile.jobs import QUEUED_IN_TRANSACTION

log = logging.getLogger(__name__)

COMMITTED = "dsr.jobs.committed"


def watch(engine: sa.Engine, deliver: Callable[[list[int]], None]) -> Callable[[], None]:
    """Call ``deliver(job ids)`` after each commit of ``engine``'s connections that queued jobs.
    Returns what stops it."""

    def checkout(_dbapi: Any, record: Any, _proxy: Any) -> None:
        record.info[QUEUED_IN_TRANSACTION] = []
        record.info.pop(COMMITTED, None)

    def commit(conn: sa.Connection) -> None:
        queued = conn.info.get(QUEUED_IN_TRANSACTION)
        if queued:
            conn.info.setdefault(COMMITTED, []).extend(queued)
            queued.clear()

    def rollback(conn: sa.Connection) -> None:
        queued = conn.info.get(QUEUED_IN_TRANSACTION)
        if queued:
            queued.clear()

    def checkin(_dbapi: Any, record: Any) -> None:
        if record is None:
            return
        record.info.pop(QUEUED_IN_TRANSACTION, None)
        committed = record.info.pop(COMMITTED, None)
        if not committed:
            return
        try:
            deliver(committed)
        except Exception as exc:  # noqa: BLE001 - the sweep delivers it later; the request must not fail now
            log.warning(
                "jobs: %d queued job(s) not handed to the queue (%s); the sweep will",
                len(committed),
                type(exc).__name__,
            )

    listeners: list[tuple[str, Callable[..., None]]] = [
        ("checkout", checkout),
        ("commit", commit),
        ("rollback", rollback),
        ("checkin", checkin),
    ]
    for name, listener in listeners:
        sa.event.listen(engine, name, listener)

    def unwatch() -> None:
        for name, listener in listeners:
            sa.event.remove(engine, name, listener)

    return unwatch
