"""Work that runs on a schedule rather than per case: what it is, when, and how it is called.

With procrastinate each is a periodic task, deferred once per schedule however many workers
run. Times are UTC (procrastinate reads cron lines in UTC).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from dsr.config import Settings

log = logging.getLogger(__name__)

#: where the legal holds' daily run is expected (`dsr holds --run`); scheduled once it exists
HOLDS = ("dsr.service.erasure", "run_holds")


@dataclass(frozen=True, slots=True)
class PeriodicWork:
    name: str  #: the task's name, "dsr.<name>"
    cron: str  #: minute hour day month weekday, UTC
    run: Callable[[sa.Engine, Settings], object]


def _housekeeping(engine: sa.Engine, settings: Settings) -> object:
    from dsr.service.housekeeping import tidy

    return tidy(engine, settings)


def _deadlines_digest(engine: sa.Engine, settings: Settings) -> object:
    from dsr.service.staff import deadlines, send_digest

    report = deadlines(settings)
    send_digest(settings, report, settings.portal.jobs.deadlines_digest_to)
    return report.overdue


def holds_runner() -> Callable[..., object] | None:
    """``dsr.service.erasure.run_holds``, or None while it does not exist."""
    module, name = HOLDS
    try:
        found: Callable[..., object] | None = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    return found


def _holds(engine: sa.Engine, settings: Settings) -> object:
    """`dsr holds --run`: the holds due today (the local day of ``[dsr] timezone``)."""
    run = holds_runner()
    return None if run is None else run(engine, settings, dt.datetime.now(settings.zone).date(), "worker")


def periodic_work(settings: Settings) -> list[PeriodicWork]:
    """The scheduled work of this configuration."""
    work = [PeriodicWork("housekeeping", "*/5 * * * *", _housekeeping)]  # as often as the table worker does it
    if settings.portal.jobs.deadlines_digest_to:
        work.append(PeriodicWork("deadlines_digest", "0 6 * * 1-5", _deadlines_digest))  # 07:00/08:00 in Berlin
    if holds_runner() is not None:
        work.append(PeriodicWork("holds", "30 1 * * *", _holds))
    return work
