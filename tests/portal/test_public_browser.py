"""The pupil's path in a real browser: headless Chromium against `dsr serve`, mail via aiosmtpd."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.slow


def test_a_pupil_submits_verifies_by_mail_and_checks_the_status(server: Any, smtp: Any, page: Any) -> None:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)  # CSP violations land here
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(server.url + "/")
    assert page.url.endswith("/de/")  # the browser asks for German
    page.get_by_role("link", name="Anfrage an Gymnasium Musterstadt stellen").click()
    page.get_by_label("Auskunft über meine Daten").check()
    page.get_by_label("Für mich selbst").check()
    page.get_by_label("Vorname *").fill("Paula")
    page.get_by_label("Nachname *").fill("Schüler")
    page.get_by_label("Tag").fill("17")
    page.get_by_label("Monat").fill("5")
    page.get_by_label("Jahr").fill("2011")
    page.get_by_label("Nummer des Bibliotheksausweises (falls bekannt)").fill("S-4711")
    page.get_by_label("E-Mail-Adresse *").fill("paula@schule.example")
    page.get_by_role("button", name="Anfrage absenden").click()

    page.get_by_role("heading", name="Anfrage erhalten").wait_for()
    reference = page.locator("#reference").inner_text()
    assert re.fullmatch(r"DSR-\d{4}-[A-Z0-9]{6}", reference)
    status_link = page.get_by_role("link", name=re.compile("Link zur Statusseite")).get_attribute("href")

    mail = smtp.wait_for("paula@schule.example")
    body = mail.get_body(("plain",)).get_content()
    found = re.search(r"(http\S+/verify/[A-Za-z0-9_-]+#code=[A-Z0-9]+)", body)
    assert found, body
    link = found.group(1)
    page.goto(link)
    # the script moved the code from the fragment into the field and out of the address bar
    assert page.get_by_label("Code", exact=True).input_value() == link.rsplit("=", 1)[1]
    assert "#" not in page.url
    page.get_by_role("button", name="Bestätigen").click()
    page.get_by_role("heading", name="E-Mail-Adresse bestätigt").wait_for()
    assert reference in page.locator("main").inner_text()

    page.goto(server.url + status_link)
    assert page.get_by_label("Aktenzeichen").input_value() == reference
    page.get_by_role("button", name="Stand anzeigen").click()
    page.get_by_role("heading", name="Stand Ihrer Anfrage").wait_for()
    assert page.locator("#stage").inner_text() == "Eingegangen"
    assert "Paula" not in page.content()

    page.get_by_role("link", name="English").click()
    page.get_by_role("heading", name="Status of your request").wait_for()
    assert page.context.cookies() == [] and problems == []
