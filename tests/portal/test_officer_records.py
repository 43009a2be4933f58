"""What the officer side records and reports: a receipt date cannot lie in the future, the download
notice is kept exactly as it was mailed, and the deadline digest keeps one case to a line."""

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
from dsr.pipeline.deadlines import BERLIN
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


def test_the_download_notice_is_kept_with_the_case_exactly_as_mailed(world: World, app_client: Any) -> None:
    ref = approved_case(world)
    client = app_client()
    token = api_login(client, "officer")
    r = client.post(f"/api/officer/cases/{ref}/dispatch-download", json={}, headers={"x-csrf-token": token})
    assert r.status_code == 200, r.text
    r = client.post(f"/api/officer/cases/{ref}/resend-download-notice", json={}, headers={"x-csrf-token": token})
    assert r.status_code == 200, r.text

    folder = world.settings.base_dir / world.settings.portal.mail.directory
    mailed = sorted(p.read_bytes() for p in folder.glob("*.eml") if b"/download/" in p.read_bytes())
    kept = [d for d in list_documents(world.engine, world.officer, ref) if d.kind == "download_notice"]
    assert len(mailed) == 2 and len(kept) == 2
    contents = sorted(read_document(world.engine, world.officer, ref, d.id)[1] for d in kept)
    assert contents == mailed  # byte for byte what went out, both notices (each with its own link)
    notice = email.message_from_bytes(contents[0], policy=email.policy.default)
    assert ref in notice["Subject"] and re.search(r"/download/[A-Za-z0-9_-]{32}", notice.get_content())
    assert all(d.media_type == "message/rfc822" and d.filename.endswith(".eml") for d in kept)

    # stored audited, shown to officers, served as a file
    stored = [e for e in casefile.history(world.engine, ref) if e.action == "document stored"]
    assert {e.detail["document"] for e in stored} >= {d.id for d in kept}
    assert all(e.actor == world.officer.actor for e in stored if e.detail["document"] in {d.id for d in kept})
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
