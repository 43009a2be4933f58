"""The case page of a young pupil's own request whose school records hold no guardian's address: it
says so from the confirmation on, names the next step, and takes the checked guardian's address.

TestClient on a real SQLite portal DB and a copy of the demo stores without the pupil's guardian
rows. Oracles are the texts an officer reads (written out here).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import msgspec
import pytest

from dsr import casefile
from dsr.casefile.casepage import candidates_of
from dsr.demo import DemoSummary
from dsr.pipeline.redact import REASONS
from dsr.service import casework
from tests.officer_world import SCHOOL, World, make_world, page_csrf
from tests.portal.officer_language import ENGLISH, GERMAN
from tests.portal.test_officer_workspace import code_values, login, raw_codes

pytestmark = pytest.mark.slow


@pytest.fixture
def world(demo: DemoSummary, tmp_path: Path) -> Iterator[World]:
    """The officer world on a copy of the demo stores whose featured pupil has no guardian row
    (``app_client`` of tests/conftest.py serves this world)."""
    folder = tmp_path / "demo"
    shutil.copytree(demo.folder, folder)
    with sqlite3.connect(folder / demo.controllers[SCHOOL].stores["school"]) as conn:
        conn.execute("DELETE FROM guardian WHERE student_id = ?", (demo.featured_pupil().person_id,))
    w = make_world(msgspec.structs.replace(demo, folder=str(folder)), tmp_path)
    yield w
    w.engine.dispose()


def reviewed(world: World) -> str:
    """Her own request: identified (the answer goes only by post), confirmed, gathered, reviewed."""
    ref = world.open_request(world.pupil(), email="hildegart@example.org")
    casework.find_candidates(world.engine, world.settings, ref, user=world.officer)
    [strong] = [c for c in candidates_of(world.engine, world.officer, ref) if c.strong]
    casefile.record_identity_check(
        world.engine, world.officer, ref, casefile.CheckMethod.ANSWER_BY_POST, candidate=strong.reference
    )
    casework.confirm_and_gather(world.engine, world.settings, world.officer, ref, strong.reference)
    world.run_jobs()
    for entry in casework.review_entries(world.engine, world.officer, ref):
        if entry.decision is None:
            casework.decide_items(
                world.engine, world.officer, ref, entry.id, "redact", next(iter(REASONS)), same_text=True
            )
    return ref


def shown(client: Any, ref: str, headers: dict[str, str] = GERMAN) -> str:
    return unescape(client.get(f"/officer/cases/{ref}", headers=headers).text)


def test_the_case_page_asks_for_a_checked_guardians_address_and_the_letter_goes_there(
    app_client: Any, world: World
) -> None:
    ref = reviewed(world)
    client = app_client()
    login(client)
    page = shown(client, ref)
    # the next step and why, from what the stores said at the confirmation
    assert 'data-step="guardian_address"' in page
    assert "Eine sorgeberechtigte Person mit Anschrift festhalten." in page
    assert (
        "Keine Anschrift einer sorgeberechtigten Person in den Schulunterlagen, und die Antwort geht nie an das "
        "Kind: die Schule bitten, sie einzutragen (dann die Antwort erstellen), oder das Sorgerecht persönlich "
        "oder per Brief prüfen und Name und Anschrift der Person mit der Prüfung festhalten." in page
    )
    assert 'data-warning="guardian_address"' in page
    assert "Ohne sie wird die Antwort weder erstellt noch freigegeben." in page
    # the check form takes the guardian: four labelled fields
    for label in ("Name der sorgeberechtigten Person", "Straße und Hausnummer", "Postleitzahl", "Ort"):
        assert f">{label}</label>" in page
    assert raw_codes(page, code_values(world), "de") == []

    # "create the answer" is still offered (the school may have entered the guardian): refused with the reason
    token = page_csrf(page)
    r = client.post(f"/officer/cases/{ref}/do/prepare", data={"_csrf": token}, follow_redirects=False)
    refused = unescape(client.get(r.headers["location"], headers=GERMAN).text)
    assert 'id="action-error"' in refused
    assert "Die Antwort geht per Post an eine geprüfte sorgeberechtigte Person, und keine Anschrift" in refused
    assert "die Schule bitten, sie einzutragen (dann die Antwort erneut erstellen)" in refused

    # a guardianship check with half an address: refused in words, nothing recorded
    check = {"_csrf": token, "method": "guardian_in_person", "evidence": "id_and_custody_papers"}
    partial = {**check, "guardian_name": "Petra Dippel", "guardian_street": "Amselweg 7"}
    r = client.post(f"/officer/cases/{ref}/do/identity-check", data=partial, follow_redirects=False)
    refused = unescape(client.get(r.headers["location"], headers=GERMAN).text)
    assert "Für die Anschrift der sorgeberechtigten Person sind Name, Straße, Postleitzahl und Ort nötig." in refused
    assert casefile.recorded_guardian_of(world.engine, world.officer, ref) is None

    whole = {**partial, "guardian_postal_code": "93047", "guardian_city": "Regensburg"}
    r = client.post(f"/officer/cases/{ref}/do/identity-check", data=whole, follow_redirects=False)
    page = unescape(client.get(r.headers["location"], headers=GERMAN).text)
    assert 'id="action-done"' in page and 'data-step="prepare"' in page
    assert 'data-warning="guardian_address"' not in page
    addressee = re.search(r'<p id="guardian-addressee">(.*?)</p>', page, flags=re.S)
    assert addressee is not None
    said = re.sub(r"<[^>]+>", "", addressee.group(1))
    assert (
        said
        == "Die Antwort geht per Post an die geprüfte sorgeberechtigte Person: Petra Dippel, Amselweg 7, 93047 Regensburg"
    )
    assert raw_codes(page, code_values(world), "de") == []

    english = shown(client, ref, ENGLISH)
    assert "The answer goes by post to the parent or guardian checked:" in english
    assert "Name of the parent or guardian" in english
    assert raw_codes(english, code_values(world), "en") == []

    r = client.post(f"/officer/cases/{ref}/do/prepare", data={"_csrf": token}, follow_redirects=False)
    assert 'id="action-done"' in client.get(r.headers["location"], headers=GERMAN).text
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.PREPARED
