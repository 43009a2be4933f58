"""The time, in one place: every service takes ``now`` so tests can move the clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def resolve(now: dt.datetime | None) -> dt.datetime:
    """``now`` or the current time, as an aware UTC datetime."""
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError("naive datetime given where an aware one is required")
    return now.astimezone(dt.UTC)


def today(zone: ZoneInfo, now: dt.datetime | None = None) -> dt.date:
    """The local day in ``zone`` (``Settings.zone``) at ``now``: near midnight the UTC day is another."""
    return resolve(now).astimezone(zone).date()
