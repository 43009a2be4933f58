"""A store the officer's action needs is down (a SQLite file that is not there, a PostgreSQL port where
nothing listens): the JSON API answers 503 naming the store, never a 500; nothing changes; the case
page says the same in the officer's language, with the same status."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest

from dsr import casefile
from dsr.config import load
from tests.officer_world import PASSWORD, World, api_login, page_csrf
from tests.portal.officer_cases import confirmed_case
from tests.portal.officer_language import GERMAN
from tests.portal.portal_setup import free_port

SCHOOL_URL = 'url = "sqlite:///school-gym-regensburg.db"'


@pytest.fixture(params=["sqlite", "postgresql"])
def down(request: pytest.FixtureRequest, world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``down()`` → a client on the world's portal database whose school store cannot be reached."""
    from litestar.testing import TestClient

    from dsr.portal import create_app

    if request.param == "sqlite":
        url = f'url = "sqlite:///{world.settings.base_dir / "gone" / "school.db"}"'
    else:
        url = f'url = "postgresql+psycopg://dsr:dsr@127.0.0.1:{free_port()}/school"'
    text = world.settings.file.read_text(encoding="utf-8")
    assert SCHOOL_URL in text
    config = world.settings.file.with_name(f"down-{request.param}.toml")
    config.write_text(text.replace(SCHOOL_URL, url, 1), encoding="utf-8")
    settings = load(config)
    monkeypatch.setenv("DSR_PORTAL_WORKER", "0")
    opened: list[Any] = []

    def new() -> Any:
        client = TestClient(create_app(settings, engine=world.engine))
        client.__enter__()
        opened.append(client)
        return client

    yield new
    for client in opened:
        client.__exit__(None, None, None)


def in_review(w: World) -> str:
    ref = confirmed_case(w)
    casefile.start_gathering(w.engine, w.officer, ref, ["school"])
    casefile.finish_gathering(w.engine, ref)
    return ref


def test_every_action_that_reads_a_store_answers_503_naming_it(
    down: Any, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    cases = {
        "find-candidates": world.open_request(world.pupil()),
        "gather": confirmed_case(world),
        "prepare": in_review(world),
    }
    states = {action: casefile.get_case(world.engine, world.officer, ref).state for action, ref in cases.items()}
    client = down()
    headers = {"x-csrf-token": api_login(client, "officer")}
    with caplog.at_level(logging.INFO):
        for action, ref in cases.items():
            r = client.post(f"/api/officer/cases/{ref}/{action}", headers=headers)
            assert r.status_code == 503, f"{action}: {r.status_code} {r.text}"
            body = r.json()
            assert body["error"] == "stores_unavailable" and body["code"] == "stores_failed", body
            assert body["stores"] == ["school"], body
            assert "school" in body["message"] and "try again later" in body["message"]
            assert "gone" not in body["message"] and "psycopg" not in body["message"]  # no path, no driver
            assert r.headers["retry-after"] == "120"
            # nothing changed: the case is where it was (gathering would have queued its job with the move)
            assert casefile.get_case(world.engine, world.officer, ref).state is states[action]
    assert not any(r.exc_info for r in caplog.records)  # no traceback with a driver's message
    # a state conflict is still a 409, store or no store
    r = client.post(f"/api/officer/cases/{cases['find-candidates']}/prepare", headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "not_confirmed"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "ConnectorError" in logged  # the operator sees what failed: the store's error, by class


def test_the_case_page_says_which_store_failed_in_the_officers_language(down: Any, world: World) -> None:
    ref = world.open_request(world.pupil())
    client = down()
    r = client.post("/officer/login", data={"username": "officer", "password": PASSWORD})
    assert r.status_code == 200
    page = client.get(f"/officer/cases/{ref}", headers=GERMAN)
    r = client.post(
        f"/officer/cases/{ref}/do/find-candidates",
        data={"_csrf": page_csrf(page.text)},
        headers=GERMAN,
        follow_redirects=False,
    )
    assert r.status_code == 303 and "/do/" not in r.headers["location"]  # back to the case page
    r = client.get(r.headers["location"], headers=GERMAN)
    assert r.status_code == 200 and 'id="action-error"' in r.text
    assert "Bestand/Bestände nicht erreichbar (school). Bitte später erneut versuchen." in unescape(r.text)
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.RECEIVED
