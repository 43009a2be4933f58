"""Letters an officer sends from the case page, and the day's print batch.

* the identity query (Art. 12(6)): recorded as a *justified* query, which pauses the deadline;
* the extension notice (Art. 12(3)): the case's deadline moves only together with the notice;
* the print batch: the approved answers not printed yet, previewed (list and one PDF, for the
  window envelopes), then exactly the previewed letters marked printed, so the next batch leaves
  them out (a day's batch can be printed again), then "mark as mailed".

The letters go to whom the access answer goes (:func:`letter_request`): the person who asked — the
parent or representative when someone acts for the subject —, and for a pupil below the age of
consent who asked alone, her guardians. Every function checks the user's controller through ``dsr.casefile``.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import msgspec
import pikepdf
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.clock import today as today_in
from dsr.casefile.documents import read_document, work_case
from dsr.casefile.printing import Marked, mark_batch_printed, record_preview, unprinted
from dsr.casefile.schema import cases as case_table
from dsr.casefile.workflow import answer_document
from dsr.config import DEFAULT_ZONE, Settings, connect
from dsr.pipeline import compose, render
from dsr.service.casework import facts_of, recipient
from dsr.service.casework.common import ConnectorsOf
from dsr.service.casework.routing import letter_addressee


def letter_request(
    engine: sa.Engine,
    settings: Settings,
    user: casefile.User,
    reference: str,
    language: str,
    *,
    connectors_of: ConnectorsOf = connect,
) -> compose.Request:
    """What a letter of the case says about the request, and whom it is addressed to: by the access
    answer's rule (:func:`dsr.service.casework.routing.letter_addressee`: a young pupil who asked
    alone through her guardians, refused while none is known; a parent as verified), else whoever
    asked, as the request gives them — the subject with her date of birth, so a young reader is
    written to as the access answer writes to her."""
    view = casefile.get_case(engine, user, reference, zone=settings.zone)
    with engine.connect() as conn:
        case_id = conn.execute(sa.select(case_table.c.id).where(case_table.c.reference == reference)).scalar_one()
    case = work_case(engine, case_id)
    to = letter_addressee(engine, settings, case, connectors_of=connectors_of)
    if to is None:
        subject = casefile.get_party(engine, user, reference, "subject")
        requester = (
            casefile.get_party(engine, user, reference, "requester")
            if view.acting is not casefile.Acting.SELF
            else None
        )
        if requester is not None:
            to = recipient(requester, subject)
        elif subject is not None:
            to = msgspec.structs.replace(recipient(subject), date_of_birth=subject.descriptor.date_of_birth)
    if to is None:
        raise casefile.TransitionRefused("the case has no requester to write to", code="no_requester")
    facts = facts_of(case)
    return compose.Request(
        case_reference=reference,
        received_at=view.received_at,
        channel=facts.channel,
        identity_check=facts.identity_check,
        recipient=to,
        language=language,  # type: ignore[arg-type]
        letter_date=today_in(settings.zone),
        timezone=settings.dsr.timezone,
    )


def send_identity_query(
    engine: sa.Engine,
    settings: Settings,
    user: casefile.User,
    reference: str,
    reasons: str,
    *,
    options: tuple[str, ...] = ("in_person", "postal_address"),
    reply_within_days: int = 14,
    language: str | None = None,
) -> int:
    """Compose the identity query letter, keep it with the case, record the justified query (the
    deadline pauses until it is answered). Returns the letter's document id."""
    from dsr.casefile.documents import attach_document

    view = casefile.get_case(engine, user, reference, zone=settings.zone)
    request = letter_request(engine, settings, user, reference, language or view.language or settings.dsr.language)
    letter = compose.notice(
        "identity_query",
        settings.controller(view.controller),
        request,
        reasons=reasons,
        reply_by=today_in(settings.zone) + dt.timedelta(days=reply_within_days),
        identity_options=options,
    )
    pdf = render.pdf(letter)
    casefile.send_identity_query(engine, user, reference, justified=True, zone=settings.zone)
    return attach_document(
        engine,
        reference,
        "identity_query",
        casefile.Document(filename="identitaetsnachfrage.pdf", media_type="application/pdf", content=pdf),
        user=user,
    )


def extend_deadline(
    engine: sa.Engine,
    settings: Settings,
    user: casefile.User,
    reference: str,
    months: int,
    reasons: str,
    *,
    language: str | None = None,
) -> dt.date:
    """Compose the extension notice and extend the deadline with it (refused after the first month)."""
    view = casefile.get_case(engine, user, reference, zone=settings.zone)
    today = today_in(settings.zone)
    # the new date is computed by the same rule the case will use (identity-query pauses
    # included, or the letter would name a day earlier than the case's); refused there if too late
    from dsr.casefile.identity import paused_days
    from dsr.pipeline.deadlines import Deadline, ExtensionNotAllowed

    paused = paused_days(engine, user, reference, today)
    try:
        new_due = (
            Deadline(
                view.received_at, settings.controller(view.controller).land, paused_days=paused, zone=settings.zone
            )
            .extend(view.extension_months + months, today)
            .due
        )
    except ExtensionNotAllowed as exc:
        raise casefile.TransitionRefused(str(exc)) from None
    request = letter_request(engine, settings, user, reference, language or view.language or settings.dsr.language)
    letter = compose.notice(
        "extension",
        settings.controller(view.controller),
        request,
        reasons=reasons,
        new_deadline=new_due,
        paused_days=paused,
    )
    notice = casefile.Document(
        filename="fristverlaengerung.pdf", media_type="application/pdf", content=render.pdf(letter)
    )
    return casefile.extend_deadline(engine, user, reference, months, notice, today, zone=settings.zone).due


class PreviewLetter(msgspec.Struct, frozen=True, kw_only=True):
    """A letter of the print batch as the preview lists it."""

    reference: str
    controller: str
    document: int  #: the answer's document id: "mark as printed" takes it back
    recipient: str  #: whoever asked, by name as the request gave it (personal data: never logged)
    pages: int


def print_preview(engine: sa.Engine, user: casefile.User) -> list[PreviewLetter]:
    """The approved answers (of the user's controllers) not printed yet, each with its page count.
    Looking at the batch is audited ("print batch previewed", per case); nothing is marked."""
    items = unprinted(engine, user)
    letters = []
    for item in items:
        _, content = read_document(engine, user, item.reference, item.document, audited=False)
        with pikepdf.open(io.BytesIO(content)) as pdf:
            pages = len(pdf.pages)
        letters.append(
            PreviewLetter(
                reference=item.reference,
                controller=item.controller,
                document=item.document,
                recipient=item.recipient,
                pages=pages,
            )
        )
    record_preview(engine, user, items)
    return letters


def preview_pdf(engine: sa.Engine, user: casefile.User, documents: Sequence[int]) -> tuple[bytes, list[str]]:
    """One PDF of exactly the previewed letters (by document id) that are still unprinted current
    answers, each padded to even pages for duplex; and their references."""
    items = unprinted(engine, user, only=list(documents))
    return _merged(engine, user, [(i.reference, i.document) for i in items]), [i.reference for i in items]


def mark_printed(
    engine: sa.Engine, user: casefile.User, documents: Sequence[int], *, now: dt.datetime | None = None
) -> Marked:
    """After the preview: mark exactly its letters printed (a letter approved since is not among them)."""
    if not documents:
        raise casefile.InputRejected("name the letters of the previewed batch", code="print_nothing_named")
    return mark_batch_printed(engine, user, documents, now=now)


def print_batch(
    engine: sa.Engine, user: casefile.User, *, day: dt.date, zone: ZoneInfo = DEFAULT_ZONE
) -> tuple[bytes, list[str]]:
    """The batch printed on ``day`` (local date in ``zone``) again, e.g. after a paper jam; nothing is marked."""
    chosen = []
    sent = [casefile.CaseState.APPROVED, casefile.CaseState.DISPATCHED]
    for v in casefile.list_cases(engine, user, states=sent, zone=zone):
        if v.printed_at is not None and v.printed_at.astimezone(zone).date() == day:
            with engine.connect() as conn:
                case_id = conn.execute(
                    sa.select(case_table.c.id).where(case_table.c.reference == v.reference)
                ).scalar_one()
                chosen.append((v.reference, answer_document(conn, case_id).id))
    return _merged(engine, user, chosen), [ref for ref, _ in chosen]


def _merged(engine: sa.Engine, user: casefile.User, letters: Sequence[tuple[str, int]]) -> bytes:
    batch = pikepdf.Pdf.new()
    opened: list[pikepdf.Pdf] = []  # pikepdf copies pages lazily: the sources stay open until saved
    for ref, doc_id in letters:
        _, content = read_document(engine, user, ref, doc_id, audited=False)  # the batch is audited as such
        opened.append(pikepdf.open(io.BytesIO(content)))
        batch.pages.extend(opened[-1].pages)
        if len(batch.pages) % 2:
            # duplex printing: each letter starts on a fresh sheet
            x0, y0, x1, y1 = (float(v) for v in batch.pages[-1].mediabox)
            batch.add_blank_page(page_size=(x1 - x0, y1 - y0))
    out = io.BytesIO()
    batch.save(out)
    for letter in opened:
        letter.close()
    return out.getvalue()
