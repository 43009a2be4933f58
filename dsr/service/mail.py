"""Sending e-mail: SMTP (aiosmtplib), a folder of .eml files, or the console — and the messages.

Framework-free: the portal, the CLI (`dsr deadlines` digest) and workers use the same backends.
Nothing here logs a recipient, subject or body (they are personal data); a failure raises
:class:`MailError` naming only the backend — whatever a host's own mailer raised.

    mailer = mailer_for(settings)                       # from [portal.mail]
    await deliver(mailer, verification_message("de", to, reference, code, link, controller))
    send_now(mailer, message)                           # from synchronous code

A verification mail that could not go out is retried by the job worker
(:func:`queue_verification_mail`, :func:`verification_mail_job`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import email.utils
import sys
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, TextIO

import aiosmtplib

from dsr.config import MailSettings, Settings
from dsr.errors import DSRError

if TYPE_CHECKING:
    import sqlalchemy as sa

    from dsr.casefile.jobs import JobContext

Language = Literal["de", "en"]
TEXTS = Path(__file__).resolve().parents[1] / "data" / "mail.toml"


class MailError(DSRError):
    """A message could not be handed to the mail backend (the message says which backend, not to whom)."""


@dataclass(frozen=True, slots=True)
class Message:
    to: str
    subject: str
    body: str
    #: fixed headers for a message that may have to be sent again as the same message (the
    #: download notice: dsr.service.download_notice); None: a new Message-ID and the current time
    message_id: str | None = None
    date: str | None = None

    def as_email(self, sender: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = self.to
        msg["Subject"] = self.subject
        msg["Date"] = self.date or email.utils.formatdate(localtime=False)
        msg["Message-ID"] = self.message_id or email.utils.make_msgid(domain=sender.rpartition("@")[2] or "localhost")
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(self.body)
        return msg


class Mailer(Protocol):
    sender: str

    async def send(self, message: Message) -> EmailMessage: ...


@dataclass(slots=True)
class SMTPMailer:
    sender: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    security: Literal["none", "starttls", "tls"] = "none"
    timeout: float = 10.0

    async def send(self, message: Message) -> EmailMessage:
        msg = message.as_email(self.sender)
        try:
            await aiosmtplib.send(
                msg,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.security == "tls",
                start_tls=True if self.security == "starttls" else False,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            # the exception text may quote the recipient; keep only its type
            raise MailError(
                f"SMTP server {self.host}:{self.port} refused or unreachable ({type(exc).__name__})"
            ) from None
        return msg


@dataclass(slots=True)
class FileMailer:
    """Writes each message as an .eml file (demo, tests, or a pickup folder for another MTA)."""

    sender: str
    directory: Path

    async def send(self, message: Message) -> EmailMessage:
        msg = message.as_email(self.sender)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(msg))
        except OSError as exc:
            raise MailError(f"cannot write mail into the mail folder ({type(exc).__name__})") from None
        return msg


@dataclass(slots=True)
class ConsoleMailer:
    """Prints messages to stdout — for `dsr demo` only: the person running it is the requester."""

    sender: str
    stream: TextIO = sys.stdout

    async def send(self, message: Message) -> EmailMessage:
        msg = message.as_email(self.sender)
        print(f"\n----- e-mail -----\n{msg.as_string()}----- end -----\n", file=self.stream, flush=True)
        return msg


def mailer_for(settings: Settings) -> Mailer:
    """The backend ``[portal.mail]`` asks for."""
    m: MailSettings = settings.portal.mail
    if m.backend == "smtp":
        return SMTPMailer(m.sender, m.host, m.port, m.username, m.password, m.security, m.timeout)
    if m.backend == "file":
        return FileMailer(m.sender, settings.base_dir / m.directory)
    return ConsoleMailer(m.sender)


async def deliver(mailer: Mailer, message: Message) -> EmailMessage:
    """``mailer.send(message)``, where any failure is a :class:`MailError`.

    A host's own mailer may raise anything (``ConnectionRefusedError``, its SMTP library's
    errors); callers handle one error type, and its text names the mailer and the error's
    type only — a foreign error's message can quote the recipient.
    """
    try:
        return await mailer.send(message)
    except MailError:
        raise
    except Exception as exc:  # noqa: BLE001 - the contract: every mailer failure is a MailError
        raise MailError(f"the mailer {type(mailer).__name__} failed ({type(exc).__name__})") from None


def send_now(mailer: Mailer, message: Message) -> EmailMessage:
    """Send from synchronous code (CLI, cron, job handlers); failures are :class:`MailError`.

    Where this thread already runs an event loop (a synchronous handler inside the server, a
    test driving a browser), the mail goes out on a loop of its own in a helper thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(deliver(mailer, message))
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, deliver(mailer, message)).result()


# --------------------------------------------------------------------------- the messages

_texts: dict[str, dict[str, dict[str, str]]] | None = None


def _text(language: Language, key: str, **values: str) -> tuple[str, str]:
    global _texts
    if _texts is None:
        _texts = tomllib.loads(TEXTS.read_text(encoding="utf-8"))
    entry = _texts[key][language]
    return entry["subject"].format(**values), entry["body"].format(**values)


def verification_message(language: Language, to: str, reference: str, code: str, link: str, controller: str) -> Message:
    """The e-mail verification code; ``link`` opens the page whose button confirms (POST)."""
    subject, body = _text(language, "verification", reference=reference, code=code, link=link, controller=controller)
    return Message(to, subject, body)


def download_code_message(language: Language, to: str, code: str) -> Message:
    subject, body = _text(language, "download_code", code=code)
    return Message(to, subject, body)


def download_notice_message(
    language: Language, to: str, reference: str, link: str, expires_on: str, controller: str
) -> Message:
    """The answer is ready: where to download it (each download needs a fresh code)."""
    subject, body = _text(
        language, "download_notice", reference=reference, link=link, expires_on=expires_on, controller=controller
    )
    return Message(to, subject, body)


# --------------------------------------------------------------------------- retrying a verification mail

#: the job kind that sends a verification mail the portal could not send at once
VERIFICATION_MAIL = "verification_mail"
#: with the worker's doubling backoff (30 s … 1 h) eight attempts span about two hours
VERIFICATION_MAIL_ATTEMPTS = 8


def queue_verification_mail(engine: sa.Engine, reference: str, *, language: Language, page: str) -> int:
    """Queue a new verification mail for the case (its first one failed); returns the job id.

    ``page`` is the verification page's address up to the link token (``…/de/verify/``): the
    worker knows no mount path or base URL of its own.
    """
    from dsr.casefile import jobs
    from dsr.casefile.permission import load_case

    with engine.begin() as conn:
        case = load_case(conn, None, reference)
        return jobs.enqueue_in(
            conn,
            VERIFICATION_MAIL,
            case_id=case.id,
            params={"language": language, "page": page},
            max_attempts=VERIFICATION_MAIL_ATTEMPTS,
        )


def cancel_verification_mail(engine: sa.Engine, reference: str) -> int:
    """The requester got a code another way (they asked for a new one): a queued retry would
    void it, so it ends unrun. Returns how many were ended."""
    from dsr.casefile import jobs
    from dsr.casefile.permission import load_case

    with engine.connect() as conn:
        case_id = load_case(conn, None, reference).id
    return jobs.cancel_queued(engine, VERIFICATION_MAIL, case_id)


def verification_mail_job(settings: Settings, mailer: Mailer) -> Callable[[JobContext], None]:
    """The handler of :data:`VERIFICATION_MAIL` jobs: a fresh code, mailed; a failure is retried.

    Nothing is sent once it is no longer needed: the address is confirmed or the case moved on.
    """
    import sqlalchemy as sa

    from dsr import casefile
    from dsr.casefile.checks import contact
    from dsr.casefile.schema import cases

    def run(ctx: JobContext) -> None:
        engine, job = ctx.engine, ctx.job
        with engine.connect() as conn:
            case = conn.execute(sa.select(cases).where(cases.c.id == job.case_id)).one()
            party = contact(conn, case.id)
        if case.state != casefile.CaseState.RECEIVED.value or party is None or party.email_verified_at is not None:
            return
        language: Language = "en" if job.params.get("language") == "en" else "de"
        address, issued = casefile.start_email_verification(engine, settings.dsr.secret_key.encode(), case.reference)
        link = f"{job.params['page']}{issued.link}#code={issued.code}"
        controller = settings.controllers.get(case.controller)
        send_now(
            mailer,
            verification_message(
                language, address, case.reference, issued.code, link, controller.name if controller else ""
            ),
        )

    return run
