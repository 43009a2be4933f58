"""The job table as its own queue: workers poll it (any database, no other service)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Literal

import sqlalchemy as sa

from dsr.casefile.jobs import Handler, run_next
from dsr.config import Settings
from dsr.service.housekeeping import tidy

log = logging.getLogger("dsr.service.worker")  # the worker's log, whichever module runs the loop


#: seconds between two rounds of housekeeping (expired downloads, sessions, old request files)
HOUSEKEEPING_EVERY = 300.0


def work(
    engine: sa.Engine,
    handlers: Mapping[str, Handler],
    stop: threading.Event,
    *,
    idle: float = 1.0,
    settings: Settings | None = None,
) -> None:
    """Run due jobs; when none is due, wait ``idle`` seconds (or until ``stop`` is set).

    With ``settings`` the worker also does the housekeeping (:func:`dsr.service.housekeeping.tidy`)
    every :data:`HOUSEKEEPING_EVERY` seconds, so expired download offers end without cron.
    """
    next_tidy = 0.0
    while not stop.is_set():
        if settings is not None and time.monotonic() >= next_tidy:
            next_tidy = time.monotonic() + HOUSEKEEPING_EVERY
            try:
                tidy(engine, settings)
            except Exception as exc:  # noqa: BLE001 - housekeeping retries next round
                log.warning("worker: housekeeping failed (%s)", type(exc).__name__)
        try:
            job = run_next(engine, handlers)
        except Exception as exc:  # noqa: BLE001 - the database may be briefly unavailable; keep the worker alive
            log.warning("worker: could not claim a job (%s)", type(exc).__name__)
            job = None
        if job is None:
            stop.wait(idle)
        else:
            log.info("worker: job %s (%s) is %s", job.id, job.kind, job.state)


class TableQueue:
    """Today's worker: :func:`work` claims due rows and does the housekeeping
    every few minutes. Several workers may poll at once: the optimistic claim never hands a job
    to two. The deadlines digest and legal holds stay cron jobs (`dsr deadlines --digest-to`,
    `dsr holds --run`): with several pollers nothing would make them run once."""

    name: Literal["table"] = "table"

    def __init__(self, settings: Settings, engine: sa.Engine) -> None:
        self.settings = settings
        self.engine = engine

    def notify(self, job_ids: Sequence[int]) -> None:
        pass  # the pollers find them within their idle time

    def run_worker(self, handlers: Mapping[str, Handler], stop: threading.Event, *, idle: float = 1.0) -> None:
        work(self.engine, handlers, stop, idle=idle, settings=self.settings)

    def close(self) -> None:
        pass
