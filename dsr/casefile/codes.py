"""One-time codes and secrets handed to requesters: case references, status secrets, e-mail codes.

Short codes (8 characters, 40 bits) are weak against offline guessing, so the database holds
only HMAC-SHA256 keyed with the server secret (``[dsr] secret_key``), and online guessing is
stopped by attempt limits. Comparison is constant-time. Every code expires, is used once, and
only a few may be sent per hour.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import msgspec
import sqlalchemy as sa

from dsr.casefile.errors import CodeRejected, TooManyRequests
from dsr.casefile.schema import codes

#: no 0/O, 1/I/L: codes are typed in from e-mails and letters
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True, slots=True)
class CodePolicy:
    length: int = 8
    valid_for: dt.timedelta = dt.timedelta(minutes=30)
    max_attempts: int = 5
    max_sends: int = 3  #: per case, purpose and target within ``send_window``
    send_window: dt.timedelta = dt.timedelta(hours=1)


class IssuedCode(msgspec.Struct, frozen=True):
    """A code to send to the requester. ``code`` and ``link`` exist only here, never in the database."""

    id: int
    code: str
    expires_at: dt.datetime
    #: the random token naming this code in the mail's link (issued with ``link=True``); only its
    #: sha256 is stored, so nobody without the mail can reach the code's attempt counter
    link: str | None = None


def random_text(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def case_reference(year: int) -> str:
    """``DSR-2026-7F3K9Q``: random, so it reveals neither the person nor how many cases exist."""
    return f"DSR-{year}-{random_text(6)}"


#: Crockford's base32: no I, L, O, U, so nothing a reader can confuse
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: what Crockford's decoding reads as something else: O as 0, I and L as 1
_CROCKFORD_READS = str.maketrans({"O": "0", "I": "1", "L": "1"})
SECRET_GROUPS = 6  #: of 4 characters: 24 × 5 = 120 bits


def new_status_secret() -> str:
    """The secret printed on the receipt for the status page: ``7KQ2-M9XD-…``, 120 bits in six
    groups of Crockford base32, easy to copy from paper and to read out on the phone."""
    text = "".join(secrets.choice(CROCKFORD) for _ in range(4 * SECRET_GROUPS))
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def status_secret_forms(typed: str) -> tuple[str, ...]:
    """What a typed status secret may have been issued as. As Crockford specifies, case, hyphens
    and spaces do not count and O/I/L read as 0/1/1; a secret issued before the Crockford format
    (URL-safe base64, where O and 0 differ) is also tried as typed."""
    plain = normalise(typed)
    crockford = plain.translate(_CROCKFORD_READS)
    return (crockford,) if crockford == plain else (crockford, plain)


def matches_status_secret(secret: bytes, purpose: str, typed: str, stored: str) -> bool:
    """Constant-time comparison against every form :func:`status_secret_forms` allows."""
    found = False
    for form in status_secret_forms(typed):
        found |= matches(secret, purpose, form, stored)
    return found


def normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def new_link_token() -> str:
    """A random name for a code in a URL (~190 bits): unlike the row id it cannot be counted or guessed."""
    return secrets.token_urlsafe(24)


def link_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def code_by_link(conn: sa.Connection, purpose: str, token: str) -> int:
    """The id of the code a link token names; an unknown token is refused like a stale code."""
    code_id = conn.execute(
        sa.select(codes.c.id).where(codes.c.link_hash == link_hash(token), codes.c.purpose == purpose)
    ).scalar()
    if code_id is None:
        raise CodeRejected("this code is no longer valid; ask for a new one")
    return int(code_id)


def keyed_hash(secret: bytes, purpose: str, value: str) -> str:
    return hmac.new(secret, purpose.encode() + b"\0" + normalise(value).encode(), hashlib.sha256).hexdigest()


def matches(secret: bytes, purpose: str, value: str, stored: str) -> bool:
    return hmac.compare_digest(keyed_hash(secret, purpose, value), stored)


def attempts_left(conn: sa.Connection, code_id: int, policy: CodePolicy) -> int:
    """How many more tries the code allows (told to the requester after a wrong one)."""
    used = conn.execute(sa.select(codes.c.attempts).where(codes.c.id == code_id)).scalar()
    return max(0, policy.max_attempts - int(used or 0))


def issue(
    conn: sa.Connection,
    secret: bytes,
    *,
    case_id: int,
    purpose: str,
    target_id: int | None,
    policy: CodePolicy,
    now: dt.datetime,
    link: bool = False,
) -> IssuedCode:
    """A fresh code; earlier unused codes for the same purpose stop working. ``link``: also a
    random token for the URL that names the code (see :func:`code_by_link`)."""
    same = sa.and_(codes.c.case_id == case_id, codes.c.purpose == purpose, codes.c.target_id == target_id)
    recent = conn.execute(
        sa.select(sa.func.count()).select_from(codes).where(same, codes.c.created_at > now - policy.send_window)
    ).scalar_one()
    if recent >= policy.max_sends:
        raise TooManyRequests("too many codes sent recently; wait before asking for another")
    conn.execute(
        sa.update(codes).where(same, codes.c.used_at.is_(None), codes.c.expires_at > now).values(expires_at=now)
    )
    code = random_text(policy.length)
    token = new_link_token() if link else None
    expires = now + policy.valid_for
    code_id = conn.execute(
        sa.insert(codes).values(
            case_id=case_id,
            purpose=purpose,
            target_id=target_id,
            code_hash=keyed_hash(secret, purpose, code),
            created_at=now,
            expires_at=expires,
            attempts=0,
            link_hash=link_hash(token) if token else None,
        )
    ).inserted_primary_key[0]
    return IssuedCode(id=code_id, code=code, expires_at=expires, link=token)


def redeem(
    conn: sa.Connection,
    secret: bytes,
    *,
    code_id: int,
    purpose: str,
    code: str,
    policy: CodePolicy,
    now: dt.datetime,
    target_id: int | None = None,
) -> sa.Row[object] | None:
    """Check a code and use it up. Returns its row, or None when wrong (the attempt is counted).

    Raises :class:`CodeRejected` when the code is unknown, expired, used or out of attempts.
    ``target_id``: the code must belong to it (e.g. the download whose token the caller holds),
    else it counts as unknown, so one target's holder cannot spend another's attempts.
    The caller must commit even when None is returned, so the attempt stays counted.
    """
    query = sa.select(codes).where(codes.c.id == code_id, codes.c.purpose == purpose)
    if target_id is not None:
        query = query.where(codes.c.target_id == target_id)
    row = conn.execute(query.with_for_update()).first()
    if row is None or row.used_at is not None or now >= row.expires_at:
        raise CodeRejected("this code is no longer valid; ask for a new one")
    if row.attempts >= policy.max_attempts:
        raise CodeRejected("too many wrong attempts; ask for a new code")
    # conditional updates with a checked row count: where the row lock above is not one (SQLite),
    # two redemptions at the same moment still cannot both use the code or exceed the attempts
    unused = sa.and_(codes.c.id == code_id, codes.c.used_at.is_(None), codes.c.attempts < policy.max_attempts)
    if not matches(secret, purpose, code, row.code_hash):
        counted = conn.execute(sa.update(codes).where(unused).values(attempts=codes.c.attempts + 1))
        if counted.rowcount != 1:
            raise CodeRejected("too many wrong attempts; ask for a new code")
        return None
    used = conn.execute(sa.update(codes).where(unused).values(used_at=now, attempts=codes.c.attempts + 1))
    if used.rowcount != 1:
        raise CodeRejected("this code is no longer valid; ask for a new one")
    return row
