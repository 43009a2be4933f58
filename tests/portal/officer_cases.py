"""Cases at a given stage on the officer world, built through the case file (no rendering: fast)."""

from __future__ import annotations

import io

from pypdf import PdfWriter

from dsr import casefile
from dsr.casefile.casepage import candidates_of
from dsr.service import casework
from tests.officer_world import World


def tiny_pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def confirmed_case(w: World, language: str | None = None) -> str:
    ref = w.open_request(w.pupil(), language=language)
    casework.find_candidates(w.engine, w.settings, ref, user=w.officer)
    strong = [c for c in candidates_of(w.engine, w.officer, ref) if c.strong][0]
    casefile.confirm_identity(w.engine, w.officer, ref, strong.reference)
    return ref


def prepared_case(w: World, preparer: casefile.User, language: str | None = None) -> str:
    """A case in 'prepared' with a small real PDF as the answer (no rendering: fast)."""
    ref = confirmed_case(w, language)
    casefile.start_gathering(w.engine, w.officer, ref, ["school"])
    casefile.finish_gathering(w.engine, ref)
    casefile.prepare(
        w.engine,
        preparer,
        ref,
        casefile.Document(filename="disclosure.pdf", media_type="application/pdf", content=tiny_pdf()),
    )
    return ref


def approved_case(w: World, *, verified: bool = True) -> str:
    ref = prepared_case(w, w.officer)
    casefile.approve(w.engine, w.approver, ref)
    if verified:  # the requester confirmed the address with the code from the mail
        _, issued = casefile.start_email_verification(w.engine, w.settings.dsr.secret_key.encode(), ref)
        casefile.confirm_email(w.engine, w.settings.dsr.secret_key.encode(), issued.link, issued.code)
    return ref
