"""The message an officer sees after an action: carried on the redirect to the case page.

Every form posts, then the browser is sent back (303) to the page the action belongs to, so a
reload never posts again and the address is always a page. What to say rides in the query as
``?flash=<token>``: the text in the officer's language, signed with the portal's secret, so a link
made elsewhere cannot put words on an officer page. No cookie and no server state are needed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Literal

import msgspec

Kind = Literal["done", "error"]

#: the longest text carried (a refusal's text is a sentence or two)
LONGEST = 600


class Flash(msgspec.Struct, frozen=True):
    kind: Kind
    message: str


def _sign(secret: bytes, payload: bytes) -> str:
    digest = hmac.new(secret, b"officer-flash\x00" + payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(secret: bytes, kind: Kind, message: str) -> str:
    payload = msgspec.json.encode(Flash(kind, message[:LONGEST]))
    return f"{_b64(payload)}.{_sign(secret, payload)}"


def decode(secret: bytes, token: str | None) -> Flash | None:
    """The message of a token this portal signed; None for anything else (ignored, never an error)."""
    if not token or "." not in token or len(token) > 4 * LONGEST:
        return None
    body, _, signature = token.partition(".")
    try:
        payload = _unb64(body)
        if not hmac.compare_digest(signature, _sign(secret, payload)):
            return None
        return msgspec.json.decode(payload, type=Flash)
    except (ValueError, msgspec.DecodeError, msgspec.ValidationError):
        return None
