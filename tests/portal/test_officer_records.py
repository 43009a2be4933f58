"""What the officer side records and reports: a receipt date cannot lie in the future, the download
notice is kept as it was mailed but without the link's token, and the deadline digest keeps one
case to a line."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from typing import Any

import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.documents import list_documents, read_document
from dsr.casefile.schema import cases as case_table
from dsr.cli import main
from dsr.config import DEFAULT_ZONE as BERLIN  # no [dsr] timezone in these tests
from tests.officer_world import SCHOOL, World, api_login, page_csrf
from tests.portal.officer_cases import approved_case

ENTRY = {
    "controller": SCHOOL,
    "channel": "post",
    "request_types": ["access"],
    "first_name": "Anna",
    "last_name": "Beispiel",
}


def berlin_today() -> dt.date:
    return dt.datetime.now(dt.UTC).astimezone(BERLIN).date()


def test_a_receipt_date_in_the_future_is_refused_on_the_page_and_in_the_api(world: World, app_client: Any) -> None:
    client = app_client()
    token = api_login(client, "officer")
    tomorrow = berlin_today() + dt.timedelta(days=1)
    for received in ("2030-01-01T09:00:00+01:00", f"{tomorrow.isoformat()}T00:05:00+01:00"):
        r = client.post("/api/officer/cases", json={**ENTRY, "received_at": received}, headers={"x-csrf-token": token})
        assert r.status_code == 400 and r.json()["code"] == "received_in_future", r.text
    page = client.get("/officer/new", headers={"accept-language": "de"})
    r = client.post(
        "/officer/new",
        headers={"accept-language": "de"},
        data={
            **{k: v for k, v in ENTRY.items() if k != "request_types"},
            "request_types": "access",
            "received_at": "2030-01-01T09:00",
            "_csrf": page_csrf(page.text),
        },
    )
    assert r.status_code == 400
    assert f"Das Eingangsdatum liegt in der Zukunft (heute ist der {berlin_today():%d.%m.%Y})" in r.text
    assert 'value="2030-01-01T09:00' in r.text  # what was typed stays, to be corrected
    with world.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(case_table)).scalar_one() == 0

    # today (even late in the evening, Berlin time) and the past are fine
    late_today = dt.datetime.combine(berlin_today(), dt.time(23, 59), BERLIN).isoformat()
    for received in (late_today, "2026-01-02T10:15:00+01:00"):
        r = client.post("/api/officer/cases", json={**ENTRY, "received_at": received}, headers={"x-csrf-token": token})
        assert r.status_code == 201, r.text
    assert casefile.list_cases(world.engine, world.officer)[0].reference.startswith("DSR-2026-")


def test_the_download_notice_is_kept_with_the_case_as_mailed_but_without_the_links_token(
    world: World, app_client: Any
) -> None:
    ref = approved_case(world)
    client = app_client()
    token = api_login(client, "officer")
    r = client.post(f"/api/officer/cases/{ref}/dispatch-download", json={}, headers={"x-csrf-token": token})
    assert r.status_code == 200, r.text
    r = client.post(f"/api/officer/cases/{ref}/resend-download-notice", json={}, headers={"x-csrf-token": token})
    assert r.status_code == 200, r.text

    folder = world.settings.base_dir / world.settings.portal.mail.directory
    mailed = {
        str(m["Message-ID"]): m
        for p in folder.glob("*.eml")
        if b"/download/" in p.read_bytes()
        and ref in str((m := email.message_from_bytes(p.read_bytes(), policy=email.policy.default))["Subject"])
    }
    kept = [d for d in list_documents(world.engine, world.officer, ref) if d.kind == "download_notice"]
    assert len(mailed) == 2 and len(kept) == 2
    links = set()
    for d in kept:
        content = read_document(world.engine, world.officer, ref, d.id)[1]
        notice = email.message_from_bytes(content, policy=email.policy.default)
        sent = mailed[str(notice["Message-ID"])]  # each notice kept, with the headers it went out with
        for header in ("From", "To", "Subject", "Date"):
            assert str(notice[header]) == str(sent[header])
        found = re.search(r"/download/([A-Za-z0-9_-]{32})$", sent.get_content(), re.M)
        assert found is not None
        links.add(found.group(1))
        # what the requester was told, the link up to its token, "…", and a note that says so;
        # the token itself is not in the database
        note, _, text = notice.get_content().partition("\n\n")
        assert "Token" in note and "…" in note
        assert text.replace("/download/…", f"/download/{found.group(1)}") == sent.get_content()
        assert found.group(1) not in notice.get_content() and found.group(1).encode() not in content
    assert len(links) == 2  # each notice with its own link
    assert all(d.media_type == "message/rfc822" and d.filename.endswith(".eml") for d in kept)

    # stored audited (by the notice job, which the officer's action queued), shown to officers,
    # served as a file
    stored = [e for e in casefile.history(world.engine, ref) if e.action == "document stored"]
    assert {e.detail["document"] for e in stored} >= {d.id for d in kept}
    assert all(e.actor == "worker" for e in stored if e.detail["document"] in {d.id for d in kept})
    page = client.get(f"/officer/cases/{ref}")
    assert all(f"/documents/{d.id}" in page.text for d in kept)
    got = client.get(f"/officer/cases/{ref}/documents/{kept[0].id}")
    assert got.status_code == 200 and got.headers["content-disposition"].startswith("attachment;")


def test_the_deadline_digest_keeps_each_case_on_one_line(world: World, capsys: Any) -> None:
    from dsr.model import Descriptor

    received = dt.datetime.now(dt.UTC) - dt.timedelta(days=80)
    opened = casefile.open_case(
        world.engine,
        b"k",
        casefile.Intake(
            controller=SCHOOL,
            land="BY",
            request_types=(casefile.RequestType.ACCESS,),
            channel=casefile.Channel.POST,
            received_at=received,
            subject=casefile.Party(descriptor=Descriptor(first_name="A", last_name="B")),
        ),
    )
    casefile.send_identity_query(world.engine, world.officer, opened.reference, justified=True)  # the longest line
    config = world.settings.file  # this world's own (the folder is shared with other worlds)
    capsys.readouterr()
    assert main(["deadlines", "--config", str(config), "--digest-to", "dpo@example.org"]) == 1
    out = capsys.readouterr().out
    [line] = [x for x in out.splitlines() if opened.reference in x]
    assert re.search(r"fällig \d\d\.\d\d\.\d{4}  ÜBERFÄLLIG seit \d+ Tag\(en\) \(Identitätsnachfrage offen\)$", line), (
        out
    )
    assert len(line) > 80  # longer than the width rich wrapped at
    [mail] = [m for m in (world.settings.base_dir / world.settings.portal.mail.directory).glob("*.eml")]
    body = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default).get_body().get_content()
    assert line in body.splitlines()
