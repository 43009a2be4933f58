"""People at the portal in Chromium: a teacher asking for her own data, an officer working three
cases, an approver, and both at work on a 12-year-old's own request, which goes to his guardians —
what each is told at every step, that nothing is offered that would only be refused, and every page checked with axe-core (WCAG 2.1 AA) at 375 and 1280 px in German
and English, with no raw code or UTC time on it. The 12-year-old's and the parent's journeys are in
test_public_journeys.py.

The measure of issue 13: the officer handles the demo pupil's request (confirm, gather, review two
items, prepare) and the approver approves — every click and submit made through Playwright on the
case is counted (opening the case from the list too), and the total must be 8 or fewer — for the
pupil made 15 and for the same pupil at 12, whose answer goes by post to his guardians.

`dsr serve` (its worker gathers) on a demo of seed 2, whose pupil's answer has exactly two items to
review; mail goes to files. Screenshots: tests/artifacts/people-*.png.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Error as PlaywrightError
from pypdf import PdfReader

from dsr import casefile
from dsr.casefile.casepage import candidates_of
from dsr.demo import generate
from dsr.model import Descriptor
from dsr.pipeline.redact import REASONS
from dsr.service import casework
from tests.officer_world import PASSWORD, SCHOOL, World, make_world
from tests.portal.axe import WIDTHS, Audit, axe_script
from tests.portal.officer_cases import tiny_pdf
from tests.portal.portal_setup import code_in, free_port, read_mail, serving
from tests.portal.test_officer_workspace import code_values, raw_codes

pytestmark = pytest.mark.slow

#: the demo whose featured pupil (12, Reinhart Adolph) has exactly two items to review
SEED = 2
#: clicks on the case for the officer's and the approver's part of the pupil's request (issue 13)
MOST_CLICKS = 8
SCHOOL_NAME = "Goethe-Gymnasium Regensburg"


@dataclass
class People:
    url: str
    world: World
    mail: Path
    pupil: str  #: the pupil's own request: address verified, one match found (the standard case)
    namesake: str  #: a request by name alone that fits two pupils
    posted: str  #: a child's answer, approved: it goes by post
    own: str  #: an answer the approver prepared themselves
    codes: set[str]
    #: clicks on the pupil's case, by person (the officer's journey, then the approver's)
    clicks: dict[str, int] = field(default_factory=dict)


@dataclass
class Child:
    """The demo's pupil as he is (12): his own request, address verified, one match found."""

    url: str
    world: World
    request: str
    codes: set[str]


def _decide_all(w: World, ref: str) -> None:
    for entry in casework.review_entries(w.engine, w.officer, ref):
        if entry.decision is None:
            casework.decide_items(w.engine, w.officer, ref, entry.id, "redact", next(iter(REASONS)))


def _by_post(w: World, role: str, preparer: casefile.User) -> str:
    """A featured person's request, checked in person, gathered, decided and prepared (small PDF)."""
    p = w.demo.featured(SCHOOL, role)
    ref = w.open_request(
        Descriptor(
            first_name=p.first_name, last_name=p.last_name, card_number=p.card_number, date_of_birth=p.date_of_birth
        ),
        email=f"{role.replace('_', '.')}@example.org",
    )
    casework.find_candidates(w.engine, w.settings, ref, user=w.officer)
    strong = [c for c in candidates_of(w.engine, w.officer, ref) if c.strong][0]
    casefile.record_identity_check(
        w.engine, w.officer, ref, casefile.CheckMethod.IN_PERSON, candidate=strong.reference, evidence="id_card"
    )
    casefile.decide_delivery(w.engine, w.officer, ref, "post")
    casefile.confirm_identity(w.engine, w.officer, ref, strong.reference)
    # a child's answer goes to a parent whom staff saw with ID and custody papers (the guardian check)
    casefile.record_identity_check(w.engine, w.officer, ref, casefile.CheckMethod.GUARDIAN_IN_PERSON)
    casefile.start_gathering(w.engine, w.officer, ref, casework.store_names(w.settings, SCHOOL))
    w.run_jobs()
    _decide_all(w, ref)
    casefile.prepare(
        w.engine,
        preparer,
        ref,
        casefile.Document(filename="answer.pdf", media_type="application/pdf", content=tiny_pdf()),
    )
    return ref


def _standard_pupil(w: World) -> Descriptor:
    """The demo's pupil, made 15: a pupil who may ask alone, the standard request of issue 13 (the
    demo's pupils are 11 to 13; a child's path — a guardian check more — is the posted case's and
    the 12-year-old's journey)."""
    pupil = w.demo.featured_pupil()
    today = dt.date.today()
    born = today.replace(year=today.year - 15, day=1) - dt.timedelta(days=40)
    store = Path(w.demo.folder) / w.demo.controllers[SCHOOL].stores["school"]
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE person SET date_of_birth = ? WHERE id = ?", (born.isoformat(), pupil.person_id))
    return Descriptor(
        first_name=pupil.first_name, last_name=pupil.last_name, card_number=pupil.card_number, date_of_birth=born
    )


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Iterator[People]:
    folder = tmp_path_factory.mktemp("people")
    demo = generate(folder / "demo", schools=1, readers_per_school=20, loans_per_reader=3, seed=SEED)
    port = free_port()
    w = make_world(demo, folder, portal=f'base_url = "http://127.0.0.1:{port}"\n')
    # the pupil asked on the portal from the address the school holds for him and entered the code
    standard = w.open_request(_standard_pupil(w), email=str(w.demo.featured_pupil().email))
    secret = w.settings.dsr.secret_key.encode()
    _, issued = casefile.start_email_verification(w.engine, secret, standard)
    casefile.confirm_email(w.engine, secret, str(issued.link), str(issued.code))
    casework.find_candidates(w.engine, w.settings, standard, user=w.officer)
    namesake = w.demo.featured(SCHOOL, "namesakes")
    ambiguous = w.open_request(
        Descriptor(first_name=namesake.first_name, last_name=namesake.last_name), email="namesake@example.org"
    )
    casework.find_candidates(w.engine, w.settings, ambiguous, user=w.officer)
    posted = _by_post(w, "pupil_helper", w.officer)
    casefile.approve(w.engine, w.approver, posted)
    own = _by_post(w, "library_staff", w.approver)
    assert w.settings.file is not None
    with serving(w.settings.file, port, folder):
        yield People(f"http://127.0.0.1:{port}", w, folder / "mail", standard, ambiguous, posted, own, code_values(w))
    w.engine.dispose()


@pytest.fixture(scope="module")
def child(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Child]:
    """A second portal on the same demo, its pupil left at 12: below the age of consent of Bavaria."""
    folder = tmp_path_factory.mktemp("child")
    demo = generate(folder / "demo", schools=1, readers_per_school=20, loans_per_reader=3, seed=SEED)
    port = free_port()
    w = make_world(demo, folder, portal=f'base_url = "http://127.0.0.1:{port}"\n')
    pupil = w.demo.featured_pupil()
    assert pupil.date_of_birth is not None
    born = pupil.date_of_birth
    today = dt.date.today()
    assert today.year - born.year - ((today.month, today.day) < (born.month, born.day)) < 14
    # he asked on the portal from the address the school holds for him and entered the code
    ref = w.open_request(
        Descriptor(
            first_name=pupil.first_name, last_name=pupil.last_name, card_number=pupil.card_number, date_of_birth=born
        ),
        email=str(pupil.email),
    )
    secret = w.settings.dsr.secret_key.encode()
    _, issued = casefile.start_email_verification(w.engine, secret, ref)
    casefile.confirm_email(w.engine, secret, str(issued.link), str(issued.code))
    casework.find_candidates(w.engine, w.settings, ref, user=w.officer)
    assert w.settings.file is not None
    with serving(w.settings.file, port, folder):
        yield Child(f"http://127.0.0.1:{port}", w, ref, code_values(w))
    w.engine.dispose()


@pytest.fixture(scope="module")
def axe_source() -> str:
    return axe_script()


def _without_flash(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=""))


class Desk:
    """One member of staff at work: their own tab (German, as their browser asks) and the same
    account in a second tab whose browser asks for English, to read every page in both languages.
    Counted clicks go through :meth:`click`; every page is checked through :meth:`look`."""

    def __init__(self, browser: Any, site: People | Child, username: str, source: str) -> None:
        self.site = site
        self.contexts = [
            browser.new_context(locale=loc, viewport={"width": 1280, "height": 900}) for loc in ("de-DE", "en-GB")
        ]
        self.page, self.mirror = (c.new_page() for c in self.contexts)
        for page in (self.page, self.mirror):
            page.goto(f"{site.url}/officer/login")
            page.locator("#username").fill(username)
            page.locator("#password").fill(PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_url(re.compile(r"/officer/$"))
        self.audits = [
            Audit(p, source, widths=WIDTHS, shots=f"people-{username}" if lang == "de" else "")
            for p, lang in ((self.page, "de"), (self.mirror, "en"))
        ]
        self.shown_codes: dict[str, list[str]] = {}
        self.clicks = 0
        #: the actions the browser posted (the server's view of the counted submits)
        self.posted: list[str] = []
        self.page.on("request", lambda r: self.posted.append(r.url) if r.method == "POST" else None)

    def click(self, locator: Any) -> None:
        """A counted click (a link followed or a form submitted by its button)."""
        self.clicks += 1
        locator.click()
        self.page.wait_for_load_state()

    def look(self, name: str) -> None:
        """Check the page in view at both widths, then the same address in English."""
        self._codes(self.page, "de", name)
        self.audits[0].check(name)
        self.mirror.goto(_without_flash(self.page.url))  # the message belongs to the German tab's action
        self._codes(self.mirror, "en", name)
        self.audits[1].check(name)

    def _codes(self, page: Any, language: str, name: str) -> None:
        if found := raw_codes(page.content(), self.site.codes, language):
            self.shown_codes[f"{name} ({language})"] = found

    def told(self, selector: str = "main") -> str:
        return str(self.page.locator(selector).inner_text())

    def step(self) -> str:
        return str(self.page.locator("#next-step").get_attribute("data-step"))

    def open_case(self, reference: str, name: str) -> None:
        """From the list, by the person's name (the list shows it; the reference is only a number)."""
        self.page.goto(f"{self.site.url}/officer/")
        row = self.page.locator(f"tr[data-reference='{reference}']")
        assert name in row.inner_text() and SCHOOL_NAME in row.inner_text()
        self.click(row.get_by_role("link", name=reference))
        self.page.get_by_role("heading", name=f"Fall {reference}").wait_for()

    def wait_for_state(self, state: str, timeout: float = 120) -> None:  # a hang guard, not a target
        deadline = time.monotonic() + timeout
        while self.page.locator("#case-state").get_attribute("data-state") != state:
            assert time.monotonic() < deadline, f"the case did not reach {state}"
            time.sleep(0.5)
            try:
                self.page.reload()
            except PlaywrightError:  # the page's own refresh (while a job runs) came first
                self.page.wait_for_load_state()

    def close(self) -> None:
        for context in self.contexts:
            context.close()

    def assert_clean(self) -> None:
        assert self.shown_codes == {}, f"raw codes shown: {self.shown_codes}"
        for audit in self.audits:
            audit.assert_clean()


# --------------------------------------------------------------------------- the officer


def test_an_officer_works_three_cases(people: People, browser: Any, axe_source: str) -> None:
    desk = Desk(browser, people, "officer", axe_source)
    w = people.world
    pupil = w.demo.featured_pupil()
    try:
        desk.page.goto(f"{people.url}/officer/")
        listed = desk.told()
        for name in (f"{pupil.first_name} {pupil.last_name}", SCHOOL_NAME):
            assert name in listed
        desk.look("case list")

        # 1. the pupil's own request: one match, his address verified
        start = desk.clicks
        desk.open_case(people.pupil, f"{pupil.first_name} {pupil.last_name}")
        assert desk.step() == "confirm"
        panel = desk.told("#next-step")
        assert "Identität bestätigen." in panel
        assert "Jünger als 14" not in panel  # he is 15: no guardian stands between him and his answer
        assert desk.page.locator("#approve, #dispatch-download, #start-gather, #prepare").count() == 0
        desk.look("pupil - confirm")
        # confirming starts the gathering too: it is always the next step
        desk.click(desk.page.get_by_role("button", name="Diese Person bestätigen"))
        assert desk.told("#action-done") == "Die Identität ist bestätigt; die Datensammlung ist gestartet."
        assert desk.page.get_by_role("button", name="Diese Person bestätigen").count() == 0
        desk.wait_for_state("review")
        gathered = desk.page.locator("table", has_text="Datensammlung").first.inner_text()
        assert "fertig" in gathered and "Schulbibliothek" in gathered
        assert desk.step() == "review" and "2 Stelle(n) prüfen." in desk.told("#next-step")
        assert "2 von 2" in desk.told("#review")
        assert desk.page.locator("#prepare").count() in (0, 1)  # see below: refused while items are open
        desk.look("pupil - review")
        for left in (1, 0):
            item = desk.page.locator("ol.review li", has=desk.page.get_by_role("button", name="Entscheiden")).first
            assert item.locator("blockquote.found mark").count() == 1  # the name highlighted in its sentence
            desk.click(item.get_by_role("button", name="Entscheiden"))  # as suggested: redact
            assert desk.told("#action-done") == "Die Entscheidung ist gespeichert."
            assert f"{left} von 2" in desk.told("#review")
        assert desk.step() == "prepare" and "Die endgültige Antwort erstellen." in desk.told("#next-step")
        desk.look("pupil - prepare")
        desk.click(desk.page.get_by_role("button", name="Endgültige Antwort erstellen (zur Freigabe)"))
        assert desk.told("#action-done") == "Die endgültige Antwort ist erstellt und wartet auf Freigabe."
        assert desk.step() == "await_approval"
        assert "Warten auf die Freigabe durch eine zweite Person." in desk.told("#next-step")
        # an officer cannot approve, and is told so instead of being offered the button
        assert desk.page.locator("#approve").count() == 0
        assert "Freigeben kann nur, wer die Rolle „Freigabe“ hat." in desk.told("#approve-not-offered")
        desk.look("pupil - awaiting approval")
        people.clicks["officer"] = desk.clicks - start  # opening the case from the list counts too
        assert len([u for u in desk.posted if "/do/" in u]) == desk.clicks - start - 1  # all but opening it

        # 2. a request by name alone that fits two pupils: nothing to confirm until a check tells them apart
        namesake = w.demo.featured(SCHOOL, "namesakes")
        desk.open_case(people.namesake, f"{namesake.first_name} {namesake.last_name}")
        assert desk.step() == "tell_apart"
        assert "Eine Prüfung festhalten, die die 2 Treffer unterscheidet." in desk.told("#next-step")
        assert desk.told().count("Mehrdeutig: mehrere Personen passen.") == 1
        assert desk.page.get_by_role("button", name="Diese Person bestätigen").count() == 0
        assert desk.page.get_by_role("button", name="Daten sammeln").count() == 0
        desk.look("namesake - tell apart")
        rows = [
            str(r.get_attribute("id")).removeprefix("candidate-") for r in desk.page.locator("tr[id^=candidate-]").all()
        ]
        desk.page.locator("#check-candidate").select_option(rows[0])
        desk.page.locator("#method").select_option("in_person")
        desk.page.locator("#evidence").select_option("passport")
        desk.click(desk.page.get_by_role("button", name="Prüfung festhalten"))
        assert desk.told("#action-done") == "Die Prüfung ist festgehalten."
        # now exactly the person the check speaks for may be confirmed
        assert desk.page.get_by_role("button", name="Diese Person bestätigen").count() == 1
        assert desk.page.locator(f"#confirm-{rows[0]}").count() == 1
        desk.look("namesake - checked")

        # 3. a child's answer, approved: it goes by post — no download is offered, and why
        helper = w.demo.featured(SCHOOL, "pupil_helper")
        desk.open_case(people.posted, f"{helper.first_name} {helper.last_name}")
        assert desk.step() == "print_and_mail"
        assert "Drucken und per Post versenden" in desk.told("#next-step")
        assert desk.page.locator("#dispatch-download").count() == 0
        assert "Kein Download möglich: Die Antwort geht per Post" in desk.told("#download-not-offered")
        desk.look("posted - print and mail")
        desk.page.locator("#mailed_on").fill(dt.date.today().isoformat())
        desk.click(desk.page.get_by_role("button", name="Als versandt markieren"))
        assert desk.told("#action-done") == "Als per Post versandt markiert."
        assert desk.step() == "close" and desk.page.locator("#case-state").inner_text() == "versandt"
        desk.look("posted - mailed")
    finally:
        desk.close()
    desk.assert_clean()


# --------------------------------------------------------------------------- the approver


def test_an_approver_reads_the_letter_and_approves(people: People, browser: Any, axe_source: str) -> None:
    assert "officer" in people.clicks, "the officer's journey did not prepare the pupil's answer (run it first)"
    desk = Desk(browser, people, "approver", axe_source)
    w = people.world
    pupil = w.demo.featured_pupil()
    try:
        # an answer they prepared themselves: approving it is not offered, and they are told why
        staff = w.demo.featured(SCHOOL, "library_staff")
        desk.open_case(people.own, f"{staff.first_name} {staff.last_name}")
        assert desk.step() == "await_approval" and desk.page.locator("#approve").count() == 0
        assert "Freigeben muss eine andere Person (Vier-Augen-Prinzip)" in desk.told("#approve-not-offered")
        desk.look("own answer")

        start = desk.clicks
        desk.open_case(people.pupil, f"{pupil.first_name} {pupil.last_name}")
        letter = desk.page.locator("#final-letter")
        assert letter.count() == 1
        if desk.step() == "open_letter":  # approving waits until they opened the letter (dsr.casefile.approval)
            assert "Die endgültige Antwort öffnen und lesen." in desk.told("#next-step")
            approve = desk.page.locator("#approve")
            assert approve.count() == 0 or approve.is_disabled()
        else:
            assert desk.step() == "approve", desk.step()
        assert "Die endgültige Antwort öffnen, lesen" in desk.told("#next-step") or desk.step() == "open_letter"
        desk.look("pupil - to approve")
        # they open the letter (a new tab), read it, and come back to the case's tab: "Freigeben"
        # is enabled there without a reload
        assert letter.get_attribute("target") == "_blank"
        with desk.page.context.expect_page() as opened:
            desk.click(letter)
        opened.value.wait_for_load_state()
        desk.page.bring_to_front()
        desk.page.locator("#approve:enabled").wait_for()
        assert "Sie haben die aktuelle Fassung geöffnet." in desk.told("#approve-reason")
        desk.look("pupil - letter read")
        desk.click(desk.page.get_by_role("button", name="Freigeben (Vier-Augen-Prinzip)"))
        assert desk.told("#action-done") == "Die Antwort ist freigegeben."
        assert desk.page.locator("#case-state").get_attribute("data-state") == "approved"
        # his address is verified and on file: the download is the next step, and offered
        assert desk.step() == "offer_download" and desk.page.locator("#dispatch-download").count() == 1
        assert desk.page.locator("#approve").count() == 0
        desk.look("pupil - approved")
        people.clicks["approver"] = desk.clicks - start  # opening the case from the list counts too
    finally:
        desk.close()
    desk.assert_clean()
    total = people.clicks["officer"] + people.clicks["approver"]
    print(f"clicks on the pupil's case: {people.clicks} = {total}")
    assert total <= MOST_CLICKS, people.clicks


# --------------------------------------------------------------------------- a child asks for himself


def test_a_pupil_under_14_asks_for_himself_and_the_answer_goes_to_his_guardians(
    child: Child, browser: Any, axe_source: str
) -> None:
    """The same standard request as the 15-year-old's, from the pupil at 12: the officer is told at
    intake that the answer goes by post to the guardians, the guardianship is the school's records
    (recorded by dsr with the routing, shown on the case page), and the case takes no more clicks.
    Before (an officer's guardianship check by hand): 9 — open, confirm, decide ×2, "Prüfung
    festhalten", prepare, and the approver's open, letter, approve."""
    w = child.world
    pupil = w.demo.featured_pupil()
    name = f"{pupil.first_name} {pupil.last_name}"
    clicks: dict[str, int] = {}
    desk = Desk(browser, child, "officer", axe_source)
    try:
        desk.open_case(child.request, name)
        assert desk.step() == "confirm"
        panel = desk.told("#next-step")
        # at intake, from the date of birth he gave: where the answer goes, and that none is downloaded
        assert "Identität bestätigen." in panel
        assert (
            "Jünger als 14: Die Antwort geht per Post an die Sorgeberechtigten unter ihrer Anschrift in den "
            "Schulunterlagen, nicht an das Kind. Kein Download." in panel
        )
        assert desk.page.locator("#approve, #dispatch-download, #start-gather, #prepare").count() == 0
        desk.look("child - confirm")
        desk.click(desk.page.get_by_role("button", name="Diese Person bestätigen"))
        assert desk.told("#action-done") == "Die Identität ist bestätigt; die Datensammlung ist gestartet."
        desk.wait_for_state("review")
        # the guardianship is settled with the routing, and the case page says on what it rests
        needs = desk.told("#needs")
        assert "Das Kind ist jünger als 14: Die Antwort geht per Post an die Sorgeberechtigten" in needs
        assert "Sorgerecht aus den Schulunterlagen: Dort stehen 1 sorgeberechtigte Person(en) mit Anschrift." in needs
        assert desk.page.locator("[data-need='guardian_verification']").get_attribute("data-met") == "yes"
        checks = desk.page.locator("li[data-check='guardians_on_file']").inner_text()
        assert "Sorgeberechtigte mit Anschrift in den Schulunterlagen" in checks and "automatisch" in checks
        assert desk.step() == "review" and "2 Stelle(n) prüfen." in desk.told("#next-step")
        assert "Jünger als 14" in desk.told("#next-step")  # still said at every step
        desk.look("child - review")
        for left in (1, 0):
            item = desk.page.locator("ol.review li", has=desk.page.get_by_role("button", name="Entscheiden")).first
            desk.click(item.get_by_role("button", name="Entscheiden"))
            assert f"{left} von 2" in desk.told("#review")
        # nothing open: no guardianship check to record by hand before the answer is made
        assert desk.step() == "prepare" and "Die endgültige Antwort erstellen." in desk.told("#next-step")
        desk.click(desk.page.get_by_role("button", name="Endgültige Antwort erstellen (zur Freigabe)"))
        assert desk.told("#action-done") == "Die endgültige Antwort ist erstellt und wartet auf Freigabe."
        assert desk.step() == "await_approval"
        clicks["officer"] = desk.clicks
    finally:
        desk.close()
    desk.assert_clean()

    desk = Desk(browser, child, "approver", axe_source)
    try:
        desk.open_case(child.request, name)
        assert desk.step() == "open_letter" and "Jünger als 14" in desk.told("#next-step")
        with desk.page.context.expect_page() as opened:
            desk.click(desk.page.locator("#final-letter"))
        letter = opened.value
        letter.wait_for_load_state()
        desk.page.bring_to_front()
        desk.page.locator("#approve:enabled").wait_for()
        desk.click(desk.page.get_by_role("button", name="Freigeben (Vier-Augen-Prinzip)"))
        assert desk.told("#action-done") == "Die Antwort ist freigegeben."
        # it goes by post to his guardians: no download is offered, and the officer is told why
        assert desk.step() == "print_and_mail" and "Drucken und per Post versenden" in desk.told("#next-step")
        assert desk.page.locator("#dispatch-download").count() == 0
        assert "Kein Download möglich: Die Antwort geht per Post" in desk.told("#download-not-offered")
        desk.look("child - approved")
        clicks["approver"] = desk.clicks
    finally:
        desk.close()
    desk.assert_clean()
    total = clicks["officer"] + clicks["approver"]
    print(f"clicks on the child's case: {clicks} = {total}")
    assert total <= MOST_CLICKS, clicks


# --------------------------------------------------------------------------- the teacher


def test_a_teacher_asks_for_her_own_data_and_downloads_the_answer(
    people: People, browser: Any, axe_source: str
) -> None:
    w = people.world
    teacher = w.demo.featured(SCHOOL, "teacher_guardian_contact")
    contexts = [browser.new_context(locale=loc, viewport={"width": 1280, "height": 900}) for loc in ("de-DE", "en-GB")]
    page, mirror = (c.new_page() for c in contexts)
    audits = [
        Audit(p, axe_source, widths=WIDTHS, shots="people-teacher" if lang == "de" else "")
        for p, lang in ((page, "de"), (mirror, "en"))
    ]
    shown: dict[str, list[str]] = {}
    # the reference and the status secret are hers to copy: shown as code on purpose
    hers = re.compile(r"DSR-\d{4}-[0-9A-Z]+|([0-9A-Z]{4}-){5}[0-9A-Z]{4}")

    def codes(html: str, language: str) -> list[str]:
        return [c for c in raw_codes(html, set(), language) if not hers.fullmatch(c)]

    def look(name: str, english: str | None = "") -> None:
        """Check the page in view; ``english``: the same page's English address (by default the
        German one with /en/), None when it cannot be opened again (a form's answer)."""
        if found := codes(page.content(), "de"):
            shown[f"{name} (de)"] = found
        audits[0].check(name)
        if english is None:
            return
        mirror.goto(english or page.url.replace("/de/", "/en/", 1))
        if found := codes(mirror.content(), "en"):
            shown[f"{name} (en)"] = found
        audits[1].check(name)

    try:
        page.goto(f"{people.url}/de/")
        assert "Wir antworten innerhalb eines Monats." in page.locator("main").inner_text()
        look("landing")
        page.get_by_role("link", name=f"Anfrage an {SCHOOL_NAME} stellen").click()
        page.get_by_label("Für mich selbst").check()
        assert not page.locator("#requester-section").is_visible()
        page.get_by_label("Vorname *").fill(str(teacher.first_name))
        page.get_by_label("Nachname *").fill(str(teacher.last_name))
        born = teacher.date_of_birth
        assert born is not None
        page.get_by_label("Tag").fill(str(born.day))
        page.get_by_label("Monat").fill(str(born.month))
        page.get_by_label("Jahr").fill(str(born.year))
        assert not page.get_by_text("Weil du jünger als 14 bist").first.is_visible()  # she is an adult
        page.get_by_label("Nummer des Bibliotheksausweises (falls bekannt)").fill(str(teacher.card_number))
        page.get_by_label("Auskunft über meine Daten").check()
        page.get_by_label("E-Mail-Adresse *").fill(str(teacher.email))
        look("form")
        page.get_by_role("button", name="Anfrage absenden").click()

        page.get_by_role("heading", name="Anfrage erhalten").wait_for()
        steps = page.locator("ol.steps").inner_text()
        assert "Bestätigen Sie Ihre E-Mail-Adresse mit dem Code aus unserer E-Mail" in steps
        assert "Die Antwort kommt als Download-Link an Ihre E-Mail-Adresse" in steps
        assert "Eltern" not in steps
        reference = page.locator("#reference").inner_text()
        secret = page.locator("#status-secret").inner_text()
        look("receipt", None)

        mails = [m for m in read_mail(people.mail) if str(teacher.email) in str(m["To"])]
        body = mails[-1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        link = re.search(r"(http\S+/verify/[A-Za-z0-9_-]+)#code=", body).group(1)  # type: ignore[union-attr]
        page.goto(link)
        look("verify")
        page.locator("#code").fill(code_in(mails[-1]))
        page.get_by_role("button", name="Bestätigen").click()
        page.get_by_role("heading", name="E-Mail-Adresse bestätigt").wait_for()
        assert f"Wir bearbeiten jetzt Ihre Anfrage {reference}." in page.locator("main").inner_text()
        look("verified", None)

        page.goto(f"{people.url}/de/status")
        page.get_by_label("Aktenzeichen").fill(reference)
        page.get_by_label("Geheimcode").fill(secret)
        page.get_by_role("button", name="Stand anzeigen").click()
        page.get_by_role("heading", name="Stand Ihrer Anfrage").wait_for()
        assert "Wir prüfen, wer die Anfrage gestellt hat." in page.locator("#next-step").inner_text()
        assert "Download-Link" in page.locator("#delivery").inner_text()
        look("status", None)

        # behind the scenes the school works her request (the officer's and approver's pages are tested above)
        deadline = time.monotonic() + 60
        while not (found := [c for c in candidates_of(w.engine, w.officer, reference) if c.strong]):
            assert time.monotonic() < deadline, "the worker did not search for matches"
            time.sleep(0.3)
        casefile.confirm_identity(w.engine, w.officer, reference, found[0].reference)
        casefile.start_gathering(w.engine, w.officer, reference, casework.store_names(w.settings, SCHOOL))
        while casefile.get_case(w.engine, w.officer, reference).state is not casefile.CaseState.REVIEW:
            assert time.monotonic() < deadline + 60, "the worker did not gather"
            time.sleep(0.3)
        _decide_all(w, reference)
        casework.render_answer(w.engine, w.settings, w.officer, reference)  # the real letter, as "prepare" does
        casefile.approve(w.engine, w.approver, reference)
        token = casefile.dispatch_by_download(w.engine, w.approver, reference, max_count=1).token

        page.goto(f"{people.url}/de/status")
        page.get_by_label("Aktenzeichen").fill(reference)
        page.get_by_label("Geheimcode").fill(secret)
        page.get_by_role("button", name="Stand anzeigen").click()
        page.get_by_role("heading", name="Stand Ihrer Anfrage").wait_for()
        assert "Antwort versendet" in page.locator("#stage").inner_text()
        assert "laden Sie sie bitte bald herunter" in page.locator("#next-step").inner_text()
        look("status - sent", None)

        page.goto(f"{people.url}/de/download/{token}")
        expiry = page.locator("#download-expiry").inner_text()
        until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=14)).astimezone(ZoneInfo("Europe/Berlin"))
        assert f"Dieser Link gilt bis {until:%d.%m.%Y}" in expiry and "noch 1-mal herunterladen" in expiry
        assert page.locator("#code").count() == 0  # no code field before a code was sent
        look("download")
        page.get_by_role("button", name="Code per E-Mail senden").click()
        assert "Wir haben Ihnen einen Code geschickt." in page.locator("main").inner_text()
        look("download - code sent", None)
        mail = [m for m in read_mail(people.mail) if str(teacher.email) in str(m["To"])][-1]
        page.get_by_label("Download-Code").fill(code_in(mail))
        with page.expect_download() as download:
            page.get_by_role("button", name="Herunterladen").click()
        content = Path(download.value.path()).read_bytes()
        text = "\n".join(pg.extract_text() or "" for pg in PdfReader(io.BytesIO(content)).pages)
        assert reference in text and str(teacher.last_name) in text
        # she is told it worked; the link allowed one download, so nothing more is offered
        page.goto(f"{people.url}/de/download/{token}")
        assert "Sie haben die Antwort heruntergeladen (1-mal)." in page.locator("#download-done").inner_text()
        assert page.get_by_role("button").filter(has_text=re.compile("Code|Herunterladen")).count() == 0
        look("download - done")
    finally:
        for context in contexts:
            context.close()
    assert shown == {}, f"raw codes shown: {shown}"
    for audit in audits:
        audit.assert_clean()
