"""The time, in one place: every service takes ``now`` so tests can move the clock."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def resolve(now: dt.datetime | None) -> dt.datetime:
    """``now`` or the current time, as an aware UTC datetime."""
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError("naive datetime given where an aware one is required")
    return now.astimezone(dt.UTC)
