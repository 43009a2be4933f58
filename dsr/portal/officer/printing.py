"""The print batch on the officer pages: look at it (list and one PDF), then mark exactly it printed.

``/officer/print`` lists the approved answers not printed yet (reference, recipient, pages) with a
link to their merged PDF and the button "Als gedruckt markieren". The PDF link and the button carry
the document ids of the listed letters, so a letter approved while the officer was printing is not
marked (it waits for the next batch), and one sent back meanwhile is skipped. The JSON API does the
same in ``api.py`` (``/api/officer/print-batch/…``).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect

from dsr import casefile
from dsr.portal.context import Portal
from dsr.portal.i18n import text
from dsr.portal.officer.flash import decode, encode
from dsr.portal.officer.page import officer_page as _page
from dsr.portal.officer.session import page_language
from dsr.service.letters import mark_printed, preview_pdf, print_preview


def document_ids(values: list[str]) -> list[int]:
    """The ``document`` fields of the link or the form (anything not a row id is left out)."""
    return [int(v) for v in values if v.isdigit() and 0 < int(v) < 2**31][:500]


@get("/print", include_in_schema=False)
async def print_page(
    request: Request[Any, Any, Any], portal: NamedDependency[Portal], user: NamedDependency[casefile.User]
) -> Response[str]:
    letters = await portal.call(print_preview, portal.engine, user)
    flash = decode(portal.secret, request.query_params.get("flash"))
    return _page(
        portal,
        request,
        "officer/print.html",
        user=user,
        letters=letters,
        pages=sum(letter.pages for letter in letters),
        done=flash.message if flash is not None and flash.kind == "done" else None,
        error=flash.message if flash is not None and flash.kind == "error" else None,
    )


@get("/print/batch.pdf", include_in_schema=False)
async def print_pdf(
    request: Request[Any, Any, Any], portal: NamedDependency[Portal], user: NamedDependency[casefile.User]
) -> Response[bytes]:
    wanted = document_ids(request.query_params.getall("document", []))
    content, refs = await portal.call(preview_pdf, portal.engine, user, wanted)
    if not refs:
        raise casefile.NotFound("none of these letters waits to be printed")
    return Response(
        content,
        media_type="application/pdf",
        headers={"content-disposition": 'inline; filename="druckstapel.pdf"', "x-content-type-options": "nosniff"},
    )


@post("/print", include_in_schema=False)
async def mark_batch(
    request: Request[Any, Any, Any], portal: NamedDependency[Portal], user: NamedDependency[casefile.User]
) -> Redirect:
    form = await request.form()
    language = page_language(request)
    wanted = document_ids([v for v in form.getall("document", []) if isinstance(v, str)])
    try:
        marked = await portal.call(mark_printed, portal.engine, user, wanted)
    except casefile.InputRejected:
        token = encode(portal.secret, "error", text(language, "officer.refused.print_nothing_named"))
        return Redirect(portal.url(f"/officer/print?flash={token}"), status_code=303)
    message = text(language, "officer.print.done", count=len(marked.printed))
    if marked.skipped:
        message += " " + text(language, "officer.print.skipped", count=len(marked.skipped))
    token = encode(portal.secret, "done", message)
    return Redirect(portal.url(f"/officer/print?flash={token}"), status_code=303)


HANDLERS = [print_page, print_pdf, mark_batch]
