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

from dsr import casefile
from dsr.casefile.casepage import candidates_of
from dsr.model import Descriptor
from dsr.pipeline.redact import REASONS
from dsr.portal.i18n import _texts, keys, text
from dsr.portal.officer.pages import RESTRICTED_DECISIONS, RESTRICTED_GROUNDS
from dsr.service import casework
from tests.officer_world import PASSWORD, SCHOOL, World, page_csrf
from tests.portal.officer_cases import prepared_case
from tests.portal.officer_language import ENGLISH, GERMAN, german_left_in, visible

TEMPLATES = Path(__file__).parents[2] / "dsr/portal/templates/officer"


def login(client: Any, username: str = "officer", headers: dict[str, str] = GERMAN, **form: str) -> Any:
    r = client.post("/officer/login", data={"username": username, "password": PASSWORD, **form}, headers=headers)
    assert r.status_code == 200 and "<h1>" in r.text, r.text
    return r


def suspect_case_in_review(w: World) -> str:
    """The incident suspect's case gathered: candidates, review items, a restricted record, the draft letter."""
    suspect = w.demo.featured(SCHOOL, "incident_suspect")
    ref = w.open_request(
        Descriptor(
            first_name=suspect.first_name,
            last_name=suspect.last_name,
            card_number=suspect.card_number,
            date_of_birth=suspect.date_of_birth,
        )
    )
    casework.find_candidates(w.engine, w.settings, ref, user=w.officer)
    strong = [c for c in candidates_of(w.engine, w.officer, ref) if c.strong][0]
    casefile.record_identity_check(
        w.engine, w.officer, ref, casefile.CheckMethod.IN_PERSON, candidate=strong.reference, evidence="passport"
    )
    casefile.confirm_identity(w.engine, w.officer, ref, strong.reference)
    casefile.start_gathering(w.engine, w.officer, ref, casework.store_names(w.settings, SCHOOL))
    w.run_jobs()
    assert casefile.get_case(w.engine, w.officer, ref).state is casefile.CaseState.REVIEW
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
    for prefix, codes in [
        ("officer.channel", [c.value for c in casefile.Channel]),
        ("officer.request_type", [t.value for t in casefile.RequestType]),
        ("officer.acting", [a.value for a in casefile.Acting]),
        ("officer.reason", list(REASONS)),
        ("officer.restricted_decision", RESTRICTED_DECISIONS),
        ("officer.restricted_ground", RESTRICTED_GROUNDS),
    ]:
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
    failed = client.post(
        "/officer/login", data={"username": "officer", "password": "wrong", "lang": "en"}, headers=GERMAN
    )
    assert failed.status_code == 400 and "Username, password or confirmation code is wrong." in failed.text
    assert "set-cookie" not in failed.headers and not client.cookies


def test_a_language_chosen_on_the_login_page_is_kept_with_the_account(app_client: Any, world: World) -> None:
    client = app_client()
    page = login(client, headers=GERMAN, lang="en")
    assert '<html lang="en">' in page.text and "<h1>Cases</h1>" in page.text
    assert casefile.get_user(world.engine, world.officer.id).language == "en"
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

    r = client.post(
        "/officer/language",
        headers=GERMAN,
        follow_redirects=False,
        data={"_csrf": page_csrf(case.text), "language": "en", "back": f"/officer/cases/{ref}"},
    )
    assert r.status_code == 303 and r.headers["location"] == f"/officer/cases/{ref}"
    assert "set-cookie" not in r.headers and dict(client.cookies) == cookies_before  # no new cookie, none changed
    for path in ("/officer/", f"/officer/cases/{ref}", "/officer/new", "/officer/totp"):
        shown = client.get(path, headers=GERMAN)  # the browser still asks for German: the choice wins
        assert '<html lang="en">' in shown.text, path
        assert german_left_in(shown.text) == [], path

    again = app_client()
    assert '<html lang="en">' in login(again, headers=GERMAN).text  # kept with the account, not the session
    back = again.get("/officer/", headers=ENGLISH)
    r = again.post(
        "/officer/language",
        data={"_csrf": page_csrf(back.text), "language": "de", "back": "/officer/"},
        headers=ENGLISH,
    )
    assert '<html lang="de">' in r.text and "<h1>Fälle</h1>" in r.text


def test_the_switch_needs_the_csrf_token_and_returns_only_to_officer_pages(app_client: Any, world: World) -> None:
    client = app_client()
    page = login(client, headers=ENGLISH)
    r = client.post("/officer/language", data={"_csrf": "forged", "language": "de"}, headers=ENGLISH)
    assert r.status_code == 403 and "Security check failed: please reload the page." in r.text
    assert '<html lang="en">' in r.text and casefile.get_user(world.engine, world.officer.id).language is None
    for elsewhere in ("https://evil.example/", "//evil.example/officer/", "/de/"):
        r = client.post(
            "/officer/language",
            follow_redirects=False,
            data={"_csrf": page_csrf(page.text), "language": "de", "back": elsewhere},
        )
        assert r.status_code == 303 and r.headers["location"] == "/officer/", elsewhere


# --------------------------------------------------------------------------- each page in English


@pytest.mark.slow
def test_the_case_page_of_a_gathered_case_in_english_shows_no_german_label(app_client: Any, world: World) -> None:
    ref = suspect_case_in_review(world)
    client = app_client()
    login(client, headers=ENGLISH)
    en = client.get(f"/officer/cases/{ref}", headers=ENGLISH).text
    for label in (
        "Matches in the data stores",
        "Redaction review",
        "Restricted records",
        "Legal ground",
        "withhold (counted in the answer)",
        "Create the final answer (for approval)",
        "Comments",
        "History",
        "another person's data; their rights prevail (Art. 15(4))",
        "Decision",
        "Reason",
    ):
        assert label in unescape(en), label
    assert german_left_in(en) == []
    assert "Schwärzungsprüfung" not in en and "Beschränkte Datensätze" not in en and "Entscheiden" not in en

    german = app_client()
    login(german, "approver", headers=GERMAN)
    de = german.get(f"/officer/cases/{ref}", headers=GERMAN).text
    for label in (
        "Treffer in den Datenbeständen",
        "Schwärzungsprüfung",
        "Beschränkte Datensätze",
        "Rechtsgrundlage",
        "Daten einer anderen Person; deren Rechte überwiegen (Art. 15 Abs. 4)",
    ):
        assert label in de, label
    assert "Redaction review" not in de

    # a refused action shows its page-made message in the officer's language too
    r = client.post(f"/officer/cases/{ref}/do/approve", data={"_csrf": page_csrf(en)}, headers=ENGLISH)
    assert 'id="action-error"' in r.text and "You do not have the role for this (e.g. approver)." in r.text


def test_list_new_and_totp_pages_in_both_languages(app_client: Any, world: World) -> None:
    world.open_request(world.pupil())
    client = app_client()
    login(client, headers=ENGLISH)
    pages = {
        "/officer/": (
            ["Reference", "Controller", "overdue only", "Filter", "soonest deadline first"],
            ["Aktenzeichen", "Verantwortlicher", "nur überfällige", "Filtern"],
        ),
        "/officer/new": (
            [
                "Enter a request (post, e-mail, in person)",
                "Received on (date and time)",
                "Open the case",
                "Proof of representation (how it was checked)",
                "in person",
            ],
            ["Anfrage erfassen", "Eingegangen am", "Fall anlegen", "persönlich"],
        ),
        "/officer/totp": (
            ["Set up two-factor login", "Code from the app", "Turn on"],
            ["Zwei-Faktor-Anmeldung einrichten", "Code aus der App", "Einschalten"],
        ),
    }
    for path, (english, german) in pages.items():
        en = client.get(path, headers=ENGLISH).text
        assert all(label in en for label in english), path
        assert not [label for label in german if label in visible(en)], path
        assert german_left_in(en) == [], path
    wrong = client.post(
        "/officer/totp", headers=ENGLISH, data={"_csrf": page_csrf(en), "secret": "JBSWY3DPEHPK3PXP", "code": "000000"}
    )
    assert wrong.status_code == 400 and text("en", "officer.totp.wrong") in unescape(wrong.text)

    german = app_client()
    login(german, "approver", headers=GERMAN)
    for path, (_, german_labels) in pages.items():
        de = german.get(path, headers=GERMAN).text
        assert '<html lang="de">' in de and all(label in de for label in german_labels), path


# --------------------------------------------------------------------------- dsr's rules and codes in words


def test_rule_messages_reach_the_page_in_the_officers_language_and_the_api_gets_a_code(
    app_client: Any, world: World
) -> None:
    ref = prepared_case(world, world.approver)
    for headers, four_eyes, transition, english in [
        (
            GERMAN,
            "Vier-Augen-Prinzip: Freigeben muss eine andere Person als die, die die Antwort erstellt oder über "
            "ihre Schwärzungen entschieden hat.",
            "Ein Fall im Stand „wartet auf Freigabe“ kann nicht in den Stand „abgeschlossen“ wechseln.",
            False,
        ),
        (
            ENGLISH,
            "Four eyes: the approver must be a different person from the one who prepared the answer or decided "
            "its redactions.",
            "A case that is “awaiting approval” cannot become “closed”.",
            True,
        ),
    ]:
        client = app_client()
        login(client, "approver", headers=headers)
        token = page_csrf(client.get(f"/officer/cases/{ref}", headers=headers).text)
        refused = client.post(f"/officer/cases/{ref}/do/approve", data={"_csrf": token}, headers=headers)
        # refused: back on the case page with the reason (post/redirect/get), never left on /do/
        assert refused.status_code == 200 and "/do/" not in str(refused.url) and four_eyes in unescape(refused.text)
        assert "four eyes: the approver must not be" not in refused.text  # the English rule text is gone
        closing = client.post(f"/officer/cases/{ref}/do/close", data={"_csrf": token}, headers=headers)
        assert 'id="action-error"' in closing.text and transition in unescape(closing.text)
        assert "cannot become closed" not in closing.text
        if english:
            assert german_left_in(refused.text) == []

    # the JSON API: the English rule stays the message, the code is for programs to branch on
    api = app_client()
    token = api.post("/api/officer/login", json={"username": "approver", "password": PASSWORD}).json()["csrf_token"]
    r = api.post(f"/api/officer/cases/{ref}/approve", headers={"x-csrf-token": token})
    assert r.status_code == 409 and r.json()["code"] == "four_eyes"
    assert r.json()["message"] == (
        "four eyes: the approver must not be the one who prepared the answer or decided what it leaves out"
    )
    r = api.post(f"/api/officer/cases/{ref}/close", headers={"x-csrf-token": token})
    assert r.status_code == 409 and r.json()["code"] == "transition"
    r = api.post(f"/api/officer/cases/{ref}/comment", json={"body": "  "}, headers={"x-csrf-token": token})
    assert r.status_code == 400 and r.json()["code"] == "comment_empty"


def test_a_rule_without_a_code_of_its_own_still_reads_in_the_officers_language() -> None:
    from dsr.pipeline.deadlines import ExtensionNotAllowed
    from dsr.portal.officer.refusals import refusal_code, refusal_text

    outside = casefile.TransitionRefused("the case has no requester to write to")  # a rule outside dsr.casefile
    assert (
        refusal_text(outside, "de") == "Das ist im jetzigen Stand des Falls nicht möglich "
        "(the case has no requester to write to)."
    )
    assert refusal_code(outside) == "not_now"
    try:  # how dsr.service.letters hands on a deadline refusal: the cause decides the text
        try:
            raise ExtensionNotAllowed("the deadline may be extended by at most 2 months in total")
        except ExtensionNotAllowed as exc:
            raise casefile.TransitionRefused(str(exc)) from None
    except casefile.TransitionRefused as wrapped:
        assert refusal_code(wrapped) == "extension_not_allowed"
        assert refusal_text(wrapped, "en").startswith("No extension possible: at most two months in total")
    assert (
        refusal_text(ValueError("withholding needs a ground"), "de")
        == "Eine Angabe passt nicht (withholding needs a ground)."
    )


def test_every_rule_code_and_every_code_the_pages_show_has_words_in_both_languages(world: World) -> None:
    import ast

    from dsr.casefile.requirements import REFUSAL
    from dsr.service.casework import handlers

    source = Path(__file__).parents[2] / "dsr"
    files = [*source.glob("casefile/*.py"), *source.rglob("service/**/*.py"), *source.glob("portal/officer/*.py")]
    codes = {m for f in files for m in re.findall(r'\bcode="([a-z_]+)"', f.read_text(encoding="utf-8"))}
    assert {"four_eyes", "transition", "not_confirmed", "not_verified", "items_open"} <= codes
    # the identity model's refusals (docs/identity.md) are among them, so they need words too
    assert {
        "not_discriminated",
        "not_subject",
        "system_check",
        "evidence_missing",
        "candidate_missing",
        "delivery_undecided",
        "delivery_by_post",
        "delivery_unapproved",
        "delivery_reason",
    } <= codes
    codes |= set(REFUSAL.values())  # an open need refuses with its own code (dsr.casefile.requirements)
    # a second letter's refusals are its track's prefix and a suffix (dsr.casefile.confirmation)
    from dsr.casefile.confirmation import REFUSALS, TRACKS

    built = (source / "casefile" / "confirmation.py").read_text(encoding="utf-8")
    suffixes = set(re.findall(r'code=f"\{track\.refusals\}_([a-z_]+)"', built))
    assert suffixes and suffixes <= set(REFUSALS), suffixes
    codes |= {f"{t.refusals}_{r}" for t in TRACKS for r in REFUSALS}
    assert {"confirmation_four_eyes", "lift_notice_sent"} <= codes
    assert {"written_authorisation_missing", "legal_representation_missing", "representative_unverified"} <= codes
    assert {f"officer.refused.{c}" for c in codes} <= keys()

    actions: set[str] = set()  # every audit action dsr writes: append(conn, "<action>", ...)
    for f in source.rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", None) == "append"
                and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                actions.add(node.args[1].value)
    actions |= {"login failed", "account locked"}  # chosen in a variable (dsr.casefile.users)
    assert {"case opened", "state changed", "candidates found", "e-mail verified"} <= actions
    from dsr.portal.officer.words import audit_key

    assert {f"officer.audit.{audit_key(a)}" for a in actions} <= keys()
    kinds = handlers(world.settings)  # the job kinds the worker runs
    for prefix, values in [
        ("officer.state", [s.value for s in casefile.CaseState]),
        ("officer.job_state", [s.value for s in casefile.JobState]),
        ("officer.progress", [s.value for s in casefile.StoreProgress]),
        ("officer.job_kind", list(kinds)),
        ("officer.check_method", [m.value for m in casefile.CheckMethod]),
    ]:
        assert {f"{prefix}.{v}" for v in values} <= keys(), prefix


def test_states_jobs_stores_and_history_show_in_words_and_keep_the_code_out_of_sight(
    app_client: Any, world: World
) -> None:
    ref = suspect_case_in_review(world)
    pages = {}
    for name, headers in (("de", GERMAN), ("en", ENGLISH)):
        client = app_client()
        login(client, headers=headers)
        pages[name] = (
            unescape(client.get(f"/officer/cases/{ref}", headers=headers).text),
            unescape(client.get("/officer/", headers=headers).text),
        )
    de, de_list = pages["de"]
    en, en_list = pages["en"]
    assert 'id="case-state" data-state="review">in der Schwärzungsprüfung</dd>' in de
    assert 'id="case-state" data-state="review">in redaction review</dd>' in en
    assert re.search(r'<caption data-kind="gather">Auftrag \d+ \(Datensammlung\): erledigt', de)
    assert re.search(r'<caption data-kind="gather">Job \d+ \(gathering the data\): done', en)
    assert "(gather)" not in de and "(gather)" not in en and "<code>" not in de and "<code>" not in en
    assert '<tr data-store="school"><td>Schulbibliothek</td>' in de
    assert '<tr data-store="school"><td>school library</td>' in en
    assert 'data-progress="ok">fertig<' in de and 'data-progress="ok">done<' in en
    # the history: actions in words, the logged action only in a data- attribute, who by name
    assert re.search(
        r'<tr data-action="case opened"><td>[^<]+</td><td>dsr \(automatisch\)</td><td>Fall angelegt</td>', de
    )
    assert re.search(r'<tr data-action="case opened"><td>[^<]+</td><td>dsr \(automatic\)</td><td>case opened</td>', en)
    assert "<td>Stand geändert: Daten werden gesammelt → in der Schwärzungsprüfung</td>" in de
    assert "<td>state changed: gathering data → in redaction review</td>" in en
    assert "<td>state changed</td>" not in de and "<td>candidates found</td>" not in de
    assert "user:" not in de and "<td>officer</td>" in de
    # the list: the state in words, the filter too
    assert 'data-state="review">in der Schwärzungsprüfung</td>' in de_list
    assert 'data-state="review">in redaction review</td>' in en_list
    assert '<option value="review">in der Schwärzungsprüfung</option>' in de_list
    assert german_left_in(pages["en"][0]) == [] and german_left_in(pages["en"][1]) == []
