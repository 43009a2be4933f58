"""The second factor's secret at rest: encrypted with a key that is not in the database.

Passwords, session tokens and codes are stored hashed; a TOTP secret cannot be, because the
server computes the expected code from it at every login. So ``users.totp_secret`` holds it
encrypted (AES-256-GCM) under a key derived with HKDF-SHA256 from ``[dsr] secret_key``: a copy of
the database alone (a backup, a dump, a read-only SQL hole) gives nobody a secret to put into an
authenticator app. The user's id is the associated data, so a value copied onto another user's
row does not decrypt there.

Stored form: ``v1:`` + URL-safe base64 of nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes). A value
without the prefix was stored in clear before encryption at rest; it still verifies and is sealed
at the user's next successful login, or by ``dsr housekeeping``.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v1:"
#: HKDF's context: this key encrypts second-factor secrets and nothing else
_PURPOSE = b"dsr users.totp_secret v1"
_NONCE_BYTES = 12


class SecretUnreadable(Exception):
    """A sealed secret that does not decrypt: ``[dsr] secret_key`` changed, or the value was copied
    from another user's row or altered. Only resetting the user's second factor helps."""


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def _cipher(key: bytes) -> AESGCM:
    if not key:
        raise ValueError("no [dsr] secret_key to encrypt second-factor secrets with")
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(key))


def _bound_to(user_id: int) -> bytes:
    return f"user:{user_id}".encode()


def seal(key: bytes, user_id: int, secret: str) -> str:
    """``secret`` (base32) as stored for ``user_id``, encrypted under ``key`` (``[dsr] secret_key``)."""
    nonce = secrets.token_bytes(_NONCE_BYTES)  # random: 2^-32 collision risk only after ~2^32 seals per key
    sealed = _cipher(key).encrypt(nonce, secret.encode("ascii"), _bound_to(user_id))
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(key: bytes | None, user_id: int, stored: str) -> str:
    """The base32 secret of ``user_id`` from its stored form; a clear (legacy) value as it is.

    Raises :class:`SecretUnreadable` when a sealed value does not decrypt under ``key`` (or
    there is no key)."""
    if not is_sealed(stored):
        return stored
    if not key:
        raise SecretUnreadable("no key to decrypt the second-factor secret with")
    try:
        blob = base64.urlsafe_b64decode(stored[len(PREFIX) :].encode("ascii"))
        nonce, sealed = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]
        return _cipher(key).decrypt(nonce, sealed, _bound_to(user_id)).decode("ascii")
    except (InvalidTag, ValueError, binascii.Error) as exc:  # UnicodeError is a ValueError
        raise SecretUnreadable("the second-factor secret does not decrypt") from exc
