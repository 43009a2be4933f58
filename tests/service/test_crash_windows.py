"""The two crash windows benchmarks/crash_safety.py left open, closed and checked on each dialect.

* "Confirm and gather" is one transaction: the gather job is queued with the confirmation, and a
  database error after the job's insert (a real trigger) leaves neither.
* The download notice is a job queued with the dispatch: run twice it mails once (to a real SMTP
  server on loopback), and a worker killed with SIGKILL before or after the SMTP server took the
  mail leaves, after the re-run, one notice: one kept document, one Message-ID, one working link —
  and a mail sent again is byte for byte the first one.
* The link's token, read from the mail the SMTP server received, is in no row of any table of the
  portal database: the kept notice (.eml) shows the link up to the token and "…", and says so.
  A kept notice whose link was renewed before its mail went out is not sent with the dead link.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.casepage import candidates_of
from dsr.casefile.documents import list_documents, read_document
from dsr.casefile.downloads import fetch_download, offer_shown, send_download_code, token_hash
from dsr.casefile.schema import documents, downloads, jobs
from dsr.casefile.schema import events as audit_events
from dsr.config import load
from dsr.demo import DemoSummary
from dsr.portal.context import Portal
from dsr.portal.officer import actions
from dsr.portal.officer.notify import offer_download, resend_notice
from dsr.service import casework
from dsr.service.download_notice import DOWNLOAD_NOTICE, NOTICE_KIND, notice_job, notice_state, queue_notice_in
from dsr.service.mail import SMTPMailer
from tests.databases import DIALECTS, fresh_database
from tests.impostors_world import body_of
from tests.officer_world import PASSWORD, SCHOOL, VENDOR, World, demo_config
from tests.portal.officer_cases import approved_case
from tests.portal.portal_setup import free_port

SENDER = "dsr@example.org"


@pytest.fixture(params=DIALECTS)
def site(request: pytest.FixtureRequest, demo: DemoSummary, tmp_path: Path) -> Iterator[tuple[World, Path]]:
    """The officer world with its portal database on each dialect in turn, and its config file."""
    url = next(database := fresh_database(request.param, tmp_path))
    config = demo_config(demo, tmp_path)
    text = config.read_text(encoding="utf-8")
    config.write_text(
        re.sub(r'database_url = "sqlite:///[^"]*"', f'database_url = "{url}"', text, count=1), encoding="utf-8"
    )
    settings = load(config)
    casefile.upgrade(settings.portal_database_url)
    engine = casefile.open_engine(settings.portal_database_url)
    officer = casefile.create_user(engine, "officer", PASSWORD, {SCHOOL: ["officer"]})
    approver = casefile.create_user(engine, "approver", PASSWORD, {SCHOOL: ["officer", "approver"]})
    vendor = casefile.create_user(engine, "vendor-officer", PASSWORD, {VENDOR: ["officer", "approver"]})
    yield World(settings, engine, demo, officer, approver, vendor), config
    engine.dispose()
    next(database, None)


# --------------------------------------------------------------------------- confirm and gather


def searched_case(w: World) -> tuple[str, str]:
    """The demo pupil's own request from her address on file, the code entered, candidates found:
    ready for "confirm and gather". Returns (case, the candidate to confirm)."""
    pupil = w.demo.featured_pupil()
    given = msgspec.structs.replace(w.pupil(), date_of_birth=None)
    ref = w.open_request(given, email=pupil.email)
    secret = w.settings.dsr.secret_key.encode()
    _, issued = casefile.start_email_verification(w.engine, secret, ref)
    casefile.confirm_email(w.engine, secret, issued.link, issued.code)
    casework.find_candidates(w.engine, w.settings, ref, user=w.officer)
    return ref, [c for c in candidates_of(w.engine, w.officer, ref) if c.strong][0].reference


def failing_job_inserts(engine: sa.Engine) -> list[str]:
    """DDL for a trigger that fails every insert into the jobs table *after* the row is in: a real
    database error in the middle of the confirmation's transaction."""
    table = jobs.name
    if engine.dialect.name == "sqlite":
        return [f"CREATE TRIGGER crash_after_job AFTER INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'injected'); END"]
    if engine.dialect.name == "postgresql":
        return [
            "CREATE FUNCTION crash_after_job() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$"
            " LANGUAGE plpgsql",
            f"CREATE TRIGGER crash_after_job AFTER INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION crash_after_job()",
        ]
    return [
        f"CREATE TRIGGER crash_after_job AFTER INSERT ON {table} FOR EACH ROW "
        "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected'"
    ]


def events(engine: sa.Engine, ref: str, action: str) -> int:
    with engine.connect() as conn:
        return len(
            conn.execute(
                sa.select(audit_events.c.id).where(audit_events.c.case_ref == ref, audit_events.c.action == action)
            ).all()
        )


def test_confirm_and_gather_queues_the_gathering_in_the_confirmations_transaction(site: tuple[World, Path]) -> None:
    w, _ = site
    portal = Portal.from_settings(w.settings, engine=w.engine)
    ref, candidate = searched_case(w)
    with w.engine.begin() as conn:
        for statement in failing_job_inserts(w.engine):
            conn.exec_driver_sql(statement)

    # the page's and the API's action alike; the job's insert fails after the row went in
    with pytest.raises(sa.exc.DBAPIError):
        actions.run(portal, w.officer, ref, "confirm-identity", actions.Confirm(candidate=candidate, gather=True))
    assert casefile.get_case(w.engine, w.officer, ref).state is casefile.CaseState.RECEIVED
    assert casefile.jobs_of_case(w.engine, casework.case_by_reference(w.engine, ref).id) == []
    assert events(w.engine, ref, "identity confirmed") == 0

    with w.engine.begin() as conn:
        conn.exec_driver_sql(
            "DROP TRIGGER crash_after_job" + (f" ON {jobs.name}" if w.engine.dialect.name == "postgresql" else "")
        )
    done = actions.run(portal, w.officer, ref, "confirm-identity", actions.Confirm(candidate=candidate, gather=True))
    assert done["done"] == "confirm_identity_and_gather"
    assert casefile.get_case(w.engine, w.officer, ref).state is casefile.CaseState.GATHERING
    [job] = casefile.jobs_of_case(w.engine, casework.case_by_reference(w.engine, ref).id)
    assert (job.id, job.kind, job.state) == (done["job"], "gather", casefile.JobState.QUEUED)
    assert events(w.engine, ref, "identity confirmed") == 1


# --------------------------------------------------------------------------- the download notice


@dataclass
class RawSink:
    """The bytes of every message a real SMTP server (aiosmtpd on loopback) accepted, oldest first."""

    host: str
    port: int
    received: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def mails(self) -> list[bytes]:
        with self.lock:
            return list(self.received)


@contextlib.contextmanager
def smtp_server() -> Iterator[RawSink]:
    from aiosmtpd.controller import Controller

    sink = RawSink("127.0.0.1", free_port())

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
            with sink.lock:
                sink.received.append(bytes(envelope.content))
            return "250 OK"

    controller = Controller(Handler(), hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def parsed(raw: bytes) -> Any:
    return email.message_from_bytes(raw, policy=email.policy.default)


def link_token_in(raw: bytes) -> str:
    """The token of the download link in a mail the requester got."""
    found = re.search(r"/download/([A-Za-z0-9_=-]+)", body_of(parsed(raw)))
    assert found is not None, body_of(parsed(raw))
    return found.group(1)


def kept_notices(w: World, ref: str) -> list[bytes]:
    return [
        read_document(w.engine, w.officer, ref, d.id, audited=False)[1]
        for d in list_documents(w.engine, w.officer, ref)
        if d.kind == NOTICE_KIND
    ]


def assert_link_works(w: World, ref: str, token: str) -> None:
    """The requester's link opens the offer, and with a fresh code sent to them hands out the answer."""
    assert offer_shown(w.engine, token).open
    secret = w.settings.dsr.secret_key.encode()
    _, issued = send_download_code(w.engine, secret, token)
    got = fetch_download(w.engine, secret, token, issued.id, issued.code)
    [answer] = [d for d in list_documents(w.engine, w.officer, ref) if d.kind == "answer"]
    assert got.content == read_document(w.engine, w.officer, ref, answer.id, audited=False)[1]
    with w.engine.connect() as conn:
        assert conn.execute(sa.select(downloads.c.token_hash)).scalars().all() == [token_hash(token)]


def readings(value: object) -> list[str]:
    """What a stored value can be read as: itself, and for bytes the text of the parts of the mail
    they may be (a quoted-printable or base64 body hides a token from a plain search)."""
    if not isinstance(value, bytes | memoryview):
        return [repr(value)]
    raw = bytes(value)
    found = [raw.decode("latin-1")]
    with contextlib.suppress(Exception):
        for part in parsed(raw).walk():
            if part.get_content_maintype() == "text":
                found.append(str(part.get_content()))
    return found


def assert_stored_nowhere(w: World, token: str) -> None:
    """No row of any table of the portal database holds the token: not the jobs, not the kept
    notice among the case's documents, not the audit trail."""
    tables = sa.MetaData()
    tables.reflect(w.engine)
    assert {jobs.name, documents.name, audit_events.name} <= set(tables.tables)
    with w.engine.connect() as conn:
        for table in tables.sorted_tables:
            for row in conn.execute(sa.select(table)):
                for column, value in row._mapping.items():
                    assert not any(token in text for text in readings(value)), f"{table.name}.{column}"


def assert_kept_is_the_mail_without_its_token(kept: bytes, mailed: bytes, token: str) -> None:
    """The kept notice is what the requester was told: the same headers and text, except that the
    link ends in "…" where the token was, below a note that says so."""
    k, m = parsed(kept), parsed(mailed)
    for header in ("From", "To", "Subject", "Date", "Message-ID"):
        assert str(k[header]) == str(m[header]), header
    note, _, text = body_of(k).partition("\n\n")
    assert note.startswith("[") and note.endswith("]") and "Token" in note and "…" in note, note
    assert f"/download/{token}" in body_of(m) and token not in body_of(k)
    assert text.replace("/download/…", f"/download/{token}") == body_of(m).replace("\r\n", "\n")


def test_the_notice_job_run_twice_mails_once_and_keeps_no_usable_link(site: tuple[World, Path]) -> None:
    w, _ = site
    ref = approved_case(w)
    with smtp_server() as sink:
        portal = Portal.from_settings(w.settings, engine=w.engine, mailer=SMTPMailer(SENDER, sink.host, sink.port))
        offer = offer_download(portal, w.officer, ref)
        assert offer.notice == "sent"
        case_id = casework.case_by_reference(w.engine, ref).id
        [job] = [j for j in casefile.jobs_of_case(w.engine, case_id) if j.kind == DOWNLOAD_NOTICE]
        assert (job.kind, job.state) == (DOWNLOAD_NOTICE, casefile.JobState.DONE)
        # delivered again (a queue's duplicate message), and run again as a taken-over attempt
        handlers = {DOWNLOAD_NOTICE: notice_job(w.settings, portal.mailer)}
        assert casefile.jobs.run_job(w.engine, job.id, handlers) is None
        with w.engine.begin() as conn:
            conn.execute(sa.update(jobs).where(jobs.c.id == job.id).values(state="queued"))
        assert casefile.jobs.run_job(w.engine, job.id, handlers) is not None
        [mailed] = sink.mails()

    token = link_token_in(mailed)
    assert_stored_nowhere(w, token)
    [kept] = kept_notices(w, ref)
    assert_kept_is_the_mail_without_its_token(kept, mailed, token)
    assert_link_works(w, ref, token)
    detail = actions.case_detail(portal, w.officer, ref)
    assert detail.download_notice == "sent"


def test_a_kept_notice_whose_link_was_renewed_meanwhile_is_not_sent(site: tuple[World, Path]) -> None:
    """The first notice is kept but its mail fails; the officer sends the notice again (a new
    link). The first job's retry then sends nothing: its link no longer works."""
    w, _ = site
    ref = approved_case(w)
    unreachable = SMTPMailer(SENDER, "127.0.0.1", free_port())  # nobody listens there
    portal = Portal.from_settings(w.settings, engine=w.engine, mailer=unreachable)
    assert offer_download(portal, w.officer, ref).notice == "queued"
    case_id = casework.case_by_reference(w.engine, ref).id
    [first] = [j for j in casefile.jobs_of_case(w.engine, case_id) if j.kind == DOWNLOAD_NOTICE]
    with smtp_server() as sink:
        portal = Portal.from_settings(w.settings, engine=w.engine, mailer=SMTPMailer(SENDER, sink.host, sink.port))
        assert resend_notice(portal, w.officer, ref).notice == "sent"
        with w.engine.begin() as conn:  # the first job's retry is due
            conn.execute(sa.update(jobs).where(jobs.c.id == first.id).values(not_before=jobs.c.created_at))
        retried = casefile.jobs.run_job(w.engine, first.id, {DOWNLOAD_NOTICE: notice_job(w.settings, portal.mailer)})
        [mailed] = sink.mails()

    assert retried is not None and notice_state(retried) == "not_needed"
    assert len(kept_notices(w, ref)) == 2  # both kept, as what was (to be) told
    token = link_token_in(mailed)
    assert_stored_nowhere(w, token)
    assert_link_works(w, ref, token)


KILLED_WORKER = """
import asyncio, datetime as dt, os, signal, sys
from dsr import casefile
from dsr.config import load
from dsr.service.download_notice import DOWNLOAD_NOTICE, notice_job
from dsr.service.mail import SMTPMailer

config, job_id, port, when = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
settings = load(config)
smtp = SMTPMailer("dsr@example.org", "127.0.0.1", port)

class DiesAroundTheMail:
    # the host's mailer of a worker that is killed just before, or just after, the SMTP server took the mail
    sender = smtp.sender

    async def send(self, message):
        if when == "after":
            await smtp.send(message)
        os.kill(os.getpid(), signal.SIGKILL)

engine = casefile.open_engine(settings.portal_database_url)
policy = casefile.jobs.JobPolicy(lease=dt.timedelta(seconds=1))
casefile.jobs.run_job(engine, job_id, {DOWNLOAD_NOTICE: notice_job(settings, DiesAroundTheMail())}, policy=policy)
"""


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_worker_killed_around_the_mail_leaves_one_notice(site: tuple[World, Path], when: str) -> None:
    w, config = site
    ref = approved_case(w)
    queued: list[int] = []

    def queue(conn: sa.Connection, case_id: int, download_id: int) -> None:
        queued.append(
            queue_notice_in(conn, case_id, download_id, language="de", page="http://portal.test/de/download/")
        )

    casefile.dispatch_by_download(w.engine, w.officer, ref, then=queue)
    with smtp_server() as sink:
        killed = subprocess.run(
            [sys.executable, "-c", KILLED_WORKER, str(config), str(queued[0]), str(sink.port), when],
            capture_output=True,
            timeout=60,
        )
        assert killed.returncode == -9, killed.stderr.decode()
        assert len(kept_notices(w, ref)) == 1  # kept before the mail went out
        time.sleep(1.2)  # the killed worker's lease runs out
        mailer = SMTPMailer(SENDER, sink.host, sink.port)
        rerun = casefile.jobs.run_job(w.engine, queued[0], {DOWNLOAD_NOTICE: notice_job(w.settings, mailer)})
        assert rerun is not None and rerun.state is casefile.JobState.DONE
        mails = sink.mails()

    # before: one mail. After: the SMTP server got the same message again, byte for byte
    # (at-least-once: same Message-ID, same link, one notice in the requester's mail client), never
    # a second notice
    assert len(mails) == (1 if when == "before" else 2)
    assert len(set(mails)) == 1
    token = link_token_in(mails[0])
    assert_stored_nowhere(w, token)
    [kept] = kept_notices(w, ref)
    assert_kept_is_the_mail_without_its_token(kept, mails[0], token)
    assert_link_works(w, ref, token)
    assert events(w.engine, ref, "download notice sent") == 1
