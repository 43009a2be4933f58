"""``[dsr] timezone`` through the HTTP portal: what the requester and the officer read.

A request sent at 23:30 UTC on Saturday 28 March 2026 — the night summer time begins in Europe —
was sent at 19:30 on the 28th in New York (summer time there since 8 March) and at 00:30 on the
29th in Berlin (still winter time: the clocks go forward at 01:00 UTC). The receipt, the status
page and the officer's case page must all tell the local day and time, and never "UTC". The
oracle is the calendar by hand: one month after the day of receipt, no holiday in Bavaria on
28 or 29 April 2026.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from dsr import casefile
from dsr.casefile import clock
from dsr.config import load
from tests.portal.portal_setup import migrate, write_config
from tests.portal.public_requests import receipt, submit

SENT = dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC)
PASSWORD = "officer-pass-local-time-7391"
GERMAN = {"Accept-Language": "de"}


def _text(html: str) -> str:
    """The page as a person reads it: tags gone, white space folded."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _portal(tmp_path: Path, migrated_sqlite: Path, timezone: str | None) -> Iterator[Any]:
    from litestar.testing import TestClient

    from dsr.portal import create_app

    config = write_config(tmp_path, 'mail = { backend = "file", directory = "mail", sender = "dsr@example.org" }\n')
    if timezone is not None:
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("[dsr]\n", f'[dsr]\ntimezone = "{timezone}"\n', 1), encoding="utf-8")
    settings = load(config)
    assert settings.zone.key == (timezone or "Europe/Berlin")
    migrate(settings, migrated_sqlite)
    engine = casefile.open_engine(settings.portal_database_url)
    casefile.create_user(engine, "officer", PASSWORD, {"gym-musterstadt": ["officer"]})
    with TestClient(create_app(settings)) as client:
        yield client
    engine.dispose()


@pytest.fixture(params=["America/New_York", None], ids=["new-york", "default-berlin"])
def zoned(request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite: Path) -> Iterator[tuple[str | None, Any]]:
    for client in _portal(tmp_path, migrated_sqlite, request.param):
        yield request.param, client


#: what each zone's reader sees: the day of receipt, the due date, the time of receipt
SEEN = {
    "America/New_York": ("28.03.2026", "28.04.2026", "28.03.2026 19:30"),
    None: ("29.03.2026", "29.04.2026", "29.03.2026 00:30"),
}


def test_the_requester_and_the_officer_read_the_configured_local_day_and_time(
    zoned: tuple[str | None, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    zone, client = zoned
    received_on, due_on, received_at = SEEN[zone]
    with monkeypatch.context() as frozen:
        # the casefile's clock (every stored time comes from it) stands at the moment of sending
        frozen.setattr(clock, "utcnow", lambda: SENT)
        sent = submit(client, "de", date_of_birth="1990-01-01")
        assert sent.status_code == 200, sent.text
        reference, secret, _ = receipt(sent)
        page = _text(sent.text)
        assert f"Wir antworten spätestens am {due_on}." in page
        status = _text(client.post("/de/status", data={"reference": reference, "secret": secret}).text)
    assert f"Eingegangen am {received_on}" in status and f"Antwort spätestens bis {due_on}" in status
    assert "UTC" not in page and "UTC" not in status

    login = client.post("/officer/login", data={"username": "officer", "password": PASSWORD}, headers=GERMAN)
    assert login.status_code == 200, login.text
    case_page = client.get(f"/officer/cases/{reference}", headers=GERMAN).text
    shown = re.search(r'<dd id="received-at">([^<]+)</dd>', case_page)
    assert shown is not None and shown.group(1) == received_at
    officer = _text(case_page)
    assert "UTC" not in officer
    assert f"{received_at}:00" in officer  # the history's first event (with seconds), same clock
    assert due_on in officer  # the due date on the case page
