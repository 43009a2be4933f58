"""Letters an officer sends from the case page, and the day's print batch.

* the identity query (Art. 12(6)): recorded as a *justified* query, which pauses the deadline;
* the extension notice (Art. 12(3)): the case's deadline moves only together with the notice;
* the print batch: the approved answers not printed yet in one PDF, for the window envelopes
  (marked printed, so the next batch leaves them out; a day's batch can be printed again),
  then "mark as mailed".

The letters go to the person who asked: the parent or representative when someone acts for
the subject. Every function checks the user's controller through ``dsr.casefile``.
"""

from __future__ import annotations

import datetime as dt
import io

import pikepdf
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.documents import read_document, work_case
from dsr.casefile.schema import cases as case_table
from dsr.casefile.workflow import answer_document
from dsr.config import Settings
from dsr.pipeline import compose, render
from dsr.pipeline.deadlines import BERLIN
from dsr.service.casework import facts_of, recipient


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).astimezone(BERLIN).date()


def _request(engine: sa.Engine, user: casefile.User, reference: str, language: str) -> compose.Request:
    view = casefile.get_case(engine, user, reference)
    subject = casefile.get_party(engine, user, reference, "subject")
    requester = (
        casefile.get_party(engine, user, reference, "requester") if view.acting is not casefile.Acting.SELF else None
    )
    to = recipient(requester, subject) if requester is not None else recipient(subject) if subject else None
    if to is None:
        raise casefile.TransitionRefused("the case has no requester to write to", code="no_requester")
    with engine.connect() as conn:
        from dsr.casefile.schema import cases as table

        case_id = conn.execute(sa.select(table.c.id).where(table.c.reference == reference)).scalar_one()
    facts = facts_of(work_case(engine, case_id))
    return compose.Request(
        case_reference=reference,
        received_at=view.received_at,
        channel=facts.channel,
        identity_check=facts.identity_check,
        recipient=to,
        language=language,  # type: ignore[arg-type]
        letter_date=_today(),
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

    view = casefile.get_case(engine, user, reference)
    request = _request(engine, user, reference, language or view.language or settings.dsr.language)
    letter = compose.notice(
        "identity_query",
        settings.controller(view.controller),
        request,
        reasons=reasons,
        reply_by=_today() + dt.timedelta(days=reply_within_days),
        identity_options=options,
    )
    pdf = render.pdf(letter)
    casefile.send_identity_query(engine, user, reference, justified=True)
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
    view = casefile.get_case(engine, user, reference)
    today = _today()
    # the new date is computed by the same rule the case will use (identity-query pauses
    # included, or the letter would name a day earlier than the case's); refused there if too late
    from dsr.casefile.identity import paused_days
    from dsr.pipeline.deadlines import Deadline, ExtensionNotAllowed

    paused = paused_days(engine, user, reference, today)
    try:
        new_due = (
            Deadline(view.received_at, settings.controller(view.controller).land, paused_days=paused)
            .extend(view.extension_months + months, today)
            .due
        )
    except ExtensionNotAllowed as exc:
        raise casefile.TransitionRefused(str(exc)) from None
    request = _request(engine, user, reference, language or view.language or settings.dsr.language)
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
    return casefile.extend_deadline(engine, user, reference, months, notice, today).due


def print_batch(
    engine: sa.Engine,
    user: casefile.User,
    *,
    day: dt.date | None = None,
    now: dt.datetime | None = None,
) -> tuple[bytes, list[str]]:
    """One PDF of approved answers (of the user's controllers) to post, and their references.

    Without ``day``: every approved answer not printed yet, which are then marked printed (the
    next batch leaves them out). With ``day`` (Berlin date): the batch printed that day again,
    e.g. after a paper jam; nothing is marked."""
    if day is None:
        chosen = [
            v.reference
            for v in casefile.list_cases(engine, user, states=[casefile.CaseState.APPROVED])
            if v.printed_at is None
        ]
    else:
        chosen = [
            v.reference
            for v in casefile.list_cases(
                engine, user, states=[casefile.CaseState.APPROVED, casefile.CaseState.DISPATCHED]
            )
            if v.printed_at is not None and v.printed_at.astimezone(BERLIN).date() == day
        ]
    batch = pikepdf.Pdf.new()
    letters: list[pikepdf.Pdf] = []  # pikepdf copies pages lazily: the sources stay open until saved
    for ref in chosen:
        with engine.connect() as conn:
            case_id = conn.execute(sa.select(case_table.c.id).where(case_table.c.reference == ref)).scalar_one()
            doc_id = answer_document(conn, case_id).id
        _, content = read_document(engine, user, ref, doc_id)
        letters.append(pikepdf.open(io.BytesIO(content)))
        batch.pages.extend(letters[-1].pages)
        if len(batch.pages) % 2:
            # duplex printing: each letter starts on a fresh sheet
            x0, y0, x1, y1 = (float(v) for v in batch.pages[-1].mediabox)
            batch.add_blank_page(page_size=(x1 - x0, y1 - y0))
    out = io.BytesIO()
    batch.save(out)
    for letter in letters:
        letter.close()
    if day is None:
        for ref in chosen:
            casefile.mark_printed(engine, user, ref, now=now)
    return out.getvalue(), chosen
