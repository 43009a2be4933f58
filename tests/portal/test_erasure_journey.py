"""Issue 14's measure, in Chromium against `dsr serve` (its worker searches and gathers): a reader
of the demo school asks on the public form to erase her data; an officer confirms who she is and
makes the erasure plan (one loan is held: the book is still out), a second officer approves it, the
first executes it, records the Art. 19 notices and prepares the confirmation; the second opens it,
approves it and marks it mailed. Nobody touches SQL (the test only lends her books beforehand).
The letter says what was erased, what is kept, why and until when, and whom we told; every new
officer page is checked with axe-core (WCAG 2.1 AA) at 375 and 1280 px and for raw codes."""

from __future__ import annotations

import datetime as dt
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
from dsr.demo import generate
from tests.officer_world import PASSWORD, SCHOOL, World, make_world
from tests.portal.axe import WIDTHS, Audit, axe_script
from tests.portal.portal_setup import code_in, free_port, read_mail, serving
from tests.portal.test_officer_workspace import code_values, raw_codes

pytestmark = pytest.mark.slow

SCHOOL_NAME = "Goethe-Gymnasium Regensburg"


@dataclass
class Desk:
    url: str
    world: World
    mail: Path
    open_loan: int
    returned: int  #: her loans brought back (erased: the letter counts them)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    folder = tmp_path_factory.mktemp("erasure-journey")
    demo = generate(folder / "demo", schools=1, readers_per_school=20, loans_per_reader=3, seed=1)
    port = free_port()
    w = make_world(demo, folder, portal=f'base_url = "http://127.0.0.1:{port}"\n')
    casefile.create_user(w.engine, "second", PASSWORD, {SCHOOL: ["officer", "approver"]})
    teacher = demo.featured(SCHOOL, "teacher_guardian_contact")
    store = Path(demo.folder) / demo.controllers[SCHOOL].stores["school"]
    with sqlite3.connect(store) as conn:  # she borrowed three more books; one is still out
        items = [r[0] for r in conn.execute("SELECT id FROM item ORDER BY id LIMIT 3")]
        for item in items[:2]:
            conn.execute(
                "INSERT INTO loan (item_id, person_id, issued_at, due_at, returned_at, renewals)"
                " VALUES (?, ?, '2026-10-01 10:00:00', '2026-10-29', '2026-10-20 11:00:00', 0)",
                (item, teacher.person_id),
            )
        open_loan = conn.execute(
            "INSERT INTO loan (item_id, person_id, issued_at, due_at, renewals)"
            " VALUES (?, ?, '2026-11-20 10:00:00', '2026-12-18', 0)",
            (items[2], teacher.person_id),
        ).lastrowid
        returned = conn.execute(
            "SELECT count(*) FROM loan WHERE person_id = ? AND returned_at IS NOT NULL", (teacher.person_id,)
        ).fetchone()[0]
    assert w.settings.file is not None
    with serving(w.settings.file, port, folder):
        yield Desk(f"http://127.0.0.1:{port}", w, folder / "mail", int(open_loan or 0), int(returned))
    w.engine.dispose()


class Staff:
    """A member of staff in their own browser (German), every page checked with axe and for codes."""

    def __init__(self, browser: Any, desk: Desk, username: str, source: str, codes: set[str]) -> None:
        self.context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.desk, self.codes = desk, codes
        self.page.goto(f"{desk.url}/officer/login")
        self.page.locator("#username").fill(username)
        self.page.locator("#password").fill(PASSWORD)
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_url(re.compile(r"/officer/$"))
        self.audit = Audit(self.page, source, widths=WIDTHS, shots=f"erasure-{username}")
        self.shown: dict[str, list[str]] = {}

    def open(self, reference: str) -> None:
        self.page.goto(f"{self.desk.url}/officer/cases/{reference}")

    def click(self, name: str) -> str:
        """Press a button of the page; the message the page comes back with."""
        self.page.get_by_role("button", name=name, exact=True).first.click()
        self.page.wait_for_load_state()
        found = self.page.locator("#action-done, #action-error")
        return str(found.first.inner_text()) if found.count() else ""

    def step(self) -> str:
        return str(self.page.locator("#next-step").get_attribute("data-step"))

    def told(self, selector: str = "main") -> str:
        return str(self.page.locator(selector).inner_text())

    def look(self, name: str) -> None:
        html = self.page.content().replace(
            str(self.desk.world.demo.featured(SCHOOL, "teacher_guardian_contact").email), ""
        )
        if found := raw_codes(html, self.codes, "de"):
            self.shown[name] = found
        self.audit.check(name)

    def wait_for_state(self, state: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while self.page.locator("#case-state").get_attribute("data-state") != state:
            assert time.monotonic() < deadline, f"the case did not reach {state}"
            time.sleep(0.5)
            self.page.reload()

    def close(self) -> None:
        self.context.close()


def _file_the_request(browser: Any, desk: Desk) -> str:
    """The teacher asks on the public form to have her data erased and confirms her address."""
    teacher = desk.world.demo.featured(SCHOOL, "teacher_guardian_contact")
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    try:
        page.goto(f"{desk.url}/de/")
        page.get_by_role("link", name=f"Anfrage an {SCHOOL_NAME} stellen").click()
        page.get_by_label("Für mich selbst").check()
        page.get_by_label("Vorname *").fill(str(teacher.first_name))
        page.get_by_label("Nachname *").fill(str(teacher.last_name))
        born = teacher.date_of_birth
        assert born is not None
        page.get_by_label("Tag").fill(str(born.day))
        page.get_by_label("Monat").fill(str(born.month))
        page.get_by_label("Jahr").fill(str(born.year))
        page.get_by_label("Nummer des Bibliotheksausweises (falls bekannt)").fill(str(teacher.card_number))
        page.get_by_label("Löschung", exact=True).check()
        page.get_by_label("E-Mail-Adresse *").fill(str(teacher.email))
        page.get_by_role("button", name="Anfrage absenden").click()
        page.get_by_role("heading", name="Anfrage erhalten").wait_for()
        reference = str(page.locator("#reference").inner_text())
        mails = [m for m in read_mail(desk.mail) if str(teacher.email) in str(m["To"])]
        body = mails[-1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        link = re.search(r"(http\S+/verify/[A-Za-z0-9_-]+)#code=", body).group(1)  # type: ignore[union-attr]
        page.goto(link)
        page.locator("#code").fill(code_in(mails[-1]))
        page.get_by_role("button", name="Bestätigen").click()
        page.get_by_role("heading", name="E-Mail-Adresse bestätigt").wait_for()
        return reference
    finally:
        context.close()


def test_an_erasure_request_goes_from_the_form_to_the_confirmation_letter(desk: Desk, browser: Any) -> None:
    source = axe_script()
    w = desk.world
    teacher = w.demo.featured(SCHOOL, "teacher_guardian_contact")
    reference = _file_the_request(browser, desk)
    codes = code_values(w) | {"erase", "restrict", "expires", "keep", "open_loan", "legal_claim", "done", "open"}
    officer = Staff(browser, desk, "officer", source, codes)
    second = Staff(browser, desk, "second", source, codes)
    try:
        # the officer: who she is (the worker found her), then the data (confirming starts gathering)
        officer.open(reference)
        deadline = time.monotonic() + 60
        while officer.page.get_by_role("button", name="Diese Person bestätigen").count() == 0:
            assert time.monotonic() < deadline, "the worker did not find her"
            time.sleep(0.5)
            officer.page.reload()
        assert "Löschung" in officer.told("#erasure")
        officer.click("Diese Person bestätigen")
        officer.wait_for_state("review")
        while officer.page.locator("ol.review li").get_by_role("button", name="Entscheiden").count():
            officer.page.locator("ol.review li").get_by_role("button", name="Entscheiden").first.click()
            officer.page.wait_for_load_state()

        # the plan: what happens to every record; her open loan is held until the book is back
        assert officer.step() == "erasure.plan", officer.step()
        assert "Den Löschplan erstellen." in officer.told("#next-step")
        officer.look("case - plan")
        assert officer.click("Löschplan erstellen") == "Der Löschplan ist erstellt und wartet auf Freigabe."
        plan = officer.told("#erasure-plan")
        assert "Offene Ausleihe" in plan and "bis zur Rückgabe" in plan
        assert officer.page.locator("#erasure-approve").is_disabled()
        assert officer.step() == "erasure.await_approval"
        officer.look("case - plan made")

        # a second officer reads the plan (its PDF too) and approves it
        second.open(reference)
        assert second.step() == "erasure.approve"
        assert second.page.locator("#erasure-plan-pdf").count() == 1
        pdf = second.context.request.get(f"{desk.url}/officer/cases/{reference}/erasure/plan.pdf")
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
        second.look("case - plan to approve")
        assert second.click("Plan freigeben") == "Der Löschplan ist freigegeben."

        # the first executes it, then tells the recipients (Art. 19) and prepares the confirmation
        officer.open(reference)
        assert officer.step() == "erasure.execute"
        assert officer.click("Löschung ausführen") == "Der Plan ist ausgeführt."
        officer.look("case - executed")
        with sqlite3.connect(Path(w.demo.folder) / w.demo.controllers[SCHOOL].stores["school"]) as conn:
            left = conn.execute("SELECT id FROM loan WHERE person_id = ?", (teacher.person_id,)).fetchall()
        assert left == [(desk.open_loan,)]  # her returned loans no longer name her; the open one does
        rows = officer.page.locator("#erasure-tasks tr[data-state=open]")
        told = rows.count()
        for _ in range(told):
            row = officer.page.locator("#erasure-tasks tr[data-state=open]").first
            row.get_by_role("button", name="Festhalten").click()
            officer.page.wait_for_load_state()
            assert officer.told("#action-done") == "Die Mitteilung ist festgehalten."
        assert officer.step() == "erasure.letter"
        officer.look("case - notices told")
        assert officer.click("Bestätigung vorbereiten") == "Die Bestätigung ist erstellt und wartet auf Freigabe."
        assert officer.page.locator("#case-state").get_attribute("data-state") == "prepared"

        # the second opens the letter, approves it and marks it mailed
        second.open(reference)
        letter = second.page.locator("#final-letter")
        with second.context.expect_page() as opened:
            letter.click()
        opened.value.wait_for_load_state()
        second.page.bring_to_front()
        content = second.context.request.get(desk.url + str(letter.get_attribute("href"))).body()
        second.page.locator("#approve:enabled").wait_for()
        assert second.click("Freigeben (Vier-Augen-Prinzip)") == "Die Antwort ist freigegeben."
        second.page.locator("#mailed_on").fill(dt.date.today().isoformat())
        assert second.click("Als versandt markieren") == "Als per Post versandt markiert."
        second.look("case - mailed")
    finally:
        officer.close()
        second.close()

    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(content)).pages)
    assert "Bestätigung der Löschung" in text and str(teacher.last_name) in text
    assert f"Ausleihen: {desk.returned} Einträge (Personenbezug entfernt)" in text, text
    assert re.search(r"Ausleihen: 1 Eintrag – Grund: [^–]*ausgeliehen[^–]* – bis: zur Rückgabe", text), text
    if told:
        assert "Wir haben die Löschung diesen Empfängern mitgeteilt (Art. 19 DSGVO)" in text
    assert officer.shown == {} and second.shown == {}, (officer.shown, second.shown)
    officer.audit.assert_clean()
    second.audit.assert_clean()
