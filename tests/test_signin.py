"""James login assertions (dsr.signin): genuine, for this controller, short-lived — anything else
is :class:`LoginRejected`, never another exception."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsr.signin import MAX_TTL, LoginAssertion, LoginRejected, sign_login, verify_login

KEY = "james-login-key-for-tests-0123456789abcdef"
NOW = dt.datetime(2026, 3, 10, 8, 15, tzinfo=dt.UTC)


def _token(**changes: object) -> str:
    values: dict[str, object] = dict(
        controller="gym-regensburg", store="school", person_key="4711", email="reader@example.org", now=NOW
    )
    values.update(changes)
    return sign_login(KEY, **values)  # type: ignore[arg-type]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signed(claims: dict[str, object], key: str = KEY) -> str:
    """A token with any claims, correctly signed (what a James with the key could send)."""
    payload = _b64(json.dumps(claims).encode())
    mac = hmac.new(key.encode(), b"dsr-login-v1." + payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(mac)}"


def _claims(token: str) -> dict[str, object]:
    payload = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _rejected(token: str, *, key: str = KEY, controller: str = "gym-regensburg", now: dt.datetime = NOW) -> str:
    with pytest.raises(LoginRejected) as refused:
        verify_login(key, token, controller=controller, now=now)
    return refused.value.code


def test_a_signed_login_verifies_and_names_the_row() -> None:
    token = _token()
    login = verify_login(KEY, token, controller="gym-regensburg", now=NOW + dt.timedelta(seconds=10))
    assert isinstance(login, LoginAssertion)
    assert (login.controller, login.store, login.key, login.email) == (
        "gym-regensburg",
        "school",
        "4711",
        "reader@example.org",
    )
    assert login.v == 1 and login.exp - login.iat == 300 and login.iat == int(NOW.timestamp())
    # bytes keys work alike; the address is optional; each token has its own nonce
    without = sign_login(KEY.encode(), controller="gym-regensburg", store="school", person_key=7, now=NOW)  # type: ignore[arg-type]
    assert verify_login(KEY, without, controller="gym-regensburg", now=NOW).email is None
    assert verify_login(KEY, without, controller="gym-regensburg", now=NOW).key == "7"
    assert _claims(_token())["nonce"] != _claims(_token())["nonce"]


def test_a_tampered_payload_is_refused() -> None:
    token = _token()
    payload, signature = token.split(".")
    claims = _claims(token)
    for change in (
        {"key": "4712"},
        {"store": "vendor"},
        {"email": "someone@example.org"},
        {"exp": claims["exp"] + 3600},
    ):
        forged = _b64(json.dumps({**claims, **change}).encode())
        assert _rejected(f"{forged}.{signature}") == "login_signature"
    assert _rejected(f"{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{signature}") == "login_signature"
    assert _rejected(f"{payload}.{signature[:-4]}") == "login_signature"  # a shortened signature
    assert _rejected(f"{payload}.{signature[:-1]}") in {"login_signature", "login_malformed"}


def test_a_token_signed_with_another_key_is_refused() -> None:
    assert _rejected(_token(), key="another-key-of-at-least-32-characters!") == "login_signature"
    assert _rejected(sign_login("k" * 40, controller="gym-regensburg", store="school", person_key="1", now=NOW)) == (
        "login_signature"
    )


def test_a_token_for_another_controller_is_refused() -> None:
    assert _rejected(_token(), controller="realschule") == "login_controller"
    assert _rejected(_token(controller="realschule")) == "login_controller"


def test_an_expired_token_is_refused() -> None:
    token = _token(ttl=60)
    verify_login(KEY, token, controller="gym-regensburg", now=NOW + dt.timedelta(seconds=59))
    assert _rejected(token, now=NOW + dt.timedelta(seconds=60)) == "login_expired"
    assert _rejected(token, now=NOW + dt.timedelta(days=1)) == "login_expired"


def test_a_lifetime_beyond_ten_minutes_or_from_the_future_is_refused() -> None:
    with pytest.raises(ValueError):
        _token(ttl=MAX_TTL + 1)
    with pytest.raises(ValueError):
        _token(ttl=0)
    verify_login(KEY, _token(ttl=MAX_TTL), controller="gym-regensburg", now=NOW)
    claims = _claims(_token())
    iat = int(NOW.timestamp())
    # signed with the key, but valid for a day: not a hand-over
    assert _rejected(_signed({**claims, "iat": iat, "exp": iat + MAX_TTL + 1})) == "login_lifetime"
    assert _rejected(_signed({**claims, "iat": iat, "exp": iat + 86_400})) == "login_lifetime"
    # issued an hour from now (a clock far off, or a token minted for later)
    later = iat + 3600
    assert _rejected(_signed({**claims, "iat": later, "exp": later + 60})) == "login_lifetime"
    assert _rejected(_signed({**claims, "v": 2})) == "login_version"


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "..",
        "abc",
        "a.b.c",
        "a" * 3000 + "." + "b",
        "!!!.???",
        "e30.",  # "{}" unsigned
        "%%%.AAAA",
        "\u00e4\u00f6\u00fc.\u00df",
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    assert _rejected(token) in {"login_malformed", "login_signature"}


def test_correctly_signed_garbage_is_refused_as_malformed() -> None:
    """Even with the right key (a buggy James): not JSON, not an object, fields missing or mistyped."""
    for payload in (b"not json", b"[]", b'"x"', b"{}", b'{"v": 1}', json.dumps({**_claims(_token()), "exp": "soon"})):
        raw = payload if isinstance(payload, bytes) else payload.encode()
        body = _b64(raw)
        mac = hmac.new(KEY.encode(), b"dsr-login-v1." + body.encode(), hashlib.sha256).digest()
        assert _rejected(f"{body}.{_b64(mac)}") == "login_malformed"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_random_text_is_always_refused_with_login_rejected(token: str) -> None:
    with pytest.raises(LoginRejected):
        verify_login(KEY, token, controller="gym-regensburg", now=NOW)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.binary(max_size=64))
def test_random_payloads_and_signatures_are_always_refused_with_login_rejected(payload: bytes, mac: bytes) -> None:
    with pytest.raises(LoginRejected):
        verify_login(KEY, f"{_b64(payload)}.{_b64(mac)}", controller="gym-regensburg", now=NOW)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["v", "controller", "store", "key", "email", "iat", "exp", "nonce", "extra"]),
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)),
    )
)
def test_random_claims_even_correctly_signed_never_raise_anything_else(claims: dict[str, object]) -> None:
    """Whatever a key holder signs, verification answers with an assertion or LoginRejected."""
    try:
        verify_login(KEY, _signed(claims), controller="gym-regensburg", now=NOW)
    except LoginRejected:
        pass
