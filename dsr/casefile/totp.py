"""Time-based one-time passwords (RFC 6238, HMAC-SHA1, 30-second steps), as authenticator apps use."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote

STEP_SECONDS = 30
DIGITS = 6


def new_secret() -> str:
    """A fresh 160-bit secret, base32 as authenticator apps expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def _key(secret: str) -> bytes:
    padded = secret.strip().replace(" ", "").upper()
    return base64.b32decode(padded + "=" * (-len(padded) % 8))


def time_step(at: dt.datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def code_at_step(secret: str, step: int, digits: int = DIGITS) -> str:
    """RFC 4226 HOTP of ``step`` (dynamic truncation of HMAC-SHA1)."""
    mac = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def code(secret: str, at: dt.datetime, digits: int = DIGITS) -> str:
    return code_at_step(secret, time_step(at), digits)


def matching_step(secret: str, candidate: str, at: dt.datetime, *, window: int = 1, digits: int = DIGITS) -> int | None:
    """The time step ``candidate`` belongs to (±``window`` steps for clock drift), or None."""
    candidate = candidate.strip().replace(" ", "")
    if len(candidate) != digits or not candidate.isdigit():
        return None
    now_step = time_step(at)
    found = None
    for step in range(now_step - window, now_step + window + 1):
        # no early exit: every step is compared, in constant time
        if hmac.compare_digest(code_at_step(secret, step, digits), candidate) and found is None:
            found = step
    return found


def provisioning_uri(secret: str, account: str, issuer: str = "dsr") -> str:
    """otpauth:// URI for a QR code."""
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}&digits={DIGITS}&period={STEP_SECONDS}"
