"""WCAG 2.0/2.1 A and AA: axe-core run in real Chromium against every portal page a visitor meets
(the runner: tests/portal/axe.py)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from dsr import casefile
from dsr.casefile.casepage import candidates_of
from dsr.model import Descriptor
from dsr.service import casework
from tests.officer_world import SCHOOL, make_world
from tests.portal.axe import Audit, axe_script
from tests.portal.portal_setup import free_port, serving

pytestmark = pytest.mark.slow

PASSWORD = "accessible horse battery staple"
CONTROLLER = "gym-musterstadt"


@pytest.fixture(scope="module")
def axe_source() -> str:
    return axe_script()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_public_pages_meet_wcag_21_aa(axe_source: str, lang: str, server: Any, smtp: Any, browser: Any) -> None:
    context = browser.new_context(locale="de-DE" if lang == "de" else "en-GB")
    page = context.new_page()
    audit = Audit(page, axe_source)
    base = f"{server.url}/{lang}"
    try:
        page.goto(f"{base}/")
        audit.check("landing")

        page.goto(f"{base}/request/{CONTROLLER}")
        audit.check("request form")
        page.locator("main form button[type=submit]").click()  # nothing filled in: every error shows
        page.locator("[aria-invalid=true]").first.wait_for()
        audit.check("request form with errors")

        address = f"a11y-{lang}@schule.example"
        page.locator("#type-access").check()
        page.locator("#acting-self").check()
        page.locator("#first_name").fill("Paula")
        page.locator("#last_name").fill("Schüler")
        page.locator("#email").fill(address)
        page.locator("main form button[type=submit]").click()
        page.locator("#reference").wait_for()
        audit.check("receipt")
        status_link = page.locator("main a[href*='#']").first.get_attribute("href")

        body = smtp.wait_for(address).get_body(("plain",)).get_content()
        link = re.search(r"(http\S+/verify/[A-Za-z0-9_-]+)#code=", body).group(1)  # type: ignore[union-attr]
        page.goto(link)
        audit.check("verification form")
        page.locator("#code").fill("WRONG000")
        page.locator("main form button[type=submit]").first.click()
        page.locator("[role=alert]").wait_for()
        audit.check("verification form with a wrong code")

        page.goto(f"{base}/verify")
        audit.check("new code form")
        page.goto(f"{server.url}{status_link}")
        audit.check("status form")
        page.locator("main form button[type=submit]").click()
        page.locator("#stage").wait_for()
        audit.check("status")

        # an unknown download link is a 404 page (a known one is audited in the journey tests)
        assert page.goto(f"{base}/download/{'x' * 32}").status == 404
        audit.check("download page, unknown link")

        assert page.goto(f"{base}/request/no-such-controller").status == 404
        page.locator("main h1").wait_for()
        audit.check("error page")
    finally:
        context.close()
    audit.assert_clean()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_officer_login_and_case_list_meet_wcag_21_aa(axe_source: str, lang: str, server: Any, browser: Any) -> None:
    engine = casefile.open_engine(server.settings.portal_database_url)
    username = f"a11y-{uuid.uuid4().hex[:8]}"  # the server is shared by the session's tests
    try:
        casefile.create_user(engine, username, PASSWORD, {CONTROLLER: ["officer"]})
    finally:
        engine.dispose()
    context = browser.new_context(locale="de-DE" if lang == "de" else "en-GB")  # Accept-Language picks the pages'
    page = context.new_page()
    audit = Audit(page, axe_source)
    try:
        page.goto(f"{server.url}/officer/login")
        audit.check("officer login")
        page.locator("#username").fill(username)
        page.locator("#password").fill("wrong")
        page.locator("main form button[type=submit]").click()
        page.locator("[role=alert]").wait_for()
        audit.check("officer login with an error")
        page.locator("#password").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/officer/$"))
        assert page.locator("html").get_attribute("lang") == lang
        audit.check("case list")
    finally:
        context.close()
    audit.assert_clean()


@dataclass
class OfficerPortal:
    url: str
    found: str  #: a new case with candidates found (namesakes: ambiguous), identity forms open
    review: str  #: a gathered case in review: review items, a restricted record, the draft letter


@pytest.fixture(scope="module")
def officer_portal(demo: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OfficerPortal]:
    """`dsr serve` on the demo stores with two cases prepared in-process (gathered before it starts)."""
    folder = tmp_path_factory.mktemp("a11y-officer")
    w = make_world(demo, folder)
    try:
        namesake = w.demo.featured(SCHOOL, "namesakes")
        found = w.open_request(Descriptor(first_name=namesake.first_name, last_name=namesake.last_name))
        casework.find_candidates(w.engine, w.settings, found, user=w.officer)
        suspect = w.demo.featured(SCHOOL, "incident_suspect")
        review = w.open_request(
            Descriptor(
                first_name=suspect.first_name,
                last_name=suspect.last_name,
                card_number=suspect.card_number,
                date_of_birth=suspect.date_of_birth,
            )
        )
        casework.find_candidates(w.engine, w.settings, review, user=w.officer)
        strong = [c for c in candidates_of(w.engine, w.officer, review) if c.strong][0]
        casefile.record_identity_check(
            w.engine, w.officer, review, casefile.CheckMethod.IN_PERSON, candidate=strong.reference, evidence="id_card"
        )
        casefile.confirm_identity(w.engine, w.officer, review, strong.reference)
        casefile.start_gathering(w.engine, w.officer, review, casework.store_names(w.settings, SCHOOL))
        w.run_jobs()
        casefile.add_comment(w.engine, w.officer, review, "Rückruf vereinbart")
        for lang in ("de", "en"):
            casefile.create_user(w.engine, f"a11y-{lang}", PASSWORD, {SCHOOL: ["officer", "admin"]})
    finally:
        w.engine.dispose()
    with serving(w.settings.file, free_port(), folder) as url:
        yield OfficerPortal(url, found, review)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_officer_case_new_admin_and_totp_pages_meet_wcag_21_aa(
    axe_source: str, lang: str, officer_portal: Any, browser: Any
) -> None:
    context = browser.new_context(locale="de-DE" if lang == "de" else "en-GB")
    page = context.new_page()
    audit = Audit(page, axe_source)
    base = f"{officer_portal.url}/officer"
    try:
        page.goto(f"{base}/login")
        page.locator("#username").fill(f"a11y-{lang}")
        page.locator("#password").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/officer/$"))

        page.goto(f"{base}/cases/{officer_portal.found}")
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("main table").first.locator("tbody tr").count() > 1  # the namesakes
        audit.check("case with candidates")
        page.goto(f"{base}/cases/{officer_portal.review}")
        assert page.locator("ol.review li").count() > 1 and page.locator("#h-restricted").count() == 1
        assert page.locator("#h-docs + ul a").count() >= 1  # the draft letter
        audit.check("case in review")
        page.locator("#prepare").click()  # refused: review items and the restricted record are open
        page.locator("#action-error").wait_for()
        audit.check("case with a refused action")

        page.goto(f"{base}/new")
        audit.check("manual entry")
        page.goto(f"{base}/admin")
        assert page.locator("main table tbody tr").count() >= 2  # the accounts of this school
        audit.check("administration")
        page.goto(f"{base}/totp")
        audit.check("second factor")
        page.locator("#code").fill("000000")
        page.locator("main form button[type=submit]").click()
        page.locator("[role=alert]").wait_for()
        audit.check("second factor with a wrong code")
    finally:
        context.close()
    audit.assert_clean()
