"""The officer's workspace as people read it: words instead of codes, the next step, a message after
every action, local time, the requester's own words, the list and the folded history.

TestClient on a real SQLite portal DB and the demo stores (officer_world). Oracles are the texts a
person reads (written out here), not the functions that make them.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

import msgspec
import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.assignment import assign
from dsr.casefile.documents import open_case_with_documents
from dsr.casefile.schema import cases as case_table
from dsr.config import ConfigError, load
from dsr.model import Descriptor, IdentifierKind
from dsr.portal.officer.history import fold
from dsr.portal.officer.words import Words
from dsr.service import casework
from tests.officer_world import PASSWORD, SCHOOL, World, page_csrf
from tests.portal.officer_cases import approved_case, prepared_case, tiny_pdf
from tests.portal.officer_language import ENGLISH, GERMAN
from tests.portal.test_officer_language import suspect_case_in_review


def login(client: Any, username: str = "officer", headers: dict[str, str] = GERMAN) -> None:
    r = client.post("/officer/login", data={"username": username, "password": PASSWORD}, headers=headers)
    assert r.status_code == 200, r.text


def read(html: str) -> str:
    """What a person reads: text, without what the requester or the stores wrote (``translate="no"``,
    quotes of the data) — that is data, not the page's words."""
    html = re.sub(r"<(script|style|title|blockquote)\b.*?</\1>", " ", html, flags=re.S)
    for _ in range(3):  # nested elements: the outer one goes in a later round
        html = re.sub(r'<(\w+)\b[^>]*translate="no"[^>]*>.*?</\1>', " ", html, flags=re.S)
    tooltips = " ".join(re.findall(r'(?:title|aria-label|placeholder)="([^"]*)"', html))
    return unescape(re.sub(r"<[^>]+>", " ", html) + " " + tooltips)


def raw_codes(html: str, codes: set[str], language: str) -> list[str]:
    """Codes a page shows: snake_case tokens, ``user:N``, controller keys, UTC times, ``<code>``; on
    a German page also the (English) code words themselves."""
    shown = read(html)
    found = re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", shown)
    found += re.findall(r"\buser:\d+\b|\bgym-regensburg\b|\bUTC\b", shown)
    found += re.findall(r"<code\b[^>]*>(.*?)</code>", html)
    if language == "de":
        found += [w for w in re.findall(r"\b[a-z][a-z_-]+\b", shown) if w in codes]
    return sorted(set(found))


def code_values(world: World) -> set[str]:
    """The code values of every enum and key an officer page could show."""
    from dsr.casefile.checks import EVIDENCE_CODES
    from dsr.service.casework import handlers

    values = {s.value for s in casefile.CaseState} | {s.value for s in casefile.JobState}
    values |= {s.value for s in casefile.StoreProgress} | {m.value for m in casefile.CheckMethod}
    values |= {k.value for k in IdentifierKind} | set(EVIDENCE_CODES) | set(handlers(world.settings))
    values |= set(world.settings.controller(SCHOOL).stores) | {"system", "worker", "requester", "cli"}
    values |= {"draft", "answer", "review_sheet", "request_details", "restricted", "other_controllers"}
    # a few code words are German words too ("name" in "Name" is capitalised; these never are)
    return values - {"name"}


@pytest.mark.slow
def test_no_officer_page_shows_a_raw_code_in_either_language(app_client: Any, world: World) -> None:
    review = suspect_case_in_review(world)
    casefile.add_comment(world.engine, world.officer, review, "Bitte die Schwärzungen prüfen")
    prepared = prepared_case(world, world.officer)
    approved = approved_case(world)
    casefile.propose_refusal(world.engine, world.officer, prepared, "excessive", "zu oft gefragt")
    casefile.create_user(world.engine, "admin", PASSWORD, {SCHOOL: ["officer", "admin"]})
    codes = code_values(world)
    assign(world.engine, world.officer, review, world.officer.id)  # the list and the history name the assignee
    pages = ["/officer/", "/officer/new", "/officer/totp", "/officer/admin", "/officer/cases/DSR-2026-NOSUCH"]
    pages += ["/officer/print", "/officer/?assigned=mine"]  # the print batch lists the approved letter
    pages += [f"/officer/cases/{ref}" for ref in (review, prepared, approved)]
    for language, headers in (("de", GERMAN), ("en", ENGLISH)):
        client = app_client()
        login(client, "admin", headers)
        for path in pages:
            html = client.get(path, headers=headers).text
            assert f'<html lang="{language}">' in html, path
            left = raw_codes(html, codes, language)
            if path == "/officer/totp":  # the key to type into an authenticator app is shown as code
                left = [c for c in left if not re.fullmatch(r"[A-Z2-7]{16,64}|otpauth://.*", c)]
            assert left == [], (language, path, left)
        case = unescape(client.get(f"/officer/cases/{review}", headers=headers).text)
        # staff by name, dsr's own steps in words, the school by its name
        assert ">officer<" in case and "Goethe-Gymnasium Regensburg" in case
        assert ("dsr (Hintergrundauftrag)" if language == "de" else "dsr (background job)") in case
        listed = unescape(client.get("/officer/", headers=headers).text)
        assert listed.count("Goethe-Gymnasium Regensburg</td>") == 3


def test_the_raw_code_scanner_finds_what_the_old_pages_showed() -> None:
    old = (
        '<dd>eingegangen <code>received</code></dd><td>user:1</td><td title="state changed">x</td>'
        "<td>gym-regensburg</td><td>date_of_birth (schwach)</td><td>05.12.2026 23:03 UTC</td>"
    )
    assert raw_codes(old, {"received"}, "de") == ["UTC", "date_of_birth", "gym-regensburg", "received", "user:1"]
    data = '<td translate="no">Lea_Marie gym-regensburg</td><blockquote>user:1</blockquote>'
    assert raw_codes(data, set(), "de") == []  # what a person or a store wrote is data, not a code


# --------------------------------------------------------------------------- post/redirect/get


def test_every_action_redirects_to_the_case_page_with_a_message(app_client: Any, world: World) -> None:
    ref = prepared_case(world, world.approver)  # the approver prepared it: four eyes refuse them
    client = app_client()
    login(client, "approver")
    page = client.get(f"/officer/cases/{ref}", headers=GERMAN)
    assert 'id="approve"' not in page.text  # an approval that will be refused is not offered
    assert "Freigeben muss eine andere Person (Vier-Augen-Prinzip)" in unescape(page.text)
    token = page_csrf(page.text)

    r = client.post(f"/officer/cases/{ref}/do/comment", data={"_csrf": token, "body": "Notiz"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/officer/cases/{ref}?flash=")
    shown = client.get(r.headers["location"], headers=GERMAN)
    assert 'id="action-done"' in shown.text and "Der Kommentar ist gespeichert." in shown.text

    # refused (posted anyway, e.g. from an old tab): back to the case page with the reason, not a 4xx on /do/
    r = client.post(f"/officer/cases/{ref}/do/approve", data={"_csrf": token}, follow_redirects=False)
    assert r.status_code == 303 and "/do/" not in r.headers["location"]
    shown = client.get(r.headers["location"], headers=GERMAN)
    assert shown.status_code == 200 and 'id="action-error"' in shown.text
    assert "Vier-Augen-Prinzip: Freigeben muss eine andere Person" in unescape(shown.text)
    assert casefile.get_case(world.engine, world.approver, ref).state is casefile.CaseState.PREPARED

    # the action's address opened (reload after the redirect, a bookmark): the case page, nothing done
    opened = client.get(f"/officer/cases/{ref}/do/approve", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == f"/officer/cases/{ref}"

    # a message made elsewhere is not shown: the token is signed
    forged = client.get(f"/officer/cases/{ref}?flash=eyJraW5kIjoiZXJyb3IiLCJtZXNzYWdlIjoiQ2FsbCAwODAwIn0.AAAA")
    assert forged.status_code == 200 and "Call 0800" not in forged.text and 'id="action-error"' not in forged.text


def test_an_unknown_case_gets_the_officers_own_error_page(app_client: Any, world: World) -> None:
    client = app_client()
    login(client, headers=ENGLISH)
    r = client.get("/officer/cases/DSR-2026-NOSUCH", headers=ENGLISH)
    assert r.status_code == 404 and 'href="/officer/"' in r.text and "officer.css" in r.text
    assert "This case or document does not exist" in unescape(r.text)


# --------------------------------------------------------------------------- the next step


def test_the_next_step_names_what_to_do_and_the_childs_path_from_intake(app_client: Any, world: World) -> None:
    pupil = world.demo.featured_pupil()  # the demo's typical pupil is 13
    opened = world.open_request(world.pupil(), email=str(pupil.email))
    client = app_client()
    login(client)
    page = unescape(client.get(f"/officer/cases/{opened}", headers=GERMAN).text)
    assert "Nächster Schritt" in page and "Treffer suchen." in page
    # the age rule at intake, before any store is read
    assert "Jünger als 14: Die Antwort geht per Post an die Sorgeberechtigten unter ihrer Anschrift" in page

    casework.find_candidates(world.engine, world.settings, opened, user=world.officer)
    page = unescape(client.get(f"/officer/cases/{opened}", headers=GERMAN).text)
    assert 'data-step="verify"' in page or 'data-step="confirm"' in page

    approved = approved_case(world, verified=False)  # her request gives her date of birth: she is 13
    page = unescape(client.get(f"/officer/cases/{approved}", headers=GERMAN).text)
    assert 'data-step="print_and_mail"' in page and "Drucken und per Post versenden" in page
    assert 'id="dispatch-download"' not in page and 'id="download-not-offered"' in page

    other = app_client()  # another approver sees the approval as their step
    casefile.create_user(world.engine, "second", PASSWORD, {SCHOOL: ["officer", "approver"]})
    login(other, "second")
    prepared = prepared_case(world, world.officer)
    page = unescape(other.get(f"/officer/cases/{prepared}", headers=GERMAN).text)
    # first the letter, then "Freigeben" (shown disabled with the reason until then)
    assert 'data-step="open_letter"' in page and 'id="approve" disabled' in page
    letter = re.search(r'<a href="([^"]+)" id="final-letter"', page)
    assert letter and other.get(letter.group(1)).status_code == 200
    page = unescape(other.get(f"/officer/cases/{prepared}", headers=GERMAN).text)
    assert 'data-step="approve"' in page and 'id="approve"' in page and 'id="approve" disabled' not in page


# --------------------------------------------------------------------------- local time


def _at_received(world: World, ref: str, moment: dt.datetime) -> None:
    with world.engine.begin() as conn:
        conn.execute(sa.update(case_table).where(case_table.c.reference == ref).values(received_at=moment))


@pytest.mark.parametrize(
    ("utc", "german", "english"),
    [
        # 23:03 UTC on 5 December is already the 6th in Berlin (the complaint of the issue)
        (dt.datetime(2026, 12, 5, 23, 3, tzinfo=dt.UTC), "06.12.2026 00:03", "2026-12-06 00:03"),
        # spring forward: 00:59 UTC is 01:59 CET, 01:00 UTC is 03:00 CEST
        (dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC), "29.03.2026 01:59", "2026-03-29 01:59"),
        (dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC), "29.03.2026 03:00", "2026-03-29 03:00"),
        # fall back: 02:30 happens twice
        (dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC), "25.10.2026 02:30", "2026-10-25 02:30"),
        (dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC), "25.10.2026 02:30", "2026-10-25 02:30"),
        (dt.datetime(2026, 10, 25, 2, 30, tzinfo=dt.UTC), "25.10.2026 03:30", "2026-10-25 03:30"),
    ],
)
def test_times_show_in_berlin_around_midnight_and_dst(
    world: World, utc: dt.datetime, german: str, english: str
) -> None:
    assert Words("de", world.settings).local(utc) == german
    assert Words("en", world.settings).local(utc) == english
    assert Words("de", world.settings).local(utc.replace(tzinfo=None)) == german  # stored naive UTC


def test_the_case_page_shows_the_receipt_in_local_time_and_the_zone_is_configurable(
    app_client: Any, world: World
) -> None:
    ref = world.open_request(world.pupil())
    _at_received(world, ref, dt.datetime(2026, 12, 5, 23, 3, tzinfo=dt.UTC))
    client = app_client()
    login(client)
    page = client.get(f"/officer/cases/{ref}", headers=GERMAN).text
    assert '<dd id="received-at">06.12.2026 00:03</dd>' in page and "UTC" not in read(page)

    other = msgspec.structs.replace(world.settings.dsr, timezone="America/New_York")
    words = Words("de", msgspec.structs.replace(world.settings, dsr=other))
    assert words.local(dt.datetime(2026, 12, 5, 23, 3, tzinfo=dt.UTC)) == ("05.12.2026 18:03")
    # the redaction review's times follow the same clock
    assert "18:03" in words.review.local(dt.datetime(2026, 12, 5, 23, 3, tzinfo=dt.UTC))


def test_an_unknown_timezone_is_a_config_error(world: World, tmp_path: Any) -> None:
    text = world.settings.file.read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("[dsr]\n", '[dsr]\ntimezone = "Mars/Olympus_Mons"\n', 1), encoding="utf-8")
    with pytest.raises(ConfigError, match="dsr.timezone"):
        load(bad)
    good = tmp_path / "good.toml"
    good.write_text(text.replace("[dsr]\n", '[dsr]\ntimezone = "Europe/Vienna"\n', 1), encoding="utf-8")
    assert load(good).dsr.timezone == "Europe/Vienna"
    assert world.settings.dsr.timezone == "Europe/Berlin"  # the default


# --------------------------------------------------------------------------- the requester's words


def test_the_requesters_words_and_files_are_on_the_case_page(app_client: Any, world: World) -> None:
    pupil = world.demo.featured_pupil()
    intake = casefile.Intake(
        controller=SCHOOL,
        land=world.settings.controller(SCHOOL).land,
        request_types=(casefile.RequestType.ACCESS, casefile.RequestType.RECTIFICATION),
        channel=casefile.Channel.PORTAL,
        received_at=dt.datetime.now(dt.UTC),
        subject=casefile.Party(descriptor=world.pupil(), email=pupil.email),
    )
    words = "Meine Adresse ist falsch: es heißt Hauptstraße 5, nicht 3.\nBitte korrigieren."
    opened = open_case_with_documents(
        world.engine,
        world.settings.dsr.secret_key.encode(),
        intake,
        [
            (
                "request_details",
                casefile.Document(
                    filename="details.txt", media_type="text/plain; charset=utf-8", content=words.encode()
                ),
            ),
            (
                "authorisation",
                casefile.Document(filename="authorisation.pdf", media_type="application/pdf", content=tiny_pdf()),
            ),
        ],
    )
    client = app_client()
    login(client)
    page = unescape(client.get(f"/officer/cases/{opened.reference}", headers=GERMAN).text)
    assert f'id="requester-details" translate="no">{words}</blockquote>' in page
    assert 'id="beyond-access"' in page and "Berichtigung (Art. 16 DSGVO)" in page
    size = len(tiny_pdf())
    assert re.search(rf"Vollmacht \(hochgeladen\)</a> – PDF, {size} Bytes", page)
    before = len(casefile.history(world.engine, opened.reference))
    client.get(f"/officer/cases/{opened.reference}", headers=GERMAN)
    # one view of the request as given is one audit row ("request details viewed" per party), not more
    added = [e.action for e in casefile.history(world.engine, opened.reference)[before:]]
    assert added == ["request details viewed"]


# --------------------------------------------------------------------------- the list


def test_the_list_names_the_person_and_searches_by_name_reference_and_email(app_client: Any, world: World) -> None:
    pupil = world.demo.featured_pupil()
    suspect = world.demo.featured(SCHOOL, "incident_suspect")
    mine = world.open_request(world.pupil(), email="emmi.mail@example.org")
    other = world.open_request(Descriptor(first_name=suspect.first_name, last_name=suspect.last_name))
    client = app_client()
    login(client)

    def listed(query: str) -> set[str]:
        html = client.get("/officer/", params={"q": query}, headers=GERMAN).text
        return set(re.findall(r'data-reference="([^"]+)"', html))

    assert listed("") == {mine, other}
    assert listed(str(pupil.last_name).upper()) == {mine}  # any case
    assert listed(f"{pupil.last_name} {pupil.first_name}") == {mine}  # any order
    assert listed("emmi.mail@") == {mine}
    assert listed(other[-4:].lower()) == {other}
    assert listed("Nobody Atall") == set()
    page = unescape(client.get("/officer/", params={"q": pupil.last_name}, headers=GERMAN).text)
    assert f'<input id="q" name="q" type="search" value="{pupil.last_name}"' in page  # the search stays
    assert f"{pupil.first_name} {pupil.last_name}</td>" in page and "Goethe-Gymnasium Regensburg</td>" in page
    assert 'data-light="ok"' in page


# --------------------------------------------------------------------------- the history


def _event(seq: int, actor: str, action: str) -> casefile.Event:
    at = dt.datetime(2026, 12, 6, 7, seq, tzinfo=dt.UTC)
    return casefile.Event(seq=seq, at=at, case_ref="R", actor=actor, action=action, detail={}, prev_hash="", hash="")


def test_views_are_folded_in_the_history_but_kept_in_the_chain() -> None:
    events = [_event(0, "system", "case opened")]
    events += [_event(i, "user:1", "request details viewed") for i in range(1, 13)]
    events += [_event(13, "user:2", "gathered data viewed"), _event(14, "user:1", "comment added")]
    events += [_event(15, "user:1", "gathered data viewed")]
    lines = fold(events)
    assert [(line.action, line.actor, line.views) for line in lines] == [
        ("case opened", "system", 0),
        ("viewed", "user:1", 12),
        ("viewed", "user:2", 1),
        ("comment added", "user:1", 0),
        ("viewed", "user:1", 1),
    ]
    assert lines[1].first == events[1].at and lines[1].last == events[12].at


def test_the_case_page_folds_page_views_by_person(app_client: Any, world: World) -> None:
    ref = world.open_request(world.pupil())
    client = app_client()
    login(client)
    for _ in range(4):
        client.get(f"/officer/cases/{ref}", headers=GERMAN)
    page = unescape(client.get(f"/officer/cases/{ref}", headers=GERMAN).text)
    views = [e for e in casefile.history(world.engine, ref) if e.action == "request details viewed"]
    assert len(views) == 5  # every view is still in the audit chain
    assert re.search(r"<td>officer</td><td>5× angesehen \(seit \d\d\.\d\d\.\d{4} \d\d:\d\d\)</td>", page)
    assert page.count('data-action="viewed"') == 1


# --------------------------------------------------------------------------- the staff's mail


def test_the_deadline_digest_names_the_school_and_the_state_in_words() -> None:
    from dsr.casefile.states import OPEN

    due = [
        casefile.DueCase(
            reference="DSR-2026-AAAAAA",
            controller=SCHOOL,
            state=state,
            due_on=dt.date(2026, 12, 7),
            days_left=1,
            overdue=False,
            paused=False,
        )
        for state in sorted(OPEN)
    ]
    text = casefile.deadline_digest(due, dt.date(2026, 12, 6), {SCHOOL: "Goethe-Gymnasium Regensburg"})
    assert text.count("Goethe-Gymnasium Regensburg") == len(OPEN) and SCHOOL not in text
    assert "in der Schwärzungsprüfung" in text and "wartet auf Freigabe" in text
    assert re.findall(r"\b[a-z]+_[a-z_]+\b", text) == []
    for state in OPEN:  # no state shows as its code
        assert f"  {state.value}  " not in text


def test_a_bug_on_an_officer_page_gets_the_officers_own_error_page(
    app_client: Any, world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from dsr.casefile import caselist

    client = app_client()
    login(client)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("Anna Beispiel")  # a bug whose message could quote personal data

    monkeypatch.setattr(caselist, "case_list", broken)
    page = client.get("/officer/", headers=GERMAN)
    assert page.status_code == 500
    assert "Bei uns ist ein Fehler aufgetreten" in page.text and "officer.css" in page.text  # officer layout
    assert "Traceback" not in page.text and "Anna Beispiel" not in page.text
    assert "Anna Beispiel" not in caplog.text and "KeyError" in caplog.text
    api = client.get("/api/officer/cases")
    assert api.status_code == 500 and api.json()["error"] == "internal"
