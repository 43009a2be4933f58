"""The redaction review in real Chromium: the officer sees the highlighted word, decides for the group.

`dsr serve` on the demo stores with a case in review whose items are known in advance
(tests/service/review_case.py); headless Chromium from the session's ``browser`` fixture. The
review section is checked with axe-core too when it is installed (scripts/install).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.officer_world import PASSWORD, make_world
from tests.portal.axe import AXE, RUN_AXE, TAGS
from tests.portal.portal_setup import free_port, serving
from tests.service.review_case import CLASSMATE, case_in_review

pytestmark = pytest.mark.slow


@dataclass
class ReviewPortal:
    url: str
    reference: str


@pytest.fixture(scope="module")
def review_portal(demo: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewPortal]:
    folder = tmp_path_factory.mktemp("review-browser")
    w = make_world(demo, folder)
    try:
        reference = case_in_review(w)
    finally:
        w.engine.dispose()
    with serving(w.settings.file, free_port(), folder) as url:
        yield ReviewPortal(url, reference)


def test_the_officer_sees_the_marked_word_and_decides_once_for_identical_items(
    review_portal: ReviewPortal, browser: Any
) -> None:
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    try:
        page.goto(f"{review_portal.url}/officer/login")
        page.get_by_label("Benutzername").fill("officer")
        page.get_by_label("Passwort").fill(PASSWORD)
        page.get_by_role("button", name="Anmelden").click()
        page.get_by_role("heading", name="Fälle").wait_for()
        page.goto(f"{review_portal.url}/officer/cases/{review_portal.reference}")

        review = page.locator("#review")
        marks = review.locator("blockquote.found mark")
        assert marks.count() == 4 and marks.first.inner_text() == CLASSMATE
        # highlighted by more than colour: bold text inside <mark>, and words for screen readers
        weight = marks.first.locator("strong").evaluate("e => getComputedStyle(e).fontWeight")
        assert int(weight) >= 600
        assert marks.first.evaluate("e => getComputedStyle(e).backgroundColor") not in ("rgba(0, 0, 0, 0)", "")
        found = review.locator("blockquote.found").first.text_content() or ""
        assert "Beginn der hervorgehobenen Stelle" in found

        item = review.locator("ol.review > li").first
        assert item.locator(".covers").inner_text() == "gilt für 3 gleiche Stellen"
        assert item.locator(".collection").inner_text() == "Ausleihen"
        assert item.locator(".field").inner_text() == "Schadensnotiz"
        assert item.locator(".role").inner_text() == "Schülerin / Schüler"
        assert item.locator(".printed-redacted").inner_text() == "[Name entfernt] hat es ausgeliehen."
        assert item.locator(".printed-kept").inner_text() == "Lena hat es ausgeliehen."
        other = review.locator("ol.review > li", has_text="Schulz")
        assert "nicht der eigene der betroffenen Person" in other.locator(".whose").inner_text()

        if AXE.exists():
            page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
            violations = page.evaluate(RUN_AXE, TAGS)
            assert violations == [], violations

        item.get_by_label("Entscheidung").select_option("disclose")
        item.get_by_label("Grund").select_option("known-to-subject")
        assert item.get_by_label("für alle 3 gleichen Stellen entscheiden").is_checked()
        item.get_by_role("button", name="Entscheiden").click()
        page.wait_for_load_state()
        decided = page.locator("#review p.decided")
        assert decided.count() == 3
        assert re.search(r"– officer, \d\d\.\d\d\.\d{4} \d\d:\d\d$", decided.first.inner_text())
        assert "1 von 4 Stellen offen." in page.locator("#review").inner_text()
    finally:
        context.close()
