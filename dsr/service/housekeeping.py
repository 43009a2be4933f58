"""Housekeeping the law and security ask for, run by the worker every few minutes and by
``dsr housekeeping`` from cron: end download offers past their time, delete idle or expired
officer sessions, purge request files of cases that ended longer ago than
``[dsr] request_retention_days``, delete rate-limit counters whose window has ended (they
are keyed by a hash of a client address) and idempotency keys older than their window (7 days,
:data:`dsr.casefile.idempotency.KEY_WINDOW`). With ``[portal.audit] checkpoint_file`` set it also
appends a signed checkpoint of the audit chain once a day (:mod:`dsr.service.anchoring`). Second-factor
secrets still stored in clear from before encryption at rest are encrypted under ``[dsr] secret_key``
(:mod:`dsr.casefile.totp_sealing`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import ratelimit, retention
from dsr.casefile.users import seal_clear_totp_secrets
from dsr.config import Settings, secret_key_problem
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
    totp_secrets_sealed: int = 0


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
        totp_secrets_sealed=_seal_totp_secrets(engine, settings),
    )
    log.info(
        "housekeeping: %d download offers ended, %d sessions deleted, %d cases purged, %d rate-limit counters deleted, "
        "%d idempotency keys deleted, %d second-factor secrets encrypted",
        result.downloads_ended,
        result.sessions_deleted,
        result.cases_purged,
        result.rate_limits_purged,
        result.idempotency_keys_purged,
        result.totp_secrets_sealed,
    )
    return result


def _seal_totp_secrets(engine: sa.Engine, settings: Settings) -> int:
    # a key the portal refuses to start with would lock everyone out once it is replaced
    if secret_key_problem(settings) is not None:
        return 0
    return seal_clear_totp_secrets(engine, settings.secret)


def _checkpoint(engine: sa.Engine, settings: Settings, now: dt.datetime | None) -> int:
    # a missing key or an unwritable file must not stop the rest of the housekeeping
    try:
        return int(daily_checkpoint(engine, settings, now=now) is not None)
    except (ConfigError, OSError) as exc:
        log.warning("housekeeping: no audit checkpoint written (%s)", exc)
        return 0
