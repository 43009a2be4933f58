"""Portal users: argon2id passwords, lock-out, TOTP second factor, server-side sessions."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from dsr.casefile import (
    AccessDenied,
    InputRejected,
    LoginFailed,
    LoginPolicy,
    NotFound,
    SessionPolicy,
    TooManyRequests,
    close_session,
    create_user,
    enable_totp,
    get_user,
    history,
    login,
    session_user_id,
    set_password,
    totp,
    unlock,
    verify,
)
from dsr.casefile.passwords import PasswordPolicy, common_passwords, is_common, password_problem
from dsr.casefile.schema import sessions, users
from dsr.casefile.users import admin_reset_totp, admin_unlock, find_user, list_accounts

T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
KEY = b"the [dsr] secret_key of these tests, 32+ characters"  # encrypts second factors


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
        wrong = "000000" if totp.code(secret, T0) != "000000" else "111111"
        enable_totp(engine, user.id, secret, wrong, key=KEY, now=T0)
    enable_totp(engine, user.id, secret, totp.code(secret, T0), key=KEY, now=T0)
    later = T0 + dt.timedelta(minutes=2)
    with pytest.raises(LoginFailed):
        login(engine, "approver1", "pw-2", now=later, key=KEY)  # no code
    good = totp.code(secret, later)
    assert login(engine, "approver1", "pw-2", good, now=later, key=KEY).user.totp_enabled
    with pytest.raises(LoginFailed):
        login(engine, "approver1", "pw-2", good, now=later + dt.timedelta(seconds=5), key=KEY)  # replay


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


# --------------------------------------------------------------------------- the password policy


def test_passwords_need_12_characters_and_may_not_be_common_ones(
    engine: sa.Engine, strict_passwords: PasswordPolicy
) -> None:
    for password, code in (
        ("kurz-1", "password_too_short"),
        ("elf-zeichen", "password_too_short"),  # 11
        ("PassWort123!", "password_common"),  # case does not matter
        ("hallo12345678", "password_common"),
        ("Qwertzuiop123", "password_common"),
        ("passwort1234", "password_common"),
    ):
        with pytest.raises(InputRejected) as refused:
            create_user(engine, "officer1", password, {"gym": ["officer"]}, now=T0)
        assert refused.value.code == code, password
    assert refused.value.values == {}
    with pytest.raises(InputRejected) as short:
        create_user(engine, "officer1", "x", {"gym": ["officer"]}, now=T0)
    assert short.value.values == {"min_length": 12} and "at least 12 characters" in str(short.value)
    with pytest.raises(NotFound):
        find_user(engine, "officer1")  # nothing was created

    user = create_user(engine, "officer1", "Buchrücken-Leselampe 7", {"gym": ["officer"]}, now=T0)
    for password in ("kurz", "PASSWORT123456"):
        with pytest.raises(InputRejected):
            set_password(engine, user.id, password, actor=user.actor)
    assert login(engine, "officer1", "Buchrücken-Leselampe 7", now=T0)  # unchanged
    set_password(engine, user.id, "Ausleihfrist-Mahnung 42", actor=user.actor)
    assert login(engine, "officer1", "Ausleihfrist-Mahnung 42", now=T0)


def test_the_shipped_list_holds_thousands_of_common_passwords_english_and_german() -> None:
    common = common_passwords()
    assert len(common) > 3000
    assert {"123456", "password", "qwerty123", "iloveyou", "passwort123", "hallo12345678", "schalke04"} <= common
    assert sum(1 for p in common if len(p) >= 12) > 1000  # the ones the length alone does not stop
    assert all(p == p.lower() and p.strip() == p for p in common)
    assert is_common("Passwort123") and is_common("ICHLIEBEDICH") and not is_common("Buchrücken-Leselampe 7")
    assert password_problem("a long passphrase of words", PasswordPolicy()) is None


# --------------------------------------------------------------------------- admins and shared accounts


def test_an_admin_changes_only_accounts_whose_every_controller_they_administer(engine: sa.Engine) -> None:
    admin = create_user(engine, "admin-gym", "pw-admin", {"gym": ["admin"]}, now=T0)
    own = create_user(engine, "own", "pw-own", {"gym": ["officer"]}, now=T0)
    shared = create_user(engine, "shared", "pw-shared", {"gym": ["officer"], "realschule": ["approver"]}, now=T0)
    other = create_user(engine, "other", "pw-other", {"realschule": ["officer"]}, now=T0)
    secret = totp.new_secret()
    enable_totp(engine, shared.id, secret, totp.code(secret, T0), key=KEY, now=T0)

    accounts = {a.username: a for a in list_accounts(engine, admin, now=T0)}
    assert set(accounts) == {"admin-gym", "own", "shared"}
    assert accounts["own"].manageable and not accounts["shared"].manageable
    assert accounts["shared"].roles == {"gym": ["officer"]}  # the other controller's roles stay hidden

    for change in (admin_unlock, admin_reset_totp):
        with pytest.raises(AccessDenied) as refused:
            change(engine, admin, shared.id)
        assert refused.value.code == "account_beyond_admin"
        with pytest.raises(NotFound):
            change(engine, admin, other.id)  # not a user of the admin's controllers at all
    assert get_user(engine, shared.id).totp_enabled  # nothing happened
    actions = [e.action for e in history(engine, None)]
    assert "account unlocked" not in actions and "second factor disabled" not in actions

    admin_unlock(engine, admin, own.id)
    both = create_user(engine, "admin-both", "pw-both", {"gym": ["admin"], "realschule": ["admin"]}, now=T0)
    admin_reset_totp(engine, both, shared.id)
    assert not get_user(engine, shared.id).totp_enabled
    assert all(a.manageable for a in list_accounts(engine, both, now=T0))


# --------------------------------------------------------------------------- the account's own lock


def test_failures_from_every_address_lock_the_account_everywhere_with_a_growing_lock(engine: sa.Engine) -> None:
    user = create_user(engine, "officer1", "pw-1", {"gym": ["officer"]}, now=T0)
    policy = LoginPolicy(
        max_failures=3, lock_for=dt.timedelta(minutes=15), account_max_failures=4, longest_lock=dt.timedelta(hours=1)
    )
    addresses = iter(range(1000))

    def fail_four(at: dt.datetime) -> None:
        for _ in range(4):  # each from another address: no address reaches its own limit
            with pytest.raises(LoginFailed) as failed:
                login(engine, "officer1", "wrong", client=f"10.0.0.{next(addresses)}", policy=policy, now=at)
            assert str(failed.value) == "login failed"

    def refused(at: dt.datetime) -> bool:
        try:
            login(engine, "officer1", "pw-1", client="school", policy=policy, now=at)
        except LoginFailed as exc:
            assert str(exc) == "login failed"  # just what a wrong password is told
            return True
        return False

    with pytest.raises(LoginFailed) as unknown:
        login(engine, "nobody", "wrong", client="school", policy=policy, now=T0)
    fail_four(T0)
    assert refused(T0 + dt.timedelta(minutes=14))  # the school's address is refused too, with the right password
    assert str(unknown.value) == "login failed"
    fail_four(T0 + dt.timedelta(minutes=16))  # the first lock ran out; the next one lasts twice as long
    assert refused(T0 + dt.timedelta(minutes=16 + 29))
    fail_four(T0 + dt.timedelta(minutes=16 + 31))  # 60 minutes: the longest
    assert refused(T0 + dt.timedelta(minutes=47 + 59))
    fail_four(T0 + dt.timedelta(minutes=47 + 61))  # still 60, not 120
    assert refused(T0 + dt.timedelta(minutes=108 + 59))
    assert not refused(T0 + dt.timedelta(minutes=108 + 61))  # a successful login starts over
    fail_four(T0 + dt.timedelta(minutes=170))
    assert refused(T0 + dt.timedelta(minutes=170 + 14)) and not refused(T0 + dt.timedelta(minutes=170 + 16))

    locks = [e.detail for e in history(engine, None) if e.action == "account locked"]
    assert [d.get("minutes") for d in locks] == [15, 30, 60, 60, 15]
    assert all(d["scope"] == "account" and d["user"] == user.id for d in locks)

    # an unlock lifts the lock and the back-off: the next lock is a short one again
    fail_four(T0 + dt.timedelta(minutes=200))
    fail_four(T0 + dt.timedelta(minutes=216))  # 30 minutes
    unlock(engine, user.id, actor="user:0")
    fail_four(T0 + dt.timedelta(minutes=218))  # without the unlock this lock would last 60 minutes
    assert refused(T0 + dt.timedelta(minutes=218 + 14)) and not refused(T0 + dt.timedelta(minutes=218 + 16))
