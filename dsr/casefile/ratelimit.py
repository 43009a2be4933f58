"""Rate-limit counters in the portal's database, shared by every process that serves the portal.

:func:`hit` is the check and the count in one: each step is a single conditional ``UPDATE`` (or
an ``INSERT`` guarded by the primary key), so two processes can never both pass the last free
slot — the database serialises writers to one row on SQLite, PostgreSQL and MariaDB alike.
A window starts with its first hit and lasts ``window``; once it has ended the next hit starts
a new one (the same fixed window Litestar's in-memory limiter keeps).

The key/value functions (:func:`put`, :func:`get` ...) back the generic Litestar store
interface. Keys are stored as SHA-256 hashes: the caller's key never reaches the table.
Ended entries are deleted by :func:`purge_expired` (housekeeping) or overwritten on access.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa

from dsr.casefile import clock
from dsr.casefile.schema import rate_limits as table

#: attempts at the insert/update race of a first hit before giving up (each loser retries)
_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Hit:
    allowed: bool
    hits: int  #: counted in the current window, this one included when allowed
    resets_at: dt.datetime


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _ended(now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.or_(table.c.expires_at.is_(None), table.c.expires_at <= now)


def hit(engine: sa.Engine, key: str, limit: int, window: dt.timedelta, *, now: dt.datetime | None = None) -> Hit:
    """Count one attempt for ``key`` unless ``limit`` attempts were counted in its running window."""
    now = clock.resolve(now)
    k = key_hash(key)
    for _ in range(_ATTEMPTS):
        with engine.begin() as conn:
            counted = conn.execute(
                sa.update(table)
                .where(table.c.key_hash == k, table.c.expires_at > now, table.c.hits < limit)
                .values(hits=table.c.hits + 1)
            )
            if counted.rowcount == 1:
                row = conn.execute(sa.select(table.c.hits, table.c.expires_at).where(table.c.key_hash == k)).one()
                return Hit(True, row.hits, row.expires_at)
            restarted = conn.execute(
                sa.update(table)
                .where(table.c.key_hash == k, _ended(now))
                .values(hits=1, value=None, expires_at=now + window)
            )
            if restarted.rowcount == 1:
                return Hit(True, 1, now + window)
            row = conn.execute(sa.select(table.c.hits, table.c.expires_at).where(table.c.key_hash == k)).first()
            if row is not None:
                if row.expires_at is not None and row.expires_at > now and row.hits >= limit:
                    return Hit(False, row.hits, row.expires_at)
                continue  # changed between the statements (another process): look again
        try:
            with engine.begin() as conn:
                conn.execute(sa.insert(table).values(key_hash=k, hits=1, value=None, expires_at=now + window))
            return Hit(True, 1, now + window)
        except sa.exc.IntegrityError:
            continue  # another process counted the first hit at the same moment: count on its row
    raise RuntimeError("rate-limit counter kept changing under concurrent updates")


def put(
    engine: sa.Engine, key: str, value: bytes, expires_in: dt.timedelta | None, *, now: dt.datetime | None = None
) -> None:
    now = clock.resolve(now)
    values = {"value": value, "hits": 0, "expires_at": now + expires_in if expires_in else None}
    k = key_hash(key)
    for _ in range(_ATTEMPTS):
        with engine.begin() as conn:
            if conn.execute(sa.update(table).where(table.c.key_hash == k).values(**values)).rowcount == 1:
                return
        try:
            with engine.begin() as conn:
                conn.execute(sa.insert(table).values(key_hash=k, **values))
            return
        except sa.exc.IntegrityError:
            continue
    raise RuntimeError("store entry kept changing under concurrent updates")


def get(
    engine: sa.Engine, key: str, renew_for: dt.timedelta | None = None, *, now: dt.datetime | None = None
) -> bytes | None:
    """The value, if set and not expired; ``renew_for`` extends an entry that has an expiry."""
    now = clock.resolve(now)
    k = key_hash(key)
    with engine.begin() as conn:
        row = conn.execute(sa.select(table.c.value, table.c.expires_at).where(table.c.key_hash == k)).first()
        if row is None or (row.expires_at is not None and row.expires_at <= now):
            return None
        if renew_for and row.expires_at is not None:
            conn.execute(sa.update(table).where(table.c.key_hash == k).values(expires_at=now + renew_for))
        return row.value


def delete(engine: sa.Engine, key: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.delete(table).where(table.c.key_hash == key_hash(key)))


def delete_all(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.delete(table))


def expires_in(engine: sa.Engine, key: str, *, now: dt.datetime | None = None) -> int | None:
    """Seconds until ``key`` expires; None when it does not exist, has ended or never expires."""
    now = clock.resolve(now)
    with engine.connect() as conn:
        ends = conn.execute(sa.select(table.c.expires_at).where(table.c.key_hash == key_hash(key))).scalar_one_or_none()
    if ends is None or ends <= now:
        return None
    return int((ends - now).total_seconds())


def exists(engine: sa.Engine, key: str, *, now: dt.datetime | None = None) -> bool:
    now = clock.resolve(now)
    with engine.connect() as conn:
        row = conn.execute(sa.select(table.c.expires_at).where(table.c.key_hash == key_hash(key))).first()
    return row is not None and (row.expires_at is None or row.expires_at > now)


def purge_expired(engine: sa.Engine, *, now: dt.datetime | None = None) -> int:
    """Delete every counter and entry whose time has run out; returns how many."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        return conn.execute(sa.delete(table).where(table.c.expires_at <= now)).rowcount


def refund(engine: sa.Engine, key: str, *, now: dt.datetime | None = None) -> None:
    """Take back one counted attempt of the running window (an attempt that turned out not to count,
    e.g. a request form sent back with mistakes). Never below zero; an ended window is left alone."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        conn.execute(
            sa.update(table)
            .where(table.c.key_hash == key_hash(key), table.c.expires_at > now, table.c.hits > 0)
            .values(hits=table.c.hits - 1)
        )
