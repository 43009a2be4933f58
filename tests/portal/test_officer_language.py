"""The officer pages in German and English: Accept-Language by default, a switch kept with the account.

TestClient on a real SQLite portal DB and the demo stores (officer_world); the texts are those of
``texts.toml`` ``[officer]``, so a label still hard-coded in a template shows up here in English pages.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from dsr import cases, casework
from dsr.cases.casepage import candidates_of
from dsr.model import Descriptor
from dsr.portal.i18n import _texts, keys, text
from dsr.portal.officer.pages import RESTRICTED_DECISIONS, RESTRICTED_GROUNDS
from dsr.redact import REASONS
from officer_world import (  # noqa: F401  (fixtures)
    PASSWORD,
    SCHOOL,
    World,
    app_client,
    demo,
    fast_passwords,
    page_csrf,
    world,
)

GERMAN = {"accept-language": "de-DE,de;q=0.9"}
ENGLISH = {"accept-language": "en-GB,en;q=0.9"}
TEMPLATES = Path(__file__).parents[2] / "dsr/portal/templates/officer"


def login(client: Any, username: str = "officer", headers: dict[str, str] = GERMAN, **form: str) -> Any:
    r = client.post("/officer/login", data={"username": username, "password": PASSWORD, **form}, headers=headers)
    assert r.status_code == 200 and "<h1>" in r.text, r.text
    return r


def visible(html: str) -> str:
    """The page's text as read, without the review contexts and parties (demo data can be German) and
    the language switch (in the other language on purpose)."""
    html = re.sub(r"<(blockquote|dd|title)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<(a|button)\b[^>]*id=\"switch-language\".*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def german_left_in(html: str) -> list[str]:
    """German officer texts (the parts between placeholders, 6+ characters) that an English page shows."""
    shown = visible(html)
    officer = {k: v for k, v in _texts().items() if k.startswith("officer.")}
    english = "\n".join(v["en"] for v in officer.values())  # "English" is German and English
    left = []
    for key, entry in officer.items():
        if entry["de"] == entry["en"] or "%" in entry["de"]:
            continue
        for part in re.split(r"\{[a-z_]+\}", entry["de"]):
            part = part.strip(" ():,.–")
            if len(part) >= 6 and part not in english and part in shown:
                left.append(f"{key}: {part}")
    return left


def suspect_case_in_review(w: World) -> str:
    """The incident suspect's case gathered: candidates, review items, a restricted record, the draft letter."""
    suspect = w.demo.featured(SCHOOL, "incident_suspect")
    ref = w.open_request(Descriptor(first_name=suspect.first_name, last_name=suspect.last_name,
                                    card_number=suspect.card_number, date_of_birth=suspect.date_of_birth))
    casework.find_candidates(w.engine, w.settings, ref, user=w.officer)
    strong = [c for c in candidates_of(w.engine, w.officer, ref) if c.strong][0]
    cases.confirm_identity(w.engine, w.officer, ref, strong.reference)
    cases.start_gathering(w.engine, w.officer, ref, casework.store_names(w.settings, SCHOOL))
    w.run_jobs()
    assert cases.get_case(w.engine, w.officer, ref).state is cases.CaseState.REVIEW
    return ref


# --------------------------------------------------------------------------- the texts


def test_every_officer_text_has_german_and_english_and_every_key_a_template_uses_exists() -> None:
    officer = {k: v for k, v in _texts().items() if k.startswith("officer.")}
    assert len(officer) > 150
    assert all(set(v) == {"de", "en"} and v["de"].strip() and v["en"].strip() for v in officer.values())
    used: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_.]+)["']\s*[,)]""", template.read_text(encoding="utf-8")))
    assert len(used) > 100 and used - keys() == set()
    # names looked up by code: every code the pages can show has both languages
    for prefix, codes in [("officer.channel", [c.value for c in cases.Channel]),
                          ("officer.request_type", [t.value for t in cases.RequestType]),
                          ("officer.acting", [a.value for a in cases.Acting]),
                          ("officer.reason", list(REASONS)),
                          ("officer.restricted_decision", RESTRICTED_DECISIONS),
                          ("officer.restricted_ground", RESTRICTED_GROUNDS)]:
        assert {f"{prefix}.{code}" for code in codes} <= keys(), prefix


# --------------------------------------------------------------------------- choosing the language


def test_the_login_page_follows_accept_language_and_its_switch_link(app_client: Any) -> None:
    client = app_client()
    de = client.get("/officer/login", headers=GERMAN)
    assert '<html lang="de">' in de.text and "Benutzername" in de.text and 'href="/officer/login?lang=en"' in de.text
    en = client.get("/officer/login", headers=ENGLISH)
    assert '<html lang="en">' in en.text and "Username" in en.text and "Password" in en.text
    assert "Benutzername" not in en.text and "Passwort" not in en.text and german_left_in(en.text) == []
    switched = client.get("/officer/login?lang=en", headers=GERMAN)  # the explicit link beats the browser
    assert '<html lang="en">' in switched.text and "Log in" in switched.text
    failed = client.post("/officer/login", data={"username": "officer", "password": "wrong", "lang": "en"},
                         headers=GERMAN)
    assert failed.status_code == 400 and "Username, password or confirmation code is wrong." in failed.text
    assert "set-cookie" not in failed.headers and not client.cookies


def test_a_language_chosen_on_the_login_page_is_kept_with_the_account(app_client: Any, world: World) -> None:
    client = app_client()
    page = login(client, headers=GERMAN, lang="en")
    assert '<html lang="en">' in page.text and "<h1>Cases</h1>" in page.text
    assert cases.get_user(world.engine, world.officer.id).language == "en"
    later = app_client()  # another browser, another session, a German browser: still English
    assert "<h1>Cases</h1>" in login(later, headers=GERMAN).text


def test_the_switch_is_remembered_across_requests_and_sessions_without_a_new_cookie(
    app_client: Any, world: World
) -> None:
    ref = world.open_request(world.pupil())
    client = app_client()
    page = login(client, headers=GERMAN)
    assert '<html lang="de">' in page.text and "<h1>Fälle</h1>" in page.text
    case = client.get(f"/officer/cases/{ref}", headers=GERMAN)
    assert 'id="switch-language" lang="en"' in case.text
    cookies_before = dict(client.cookies)

    r = client.post("/officer/language", headers=GERMAN, follow_redirects=False,
                    data={"_csrf": page_csrf(case.text), "language": "en", "back": f"/officer/cases/{ref}"})
    assert r.status_code == 303 and r.headers["location"] == f"/officer/cases/{ref}"
    assert "set-cookie" not in r.headers and dict(client.cookies) == cookies_before  # no new cookie, none changed
    for path in ("/officer/", f"/officer/cases/{ref}", "/officer/new", "/officer/totp"):
        shown = client.get(path, headers=GERMAN)  # the browser still asks for German: the choice wins
        assert '<html lang="en">' in shown.text, path
        assert german_left_in(shown.text) == [], path

    again = app_client()
    assert '<html lang="en">' in login(again, headers=GERMAN).text  # kept with the account, not the session
    back = again.get("/officer/", headers=ENGLISH)
    r = again.post("/officer/language", data={"_csrf": page_csrf(back.text), "language": "de", "back": "/officer/"},
                   headers=ENGLISH)
    assert '<html lang="de">' in r.text and "<h1>Fälle</h1>" in r.text


def test_the_switch_needs_the_csrf_token_and_returns_only_to_officer_pages(app_client: Any, world: World) -> None:
    client = app_client()
    page = login(client, headers=ENGLISH)
    r = client.post("/officer/language", data={"_csrf": "forged", "language": "de"}, headers=ENGLISH)
    assert r.status_code == 403 and "Security check failed: please reload the page." in r.text
    assert '<html lang="en">' in r.text and cases.get_user(world.engine, world.officer.id).language is None
    for elsewhere in ("https://evil.example/", "//evil.example/officer/", "/de/"):
        r = client.post("/officer/language", follow_redirects=False,
                        data={"_csrf": page_csrf(page.text), "language": "de", "back": elsewhere})
        assert r.status_code == 303 and r.headers["location"] == "/officer/", elsewhere


# --------------------------------------------------------------------------- each page in English


@pytest.mark.slow
def test_the_case_page_of_a_gathered_case_in_english_shows_no_german_label(app_client: Any, world: World) -> None:
    ref = suspect_case_in_review(world)
    client = app_client()
    login(client, headers=ENGLISH)
    en = client.get(f"/officer/cases/{ref}", headers=ENGLISH).text
    for label in ("Matches in the data stores", "Redaction review", "Restricted records", "Legal ground",
                  "withhold (counted in the answer)", "Create the final answer (for approval)", "Comments", "History",
                  "another person's data; their rights prevail (Art. 15(4))", "Decision", "Reason"):
        assert label in unescape(en), label
    assert german_left_in(en) == []
    assert "Schwärzungsprüfung" not in en and "Beschränkte Datensätze" not in en and "Entscheiden" not in en

    german = app_client()
    login(german, "approver", headers=GERMAN)
    de = german.get(f"/officer/cases/{ref}", headers=GERMAN).text
    for label in ("Treffer in den Datenbeständen", "Schwärzungsprüfung", "Beschränkte Datensätze", "Rechtsgrundlage",
                  "Daten einer anderen Person; deren Rechte überwiegen (Art. 15 Abs. 4)"):
        assert label in de, label
    assert "Redaction review" not in de

    # a refused action shows its page-made message in the officer's language too
    r = client.post(f"/officer/cases/{ref}/do/approve", data={"_csrf": page_csrf(en)}, headers=ENGLISH)
    assert r.status_code == 403 and "You do not have the role for this (e.g. approver)." in r.text


def test_list_new_and_totp_pages_in_both_languages(app_client: Any, world: World) -> None:
    world.open_request(world.pupil())
    client = app_client()
    login(client, headers=ENGLISH)
    pages = {
        "/officer/": (["Reference", "Controller", "overdue only", "Filter", "soonest deadline first"],
                      ["Aktenzeichen", "Verantwortlicher", "nur überfällige", "Filtern"]),
        "/officer/new": (["Enter a request (post, e-mail, in person)", "Received on (date and time)", "Open the case",
                          "Proof of representation (how it was checked)", "in person"],
                         ["Anfrage erfassen", "Eingegangen am", "Fall anlegen", "persönlich"]),
        "/officer/totp": (["Set up two-factor login", "Code from the app", "Turn on"],
                          ["Zwei-Faktor-Anmeldung einrichten", "Code aus der App", "Einschalten"]),
    }
    for path, (english, german) in pages.items():
        en = client.get(path, headers=ENGLISH).text
        assert all(label in en for label in english), path
        assert not [label for label in german if label in visible(en)], path
        assert german_left_in(en) == [], path
    wrong = client.post("/officer/totp", headers=ENGLISH, data={
        "_csrf": page_csrf(en), "secret": "JBSWY3DPEHPK3PXP", "code": "000000"})
    assert wrong.status_code == 400 and text("en", "officer.totp.wrong") in unescape(wrong.text)

    german = app_client()
    login(german, "approver", headers=GERMAN)
    for path, (english, german_labels) in pages.items():
        de = german.get(path, headers=GERMAN).text
        assert '<html lang="de">' in de and all(label in de for label in german_labels), path
