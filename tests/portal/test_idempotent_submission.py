"""Sending a request again after no receipt came: the form's hidden key and the API's
``Idempotency-Key`` answer with the first receipt and open no second case (TestClient, SQLite)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from dsr.casefile.schema import cases
from tests.portal.public_requests import FORM, receipt, submit

BODY = {"controller": "gym-musterstadt", **FORM}
KEY = "c0ffee00-1234-4abc-8def-0123456789ab"


def _case_count(engine: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar_one())


def _form_key(client: Any) -> str:
    page = client.get("/de/request/gym-musterstadt")
    found = re.search(r'<input type="hidden" name="idempotency_key" value="([^"]+)">', page.text)
    assert found is not None, "the form carries a hidden key"
    return found.group(1)


def test_the_form_sent_twice_gives_the_first_receipt_and_one_mail(
    client: Any, portal_engine: Any, outbox: Callable[[], list[Any]]
) -> None:
    key = _form_key(client)
    assert key != _form_key(client)  # each form gets its own
    first = submit(client, idempotency_key=key)
    assert first.status_code == 200
    reference, secret, _ = receipt(first)
    again = submit(client, idempotency_key=key)  # the browser sends the form again
    assert again.status_code == 200
    assert re.search(r'id="reference">([^<]+)<', again.text).group(1) == reference  # type: ignore[union-attr]
    assert re.search(r'id="status-secret">([^<]+)<', again.text).group(1) == secret  # type: ignore[union-attr]
    assert "Diese Anfrage hatten wir schon erhalten" in again.text
    assert _case_count(portal_engine) == 1 and len(outbox()) == 1  # one case, one code mailed
    # the same person filling in a new form is a new request
    submit(client, idempotency_key=_form_key(client))
    assert _case_count(portal_engine) == 2


def test_the_api_replays_the_receipt_for_the_same_key(
    client: Any, portal_engine: Any, outbox: Callable[[], list[Any]]
) -> None:
    first = client.post("/api/public/requests?lang=en", json=BODY, headers={"Idempotency-Key": KEY})
    assert first.status_code == 201 and first.json()["replayed"] is False
    again = client.post("/api/public/requests?lang=en", json=BODY, headers={"Idempotency-Key": KEY})
    assert again.status_code == 201
    out = again.json()
    assert out["replayed"] is True and out["verification_token"] is None
    assert (out["reference"], out["status_secret"]) == (first.json()["reference"], first.json()["status_secret"])
    # the key may come in the body as well
    body = client.post("/api/public/requests?lang=en", json={**BODY, "idempotency_key": KEY})
    assert body.json()["reference"] == out["reference"]
    assert _case_count(portal_engine) == 1 and len(outbox()) == 1
    # the replayed secret opens the status page
    status = client.post(
        "/api/public/status", json={"reference": out["reference"], "status_secret": out["status_secret"]}
    )
    assert status.status_code == 200 and status.json()["reference"] == out["reference"]


def test_a_key_with_another_request_or_a_malformed_key_is_refused(client: Any, portal_engine: Any) -> None:
    assert client.post("/api/public/requests", json=BODY, headers={"Idempotency-Key": KEY}).status_code == 201
    other = client.post(
        "/api/public/requests?lang=en", json={**BODY, "first_name": "Berta"}, headers={"Idempotency-Key": KEY}
    )
    assert other.status_code == 409 and other.json()["error"] != "internal"
    short = client.post("/api/public/requests?lang=en", json=BODY, headers={"Idempotency-Key": "abc"})
    assert short.status_code == 400
    assert _case_count(portal_engine) == 1


def test_two_concurrent_submissions_with_one_key_open_one_case(client: Any, portal_engine: Any) -> None:
    start = threading.Barrier(4)
    answers: list[Any] = []

    def send() -> None:
        start.wait()
        answers.append(client.post("/api/public/requests", json=BODY, headers={"Idempotency-Key": KEY}))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [a.status_code for a in answers] == [201] * 4
    assert len({a.json()["reference"] for a in answers}) == 1
    assert sum(not a.json()["replayed"] for a in answers) == 1
    assert _case_count(portal_engine) == 1


def test_the_openapi_document_names_the_header(client: Any) -> None:
    schema = client.get("/api/schema/openapi.json").json()
    operation = schema["paths"]["/api/public/requests"]["post"]
    headers = [p["name"].lower() for p in operation["parameters"] if p["in"] == "header"]
    assert "idempotency-key" in headers
    assert "idempotency_key" in str(schema["components"]["schemas"])
    assert "409" in operation["responses"]
