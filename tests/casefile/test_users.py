"""Portal users: argon2id passwords, lock-out, TOTP second factor, server-side sessions."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from dsr.casefile import (
    LoginFailed,
    LoginPolicy,
    SessionPolicy,
    TooManyRequests,
    close_session,
    create_user,
    enable_totp,
    login,
    session_user_id,
    set_password,
    totp,
    unlock,
    verify,
)
from dsr.casefile.schema import sessions, users

T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


def test_rfc6238_test_vectors() -> None:
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    vectors = {59: "94287082", 1111111109: "07081804", 1234567890: "89005924", 2000000000: "69279037"}
    for seconds, expected in vectors.items():
        assert totp.code(secret, dt.datetime.fromtimestamp(seconds, dt.UTC), digits=8) == expected


def test_password_is_stored_as_argon2id_and_login_opens_a_session(engine: sa.Engine) -> None:
    user = create_user(engine, "officer1", "correct horse", {"gym": ["officer"]}, now=T0)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    result = login(engine, "officer1", "correct horse", now=T0)
    assert result.user.id == user.id and result.user.can("gym", "officer") and not result.user.can("gym", "approver")
    with engine.connect() as conn:
        token_hashes = list(conn.execute(sa.select(sessions.c.token_hash)).scalars())
    assert result.token not in token_hashes  # only the hash is stored
    assert session_user_id(engine, result.token, now=T0 + dt.timedelta(minutes=5)) == user.id
    close_session(engine, result.token)
    assert session_user_id(engine, result.token, now=T0 + dt.timedelta(minutes=6)) is None


def test_sessions_end_when_idle(engine: sa.Engine) -> None:
    create_user(engine, "officer1", "pw-1", {"gym": ["officer"]}, now=T0)
    token = login(engine, "officer1", "pw-1", now=T0).token
    policy = SessionPolicy(idle=dt.timedelta(minutes=30))
    assert session_user_id(engine, token, policy=policy, now=T0 + dt.timedelta(minutes=29)) is not None
    assert session_user_id(engine, token, policy=policy, now=T0 + dt.timedelta(minutes=70)) is None


def test_wrong_password_and_unknown_user_fail_alike(engine: sa.Engine) -> None:
    create_user(engine, "officer1", "pw-1", {"gym": ["officer"]}, now=T0)
    with pytest.raises(LoginFailed) as wrong:
        login(engine, "officer1", "nope", now=T0)
    with pytest.raises(LoginFailed) as unknown:
        login(engine, "nobody", "nope", now=T0)
    assert str(wrong.value) == str(unknown.value)


def test_account_locks_after_repeated_failures_and_unlocks_later(engine: sa.Engine) -> None:
    user = create_user(engine, "officer1", "pw-1", {"gym": ["officer"]}, now=T0)
    policy = LoginPolicy(max_failures=3, lock_for=dt.timedelta(minutes=15))
    for _ in range(3):
        with pytest.raises(LoginFailed):
            login(engine, "officer1", "wrong", policy=policy, now=T0)
    # even the right password is refused while locked
    with pytest.raises(TooManyRequests):
        login(engine, "officer1", "pw-1", policy=policy, now=T0 + dt.timedelta(minutes=5))
    assert login(engine, "officer1", "pw-1", policy=policy, now=T0 + dt.timedelta(minutes=16)).user.id == user.id
    # an admin can lift a lock early
    for _ in range(3):
        with pytest.raises(LoginFailed):
            login(engine, "officer1", "wrong", policy=policy, now=T0 + dt.timedelta(minutes=20))
    unlock(engine, user.id, actor="user:0")
    assert login(engine, "officer1", "pw-1", policy=policy, now=T0 + dt.timedelta(minutes=21))
    assert verify(engine).ok


def test_second_factor_is_required_once_enabled_and_codes_cannot_be_replayed(engine: sa.Engine) -> None:
    user = create_user(engine, "approver1", "pw-2", {"gym": ["approver"]}, now=T0)
    secret = totp.new_secret()
    with pytest.raises(LoginFailed):
        enable_totp(engine, user.id, secret, "000000" if totp.code(secret, T0) != "000000" else "111111", now=T0)
    enable_totp(engine, user.id, secret, totp.code(secret, T0), now=T0)
    later = T0 + dt.timedelta(minutes=2)
    with pytest.raises(LoginFailed):
        login(engine, "approver1", "pw-2", now=later)  # no code
    good = totp.code(secret, later)
    assert login(engine, "approver1", "pw-2", good, now=later).user.totp_enabled
    with pytest.raises(LoginFailed):
        login(engine, "approver1", "pw-2", good, now=later + dt.timedelta(seconds=5))  # replay


def test_changing_the_password_ends_every_session(engine: sa.Engine) -> None:
    user = create_user(engine, "officer1", "pw-1", {"gym": ["officer"]}, now=T0)
    token = login(engine, "officer1", "pw-1", now=T0).token
    set_password(engine, user.id, "pw-new", actor=user.actor)
    assert session_user_id(engine, token, now=T0) is None
    with pytest.raises(LoginFailed):
        login(engine, "officer1", "pw-1", now=T0)
    assert login(engine, "officer1", "pw-new", now=T0)


def test_unknown_roles_are_refused(engine: sa.Engine) -> None:
    with pytest.raises(ValueError, match="unknown role"):
        create_user(engine, "x", "pw", {"gym": ["superuser"]}, now=T0)
