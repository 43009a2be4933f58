"""The rights on the portal: the public form's rectification fields, and the officer's case page
correcting an e-mail address in the demo's SQL school store, deciding an objection and making the
portability file — words only, never a raw code. The oracle for "corrected" is the store gathered
again through the SQL connector.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import msgspec
import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.casepage import candidates_of
from dsr.casefile.documents import attach_document, list_documents
from dsr.casefile.rights import ASKED_KIND, Asked, asked_document
from dsr.casefile.schema import cases
from dsr.config import connect
from dsr.demo import DemoSummary
from dsr.pipeline.gather import gather
from dsr.service import casework
from dsr.service.casework.common import case_by_reference, close_connectors, confirmed_subject
from tests.officer_world import SCHOOL, World, make_world, page_csrf

NEW_MAIL = "richtig.neu@example.org"


@pytest.fixture
def own(demo: DemoSummary, tmp_path: Path) -> Iterator[World]:
    """A world on a copy of the demo's stores: these tests change the school's database."""
    shutil.copytree(demo.folder, tmp_path / "stores")
    w = make_world(msgspec.structs.replace(demo, folder=str(tmp_path / "stores")), tmp_path)
    yield w
    w.engine.dispose()


@pytest.fixture
def client(own: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from litestar.testing import TestClient

    from dsr.portal import create_app

    monkeypatch.setenv("DSR_PORTAL_WORKER", "0")
    with TestClient(create_app(own.settings, engine=own.engine)) as c:
        yield c


def _tree(html: str) -> Any:
    return lxml.html.fromstring(html)


def _visible(html: str) -> str:
    tree = _tree(html)
    for node in tree.xpath("//script|//style"):
        node.drop_tree()
    return " ".join(" ".join(tree.xpath("//body//text()")).split())


def _text(node: Any) -> str:
    return " ".join(node.text_content().split())


def test_the_form_asks_what_is_wrong_links_its_error_and_keeps_the_answer(own: World, client: Any) -> None:
    page = client.get(f"/de/request/{SCHOOL}")
    tree = _tree(page.text)
    assert tree.xpath('//label[@for="rect_value"]')
    details = {"name", "email", "address", "phone", "class", "other"}
    assert set(tree.xpath('//input[@name="rect_detail"]/@value')) == details
    assert all(tree.xpath(f'//label[@for="rect_detail-{d}"]') for d in details)
    assert not page.cookies

    pupil = own.demo.featured_pupil()
    fields = {
        "acting": "self",
        "first_name": pupil.first_name,
        "last_name": pupil.last_name,
        "email": "req@example.org",
        "types": "rectification",
    }
    refused = client.post(f"/de/request/{SCHOOL}", data=fields)
    assert refused.status_code == 400
    [summary] = _tree(refused.text).xpath('//*[@id="summary"]')
    assert summary.xpath('.//a[@href="#rect_detail-name"]')
    assert _tree(refused.text).xpath('//input[@id="rect_detail-name"]')
    assert "Wählen Sie, welche Angabe berichtigt werden soll" in _text(summary)

    done = client.post(f"/de/request/{SCHOOL}", data={**fields, "rect_detail": "email", "rect_value": NEW_MAIL})
    assert done.status_code == 200
    with own.engine.connect() as conn:
        reference = conn.execute(sa.select(cases.c.reference).order_by(cases.c.id.desc())).scalars().first()
    assert reference is not None and reference in _visible(done.text)
    kinds = {d.kind for d in list_documents(own.engine, own.officer, reference)}
    assert ASKED_KIND in kinds


def _case(own: World, types: tuple[str, ...], asked: Asked | None = None) -> str:
    pupil = own.demo.featured_pupil()
    descriptor = own.pupil()
    ref = casefile.open_case(
        own.engine,
        own.settings.dsr.secret_key.encode(),
        casefile.Intake(
            controller=SCHOOL,
            land=own.settings.controller(SCHOOL).land,
            request_types=tuple(casefile.RequestType(t) for t in types),
            channel=casefile.Channel.PORTAL,
            received_at=dt.datetime.now(dt.UTC),
            subject=casefile.Party(descriptor=descriptor, email=pupil.email),
        ),
    ).reference
    if asked is not None:
        attach_document(
            own.engine,
            ref,
            ASKED_KIND,
            casefile.Document(filename="r.json", media_type="application/json", content=asked_document(asked)),
        )
    casework.find_candidates(own.engine, own.settings, ref, user=own.officer)
    strong = [c for c in candidates_of(own.engine, own.officer, ref) if c.strong][0].reference
    casefile.record_identity_check(
        own.engine, own.officer, ref, casefile.CheckMethod.IN_PERSON, candidate=strong, evidence="id_card"
    )
    casefile.confirm_identity(own.engine, own.officer, ref, strong)
    return ref


def _account_email(own: World, ref: str) -> object:
    connectors = list(connect(own.settings, SCHOOL))
    try:
        subject = confirmed_subject(own.settings, case_by_reference(own.engine, ref), connectors)
        records = gather(subject, connectors).records
    finally:
        close_connectors(connectors)
    [account] = [r for r in records if r.collection == "account"]
    return account.value("email")


RAW = re.compile(
    r"\b(rectify_\w+|rights_not_now|objection_\w+|portability_\w+|upheld|rejected|loan_history|rectification recorded)\b"
)


def _login(client: Any) -> None:
    r = client.post("/officer/login", data={"username": "officer", "password": "pw"}, follow_redirects=False)
    if r.status_code != 303:
        from tests.officer_world import PASSWORD

        r = client.post("/officer/login", data={"username": "officer", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303


def test_the_officer_corrects_the_email_address_and_the_next_gathering_has_it(own: World, client: Any) -> None:
    ref = _case(own, ("rectification", "objection", "copy"), Asked(detail="email", value=NEW_MAIL))
    _login(client)
    page = client.get(f"/officer/cases/{ref}")
    assert page.status_code == 200
    tree = _tree(page.text)
    [asked] = tree.xpath('//*[@id="rectification-asked"]')
    assert NEW_MAIL in _text(asked) and "E-Mail-Adresse" in _text(asked)
    [row] = tree.xpath('//*[@id="rectifiable"]//tr[@data-column="email"]')
    assert row.xpath(f'.//input[@value="{NEW_MAIL}"]')
    assert not RAW.search(_visible(page.text))

    [form] = tree.xpath('//*[@id="rights-rectification"]//form')
    data = {i.get("name"): i.get("value", "") for i in form.xpath(".//input") if i.get("type") != "radio"}
    data["verified"] = "yes"
    done = client.post(f"/officer/cases/{ref}/rights/rectify", data=data)
    assert done.status_code == 200
    assert "Die Berichtigung ist festgehalten." in done.text
    assert _account_email(own, ref) == NEW_MAIL
    assert not RAW.search(_visible(done.text))

    again = client.post(f"/officer/cases/{ref}/rights/rectify", data=data)  # nothing differs any more
    assert "Kein neuer Wert weicht vom gespeicherten ab" in again.text

    csrf = page_csrf(again.text)
    made = client.post(f"/officer/cases/{ref}/do/portability-make", data={"_csrf": csrf})
    assert made.status_code == 200 and _tree(made.text).xpath('//*[@id="portability-reasons"]')
    decided = client.post(
        f"/officer/cases/{ref}/do/objection-decide",
        data={"_csrf": csrf, "processing": "loan_history", "decision": "upheld", "reasons": "Einwilligung widerrufen."},
    )
    assert decided.status_code == 200
    text = _visible(decided.text)
    assert "Dem Widerspruch wird stattgegeben" in text and "Aufbewahrung des Ausleihverlaufs" in text
    assert not RAW.search(text)
