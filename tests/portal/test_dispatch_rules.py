"""Dispatch and retry rules on the officer side: bounded offers, plausible mailing dates, retries
only of failed stores, downloads only to verified addresses, and a new offer after one ended."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.schema import cases, deliveries, downloads, jobs
from tests.officer_world import World, api_login, page_csrf
from tests.portal.officer_cases import approved_case, confirmed_case


def notices(w: World) -> list[str]:
    """The download notices mailed so far (not the download codes)."""
    folder = w.settings.base_dir / w.settings.portal.mail.directory
    mails = [m.read_text() for m in folder.glob("*.eml")] if folder.exists() else []
    return [m for m in mails if "/download/" in m]


def links(w: World) -> set[str]:
    return {m.group(1) for n in notices(w) if (m := re.search(r"/de/download/([A-Za-z0-9_-]+)", n))}


def test_download_offers_are_bounded_with_a_clear_reason(world: World, app_client: Any) -> None:
    ref = approved_case(world)
    client = app_client()
    token = api_login(client, "officer")
    url = f"/api/officer/cases/{ref}/dispatch-download"
    # the ranges are the API schema's (1–60 days, 1–10 downloads): refused with the field named
    for body, field in [
        ({"valid_days": 1_000_000_000}, "valid_days"),
        ({"valid_days": 0}, "valid_days"),
        ({"valid_days": 61}, "valid_days"),
        ({"max_count": 11}, "max_count"),
        ({"max_count": 0}, "max_count"),
    ]:
        r = client.post(url, json=body, headers={"x-csrf-token": token})
        assert r.status_code == 400 and field in r.json()["fields"], (body, r.text)
    page = client.get(f"/officer/cases/{ref}")
    r = client.post(
        f"/officer/cases/{ref}/do/dispatch-download", data={"_csrf": page_csrf(page.text), "valid_days": "1000000000"}
    )
    # refused: back on the case page (post/redirect/get) with the reason
    assert 'id="action-error"' in r.text and "/do/" not in str(r.url) and "1 bis 60 Tage" in r.text
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.APPROVED and not notices(
        world
    )
    r = client.post(url, json={"valid_days": 60, "max_count": 10}, headers={"x-csrf-token": token})
    assert r.status_code == 200


def test_the_mailing_date_is_neither_in_the_future_nor_before_receipt(world: World, app_client: Any) -> None:
    ref = approved_case(world)
    client = app_client()
    token = api_login(client, "officer")
    url = f"/api/officer/cases/{ref}/dispatch-post"
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    r = client.post(url, json={"mailed_on": tomorrow.isoformat()}, headers={"x-csrf-token": token})
    assert r.status_code == 400 and r.json()["code"] == "mailed_on_future"
    r = client.post(url, json={"mailed_on": "2020-01-01"}, headers={"x-csrf-token": token})
    assert r.status_code == 400 and r.json()["code"] == "mailed_on_before_receipt"
    page = client.get(f"/officer/cases/{ref}")
    r = client.post(
        f"/officer/cases/{ref}/do/dispatch-post", data={"_csrf": page_csrf(page.text), "mailed_on": "2020-01-01"}
    )
    assert 'id="action-error"' in r.text and "vor dem Eingang der Anfrage" in r.text
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.APPROVED
    assert client.post(url, json={}, headers={"x-csrf-token": token}).status_code == 200  # today


def test_only_a_failed_store_of_a_finished_job_can_be_retried(world: World, app_client: Any) -> None:
    ref = confirmed_case(world)
    job_id = casefile.start_gathering(world.engine, world.officer, ref, ["school", "weblog"])
    with world.engine.begin() as conn:  # the job ran: one store answered, one failed
        conn.execute(
            sa.update(jobs)
            .where(jobs.c.id == job_id)
            .values(
                state="done",
                progress={
                    "school": {"state": "ok", "records": 3},
                    "weblog": {"state": "failed", "error": "unreachable"},
                },
            )
        )
    client = app_client()
    token = api_login(client, "officer")
    url = f"/api/officer/cases/{ref}/retry-store"
    r = client.post(url, json={"job": job_id, "store": "school"}, headers={"x-csrf-token": token})
    assert r.status_code == 409 and r.json()["code"] == "store_not_failed"
    assert "store retried" not in [e.action for e in casefile.history(world.engine, ref)]
    assert casefile.get_job(world.engine, job_id).state is casefile.JobState.DONE
    r = client.post(url, json={"job": job_id, "store": "weblog"}, headers={"x-csrf-token": token})
    assert r.status_code == 200 and casefile.get_job(world.engine, job_id).state is casefile.JobState.QUEUED
    r = client.post(url, json={"job": job_id, "store": "weblog"}, headers={"x-csrf-token": token})
    assert r.status_code == 409 and r.json()["code"] == "job_busy"


def test_no_download_offer_to_an_address_that_was_never_verified(world: World, app_client: Any) -> None:
    ref = approved_case(world, verified=False)
    client = app_client()
    token = api_login(client, "officer")
    assert client.get(f"/api/officer/cases/{ref}").json()["email_verified"] is False
    page = client.get(f"/officer/cases/{ref}")
    assert 'id="email-unverified">E-Mail nicht bestätigt' in page.text
    listed = client.get("/officer/")
    assert re.search(rf"{ref}</a> <span[^>]*>E-Mail nicht bestätigt", listed.text)
    r = client.post(f"/api/officer/cases/{ref}/dispatch-download", json={}, headers={"x-csrf-token": token})
    assert r.status_code == 409 and r.json()["code"] == "email_not_verified"
    r = client.post(f"/officer/cases/{ref}/do/dispatch-download", data={"_csrf": page_csrf(page.text)})
    assert 'id="download-not-offered"' in page.text  # the page does not offer what will be refused
    assert 'id="action-error"' in r.text and "bitte per Post versenden" in r.text.replace("Bitte", "bitte")
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.APPROVED and not notices(
        world
    )
    assert (
        client.post(f"/api/officer/cases/{ref}/dispatch-post", json={}, headers={"x-csrf-token": token}).status_code
        == 200
    )  # by post it can still go


def test_an_ended_download_offer_can_be_offered_again_with_a_new_notice(world: World, app_client: Any) -> None:
    ref = approved_case(world)
    client = app_client()
    token = api_login(client, "officer")
    assert client.get(f"/api/officer/cases/{ref}").json()["email_verified"] is True
    url = f"/api/officer/cases/{ref}/dispatch-download"
    first = client.post(url, json={"valid_days": 7}, headers={"x-csrf-token": token}).json()["download"]
    [old_link] = links(world)
    # while it is open, offering again is refused: renewing its link is the way
    r = client.post(url, json={}, headers={"x-csrf-token": token})
    assert r.status_code == 409 and r.json()["code"] == "download_offer_open"
    with world.engine.begin() as conn:  # the week went by without a download
        conn.execute(
            sa.update(downloads)
            .where(downloads.c.id == first)
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        )
    r = client.post(url, json={"valid_days": 14, "max_count": 2}, headers={"x-csrf-token": token})
    assert r.status_code == 200 and r.json()["download"] != first
    assert len(notices(world)) == 2
    [new_link] = links(world) - {old_link}
    assert client.post(f"/api/public/downloads/{new_link}/code").status_code == 200  # the new offer works
    history = casefile.history(world.engine, ref)
    offered = [e for e in history if e.action == "download offered again"]
    assert len(offered) == 1 and offered[0].actor == world.officer.actor

    # used up this time: "send the notice again" makes a new offer like the last one
    with world.engine.begin() as conn:
        conn.execute(sa.update(downloads).where(downloads.c.id == r.json()["download"]).values(count=2))
    page = client.get(f"/officer/cases/{ref}")
    again = client.post(f"/officer/cases/{ref}/do/resend-download-notice", data={"_csrf": page_csrf(page.text)})
    assert again.status_code == 200 and len(notices(world)) == 3
    with world.engine.connect() as conn:
        last = conn.execute(sa.select(downloads).order_by(downloads.c.id.desc())).first()
    assert last.max_count == 2 and last.count == 0 and (last.expires_at - last.created_at).days == 14


def test_a_case_dispatched_by_post_is_not_offered_for_download_later(world: World, app_client: Any) -> None:
    ref = approved_case(world)
    client = app_client()
    token = api_login(client, "officer")
    client.post(f"/api/officer/cases/{ref}/dispatch-post", json={}, headers={"x-csrf-token": token})
    r = client.post(f"/api/officer/cases/{ref}/dispatch-download", json={}, headers={"x-csrf-token": token})
    assert r.status_code == 409 and r.json()["code"] == "not_offered_by_download"
    with world.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(downloads)).scalar_one() == 0


def test_after_approval_the_delivery_is_settled_and_a_new_offer_follows_the_plan(world: World, app_client: Any) -> None:
    ref = approved_case(world)
    client = app_client()
    token = api_login(client, "officer")
    r = client.post(
        f"/api/officer/cases/{ref}/decide-delivery", json={"route": "post"}, headers={"x-csrf-token": token}
    )
    assert r.status_code == 409 and r.json()["code"] == "delivery_settled"
    url = f"/api/officer/cases/{ref}/dispatch-download"
    first = client.post(url, json={"valid_days": 7}, headers={"x-csrf-token": token}).json()["download"]
    # a decision for the post recorded later (e.g. by an earlier version) must stop every new link
    with world.engine.begin() as conn:
        case_id = conn.execute(sa.select(cases.c.id).where(cases.c.reference == ref)).scalar_one()
        conn.execute(
            sa.insert(deliveries).values(
                case_id=case_id,
                route="post",
                basis="postal_on_file",
                decided_by=world.officer.id,
                decided_at=dt.datetime.now(dt.UTC),
            )
        )
    resend = f"/api/officer/cases/{ref}/resend-download-notice"
    r = client.post(resend, json={}, headers={"x-csrf-token": token})
    assert r.status_code == 409 and r.json()["code"] == "delivery_by_post"
    with world.engine.begin() as conn:
        conn.execute(
            sa.update(downloads)
            .where(downloads.c.id == first)
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        )
    for again in (url, resend):
        r = client.post(again, json={}, headers={"x-csrf-token": token})
        assert r.status_code == 409 and r.json()["code"] == "delivery_by_post", again
    assert len(notices(world)) == 1
