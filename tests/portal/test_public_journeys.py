"""Two requesters' journeys in Chromium (``dsr serve`` + aiosmtpd): what each is told at every
step, in both languages, with no cookie set and nothing requested from anywhere but the portal."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.portal.axe import WIDTHS, Audit, axe_script

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _watch(page: Any, server: Any) -> tuple[list[str], list[str]]:
    """(console errors and CSP violations, requests that left the portal's origin)."""
    problems: list[str] = []
    foreign: list[str] = []
    origin = urlsplit(server.url).netloc
    # a form sent back with mistakes answers 400 on purpose; anything else logged is a problem
    expected = "the server responded with a status of 400"
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and expected not in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: foreign.append(r.url) if urlsplit(r.url).netloc not in (origin, "") else None)
    return problems, foreign


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"public-{name}.png"), full_page=True)


def _born_years_ago(years: int) -> dt.date:
    today = dt.date.today()
    return today.replace(year=today.year - years, day=1) - dt.timedelta(days=30)


def test_a_12_year_old_is_told_before_sending_that_the_answer_goes_to_her_parents(
    server: Any, smtp: Any, page: Any
) -> None:
    problems, foreign = _watch(page, server)
    # WCAG 2.1 AA (axe-core) on every page she sees, at a phone's and a desktop's width
    audit = Audit(page, axe_script(), widths=WIDTHS, shots="child")
    born = _born_years_ago(12)
    page.goto(server.url + "/de/request/gym-musterstadt")
    audit.check("form")
    # without a choice nothing about representatives is shown
    page.get_by_label("Für mich selbst").check()
    assert not page.locator("#requester-section").is_visible()
    assert page.get_by_text(
        "Bist du jünger als 14? Dann schicken wir die Antwort per Post an deine Eltern"
    ).is_visible()

    # she first sends it with mistakes: the summary names each field and takes the focus
    page.get_by_label("Tag").fill(str(born.day))
    page.get_by_label("Jahr").fill(str(born.year))
    page.get_by_role("button", name="Anfrage absenden").click()
    summary = page.locator("#summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.id") == "summary"
    told = summary.inner_text()
    for message in (
        "Geben Sie den Vornamen der Person ein, um die es geht.",
        "Das Geburtsdatum muss einen Monat enthalten.",
        "Geben Sie eine gültige E-Mail-Adresse ein",
        "Bitte wählen Sie mindestens eine Art der Anfrage.",
    ):
        assert message in told, told
    _shot(page, "child-errors")
    summary.get_by_role("link", name="Das Geburtsdatum muss einen Monat enthalten.").click()
    assert page.evaluate("document.activeElement.id") == "dob_month"
    audit.check("form with errors")

    page.get_by_label("Monat").fill(str(born.month))
    # as soon as the date is whole, the rule is said for her
    notice = page.get_by_text("Weil du jünger als 14 bist, schicken wir die Antwort per Post an deine Eltern.")
    assert notice.first.is_visible()
    page.get_by_label("Vorname *").fill("Emmi")
    page.get_by_label("Nachname *").fill("Klein")
    page.get_by_label("Auskunft über meine Daten").check()
    page.get_by_label("E-Mail-Adresse *").fill("emmi@schule.example")
    _shot(page, "child-form")
    page.get_by_role("button", name="Anfrage absenden").click()

    page.get_by_role("heading", name="Anfrage erhalten").wait_for()
    steps = page.locator("ol.steps").inner_text()
    assert "Bestätige deine E-Mail-Adresse mit dem Code" in steps
    # the receipt speaks to her as the rule did: "du", never "Sie" in the same breath
    receipt = page.locator("main").inner_text()
    assert "Deine Anfrage an" in receipt
    assert not re.search(r"\b(Sie|Ihre[mnrs]?|Ihnen)\b", receipt), receipt
    assert "Die Schule prüft, wer deine Eltern sind" in steps
    assert "Weil du jünger als 14 bist, schicken wir die Antwort per Post an deine Eltern." in steps
    # the print button is shown by the page's script once it has run (hidden without JavaScript)
    page.get_by_role("button", name="Diese Seite drucken").wait_for(state="visible", timeout=10_000)
    secret = page.locator("#status-secret").inner_text()
    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){5}[0-9A-HJKMNP-TV-Z]{4}", secret)
    reference = page.locator("#reference").inner_text()
    _shot(page, "child-receipt")
    audit.check("receipt")

    # the status page, typed by hand from the printout: small letters, no hyphens
    page.goto(server.url + "/en/status")
    page.get_by_label("Reference").fill(reference.lower())
    page.get_by_label("Secret").fill(secret.replace("-", "").lower())
    page.get_by_role("button", name="Show status").click()
    page.get_by_role("heading", name="Status of your request").wait_for()
    assert (
        "Because you are younger than 14, we will send the answer by post to your parents."
        in page.locator("#delivery").inner_text()
    )
    assert "We are checking who made the request" in page.locator("#next-step").inner_text()
    _shot(page, "child-status-en")
    audit.check("status (en)")
    page.goto(server.url + "/de/status")
    page.get_by_label("Aktenzeichen").fill(reference)
    page.get_by_label("Geheimcode").fill(secret)
    page.get_by_role("button", name="Stand anzeigen").click()
    page.get_by_role("heading", name="Stand deiner Anfrage").wait_for()
    status = page.locator("main").inner_text()
    assert "Hast du deine E-Mail-Adresse noch nicht bestätigt" in status
    assert not re.search(r"\b(Sie|Ihre[mnrs]?|Ihnen)\b", status), status
    audit.check("status (de)")
    audit.assert_clean()
    assert smtp.wait_for("emmi@schule.example")
    assert page.context.cookies() == [] and problems == [] and foreign == []


def test_a_parent_asks_for_two_children_one_of_whom_must_agree(server: Any, smtp: Any, page: Any) -> None:
    problems, foreign = _watch(page, server)
    audit = Audit(page, axe_script(), widths=WIDTHS, shots="parent")
    told = []
    for first, years in (("Ben", 9), ("Clara", 15)):
        born = _born_years_ago(years)
        page.goto(server.url + "/en/request/gym-musterstadt")
        page.get_by_label("As a parent for my child").check()
        # the parent's own details appear; the upload for representatives does not
        assert page.get_by_label("Your first name").is_visible()
        if first == "Ben":
            audit.check("form for a parent (en)")
        assert not page.locator("#authorisation").is_visible()
        page.get_by_label("Your first name").fill("Maria")
        page.get_by_label("Your last name").fill("Muster")
        page.get_by_label("First name *").fill(first)
        page.get_by_label("Last name *").fill("Muster")
        page.get_by_label("Day").fill(str(born.day))
        page.get_by_label("Month").fill(str(born.month))
        page.get_by_label("Year").fill(str(born.year))
        consent = page.get_by_text("Because your child is 14 or older, we ask them whether they agree to your request.")
        assert consent.first.is_visible() == (years >= 14)
        page.get_by_label("Access to my data").check()
        page.get_by_label("E-mail address *").fill("maria@eltern.example")
        page.get_by_role("button", name="Send request").click()
        page.get_by_role("heading", name="Request received").wait_for()
        steps = page.locator("ol.steps").inner_text()
        assert "We check that the school has you on file as the child's parent." in steps
        assert ("we ask them whether they agree" in steps) == (years >= 14)
        assert "The answer goes to you" in steps and "your parents" not in steps
        told.append(page.locator("#reference").inner_text())
        _shot(page, f"parent-receipt-{first.lower()}")
        audit.check(f"receipt for {first} (en)")
    assert len(set(told)) == 2

    # a representative sees the upload, stated with its limit
    page.goto(server.url + "/de/request/gym-musterstadt")
    page.get_by_label("Als bevollmächtigte Person").check()
    assert page.get_by_label("Vollmacht (nur für Bevollmächtigte)").is_visible()
    assert page.get_by_text("PDF, JPEG oder PNG, höchstens 5 MB.").is_visible()
    audit.check("form for a representative (de)")
    audit.assert_clean()
    assert page.context.cookies() == [] and problems == [] and foreign == []


@pytest.mark.parametrize("width", [375, 1280])
def test_the_form_fits_a_phone_and_a_desktop(server: Any, browser: Any, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(server.url + "/de/request/gym-musterstadt")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"the page scrolls sideways at {width}px ({scroll}px)"
        _shot(page, f"form-{width}")
    finally:
        context.close()
