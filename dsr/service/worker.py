"""The job worker: runs queued jobs until stopped. ``dsr serve`` runs one in a background thread,
``dsr worker`` runs one on its own (several may run at once: claims never collide).

:func:`work` is the job table's own polling loop; :func:`run` and :class:`BackgroundWorker` with
settings run whichever backend ``[portal.jobs] backend`` chooses (dsr.service.queue).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

import sqlalchemy as sa

from dsr import casefile
from dsr.config import Settings
from dsr.service.queue import queue_for
from dsr.service.queue.table import HOUSEKEEPING_EVERY, work

__all__ = ["HOUSEKEEPING_EVERY", "BackgroundWorker", "run", "work"]

log = logging.getLogger(__name__)


def run(
    settings: Settings,
    engine: sa.Engine,
    handlers: Mapping[str, casefile.jobs.Handler],
    stop: threading.Event,
    *,
    idle: float = 1.0,
) -> None:
    """Run jobs and periodic work on the configured backend until ``stop`` is set (`dsr worker`)."""
    queue = queue_for(settings, engine)
    log.info("worker: jobs from the %s backend", queue.name)
    queue.run_worker(handlers, stop, idle=idle)


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
        # without settings: the job table's polling loop alone (no housekeeping), as tests want it
        self._thread = (
            threading.Thread(
                target=work, args=(engine, handlers, self._stop), kwargs={"idle": idle}, name="dsr-worker", daemon=True
            )
            if settings is None
            else threading.Thread(
                target=run,
                args=(settings, engine, handlers, self._stop),
                kwargs={"idle": idle},
                name="dsr-worker",
                daemon=True,
            )
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
