"""Jobs on procrastinate, PostgreSQL's own job queue (``[portal.jobs] backend = "procrastinate"``).

A procrastinate task ``dsr.run_job(job_id)`` is a message "job N is due"; what it runs is
:func:`dsr.casefile.jobs.run_job`, the job table's own claim — so a message delivered twice, or
sent again by the sweep while the first is on its way, still runs each attempt once. A queueing
lock per job id keeps one message waiting per job. A failed attempt that the job table schedules
again (backoff) is sent again for its ``not_before``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import procrastinate
import sqlalchemy as sa
from procrastinate.exceptions import AlreadyEnqueued

from dsr.casefile import clock
from dsr.casefile.jobs import Handler, JobState, due_job_ids, run_job
from dsr.config import Settings
from dsr.service.queue.outbox import watch
from dsr.service.queue.periodic import PeriodicWork, periodic_work

log = logging.getLogger(__name__)

#: the procrastinate queue dsr's tasks go to, and the task that runs one job of the job table
QUEUE = "dsr"
RUN_JOB = "dsr.run_job"
SWEEP = "dsr.sweep"
#: a job due for this long without running had its message lost: the sweep (every minute) resends it
SWEEP_AFTER = dt.timedelta(seconds=30)
#: pg_advisory_lock key of creating procrastinate's tables (several processes may start at once)
SCHEMA_LOCK = 0x647372_7175  # "dsrqu"


def conninfo(engine: sa.Engine) -> str:
    """libpq's URL of the portal database (SQLAlchemy's, without the driver name)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def schema_ready(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None


def apply_schema(engine: sa.Engine) -> bool:
    """Create procrastinate's tables and functions unless they exist; True if it created them."""
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK})
        try:
            if conn.execute(sa.text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None:
                return False
            # the driver's own cursor, without parameters: the schema's "%" are no placeholders
            dbapi = conn.connection.dbapi_connection
            assert dbapi is not None
            cursor = dbapi.cursor()
            try:
                cursor.execute(procrastinate.schema.SchemaManager.get_schema())
            finally:
                cursor.close()
            conn.commit()
            return True
        finally:
            conn.rollback()
            conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK})
            conn.commit()


class ProcrastinateQueue:
    name: Literal["procrastinate"] = "procrastinate"

    def __init__(self, settings: Settings, engine: sa.Engine) -> None:
        self.settings = settings
        self.engine = engine
        self._sender: procrastinate.App | None = None
        self._lock = threading.Lock()
        self._unwatch = watch(engine, self.notify)  # every commit that queued jobs sends their ids

    # ---------------------------------------------------------------- sending

    def _app(self) -> procrastinate.App:
        with self._lock:
            if self._sender is None:
                app = procrastinate.App(
                    connector=procrastinate.SyncPsycopgConnector(conninfo=conninfo(self.engine), min_size=1, max_size=4)
                )
                app.open()
                self._sender = app
            return self._sender

    def send(self, job_id: int, *, at: dt.datetime | None = None) -> bool:
        """Send "job ``job_id`` is due" (at ``at``); False when a message for it is waiting already."""
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        deferrer = self._app().configure_task(
            RUN_JOB, queue=QUEUE, queueing_lock=f"dsr-job-{job_id}", schedule_at=at, allow_unknown=True
        )
        try:
            deferrer.defer(job_id=job_id)
        except AlreadyEnqueued:
            return False
        return True

    def notify(self, job_ids: Sequence[int]) -> None:
        for job_id in job_ids:
            self.send(job_id)

    def sweep(self, *, now: dt.datetime | None = None) -> int:
        """Resend jobs due for a while without running: their message was lost (a crash between
        the commit and the send) or their worker died. Returns how many were sent."""
        now = clock.resolve(now)
        sent = sum(self.send(job_id) for job_id in due_job_ids(self.engine, now=now - SWEEP_AFTER))
        if sent:
            log.info("jobs: %d job(s) due without a message sent again", sent)
        return sent

    def close(self) -> None:
        unwatch, self._unwatch = self._unwatch, lambda: None
        unwatch()
        with self._lock:
            if self._sender is not None:
                self._sender.close()
                self._sender = None

    # ---------------------------------------------------------------- working

    def worker_app(self, handlers: Mapping[str, Handler]) -> procrastinate.App:
        """A procrastinate app with dsr's tasks: running one job, the sweep, the periodic work."""
        app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(conninfo=conninfo(self.engine), min_size=1, max_size=4)
        )
        engine = self.engine

        @app.task(name=RUN_JOB, queue=QUEUE)
        def run_one(job_id: int) -> None:
            job = run_job(engine, job_id, handlers)
            if job is not None and job.state is JobState.QUEUED:  # a failed attempt, tried again after its backoff
                self.send(job.id, at=job.not_before)

        @app.periodic(cron="* * * * *", periodic_id="sweep")
        @app.task(name=SWEEP, queue=QUEUE, queueing_lock=SWEEP)
        def sweep(timestamp: int) -> None:
            self.sweep()

        for work in periodic_work(self.settings):
            self._schedule(app, work)
        return app

    def _schedule(self, app: procrastinate.App, work: PeriodicWork) -> None:
        settings, engine = self.settings, self.engine

        def run(timestamp: int) -> None:
            work.run(engine, settings)

        task = app.task(name=f"dsr.{work.name}", queue=QUEUE, queueing_lock=f"dsr.{work.name}")(run)
        app.periodic(cron=work.cron, periodic_id=work.name)(task)

    def run_worker(self, handlers: Mapping[str, Handler], stop: threading.Event, *, idle: float = 1.0) -> None:
        asyncio.run(self._work(self.worker_app(handlers), stop, idle))

    async def _work(self, app: procrastinate.App, stop: threading.Event, idle: float) -> None:
        options: dict[str, Any] = {
            "queues": [QUEUE],
            "install_signal_handlers": False,  # `dsr worker` and `dsr serve` handle signals themselves
            "delete_jobs": "successful",  # the job table is the record; the queue keeps only failures
            "fetch_job_polling_interval": max(idle, 1.0),  # LISTEN/NOTIFY wakes it at once anyway
        }
        while not stop.is_set():
            try:
                async with app.open_async():
                    running = asyncio.create_task(app.run_worker_async(**options))
                    while not stop.is_set() and not running.done():
                        await asyncio.sleep(0.2)
                    running.cancel()  # procrastinate's way to stop: jobs running now finish first
                    with contextlib.suppress(asyncio.CancelledError):
                        await running
            except Exception as exc:  # noqa: BLE001 - the database may be briefly unavailable; keep the worker alive
                log.warning("worker: procrastinate stopped (%s); starting again", type(exc).__name__)
            if not stop.is_set():
                await asyncio.sleep(max(idle, 1.0))
