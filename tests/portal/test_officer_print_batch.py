"""The print batch: previewed (list and one PDF) before exactly those letters are marked printed."""

from __future__ import annotations

import io
import re
from typing import Any

from pypdf import PdfReader

from dsr import casefile
from dsr.portal.officer.actions import today
from tests.officer_world import World, api_login, page_csrf
from tests.portal.officer_cases import prepared_case, tiny_pdf


def _approved(world: World, pages: int = 1) -> str:
    ref = prepared_case(world, world.officer)
    if pages != 1:  # prepared again with a longer letter
        casefile.send_back(world.engine, world.approver, ref)
        casefile.prepare(
            world.engine,
            world.officer,
            ref,
            casefile.Document(filename="disclosure.pdf", media_type="application/pdf", content=tiny_pdf(pages)),
        )
    casefile.approve(world.engine, world.approver, ref)
    return ref


def _printed(world: World, ref: str) -> bool:
    return casefile.get_case(world.engine, world.officer, ref).printed_at is not None


def test_the_api_previews_the_batch_then_marks_exactly_the_previewed_letters(world: World, app_client: Any) -> None:
    one, two = _approved(world), _approved(world, pages=3)
    client = app_client()
    token = api_login(client, "officer")
    preview = client.get("/api/officer/print-batch/preview")
    assert preview.status_code == 200
    letters = {row["reference"]: row for row in preview.json()}
    assert set(letters) == {one, two}
    assert letters[one]["pages"] == 1 and letters[two]["pages"] == 3
    pupil = world.demo.featured_pupil()
    assert letters[one]["recipient"] == f"{pupil.first_name} {pupil.last_name}"
    assert not _printed(world, one) and not _printed(world, two)  # looking marks nothing
    assert "print batch previewed" in [e.action for e in casefile.history(world.engine, one)]

    documents = [row["document"] for row in preview.json()]
    pdf = client.get("/api/officer/print-batch/preview.pdf", params={"document": documents})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 6  # 1 + blank, 3 + blank: each letter on a fresh sheet

    late = _approved(world)  # approved while the batch was at the printer
    r = client.post("/api/officer/print-batch", json={"documents": documents}, headers={"x-csrf-token": token})
    assert r.status_code == 200 and sorted(r.json()["printed"]) == sorted([one, two]) and r.json()["skipped"] == []
    assert _printed(world, one) and _printed(world, two)
    assert not _printed(world, late)  # not silently included: it waits for the next batch
    assert [row["reference"] for row in client.get("/api/officer/print-batch/preview").json()] == [late]

    again = client.get("/api/officer/print-batch")  # today's batch again, e.g. after a paper jam
    assert again.status_code == 200 and len(PdfReader(io.BytesIO(again.content)).pages) == 6
    assert client.get("/api/officer/print-batch?day=2020-01-01").status_code == 404

    r = client.post("/api/officer/print-batch", json={"documents": []}, headers={"x-csrf-token": token})
    assert r.status_code == 400 and r.json()["code"] == "print_nothing_named"

    r = client.post(
        f"/api/officer/cases/{one}/dispatch-post",
        json={"mailed_on": today(world.settings).isoformat()},
        headers={"x-csrf-token": token},
    )
    assert r.status_code == 200


def test_a_letter_sent_back_after_the_preview_is_not_marked(world: World, app_client: Any) -> None:
    ref = _approved(world)
    client = app_client()
    token = api_login(client, "officer")
    documents = [row["document"] for row in client.get("/api/officer/print-batch/preview").json()]
    casefile.send_back(world.engine, world.approver, ref)  # the approver had second thoughts
    r = client.post("/api/officer/print-batch", json={"documents": documents}, headers={"x-csrf-token": token})
    assert r.status_code == 200 and r.json() == {"printed": [], "skipped": documents}
    assert not _printed(world, ref)
    assert "answer printed" not in [e.action for e in casefile.history(world.engine, ref)]


def test_the_page_lists_the_batch_links_its_pdf_and_marks_it_after_a_click(world: World, app_client: Any) -> None:
    one, two = _approved(world), _approved(world)
    client = app_client()
    api_login(client, "officer")
    home = client.get("/officer/")
    assert 'id="nav-print"' in home.text and "Neuer Druckstapel" in home.text
    page = client.get("/officer/print")
    assert page.status_code == 200 and "Neuer Druckstapel" in page.text
    assert one in page.text and two in page.text and "2 Brief(e), 2 Seite(n)" in page.text
    assert not _printed(world, one)
    link = re.search(r'id="print-pdf"', page.text) and re.search(r'href="([^"]+)" id="print-pdf"', page.text)
    assert link
    pdf = client.get(link.group(1).replace("&amp;", "&"))
    assert pdf.status_code == 200 and len(PdfReader(io.BytesIO(pdf.content)).pages) == 4

    late = _approved(world)
    token = page_csrf(page.text)
    documents = re.findall(r'name="document" value="(\d+)"', page.text)
    assert client.post("/officer/print", data={"_csrf": "forged", "document": documents}).status_code == 403
    assert not _printed(world, one)
    done = client.post("/officer/print", data={"_csrf": token, "document": documents})
    assert done.status_code == 200 and "2 Brief(e) als gedruckt markiert." in done.text
    assert "?flash=" in str(done.url)  # post/redirect/get: a reload does not post again
    assert _printed(world, one) and _printed(world, two) and not _printed(world, late)
    assert late in done.text and one not in done.text  # the next batch holds only the late letter


def test_an_empty_batch_says_so_and_offers_nothing_to_mark(world: World, app_client: Any) -> None:
    client = app_client()
    api_login(client, "officer")
    page = client.get("/officer/print")
    assert page.status_code == 200 and 'id="print-none"' in page.text and 'id="mark-printed"' not in page.text
    assert client.get("/api/officer/print-batch/preview").json() == []
    assert client.get("/api/officer/print-batch/preview.pdf").status_code == 404
