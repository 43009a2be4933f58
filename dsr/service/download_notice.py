"""The download notice as a job: the requester learns where to fetch the approved answer.

Dispatch by download (and "send the notice again") queues a ``download_notice`` job in the
transaction that makes or renews the offer (:func:`queue_notice_in`), so a crash after that commit
leaves a job to run, never a dispatched case whose notice nobody will send. The job
(:func:`notice_job`) goes in two commits around the mail:

1. **keep**: it makes the link's token, stores the token's hash on the offer and keeps the notice
   with the case (``download_notice``, .eml, audited as "document stored") — the message as it
   will go out, with a fixed ``Message-ID`` and ``Date``, but with the link's token withheld: the
   link reads up to the token and then :data:`WITHHELD` ("…"), and a note above the text says so
   (:data:`KEPT_NOTE`) — and notes the document in the job, all in one transaction;
2. **send**: it derives the token again, puts it back in the kept message's link, sends that,
   then notes in the job that it went out.

A re-run (a worker killed, a lease run out) goes on from what the job noted: nothing kept — start
over; kept but not noted as sent — send the kept message with its token, byte for byte the message
of the first attempt; noted as sent — nothing. So a crash between the SMTP server's acceptance
and the second note is the one case in which the notice reaches the SMTP server twice, as the
same message (same ``Message-ID``, same link): at-least-once, by choice — losing the notice would
be worse, and a mail client shows one message per ``Message-ID`` (docs/jobs.md).

The token is stored nowhere: the job derives it from the server's secret key, the case, the offer
and the job's id (:func:`link_token`), whenever it needs it; the offer holds its hash, the jobs
table and the kept .eml hold none of it. An officer or anyone reading the database sees what the
requester was told, but cannot use the requester's link. A kept message whose token no longer
matches the offer (a newer notice renewed the link: "not needed"; ``[dsr] secret_key`` changed:
the attempt fails, "send again" makes a new link) is not sent with a link that would not work.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import email.utils
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import replace
from email.message import EmailMessage

import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import audit, jobs
from dsr.casefile.attachments import Document, store_document
from dsr.casefile.checks import contact
from dsr.casefile.downloads import token_hash
from dsr.casefile.schema import cases, documents, downloads
from dsr.casefile.schema import jobs as job_table
from dsr.config import Settings
from dsr.errors import DSRError
from dsr.service.mail import Language, Mailer, Message, download_notice_message, send_now

#: the job kind, and the kind under which the notice (.eml) is kept with the case
DOWNLOAD_NOTICE = "download_notice"
NOTICE_KIND = "download_notice"
#: with the worker's doubling backoff (30 s … 1 h) eight attempts span about two hours
NOTICE_ATTEMPTS = 8
#: the job's progress entry of the mail: {"state": running|ok|skipped, "document": id}
MAIL_STEP = "mail"
#: what stands for the link's token in the kept notice: the link reads up to the token, then this
WITHHELD = "…"
#: the note above the kept notice's text, in the notice's language: which part was withheld
KEPT_NOTE: dict[Language, str] = {
    "de": (
        "[Ablage: Der Schlüssel (Token) am Ende des Download-Links ist nicht\n"
        f"gespeichert; an seiner Stelle steht „{WITHHELD}“. Die versandte E-Mail\n"
        "enthielt den vollständigen Link.]"
    ),
    "en": (
        "[Kept copy: the key (token) at the end of the download link is not\n"
        f'stored; "{WITHHELD}" stands in its place. The e-mail sent carried the\n'
        "full link.]"
    ),
}


class LinkChanged(DSRError):
    """The kept notice's link no longer opens its offer (the secret key changed): not sent."""


def queue_notice_in(conn: sa.Connection, case_id: int, download_id: int, *, language: Language, page: str) -> int:
    """Queue the notice of offer ``download_id`` in the caller's transaction; returns the job id.

    ``page`` is the download page's address up to the token (``https://…/de/download/``): the
    worker knows no base URL of its own. No token is in the parameters: the job makes it."""
    return jobs.enqueue_in(
        conn,
        DOWNLOAD_NOTICE,
        case_id=case_id,
        params={"download": download_id, "language": language, "page": page},
        max_attempts=NOTICE_ATTEMPTS,
    )


def link_token(secret: bytes, reference: str, download_id: int, job_id: int) -> str:
    """The link's token of one notice job: as long as a random one (32 characters), known only to
    whoever holds the secret key, and the same on a re-run of the job."""
    digest = hmac.new(secret, f"download-notice:{reference}:{download_id}:{job_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def _message_id(secret: bytes, job_id: int, sender: str) -> str:
    tag = hmac.new(secret, f"download-notice-message:{job_id}".encode(), hashlib.sha256).hexdigest()[:20]
    return f"<download-notice.{job_id}.{tag}@{sender.rpartition('@')[2] or 'localhost'}>"


def notice_state(job: casefile.Job) -> str:
    """What the officer is told of a notice job: ``sent``, ``queued`` (to be sent, also while a
    failed attempt waits for its retry), ``failed`` (gave up) or ``not_needed`` (the offer ended
    or a newer notice replaced it before this one went out)."""
    step = job.progress.get(MAIL_STEP, {}).get("state")
    if step == casefile.StoreProgress.OK:
        return "sent"
    if step == casefile.StoreProgress.SKIPPED:
        return "not_needed"
    if job.state is casefile.JobState.FAILED:
        return "failed"
    return "queued"


def _kept_copy(message: Message, page: str, token: str, language: Language) -> Message:
    """The notice as it is kept: the link's token withheld, and a note saying so above the text."""
    link = f"{page}{token}"
    if message.body.count(link) != 1:
        raise ValueError("the notice's text must carry its link exactly once")
    body = message.body.replace(link, f"{page}{WITHHELD}")
    return replace(message, body=f"{KEPT_NOTE[language]}\n\n{body}")


def _message_to_send(content: bytes, page: str, token: str, language: Language) -> Message:
    """The kept .eml (:func:`_kept_copy`) as the message to send: the same headers and the text
    the requester gets — without the note, with the token in the link."""
    parsed = email.message_from_bytes(content, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    kept = str(parsed.get_content())
    note, withheld = f"{KEPT_NOTE[language]}\n\n", f"{page}{WITHHELD}"
    if not kept.startswith(note) or kept.count(withheld) != 1:
        raise ValueError("the kept notice is not one this job kept")  # nothing half-made goes out
    return Message(
        to=str(parsed["To"]),
        subject=str(parsed["Subject"]),
        body=kept.removeprefix(note).replace(withheld, f"{page}{token}"),
        message_id=str(parsed["Message-ID"]),
        date=str(parsed["Date"]),
    )


def _language(job: casefile.Job) -> Language:
    return "en" if job.params.get("language") == "en" else "de"


def _superseded(conn: sa.Connection, job: casefile.Job) -> bool:
    """A newer notice job of the same case: the officer renewed the link again before this one
    went out, and only the newest link may work."""
    newer = conn.execute(
        sa.select(job_table.c.id).where(
            job_table.c.case_id == job.case_id, job_table.c.kind == DOWNLOAD_NOTICE, job_table.c.id > job.id
        )
    ).first()
    return newer is not None


def _keep(ctx: casefile.JobContext, settings: Settings, mailer: Mailer) -> int | None:
    """Step 1: the link, and the notice kept as it will be sent but with the token withheld;
    returns the document id (None: nothing to send any more)."""
    job, secret = ctx.job, settings.dsr.secret_key.encode()
    with ctx.engine.begin() as conn:
        case = conn.execute(sa.select(cases).where(cases.c.id == job.case_id)).one()
        offer = conn.execute(sa.select(downloads).where(downloads.c.id == job.params["download"])).first()
        now = ctx.now()
        party = contact(conn, case.id)
        still_open = (
            offer is not None
            and offer.ended_at is None
            and now < offer.expires_at
            and offer._mapping["count"] < offer.max_count
        )
        if (
            case.dispatch_method != casefile.DispatchMethod.DOWNLOAD.value
            or not still_open
            or party is None
            or not party.email
            or party.email_verified_at is None
            or _superseded(conn, job)
        ):
            ctx.step_in(conn, MAIL_STEP, {"state": casefile.StoreProgress.SKIPPED.value})
            return None
        assert offer is not None
        token = link_token(secret, case.reference, offer.id, job.id)
        conn.execute(sa.update(downloads).where(downloads.c.id == offer.id).values(token_hash=token_hash(token)))
        language = _language(job)
        controller = settings.controllers.get(case.controller)
        message = replace(
            download_notice_message(
                language,
                party.email,
                case.reference,
                f"{job.params['page']}{token}",
                offer.expires_at.astimezone(settings.zone).strftime("%d.%m.%Y"),
                controller.name if controller else "",
            ),
            message_id=_message_id(secret, job.id, mailer.sender),
            date=email.utils.format_datetime(now.astimezone(dt.UTC)),
        )
        kept = _kept_copy(message, job.params["page"], token, language)
        local = now.astimezone(settings.zone)
        doc_id = store_document(
            conn,
            case.id,
            NOTICE_KIND,
            Document(
                filename=f"download-notice-{local:%Y-%m-%d-%H%M}.eml",
                media_type="message/rfc822",
                content=bytes(kept.as_email(mailer.sender)),
            ),
            None,
            now,
        )
        audit.append(
            conn,
            "document stored",
            actor="worker",
            case_ref=case.reference,
            now=now,
            detail={"document": doc_id, "kind": NOTICE_KIND},
        )
        ctx.step_in(conn, MAIL_STEP, {"state": casefile.StoreProgress.RUNNING.value, "document": doc_id})
    return doc_id


def notice_job(settings: Settings, mailer: Mailer) -> Callable[[casefile.JobContext], None]:
    """The handler of :data:`DOWNLOAD_NOTICE` jobs (see the module docstring). A mail that cannot
    be sent fails the attempt; the worker tries again with backoff, sending the kept message with
    its token put back: the same message each time."""

    def run(ctx: casefile.JobContext) -> None:
        step = ctx.progress.get(MAIL_STEP, {})
        if step.get("state") in (casefile.StoreProgress.OK, casefile.StoreProgress.SKIPPED):
            return  # sent (or not needed) before: a message delivered twice does nothing
        doc_id = step.get("document")
        if doc_id is None:
            doc_id = _keep(ctx, settings, mailer)
            if doc_id is None:
                return
        job = ctx.job
        with ctx.engine.connect() as conn:
            content = conn.execute(sa.select(documents.c.content).where(documents.c.id == doc_id)).scalar_one()
            case_ref = conn.execute(sa.select(cases.c.reference).where(cases.c.id == job.case_id)).scalar_one()
            offer_hash = conn.execute(
                sa.select(downloads.c.token_hash).where(downloads.c.id == job.params["download"])
            ).scalar_one_or_none()
            superseded = _superseded(conn, job)
        token = link_token(settings.dsr.secret_key.encode(), case_ref, job.params["download"], job.id)
        if content is None or offer_hash is None or (offer_hash != token_hash(token) and superseded):
            # purged with the case file, or a newer notice renewed the link: nothing to send
            with ctx.engine.begin() as conn:
                ctx.step_in(conn, MAIL_STEP, {"state": casefile.StoreProgress.SKIPPED.value, "document": doc_id})
            return
        if offer_hash != token_hash(token):
            raise LinkChanged("the kept notice's link no longer opens its offer (was [dsr] secret_key changed?)")
        send_now(mailer, _message_to_send(bytes(content), job.params["page"], token, _language(job)))
        with ctx.engine.begin() as conn:
            ctx.step_in(conn, MAIL_STEP, {"state": casefile.StoreProgress.OK.value, "document": doc_id})
            audit.append(
                conn,
                "download notice sent",
                actor="worker",
                case_ref=case_ref,
                now=ctx.now(),
                detail={"download": job.params["download"], "document": doc_id, "job": job.id},
            )

    return run
