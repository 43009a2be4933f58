"""The second factor's secret is stored encrypted under a key derived from ``[dsr] secret_key``, on
SQLite, PostgreSQL and MariaDB: the database holds neither the base32 secret nor its bytes, a value
copied to another account does not verify there, a secret stored in clear before keeps working and
is encrypted at its next use (or by housekeeping), and a changed key refuses the login cleanly."""

from __future__ import annotations

import base64
import datetime as dt
import logging
from pathlib import Path

import pytest
import sqlalchemy as sa

from dsr.casefile import LoginFailed, create_user, enable_totp, history, login, open_engine, totp, upgrade
from dsr.casefile.schema import users
from dsr.casefile.users import admin_reset_totp
from dsr.cli import main
from dsr.config import Settings, load
from dsr.service.housekeeping import tidy
from tests.settings import controller_toml

T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
KEY = b"Qm7-portal-secret-key-for-these-tests-9xZ"
OTHER_KEY = b"a-replaced-secret-key-Vb2N8-not-the-first-one"
STEP = dt.timedelta(seconds=30)


def _stored(engine: sa.Engine, user_id: int) -> str | None:
    with engine.connect() as conn:
        value: str | None = conn.execute(sa.select(users.c.totp_secret).where(users.c.id == user_id)).scalar_one()
        return value


def _store(engine: sa.Engine, user_id: int, value: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(sa.update(users).where(users.c.id == user_id).values(totp_secret=value))


def _enrolled(engine: sa.Engine, username: str, key: bytes = KEY) -> tuple[int, str]:
    user = create_user(engine, username, f"pw-{username}", {"gym": ["officer"]}, now=T0)
    secret = totp.new_secret()
    enable_totp(engine, user.id, secret, totp.code(secret, T0), key=key, now=T0)
    return user.id, secret


def test_the_database_holds_neither_the_secret_nor_its_bytes_and_the_right_code_logs_in(engine: sa.Engine) -> None:
    user_id, secret = _enrolled(engine, "officer1")
    stored = _stored(engine, user_id)
    assert stored is not None and stored.startswith("v1:")
    raw = base64.b32decode(secret)
    blob = base64.urlsafe_b64decode(stored[3:])
    for form in (stored.encode(), blob):
        assert secret.encode() not in form and raw not in form
        assert secret.lower().encode() not in form
    assert len(stored) > 64  # the widened column (migration 0011) holds it on every dialect
    # two enrolments of the same secret look different (a fresh nonce each time)
    other_id, _ = _enrolled(engine, "officer2")
    _store(engine, other_id, None)
    enable_totp(engine, other_id, secret, totp.code(secret, T0), key=KEY, now=T0)
    assert _stored(engine, other_id) != stored

    later = T0 + 4 * STEP
    assert login(engine, "officer1", "pw-officer1", totp.code(secret, later), now=later, key=KEY).user.id == user_id
    with pytest.raises(LoginFailed) as wrong:
        login(engine, "officer1", "pw-officer1", totp.code(secret, T0), now=later + STEP, key=KEY)  # an old code
    assert wrong.value.code is None
    # the portal's path: failures counted per client address
    at = later + 2 * STEP
    assert login(engine, "officer1", "pw-officer1", totp.code(secret, at), now=at, client="c1", key=KEY).user.id


def test_a_value_copied_onto_another_account_does_not_verify_there(engine: sa.Engine) -> None:
    victim_id, secret = _enrolled(engine, "victim")
    copier_id, _ = _enrolled(engine, "copier")
    _store(engine, copier_id, _stored(engine, victim_id))  # someone with write access to the table
    later = T0 + 4 * STEP
    with pytest.raises(LoginFailed):
        login(engine, "copier", "pw-copier", totp.code(secret, later), now=later, key=KEY)
    with pytest.raises(LoginFailed):
        login(engine, "copier", "pw-copier", totp.code(secret, later), now=later, client="c1", key=KEY)
    assert login(engine, "victim", "pw-victim", totp.code(secret, later), now=later, key=KEY).user.id == victim_id


def test_a_secret_stored_in_clear_still_works_and_is_encrypted_at_its_next_login(engine: sa.Engine) -> None:
    user_id, _ = _enrolled(engine, "officer1")
    secret = totp.new_secret()
    _store(engine, user_id, secret)  # as a dsr before encryption at rest stored it
    later = T0 + 4 * STEP
    wrong = "000000" if totp.code(secret, later) != "000000" else "111111"
    with pytest.raises(LoginFailed):
        login(engine, "officer1", "pw-officer1", wrong, now=later, client="c1", key=KEY)
    assert _stored(engine, user_id) == secret  # a failed login changes nothing

    assert login(engine, "officer1", "pw-officer1", totp.code(secret, later), now=later, client="c1", key=KEY)
    stored = _stored(engine, user_id)
    assert stored is not None and stored.startswith("v1:") and secret not in stored
    at = later + STEP
    assert login(engine, "officer1", "pw-officer1", totp.code(secret, at), now=at, key=KEY).user.id == user_id
    with pytest.raises(LoginFailed):  # and it is bound to the key now
        login(engine, "officer1", "pw-officer1", totp.code(secret, at + STEP), now=at + STEP, key=OTHER_KEY)


def _settings(engine: sa.Engine, tmp_path: Path) -> Settings:
    url = engine.url.render_as_string(hide_password=False)
    file = tmp_path / "dsr.toml"
    file.write_text(
        f'[dsr]\nsecret_key = "{KEY.decode()}"\n[portal]\ndatabase_url = "{url}"\n' + controller_toml(),
        encoding="utf-8",
    )
    return load(file)


def test_housekeeping_encrypts_the_secrets_still_stored_in_clear(
    engine: sa.Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _settings(engine, tmp_path)
    ids = [_enrolled(engine, name)[0] for name in ("a1", "a2", "a3")]
    secrets = {user_id: totp.new_secret() for user_id in ids}
    for user_id in ids[:2]:
        _store(engine, user_id, secrets[user_id])
    assert tidy(engine, settings, now=T0).totp_secrets_sealed == 2
    assert all(str(_stored(engine, user_id)).startswith("v1:") for user_id in ids)
    assert tidy(engine, settings, now=T0).totp_secrets_sealed == 0
    later = T0 + 4 * STEP
    assert login(engine, "a1", "pw-a1", totp.code(secrets[ids[0]], later), now=later, key=KEY).user.id == ids[0]

    _store(engine, ids[2], secrets[ids[2]])  # and from cron
    assert main(["housekeeping", "--config", str(tmp_path / "dsr.toml")]) == 0
    assert "1 second-factor secret(s) encrypted" in " ".join(capsys.readouterr().out.split())  # wrapped by rich
    assert login(engine, "a3", "pw-a3", totp.code(secrets[ids[2]], later), now=later, key=KEY).user.id == ids[2]


def test_a_changed_secret_key_refuses_the_login_cleanly_until_an_admin_resets_the_second_factor(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    user_id, secret = _enrolled(engine, "officer1")
    later = T0 + 4 * STEP
    # a wrong password learns nothing about the second factor
    with pytest.raises(LoginFailed) as guessed:
        login(engine, "officer1", "wrong", totp.code(secret, later), now=later, client="c1", key=OTHER_KEY)
    assert guessed.value.code is None
    caplog.set_level(logging.INFO)
    for client in ("c1", None):
        at = later + STEP if client is None else later
        with pytest.raises(LoginFailed) as refused:
            login(engine, "officer1", "pw-officer1", totp.code(secret, at), now=at, client=client, key=OTHER_KEY)
        assert refused.value.code == "totp_unreadable"
        assert "administrator must reset it" in str(refused.value)
        assert secret not in str(refused.value)
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(logged) == 2 and all("second-factor secret could not be decrypted" in m for m in logged)
    assert not [m for m in (r.getMessage() for r in caplog.records) if "officer1" in m or secret in m]
    reasons = [e.detail.get("reason") for e in history(engine, None) if e.action == "login failed"]
    assert reasons.count("totp_unreadable") == 2
    assert _stored(engine, user_id) is not None  # nothing was overwritten

    admin = create_user(engine, "admin", "pw-admin", {"gym": ["admin"]}, now=T0)
    admin_reset_totp(engine, admin, user_id)
    assert login(engine, "officer1", "pw-officer1", now=later + 2 * STEP, key=OTHER_KEY).user.id == user_id


def test_the_migration_widens_the_column_and_keeps_the_secrets_stored_in_clear(db_url: str) -> None:
    upgrade(db_url, "0010")
    engine = open_engine(db_url)
    try:
        user = create_user(engine, "officer1", "pw-officer1", {"gym": ["officer"]}, now=T0)
        secret = totp.new_secret()
        _store(engine, user.id, secret)  # base32 in VARCHAR(64), as before
        upgrade(db_url)
        assert _stored(engine, user.id) == secret  # the migration has no key: it encrypts nothing
        if engine.dialect.name != "sqlite":  # SQLite keeps no length to widen
            column = {c["name"]: c for c in sa.inspect(engine).get_columns("dsr_users")}["totp_secret"]
            assert column["type"].length == 255
        later = T0 + 4 * STEP
        assert login(engine, "officer1", "pw-officer1", totp.code(secret, later), now=later, key=KEY)
        stored = _stored(engine, user.id)
        assert stored is not None and stored.startswith("v1:") and len(stored) > 64  # fits now on every dialect
        other = create_user(engine, "officer2", "pw-officer2", {"gym": ["officer"]}, now=T0)
        longest = "A" * 64  # the setup page accepts base32 keys of up to 64 characters
        enable_totp(engine, other.id, longest, totp.code(longest, T0), key=KEY, now=T0)
        assert str(_stored(engine, other.id)).startswith("v1:")
    finally:
        engine.dispose()
