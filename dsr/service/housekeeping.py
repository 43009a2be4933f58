"""Housekeeping the law and security ask for, run by the worker every few minutes and by
``dsr housekeeping`` from cron: end download offers past their time, delete idle or expired
officer sessions, purge request files of cases that ended longer ago than
``[dsr] request_retention_days``, delete rate-limit counters whose window has ended (they
are keyed by a hash of a client address) and idempotency keys older than their window (7 days,
:data:`dsr.casefile.idempotency.KEY_WINDOW`). With ``[portal.audit] checkpoint_file`` set it also
appends a signed checkpoint of the audit chain once a day (:mod:`dsr.service.anchoring`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import ratelimit, retention
from dsr.config import Settings
from dsr.errors import ConfigError
from dsr.service.anchoring import daily_checkpoint

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tidied:
    downloads_ended: int
    sessions_deleted: int
    cases_purged: int
    rate_limits_purged: int = 0
    idempotency_keys_purged: int = 0
    checkpoints_written: int = 0


def tidy(engine: sa.Engine, settings: Settings, *, now: dt.datetime | None = None) -> Tidied:
    """One round of housekeeping; counts only (references are not logged)."""
    result = Tidied(
        downloads_ended=casefile.expire_downloads(engine, now=now),
        sessions_deleted=casefile.purge_sessions(engine, now=now),
        cases_purged=len(
            casefile.purge_closed(engine, period=dt.timedelta(days=settings.dsr.request_retention_days), now=now)
        ),
        rate_limits_purged=ratelimit.purge_expired(engine, now=now),
        idempotency_keys_purged=retention.purge_idempotency_keys(engine, now=now),
        checkpoints_written=_checkpoint(engine, settings, now),
    )
    log.info(
        "housekeeping: %d download offers ended, %d sessions deleted, %d cases purged, %d rate-limit counters deleted, "
        "%d idempotency keys deleted",
        result.downloads_ended,
        result.sessions_deleted,
        result.cases_purged,
        result.rate_limits_purged,
        result.idempotency_keys_purged,
    )
    return result


def _checkpoint(engine: sa.Engine, settings: Settings, now: dt.datetime | None) -> int:
    # a missing key or an unwritable file must not stop the rest of the housekeeping
    try:
        return int(daily_checkpoint(engine, settings, now=now) is not None)
    except (ConfigError, OSError) as exc:
        log.warning("housekeeping: no audit checkpoint written (%s)", exc)
        return 0
