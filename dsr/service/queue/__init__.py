"""One way to run the portal's background jobs, two backends (docs/jobs.md).

The case file's ``jobs`` table (:mod:`dsr.casefile.jobs`) is always the durable record: a job is
written in the same transaction as the case change that asks for it (a transactional outbox), so
it is never lost once that transaction commits and never run when it rolls back. A backend only
decides how workers learn that a job is due:

* :class:`~dsr.service.queue.table.TableQueue` (``[portal.jobs] backend = "table"``): workers poll
  the table. Any database, no other service; `dsr serve` runs one in a thread.
* :class:`~dsr.service.queue.postgres.ProcrastinateQueue` (``"procrastinate"``): after the commit
  the job's id goes to procrastinate, PostgreSQL's own queue (LISTEN/NOTIFY wakes a worker at
  once); a periodic sweep hands on ids whose message was lost. Periodic work (housekeeping, the
  deadlines digest, legal holds) runs as procrastinate's periodic tasks, once per schedule however
  many workers run.

``"auto"`` (the default) picks procrastinate when the portal database is PostgreSQL and
procrastinate is installed (``pip install 'dsr[queue]'``), else the table.
"""

from __future__ import annotations

import importlib.util
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import Literal, Protocol

import sqlalchemy as sa

from dsr.casefile.jobs import Handler
from dsr.config import Settings
from dsr.errors import ConfigError

Backend = Literal["table", "procrastinate"]


class JobQueue(Protocol):
    """What the portal, `dsr worker` and `dsr serve` need of a job backend."""

    @property
    def name(self) -> Backend:
        """The backend: table or procrastinate."""

    def notify(self, job_ids: Sequence[int]) -> None:
        """Jobs with these ids were committed to the job table: have them run."""

    def run_worker(self, handlers: Mapping[str, Handler], stop: threading.Event, *, idle: float = 1.0) -> None:
        """Run jobs (and the periodic work) until ``stop`` is set."""

    def close(self) -> None:
        """Release connections the queue opened of its own."""


def backend_of(settings: Settings, engine: sa.Engine) -> Backend:
    """``[portal.jobs] backend`` resolved for the portal database ``engine``."""
    wanted = settings.portal.jobs.backend
    postgres = engine.dialect.name == "postgresql"
    installed = importlib.util.find_spec("procrastinate") is not None
    if wanted == "table" or (wanted == "auto" and not (postgres and installed)):
        return "table"
    if not postgres:
        raise ConfigError(
            settings.source,
            "portal.jobs.backend",
            f'"procrastinate" needs PostgreSQL as the portal database (this one is {engine.dialect.name}); or "table"',
        )
    if not installed:
        raise ConfigError(
            settings.source, "portal.jobs.backend", "procrastinate is not installed: pip install 'dsr[queue]'"
        )
    return "procrastinate"


_queues: weakref.WeakKeyDictionary[sa.Engine, JobQueue] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def queue_for(settings: Settings, engine: sa.Engine) -> JobQueue:
    """The job queue of the portal database ``engine`` (one per engine: the portal's startup, its
    worker thread and the CLI share it). Raises :class:`ConfigError` for an unusable backend."""
    with _lock:
        known = _queues.get(engine)
        if known is not None:
            return known
        queue: JobQueue
        if backend_of(settings, engine) == "procrastinate":
            from dsr.service.queue.postgres import ProcrastinateQueue

            queue = ProcrastinateQueue(settings, engine)
        else:
            from dsr.service.queue.table import TableQueue

            queue = TableQueue(settings, engine)
        _queues[engine] = queue
        return queue


def prepare(settings: Settings, engine: sa.Engine, *, migrate: bool = True) -> JobQueue:
    """At `dsr migrate` and the portal's startup: the queue, its tables created (``migrate``) or
    checked. The table backend needs nothing beyond the case file's own migrations."""
    queue = queue_for(settings, engine)
    if queue.name == "procrastinate":
        from dsr.service.queue.postgres import apply_schema, schema_ready

        if migrate:
            apply_schema(engine)
        elif not schema_ready(engine):
            raise ConfigError(
                settings.source,
                "portal.jobs.backend",
                "procrastinate's tables are missing in the portal database: run `dsr migrate --config …`",
            )
    return queue


def close_queue(engine: sa.Engine) -> None:
    """At the portal's shutdown: close the queue of ``engine``, if one was opened."""
    with _lock:
        queue = _queues.pop(engine, None)
    if queue is not None:
        queue.close()


__all__ = ["Backend", "JobQueue", "backend_of", "close_queue", "prepare", "queue_for"]
