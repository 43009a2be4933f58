"""`dsr deadlines`, `dsr audit verify`, `dsr user add`, `dsr demo --no-serve`: exit codes a cron job relies on."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.schema import events
from dsr.cli import main
from dsr.config import load
from tests.officer_world import SCHOOL, demo_config


@pytest.fixture
def config(demo: Any, tmp_path: Path) -> Path:
    return demo_config(demo, tmp_path)


def test_deadlines_exit_1_when_a_case_is_overdue_and_mail_the_digest(config: Path, capsys: Any) -> None:
    settings = load(config)
    assert main(["deadlines", "--config", str(config)]) == 0
    casefile.upgrade(settings.portal_database_url)
    engine = casefile.open_engine(settings.portal_database_url)
    from dsr.model import Descriptor

    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=60)
    opened = casefile.open_case(
        engine,
        b"k",
        casefile.Intake(
            controller=SCHOOL,
            land="BY",
            request_types=(casefile.RequestType.ACCESS,),
            channel=casefile.Channel.POST,
            received_at=old,
            subject=casefile.Party(descriptor=Descriptor(first_name="A", last_name="B")),
        ),
    )
    engine.dispose()
    capsys.readouterr()
    assert main(["deadlines", "--config", str(config), "--digest-to", "dpo@example.org"]) == 1
    assert opened.reference in capsys.readouterr().out
    [mail] = list((settings.base_dir / settings.portal.mail.directory).glob("*.eml"))
    body = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default).get_body().get_content()
    assert opened.reference in body and "ÜBERFÄLLIG" in body and "Audit-Kette" in body and "A B" not in body


def test_audit_verify_exit_1_after_an_event_was_altered(config: Path, capsys: Any) -> None:
    assert (
        main(["user", "add", "--config", str(config), "--username", "u1", "--role", "officer", "--controller", SCHOOL])
        == 0
    )
    password = capsys.readouterr().out.split("shown only now):")[1].split()[0]
    settings = load(config)
    engine = casefile.open_engine(settings.portal_database_url)
    assert casefile.login(engine, "u1", password).user.can(SCHOOL, "officer")
    assert main(["audit", "verify", "--config", str(config)]) == 0
    with engine.begin() as conn:
        conn.execute(sa.update(events).where(events.c.seq == 1).values(actor="user:999"))
    engine.dispose()
    assert main(["audit", "verify", "--config", str(config)]) == 1
    assert "altered" in capsys.readouterr().err


def test_user_add_refuses_an_unknown_controller(config: Path, capsys: Any) -> None:
    assert (
        main(
            ["user", "add", "--config", str(config), "--username", "u2", "--role", "officer", "--controller", "nowhere"]
        )
        == 2
    )
    assert "controllers.nowhere" in capsys.readouterr().err


def test_user_add_with_a_taken_name_says_so_in_one_line_and_keeps_the_first_account(config: Path, capsys: Any) -> None:
    add = ["user", "add", "--config", str(config), "--username", "twice", "--role", "officer", "--controller", SCHOOL]
    assert main(add) == 0
    engine = sa.create_engine(load(config).portal_database_url)
    hash_of_twice = sa.text("SELECT password_hash FROM dsr_users WHERE username = 'twice'")
    with engine.connect() as conn:
        first = conn.execute(hash_of_twice).scalar_one()
    capsys.readouterr()
    assert main(add) == 2
    said = capsys.readouterr().err
    assert "'twice' exists already" in said
    assert "Traceback" not in said and "argon2" not in said and len(said.strip().splitlines()) == 1
    with engine.connect() as conn:
        assert conn.execute(hash_of_twice).scalar_one() == first
    engine.dispose()


def test_demo_sets_up_stores_portal_and_two_accounts(tmp_path: Path, capsys: Any) -> None:
    assert main(["demo", "--out", str(tmp_path / "d"), "--readers-per-school", "20", "--no-serve"]) == 0
    out = capsys.readouterr().out
    passwords = {line.split()[0]: line.split()[2] for line in out.splitlines() if " password " in line}
    assert set(passwords) == {"officer", "approver"}
    settings = load(tmp_path / "d" / "dsr.toml")
    engine = casefile.open_engine(settings.portal_database_url)
    approver = casefile.login(engine, "approver", passwords["approver"]).user
    assert approver.can(SCHOOL, "approver") and approver.can("vendor", "officer")
    engine.dispose()


def test_housekeeping_deletes_idle_sessions_and_the_worker_does_it_too(config: Path, capsys: Any) -> None:
    import threading

    from dsr.service.housekeeping import tidy
    from dsr.service.worker import work

    settings = load(config)
    casefile.upgrade(settings.portal_database_url)
    engine = casefile.open_engine(settings.portal_database_url)
    casefile.create_user(engine, "tidy", "a long enough password 1", {SCHOOL: ["officer"]})
    token = casefile.login(engine, "tidy", "a long enough password 1").token
    assert casefile.session_user_id(engine, token) is not None
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert tidy(engine, settings, now=dt.datetime.now(dt.UTC)).sessions_deleted == 0
    assert tidy(engine, settings, now=tomorrow).sessions_deleted == 1

    casefile.login(engine, "tidy", "a long enough password 1")
    # two rate-limit windows that ended an hour ago and one still running: only the ended ones go
    from dsr.casefile import ratelimit

    two_hours_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    for client in ("a", "b"):
        ratelimit.hit(engine, f"submit:{client}", 10, dt.timedelta(hours=1), now=two_hours_ago)
    ratelimit.hit(engine, "submit:c", 10, dt.timedelta(hours=1))
    assert main(["housekeeping", "--config", str(config)]) == 0
    printed = " ".join(capsys.readouterr().out.split())  # the console wraps long lines
    assert "session(s) deleted" in printed
    assert "2 ended rate-limit window(s) deleted" in printed
    assert ratelimit.hit(engine, "submit:c", 10, dt.timedelta(hours=1)).hits == 2  # the running window counts on

    # the worker runs a round at start: a session that is already over is gone afterwards
    from dsr.casefile.schema import sessions

    casefile.login(engine, "tidy", "a long enough password 1")
    with engine.begin() as conn:
        conn.execute(sa.update(sessions).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
        assert conn.execute(sa.select(sa.func.count()).select_from(sessions)).scalar_one() >= 1
    stop = threading.Event()
    thread = threading.Thread(target=work, args=(engine, {}, stop), kwargs={"idle": 0.05, "settings": settings})
    thread.start()
    stop.wait(0.5)
    stop.set()
    thread.join(5)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(sessions)).scalar_one() == 0
    engine.dispose()
