"""The job worker: runs queued jobs until stopped. ``dsr serve`` runs one in a background thread,
``dsr worker`` runs one on its own (several may run at once: claims never collide).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping

import sqlalchemy as sa

from dsr import casefile
from dsr.config import Settings
from dsr.service.housekeeping import tidy

log = logging.getLogger(__name__)


#: seconds between two rounds of housekeeping (expired downloads, sessions, old request files)
HOUSEKEEPING_EVERY = 300.0


def work(
    engine: sa.Engine,
    handlers: Mapping[str, casefile.jobs.Handler],
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
            job = casefile.run_next(engine, handlers)
        except Exception as exc:  # noqa: BLE001 - the database may be briefly unavailable; keep the worker alive
            log.warning("worker: could not claim a job (%s)", type(exc).__name__)
            job = None
        if job is None:
            stop.wait(idle)
        else:
            log.info("worker: job %s (%s) is %s", job.id, job.kind, job.state)


class BackgroundWorker:
    """A worker thread for the web server's lifetime (``start`` on startup, ``stop`` on shutdown)."""

    def __init__(
        self,
        engine: sa.Engine,
        handlers: Mapping[str, casefile.jobs.Handler],
        *,
        idle: float = 1.0,
        settings: Settings | None = None,
    ) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=work,
            args=(engine, handlers, self._stop),
            kwargs={"idle": idle, "settings": settings},
            name="dsr-worker",
            daemon=True,
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
