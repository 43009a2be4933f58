"""A login to James as proof of identity: a short-lived assertion that the James application signs.

James knows who is logged in. When a logged-in reader asks for their data, James sends them to
dsr's request form with an assertion naming that reader's row, signed with a key James and dsr
share (``[controllers.<key>] james_login_key``, at least 32 random characters)::

    from dsr.signin import sign_login
    token = sign_login(key, controller="gym-regensburg", store="school", person_key="4711",
                       email="reader@example.org")          # the address James holds, optional
    redirect(f"https://datenschutz.example.org/de/request/gym-regensburg?james_login={token}")

The token is ``base64url(payload) "." base64url(HMAC-SHA256(key, "dsr-login-v1." + payload))``;
the payload is JSON ``{"v": 1, "controller", "store", "key", "email", "iat", "exp", "nonce"}``
with Unix times. dsr accepts it only with a valid signature, for the controller whose form it
was posted to, not expired (and valid for at most :data:`MAX_TTL` seconds), and once: the
portal keeps the nonce until the token expires. Anything else is refused without saying why.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets

import msgspec

from dsr.errors import DSRError

VERSION = 1
#: the longest life dsr accepts for an assertion, in seconds: it is a hand-over, not a session
MAX_TTL = 600
_CONTEXT = b"dsr-login-v1."


class LoginRejected(DSRError):
    """The assertion is not valid (forged, expired, for another controller, malformed)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class LoginAssertion(msgspec.Struct, frozen=True, kw_only=True):
    """Who James says is logged in. ``person_key`` and ``email`` are personal data: never logged."""

    v: int
    controller: str
    store: str
    key: str  #: the person's primary key in ``store``
    iat: int
    exp: int
    nonce: str
    email: str | None = None  #: the address James holds for the person (on file), if any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: str) -> bytes:
    return hmac.new(key, _CONTEXT + payload.encode(), hashlib.sha256).digest()


def sign_login(
    key: bytes | str,
    *,
    controller: str,
    store: str,
    person_key: str,
    email: str | None = None,
    ttl: int = 300,
    now: dt.datetime | None = None,
) -> str:
    """The assertion James hands to dsr for the logged-in person (valid ``ttl`` seconds)."""
    if not 0 < ttl <= MAX_TTL:
        raise ValueError(f"ttl must be between 1 and {MAX_TTL} seconds")
    key = key.encode() if isinstance(key, str) else key
    issued = int((now or dt.datetime.now(dt.UTC)).timestamp())
    claims = LoginAssertion(
        v=VERSION,
        controller=controller,
        store=store,
        key=str(person_key),
        email=email,
        iat=issued,
        exp=issued + ttl,
        nonce=secrets.token_urlsafe(16),
    )
    payload = _b64(msgspec.json.encode(claims))
    return f"{payload}.{_b64(_mac(key, payload))}"


def verify_login(key: bytes | str, token: str, *, controller: str, now: dt.datetime | None = None) -> LoginAssertion:
    """The assertion if ``token`` is genuine, for ``controller``, and not expired; else :class:`LoginRejected`.

    Single use is the caller's part (the portal keeps the nonce until ``exp``)."""
    key = key.encode() if isinstance(key, str) else key
    if len(token) > 2048 or token.count(".") != 1:
        raise LoginRejected("malformed login assertion", code="login_malformed")
    payload, signature = token.split(".")
    try:
        given = _unb64(signature)
    except (binascii.Error, ValueError):
        raise LoginRejected("malformed login assertion", code="login_malformed") from None
    if not hmac.compare_digest(given, _mac(key, payload)):
        raise LoginRejected("the login assertion's signature is not valid", code="login_signature")
    try:
        claims = msgspec.json.decode(_unb64(payload), type=LoginAssertion)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise LoginRejected("malformed login assertion", code="login_malformed") from None
    moment = int((now or dt.datetime.now(dt.UTC)).timestamp())
    if claims.v != VERSION:
        raise LoginRejected("unknown login assertion version", code="login_version")
    if claims.controller != controller:
        raise LoginRejected("the login assertion is for another controller", code="login_controller")
    if claims.exp - claims.iat > MAX_TTL or claims.iat > moment + 30:
        raise LoginRejected("the login assertion's lifetime is not acceptable", code="login_lifetime")
    if moment >= claims.exp:
        raise LoginRejected("the login assertion has expired", code="login_expired")
    return claims
