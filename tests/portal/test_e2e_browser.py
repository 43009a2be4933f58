"""The whole portal in a real browser: headless Chromium against `dsr serve` on demo stores, mail via aiosmtpd.

A pupil asks, verifies by mail; an officer confirms identity, gathers, reviews redactions; an
approver approves and offers the download; the pupil downloads the PDF. A parent asks for a
child; a namesake request cannot proceed.
"""

from __future__ import annotations

import io
import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from dsr import casefile
from dsr.config import Settings, load
from dsr.demo import DemoSummary, generate
from tests.officer_world import PASSWORD, SCHOOL
from tests.portal.portal_setup import free_port, serving

pytestmark = pytest.mark.slow


@dataclass
class DemoServer:
    url: str
    settings: Settings
    demo: DemoSummary


@pytest.fixture(scope="module")
def demo_server(smtp: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    folder = tmp_path_factory.mktemp("e2e-demo")
    demo = generate(folder, schools=1, readers_per_school=20, loans_per_reader=3, seed=1)
    port = free_port()
    config = demo.config
    config.write_text(
        config.read_text(encoding="utf-8") + f'\n[portal]\nbase_url = "http://127.0.0.1:{port}"\nrequire_totp = false\n'
        f'mail = {{ backend = "smtp", host = "{smtp.host}", port = {smtp.port}, sender = "dsr@example.org" }}\n',
        encoding="utf-8",
    )
    settings = load(config)
    casefile.upgrade(settings.portal_database_url)
    engine = casefile.open_engine(settings.portal_database_url)
    casefile.create_user(engine, "officer", PASSWORD, {SCHOOL: ["officer"]})
    casefile.create_user(engine, "approver", PASSWORD, {SCHOOL: ["officer", "approver"]})
    engine.dispose()
    with serving(config, port, folder) as url:
        yield DemoServer(url, settings, demo)


def submit(
    page: Any,
    server: DemoServer,
    *,
    first: str,
    last: str,
    dob: str,
    card: str,
    email: str,
    parent: tuple[str, str] | None = None,
) -> str:
    page.goto(f"{server.url}/de/request/{SCHOOL}")
    page.get_by_label("Auskunft über meine Daten").check()
    if parent:
        page.get_by_label("Als Elternteil für mein Kind").check()
        page.get_by_label("Ihr Vorname").fill(parent[0])
        page.get_by_label("Ihr Nachname").fill(parent[1])
    else:
        page.get_by_label("Für mich selbst").check()
    page.get_by_label("Vorname *").fill(first)
    page.get_by_label("Nachname *").fill(last)
    if dob:  # the three fields of the form (Tag, Monat, Jahr)
        year, month, day = dob.split("-")
        page.get_by_label("Tag").fill(str(int(day)))
        page.get_by_label("Monat").fill(str(int(month)))
        page.get_by_label("Jahr").fill(year)
    if card:
        page.get_by_label("Nummer des Bibliotheksausweises (falls bekannt)").fill(card)
    page.get_by_label("E-Mail-Adresse *").fill(email)
    page.get_by_role("button", name="Anfrage absenden").click()
    page.get_by_role("heading", name="Anfrage erhalten").wait_for()
    return str(page.locator("#reference").inner_text())


def verify(page: Any, smtp: Any, email: str) -> None:
    body = smtp.wait_for(email).get_body(("plain",)).get_content()
    page.goto(re.search(r"(http\S+/verify/[A-Za-z0-9_-]+#code=[A-Z0-9]+)", body).group(1))  # type: ignore[union-attr]
    page.get_by_role("button", name="Bestätigen").click()
    page.get_by_role("heading", name="E-Mail-Adresse bestätigt").wait_for()


def staff(browser: Any, server: DemoServer, username: str) -> Any:
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(f"{server.url}/officer/login")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("heading", name="Fälle").wait_for()
    cookie = context.cookies()[0]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    return page


def open_case(page: Any, server: DemoServer, reference: str) -> None:
    page.goto(f"{server.url}/officer/")
    page.get_by_label("Aktenzeichen").fill(reference)
    page.get_by_role("button", name="Filtern").click()
    page.get_by_role("link", name=reference).click()
    page.get_by_role("heading", name=f"Fall {reference}").wait_for()


def wait_for_state(page: Any, state: str, timeout: float = 240) -> None:  # a hang guard, not a target
    deadline = time.monotonic() + timeout
    while page.locator("#case-state").get_attribute("data-state") != state:
        assert time.monotonic() < deadline, f"the case did not reach {state}"
        time.sleep(1)
        page.reload()


def confirm_and_gather(page: Any) -> None:
    page.get_by_role("button", name="Treffer suchen").click()
    page.get_by_role("button", name="Diese Person bestätigen").first.click()  # and gathering starts
    wait_for_state(page, "review")


def test_pupil_asks_officer_reviews_approver_approves_pupil_downloads(
    demo_server: DemoServer, smtp: Any, browser: Any, page: Any
) -> None:
    # a reader who may act alone: the demo's typical pupil is 13, and her answer goes to a guardian
    # by post, never as a download to her (tests/service/test_casework_routing.py). He writes from
    # the address the school holds for him: the code mailed there verifies him as that row, and the
    # answer may go there (docs/identity.md)
    p = demo_server.demo.featured(SCHOOL, "library_staff")
    email = str(p.email)
    reference = submit(
        page,
        demo_server,
        first=str(p.first_name),
        last=str(p.last_name),
        dob=str(p.date_of_birth),
        card=str(p.card_number),
        email=email,
    )
    verify(page, smtp, email)

    officer = staff(browser, demo_server, "officer")
    open_case(officer, demo_server, reference)
    confirm_and_gather(officer)
    gathered = officer.locator("table", has_text="Datensammlung").first.inner_text()
    assert "fertig" in gathered and "Schulbibliothek" in gathered  # in words, not "ok" and "school"
    while officer.get_by_role("button", name="Entscheiden").count():
        item = officer.locator("ol.review li", has=officer.get_by_role("button", name="Entscheiden")).first
        assert item.locator("blockquote.found mark").count() == 1  # the item highlighted in its sentence
        item.get_by_label("Entscheidung").select_option("redact")
        item.get_by_role("button", name="Entscheiden").click()
    officer.get_by_role("button", name="Endgültige Antwort erstellen (zur Freigabe)").click()
    wait_for_state(officer, "prepared")
    assert officer.get_by_role("button", name=re.compile("Freigeben")).count() == 0  # officers cannot approve

    approver = staff(browser, demo_server, "approver")
    open_case(approver, demo_server, reference)
    # "Freigeben" waits until the approver opened the letter (it opens in a new tab)
    assert approver.locator("#approve").is_disabled()
    with approver.context.expect_page() as letter:
        approver.locator("#final-letter").click()
    letter.value.close()
    approver.locator("#approve:enabled").wait_for()
    approver.get_by_role("button", name=re.compile("Freigeben")).click()
    wait_for_state(approver, "approved")
    approver.get_by_role("button", name=re.compile("Sicheren Download anbieten")).click()
    wait_for_state(approver, "dispatched")

    notice = smtp.wait_for(email, count=2).get_body(("plain",)).get_content()
    page.goto(re.search(r"(http\S+/download/[A-Za-z0-9_-]+)", notice).group(1))  # type: ignore[union-attr]
    page.get_by_role("button", name="Code per E-Mail senden").click()
    code_mail = smtp.wait_for(email, count=3).get_body(("plain",)).get_content()
    code = re.search(r"^\s{4}([A-Z0-9]{8})\s*$", code_mail, re.M).group(1)  # type: ignore[union-attr]
    page.get_by_label("Download-Code").fill(code)
    with page.expect_download() as download:
        page.get_by_role("button", name="Herunterladen").click()
    content = Path(download.value.path()).read_bytes()
    text = "\n".join(pg.extract_text() or "" for pg in PdfReader(io.BytesIO(content)).pages)
    assert reference in text and str(p.last_name) in text


def _child(demo: DemoSummary, person_id: int) -> tuple[str, str, str, str]:
    db = Path(demo.folder) / demo.controllers[SCHOOL].stores["school"]
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT first_name, last_name, date_of_birth, card_number FROM person WHERE id = ?", (person_id,)
        ).fetchone()
    return row[0], row[1], str(row[2]), row[3] or ""


def test_a_parent_asks_for_a_child_and_the_officer_sees_who_asked(
    demo_server: DemoServer, smtp: Any, browser: Any, page: Any
) -> None:
    parent = demo_server.demo.featured(SCHOOL, "parent_two_children")
    first, last, dob, card = _child(demo_server.demo, parent.related_ids[0])
    # the parent's own address, which the school keeps on the child's guardian rows: that verifies
    email = str(parent.email)
    reference = submit(
        page,
        demo_server,
        first=first,
        last=last,
        dob=dob,
        card=card,
        email=email,
        parent=(str(parent.first_name), str(parent.last_name)),
    )
    verify(page, smtp, email)
    officer = staff(browser, demo_server, "officer")
    open_case(officer, demo_server, reference)
    request = officer.locator("section", has=officer.get_by_role("heading", name="Anfrage")).inner_text()
    assert "Elternteil" in request and str(parent.last_name) in request and first in request
    confirm_and_gather(officer)
    needs = officer.locator("#needs").inner_text()
    assert "Sorgeberechtigten-Einträgen des Kindes" in needs and "offen" not in needs


def test_an_ambiguous_namesake_cannot_proceed(demo_server: DemoServer, smtp: Any, browser: Any, page: Any) -> None:
    namesake = demo_server.demo.featured(SCHOOL, "namesakes")
    email = "namesake-e2e@example.org"
    reference = submit(
        page, demo_server, first=str(namesake.first_name), last=str(namesake.last_name), dob="", card="", email=email
    )
    verify(page, smtp, email)
    officer = staff(browser, demo_server, "officer")
    open_case(officer, demo_server, reference)
    officer.get_by_role("button", name="Treffer suchen").click()
    assert "Mehrdeutig" in officer.locator("main").inner_text()
    # the address is on file for neither namesake, and a name proves nothing: nobody to confirm
    assert officer.get_by_role("button", name="Diese Person bestätigen").count() == 0
    assert officer.get_by_role("button", name="Daten sammeln").count() == 0
    assert officer.locator("#case-state").get_attribute("data-state") == "received"
    assert officer.locator("#case-state").inner_text().startswith("eingegangen")
    # staff saw the requester with her passport: the check names one row, only that one may be confirmed
    rows = [str(r.get_attribute("id")).removeprefix("candidate-") for r in officer.locator("tr[id^=candidate-]").all()]
    assert len(rows) >= 2
    officer.locator("#check-candidate").select_option(rows[0])
    officer.locator("#method").select_option("in_person")
    officer.locator("#evidence").select_option("passport")
    officer.get_by_role("button", name="Prüfung festhalten").click()
    officer.locator(f"#confirm-{rows[0]}").wait_for()
    assert officer.get_by_role("button", name="Diese Person bestätigen").count() == 1
    assert officer.locator(f"tr#candidate-{rows[1]} [data-verified]").get_attribute("data-verified") == ""
