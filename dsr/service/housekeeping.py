"""Housekeeping the law and security ask for, run by the worker every few minutes and by
``dsr housekeeping`` from cron: end download offers past their time, delete idle or expired
officer sessions, purge request files of cases that ended longer ago than
``[dsr] request_retention_days``, and delete rate-limit counters whose window has ended (they
are keyed by a hash of a client address).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import ratelimit
from dsr.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tidied:
    downloads_ended: int
    sessions_deleted: int
    cases_purged: int
    rate_limits_purged: int = 0


def tidy(engine: sa.Engine, settings: Settings, *, now: dt.datetime | None = None) -> Tidied:
    """One round of housekeeping; counts only (references are not logged)."""
    result = Tidied(
        downloads_ended=casefile.expire_downloads(engine, now=now),
        sessions_deleted=casefile.purge_sessions(engine, now=now),
        cases_purged=len(
            casefile.purge_closed(engine, period=dt.timedelta(days=settings.dsr.request_retention_days), now=now)
        ),
        rate_limits_purged=ratelimit.purge_expired(engine, now=now),
    )
    log.info(
        "housekeeping: %d download offers ended, %d sessions deleted, %d cases purged, %d rate-limit counters deleted",
        result.downloads_ended,
        result.sessions_deleted,
        result.cases_purged,
        result.rate_limits_purged,
    )
    return result
