"""The mailer contract: whatever a mailer raises, the requester gets the receipt (never a 500),
the verification mail is sent again by the job worker, and no address or code reaches a log.

A host's own mailer that raises, and a real SMTP server (aiosmtpd on loopback) that is down
when the request comes and up when the worker tries again.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import email
import email.policy
import logging
import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from dsr import casefile
from dsr.casefile.schema import jobs
from dsr.config import Settings, load
from dsr.portal import create_app
from dsr.service.mail import (
    VERIFICATION_MAIL,
    MailError,
    Message,
    SMTPMailer,
    deliver,
    send_now,
    verification_mail_job,
)
from tests.portal.portal_setup import code_in, free_port, write_config

ADDRESS = "anna.geheim@example.org"
FORM = {
    "types": ["access"],
    "acting": "self",
    "first_name": "Anna",
    "last_name": "Beispiel",
    "email": ADDRESS,
    "dob_day": "4",
    "dob_month": "3",
    "dob_year": "2010",
}
QUEUED = {
    "de": "Die E-Mail konnte gerade nicht gesendet werden; wir versuchen es erneut",
    "en": "The e-mail could not be sent just now; we will try again",
}


class RefusingMailer:
    """A host's mailer whose errors quote the recipient, as many SMTP libraries' do."""

    sender = "datenschutz@james.example"

    def __init__(self, error: type[Exception] = ConnectionRefusedError) -> None:
        self.error = error
        self.tried: list[str] = []

    async def send(self, message: Message) -> EmailMessage:
        self.tried.append(message.body)
        raise self.error(f"cannot deliver to <{message.to}>: connection refused")


class SinkMailer:
    """A working mailer (what the host's would do once its server is back)."""

    sender = "datenschutz@james.example"

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, message: Message) -> EmailMessage:
        msg = message.as_email(self.sender)
        self.sent.append(msg)
        return msg


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """A portal on a fresh database of each dialect (the retry is a job in its table)."""
    loaded = load(write_config(tmp_path, f'base_url = "https://james.example"\ndatabase_url = "{db_url}"\n'))
    casefile.upgrade(loaded.portal_database_url)
    return loaded


@pytest.fixture
def engine(settings: Settings) -> Iterator[sa.Engine]:
    engine = casefile.open_engine(settings.portal_database_url)
    yield engine
    engine.dispose()


def client(settings: Settings, mailer: Any) -> TestClient[Litestar]:
    return TestClient(create_app(settings, mailer=mailer, run_worker=False))


def run_mail_job(engine: sa.Engine, settings: Settings, mailer: Any, *, later: dt.timedelta = dt.timedelta()) -> Any:
    handlers = {VERIFICATION_MAIL: verification_mail_job(settings, mailer)}
    return casefile.run_next(engine, handlers, now=lambda: dt.datetime.now(dt.UTC) + later)


def no_secret_in(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    for record in caplog.records:
        line = record.getMessage()
        assert not any(s in line for s in secrets), line
        assert record.exc_info is None or not any(s in str(record.exc_info[1]) for s in secrets)


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_host_mailer_that_raises_gives_the_receipt_and_the_worker_sends_the_mail_later(
    settings: Settings, engine: sa.Engine, caplog: pytest.LogCaptureFixture, language: str
) -> None:
    refusing = RefusingMailer()
    caplog.set_level(logging.DEBUG)
    with client(settings, refusing) as c:
        receipt = c.post(f"/{language}/request/gym-musterstadt", data=FORM)
        assert receipt.status_code == 200 and QUEUED[language] in receipt.text
        reference = re.search(r'id="reference">([^<]+)<', receipt.text).group(1)  # type: ignore[union-attr]
    [failed_code] = re.findall(r"^\s{4}([A-Z0-9]{8})\s*$", refusing.tried[0], re.M)
    no_secret_in(caplog, ADDRESS, "anna.geheim", failed_code)
    assert any("not sent (MailError)" in r.getMessage() and reference in r.getMessage() for r in caplog.records)

    # the host's server is still down: the job fails its attempt and is kept for later
    failed = run_mail_job(engine, settings, RefusingMailer(OSError))
    assert failed.state is casefile.JobState.QUEUED and failed.attempts == 1 and ADDRESS not in (failed.error or "")
    # back up: the worker sends a fresh code, whose link confirms the address
    working = SinkMailer()
    done = run_mail_job(engine, settings, working, later=dt.timedelta(minutes=2))
    assert done.state is casefile.JobState.DONE
    [mail] = working.sent
    assert mail["To"] == ADDRESS and reference in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(rf"https://james.example/{language}/verify/([A-Za-z0-9_-]+)#code=", body)
    assert link is not None
    no_secret_in(caplog, ADDRESS, code_in(mail))
    with client(settings, working) as c:
        confirmed = c.post(f"/{language}/verify/{link.group(1)}", data={"code": code_in(mail)})
        assert confirmed.status_code == 200 and reference in confirmed.text


def test_the_worker_sends_nothing_once_the_requester_got_a_newer_code(settings: Settings, engine: sa.Engine) -> None:
    with client(settings, RefusingMailer()) as c:
        receipt = c.post("/de/request/gym-musterstadt", data=FORM)
    reference = re.search(r'id="reference">([^<]+)<', receipt.text).group(1)  # type: ignore[union-attr]
    secret = re.search(r'id="status-secret">([^<]+)<', receipt.text).group(1)  # type: ignore[union-attr]
    working = SinkMailer()
    with client(settings, working) as c:
        assert c.post("/de/verify", data={"reference": reference, "secret": secret}).status_code == 200
    # the requester asked for a code themselves and has it: the retry, which would void it, ended unrun
    assert run_mail_job(engine, settings, working, later=dt.timedelta(hours=3)) is None
    assert len(working.sent) == 1
    with engine.connect() as conn:
        assert conn.execute(sa.select(jobs.c.state, jobs.c.error)).all() == [("done", "superseded")]


def test_every_other_mail_failure_is_a_clear_page_not_a_500(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with client(settings, RefusingMailer(RuntimeError)) as c:
        receipt = c.post("/de/request/gym-musterstadt", data=FORM)
        assert receipt.status_code == 200
        made = c.post("/api/public/requests", json={**FORM, "controller": "gym-musterstadt", "date_of_birth": ""})
        assert made.status_code == 201 and made.json()["verification_mail_queued"] is True
        reference = re.search(r'id="reference">([^<]+)<', receipt.text).group(1)  # type: ignore[union-attr]
        secret = re.search(r'id="status-secret">([^<]+)<', receipt.text).group(1)  # type: ignore[union-attr]
        resend = c.post("/en/verify", data={"reference": reference, "secret": secret})
        assert resend.status_code == 503 and "could not send an e-mail" in resend.text
        api = c.post("/api/public/verifications?lang=en", json={"reference": reference, "status_secret": secret})
        assert api.status_code == 503 and api.json()["error"] == "mail"
    no_secret_in(caplog, ADDRESS, "anna.geheim")


def test_deliver_turns_anything_a_mailer_raises_into_a_mail_error_without_the_address() -> None:
    for error in (ConnectionRefusedError, OSError, TimeoutError, ValueError, KeyError):
        with pytest.raises(MailError) as caught:
            # a loop of its own in a thread: a browser test in this process may hold the main thread's
            with concurrent.futures.ThreadPoolExecutor(1) as thread:
                thread.submit(asyncio.run, deliver(RefusingMailer(error), Message(ADDRESS, "s", "b"))).result()
        assert ADDRESS not in str(caught.value) and error.__name__ in str(caught.value)
        assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_an_smtp_server_down_then_up(
    settings: Settings, engine: sa.Engine, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    from aiosmtpd.controller import Controller

    port = free_port()
    smtp = SMTPMailer("datenschutz@james.example", "127.0.0.1", port, timeout=2)
    with client(settings, smtp) as c:  # nothing listens on the port yet
        receipt = c.post("/de/request/gym-musterstadt", data=FORM)
    assert receipt.status_code == 200 and QUEUED["de"] in receipt.text
    assert run_mail_job(engine, settings, smtp).attempts == 1  # still down

    received: list[EmailMessage] = []

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
            received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
            return "250 OK"

    server = Controller(Handler(), hostname="127.0.0.1", port=port)
    server.start()
    try:
        assert run_mail_job(engine, settings, smtp, later=dt.timedelta(minutes=2)).state is casefile.JobState.DONE
    finally:
        server.stop()
    [mail] = received
    assert mail["To"] == ADDRESS and "#code=" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    no_secret_in(caplog, ADDRESS, code_in(mail))
    with engine.connect() as conn:
        assert conn.execute(sa.select(jobs.c.state)).scalars().all() == ["done"]


def test_send_now_keeps_the_contract_from_synchronous_code() -> None:
    with pytest.raises(MailError):
        send_now(RefusingMailer(), Message(ADDRESS, "s", "b"))
