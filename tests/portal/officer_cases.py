"""Cases at a given stage on the officer world, built through the case file (no rendering: fast)."""

from __future__ import annotations

import io

import msgspec
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


def confirmed_case(w: World, language: str | None = None, *, verified: bool = True) -> str:
    """The demo pupil's own request, her identity confirmed.

    ``verified``: she wrote from the address the school holds for her and entered the code mailed
    to it — that verifies her as that row (``email_code``) and lets the answer go there by download.
    False: she wrote from another address (never confirmed); staff saw her with her ID card, and an
    officer decided that the answer goes by post."""
    pupil = w.demo.featured_pupil()
    # she is 13: a date of birth in the request would send her answer by post to her parents (no
    # download); without one (and without the gather job's routing) the delivery follows her address
    given = msgspec.structs.replace(w.pupil(), date_of_birth=None) if verified else w.pupil()
    ref = w.open_request(given, language=language, email=pupil.email if verified else "req@example.org")
    if verified:
        secret = w.settings.dsr.secret_key.encode()
        _, issued = casefile.start_email_verification(w.engine, secret, ref)
        casefile.confirm_email(w.engine, secret, issued.link, issued.code)
    casework.find_candidates(w.engine, w.settings, ref, user=w.officer)
    strong = [c for c in candidates_of(w.engine, w.officer, ref) if c.strong][0]
    if not verified:
        casefile.record_identity_check(
            w.engine, w.officer, ref, casefile.CheckMethod.IN_PERSON, candidate=strong.reference, evidence="id_card"
        )
        casefile.decide_delivery(w.engine, w.officer, ref, "post")
    casefile.confirm_identity(w.engine, w.officer, ref, strong.reference)
    return ref


def prepared_case(w: World, preparer: casefile.User, language: str | None = None, *, verified: bool = True) -> str:
    """A case in 'prepared' with a small real PDF as the answer (no rendering: fast)."""
    ref = confirmed_case(w, language, verified=verified)
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
    """An approved case; ``verified``: see :func:`confirmed_case` (False: the answer goes by post)."""
    ref = prepared_case(w, w.officer, verified=verified)
    casefile.approve(w.engine, w.approver, ref)
    return ref
