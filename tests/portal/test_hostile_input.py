"""Input a browser never sends — broken UTF-8, ids beyond any column — gets a clear 4xx, never a 500.

Public side on the TestClient with a real SQLite portal DB; officer side on the demo world.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.officer_world import World, api_login, page_csrf
from tests.portal.public_requests import dispatched, receipt, submit

HUGE = "99999999999999999999999"  # beyond 64 bits
JUST_TOO_BIG = str(2**31)  # one past the largest INTEGER id


@pytest.mark.parametrize(
    "path",
    [
        "/api/public/status",
        "/api/public/requests",
        "/api/public/verifications",
        "/api/public/verifications/1",
        "/api/public/downloads/abc",
    ],
)
def test_a_json_body_that_is_not_utf8_is_a_bad_request(
    client: Any, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    r = client.post(
        path,
        content=b'{"reference":"\xff","status_secret":"x"}',
        headers={"content-type": "application/json", "accept-language": "en"},
    )
    assert r.status_code == 400
    assert r.json() == {"error": "bad_request", "message": r.json()["message"]}
    assert "request was incomplete" in r.json()["message"]
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]  # not logged as our failure


@pytest.mark.parametrize("token", [HUGE, "0", "x" * 5000])
def test_verification_links_naming_no_code_are_refused_like_a_stale_code(client: Any, token: str) -> None:
    page = client.post(f"/de/verify/{token}", data={"code": "ABCD2345"})
    assert page.status_code == 400 and "<html" in page.text
    assert "Dieser Code gilt nicht mehr" in page.text
    api = client.post(f"/api/public/verifications/{token}?lang=en", json={"code": "ABCD2345"})
    assert api.status_code == 400 and api.json()["error"] == "code_invalid"


def test_download_code_ids_out_of_range_are_refused_like_a_stale_code(client: Any, portal_engine: Any) -> None:
    reference, _, _ = receipt(submit(client))
    token = dispatched(portal_engine, reference)
    page = client.post(f"/de/download/{token}", data={"code_id": HUGE, "code": "ABCD2345"})
    assert page.status_code == 400 and "Dieser Code gilt nicht mehr" in page.text
    api = client.post(f"/api/public/downloads/{token}", json={"code_id": int(HUGE), "code": "ABCD2345"})
    assert api.status_code == 400 and api.json()["error"] == "bad_request"
    api = client.post(f"/api/public/downloads/{token}", json={"code_id": 2**31, "code": "ABCD2345"})
    assert api.status_code == 400


def test_officer_document_and_job_ids_out_of_range_are_bad_requests(world: World, app_client: Any) -> None:
    ref = world.open_request(world.pupil())
    client = app_client()
    token = api_login(client, "officer")
    for number in (HUGE, JUST_TOO_BIG):
        assert client.get(f"/api/officer/cases/{ref}/documents/{number}").status_code == 400
        assert client.get(f"/officer/cases/{ref}/documents/{number}").status_code == 400
    r = client.post(
        f"/api/officer/cases/{ref}/retry-store",
        json={"job": int(HUGE), "store": "school"},
        headers={"x-csrf-token": token},
    )
    assert r.status_code == 400 and r.json()["error"] == "bad_request"
    page = client.get(f"/officer/cases/{ref}")
    r = client.post(
        f"/officer/cases/{ref}/do/retry-store",
        data={"_csrf": page_csrf(page.text), "job": JUST_TOO_BIG, "store": "school"},
    )
    assert r.status_code == 200 and 'id="action-error"' in r.text and "/do/" not in str(r.url)


def test_an_officer_json_body_that_is_not_utf8_is_a_bad_request(world: World, app_client: Any) -> None:
    client = app_client()
    r = client.post(
        "/api/officer/login",
        content=b'{"username":"\xff","password":"x"}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 400
    ref = world.open_request(world.pupil())
    token = api_login(client, "officer")
    r = client.post(
        f"/api/officer/cases/{ref}/comment",
        content=b'{"body":"\xff"}',
        headers={"content-type": "application/json", "x-csrf-token": token},
    )
    assert r.status_code == 400
