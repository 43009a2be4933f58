"""Server-side login sessions. The browser holds a random token; the database only its sha256.

A plain hash suffices here (unlike for short codes): the token has 256 bits, so nobody can
guess their way back from a leaked hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from dsr.casefile import clock
from dsr.casefile.schema import sessions


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle: dt.timedelta = dt.timedelta(minutes=30)
    absolute: dt.timedelta = dt.timedelta(hours=12)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def open_session(conn: sa.Connection, user_id: int, policy: SessionPolicy, now: dt.datetime) -> str:
    """Create a session for a user who has just logged in; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    conn.execute(
        sa.insert(sessions).values(
            token_hash=token_hash(token),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.absolute,
        )
    )
    return token


def session_user_id(
    engine: sa.Engine, token: str, *, policy: SessionPolicy = SessionPolicy(), now: dt.datetime | None = None
) -> int | None:
    """The user id of a live session (and mark it seen), or None when unknown, idle or expired."""
    now = clock.resolve(now)
    digest = token_hash(token)
    with engine.begin() as conn:
        row = conn.execute(sa.select(sessions).where(sessions.c.token_hash == digest)).first()
        if row is None:
            return None
        if now >= row.expires_at or now - row.last_seen_at > policy.idle:
            conn.execute(sa.delete(sessions).where(sessions.c.id == row.id))
            return None
        conn.execute(sa.update(sessions).where(sessions.c.id == row.id).values(last_seen_at=now))
        return int(row.user_id)


def close_session(engine: sa.Engine, token: str) -> None:
    """Log out: the token stops working at once."""
    with engine.begin() as conn:
        conn.execute(sa.delete(sessions).where(sessions.c.token_hash == token_hash(token)))


def close_all_sessions(conn: sa.Connection, user_id: int) -> None:
    conn.execute(sa.delete(sessions).where(sessions.c.user_id == user_id))


def purge_sessions(
    engine: sa.Engine, *, policy: SessionPolicy = SessionPolicy(), now: dt.datetime | None = None
) -> int:
    """Delete expired and idle sessions; returns how many."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        result = conn.execute(
            sa.delete(sessions).where(sa.or_(sessions.c.expires_at <= now, sessions.c.last_seen_at < now - policy.idle))
        )
        return result.rowcount
