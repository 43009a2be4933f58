"""Idempotency keys: a request sent again with the same key opens no second case.

A client whose connection broke after the commit got no receipt, though its case exists. It
sends the same request with the same key (the public form carries one, the JSON API takes an
``Idempotency-Key`` header) and gets the first receipt back: the same reference and status secret.

A key is honoured for :data:`KEY_WINDOW` (7 days) at least; housekeeping then deletes it.

The key is a secret of the one who sent the request, so only keyed hashes are stored: of the key
(scoped to the controller) and of the request as typed, so that a key sent with a different
request is refused instead of answering with someone else's receipt. The status secret of a case
opened with a key is derived from the key with the server secret: a replay can show it again
although the database holds only its hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import string

import msgspec
import sqlalchemy as sa

from dsr.casefile.codes import CROCKFORD, SECRET_GROUPS
from dsr.casefile.errors import TransitionRefused
from dsr.casefile.schema import cases, codes, idempotency_keys
from dsr.casefile.verification import PURPOSE as VERIFICATION

KEY_MIN, KEY_MAX = 16, 200  #: characters; shorter keys are guessable, longer ones are not keys
#: how long a key is honoured at least: housekeeping deletes keys older than this
#: (dsr.casefile.retention.purge_idempotency_keys), after which the same request opens a new case.
#: A client retries within minutes, a job queue within hours; a form left open in a tab is sent
#: again after a weekend at the latest. Longer would only keep hashes nobody asks for.
KEY_WINDOW = dt.timedelta(days=7)
_KEY_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_.:+/=")


class Claim(msgspec.Struct, frozen=True):
    """What a submission with a key records with its case."""

    key_hash: str
    fingerprint: str
    status_secret: str  #: the case's status secret, derived from the key


class Earlier(msgspec.Struct, frozen=True):
    """The case a key opened before."""

    reference: str
    status_secret: str
    #: a verification code was issued for it (its mail sent or queued): no second one is sent
    code_issued: bool


def valid_key(key: str) -> bool:
    """16–200 characters of letters, digits and ``-_.:+/=`` (a UUID, base64, a hex string)."""
    return KEY_MIN <= len(key) <= KEY_MAX and set(key) <= _KEY_CHARACTERS


def claim(secret: bytes, controller: str, key: str, request: bytes) -> Claim:
    """The hashes for ``key`` of a request to ``controller``; ``request`` is the request as typed."""
    scoped = controller.encode() + b"\0" + key.encode()
    digest = _mac(secret, b"idempotency-status", scoped)
    # 120 bits in six groups of Crockford base32, as dsr.casefile.codes.new_status_secret issues them
    number = int.from_bytes(digest[:15])
    text = "".join(CROCKFORD[(number >> (5 * i)) & 31] for i in range(4 * SECRET_GROUPS))
    return Claim(
        key_hash=_mac(secret, b"idempotency-key", scoped).hex(),
        fingerprint=_mac(secret, b"idempotency-request", scoped + b"\0" + request).hex(),
        status_secret="-".join(text[i : i + 4] for i in range(0, len(text), 4)),
    )


def _mac(secret: bytes, purpose: bytes, value: bytes) -> bytes:
    return hmac.new(secret, purpose + b"\0" + value, hashlib.sha256).digest()


def record(conn: sa.Connection, case_id: int, claimed: Claim, now: dt.datetime) -> None:
    """Note the key with the case it opens, in the case's transaction. A second submission with the
    same key, concurrent or later, fails on the unique key hash and rolls back."""
    conn.execute(
        sa.insert(idempotency_keys).values(
            key_hash=claimed.key_hash, case_id=case_id, fingerprint=claimed.fingerprint, created_at=now
        )
    )


def find(engine: sa.Engine, claimed: Claim) -> Earlier | None:
    """The case the key opened, or None. The same key with a different request is refused."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(idempotency_keys.c.fingerprint, cases.c.id, cases.c.reference)
            .join(cases, cases.c.id == idempotency_keys.c.case_id)
            .where(idempotency_keys.c.key_hash == claimed.key_hash)
        ).first()
        if row is None:
            return None
        if not hmac.compare_digest(row.fingerprint, claimed.fingerprint):
            raise TransitionRefused(
                "this idempotency key was sent with a different request", code="idempotency_key_reused"
            )
        # issued before its mail is sent or queued (dsr.portal.public.actions._send_verification)
        issued = conn.execute(
            sa.select(codes.c.id).where(codes.c.case_id == row.id, codes.c.purpose == VERIFICATION).limit(1)
        ).first()
    return Earlier(row.reference, claimed.status_secret, issued is not None)
