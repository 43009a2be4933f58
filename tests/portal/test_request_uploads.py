"""Files that come with a request: what they really are, how officers get them, and that a case
never exists without them.

* an authorisation is judged by its first bytes, not by the Content-Type the sender declared
* officers get uploads as downloads (``attachment``, ``nosniff``), never opened in the portal
* the case and its files are stored in one transaction (real SQLite, PostgreSQL, MariaDB)
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from dsr import casefile
from dsr.casefile import documents as case_documents
from dsr.casefile.schema import cases as case_table
from dsr.casefile.schema import codes, documents, events, parties
from dsr.config import load
from dsr.portal import create_app
from tests.officer_world import SCHOOL, World
from tests.portal.portal_setup import write_config

REPRESENTATIVE = {
    "types": ["access"],
    "acting": "representative",
    "first_name": "Anna",
    "last_name": "Beispiel",
    "date_of_birth": "2010-03-04",
    "requester_first_name": "Rita",
    "requester_last_name": "Anwalt",
    "email": "kanzlei@example.org",
    "details": "Bitte alles zu den Mahnungen.",
}
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64  # a Windows executable's start
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16


def send(
    client: Any,
    content: bytes,
    declared: str,
    lang: str = "de",
    controller: str = "gym-musterstadt",
    name: str = "Vollmacht.pdf",
) -> Any:
    return client.post(
        f"/{lang}/request/{controller}", data=REPRESENTATIVE, files={"authorisation": (name, content, declared)}
    )


@pytest.mark.parametrize(
    ("content", "declared"),
    [
        (PROGRAM, "application/pdf"),
        (PROGRAM, "image/png"),
        (b"<svg onload=alert(1)>", "image/png"),
        (b"<html><script>alert(1)</script>", "image/jpeg"),
        (b"%PD", "application/pdf"),
    ],
)
def test_a_file_whose_content_is_no_pdf_jpeg_or_png_is_refused_with_a_clear_form_error(
    client: Any, portal_engine: sa.Engine, content: bytes, declared: str
) -> None:
    german = send(client, content, declared)
    assert german.status_code == 400
    assert "Diese Datei ist kein PDF, JPEG oder PNG" in german.text
    assert 'aria-describedby="authorisation-help authorisation-error"' in german.text and 'value="Rita"' in german.text
    english = send(client, content, declared, lang="en")
    assert english.status_code == 400 and "This file is not a PDF, JPEG or PNG" in english.text
    api = client.post(
        "/api/public/requests?lang=en",
        json={
            "controller": "gym-musterstadt",
            **{k: v for k, v in REPRESENTATIVE.items() if k != "types"},
            "types": ["access"],
            "authorisation": {"media_type": declared, "content_base64": base64.b64encode(content).decode()},
        },
    )
    assert api.status_code == 400 and api.json()["fields"]["authorisation"].startswith("This file is not a PDF")
    with portal_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(case_table)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(documents)).scalar_one() == 0


@pytest.mark.parametrize(
    ("content", "declared", "kept_as", "suffix"),
    [
        (PDF, "application/pdf", "application/pdf", ".pdf"),
        (PNG, "image/png", "image/png", ".png"),
        (JPEG, "image/jpeg", "image/jpeg", ".jpg"),
        (PNG, "image/jpeg", "image/png", ".png"),  # a PNG saved as .jpg is kept as what it is
    ],
)
def test_pdf_jpeg_and_png_are_kept_as_what_their_content_is(
    client: Any, portal_engine: sa.Engine, content: bytes, declared: str, kept_as: str, suffix: str
) -> None:
    assert send(client, content, declared).status_code == 200
    with portal_engine.connect() as conn:
        kept = conn.execute(sa.select(documents).where(documents.c.kind == "authorisation")).one()
    assert kept.content == content and kept.media_type == kept_as and kept.filename == f"authorisation{suffix}"


def test_officers_get_uploads_as_downloads_and_dsr_letters_inline(world: World, app_client: Any) -> None:
    public = app_client()
    assert send(public, PDF, "application/pdf", controller=SCHOOL).status_code == 200
    with world.engine.connect() as conn:
        ref = conn.execute(sa.select(case_table.c.reference)).scalar_one()
    officer = app_client()
    login = officer.post("/officer/login", data={"username": "officer", "password": "correct horse battery staple"})
    assert login.status_code == 200
    # a PDF letter dsr wrote itself still opens in the browser
    letter = case_documents.attach_document(
        world.engine,
        ref,
        "identity_query",
        casefile.Document(filename="rueckfrage.pdf", media_type="application/pdf", content=PDF),
    )
    listed = {d.kind: d.id for d in case_documents.list_documents(world.engine, world.officer, ref)}
    page = officer.get(f"/officer/cases/{ref}")
    assert f"/documents/{listed['authorisation']}" in page.text
    for kind in ("authorisation", "request_details"):
        got = officer.get(f"/officer/cases/{ref}/documents/{listed[kind]}")
        assert got.status_code == 200
        assert got.headers["content-disposition"].startswith("attachment;")
        assert got.headers["x-content-type-options"] == "nosniff"
    shown = officer.get(f"/officer/cases/{ref}/documents/{letter}")
    assert shown.headers["content-disposition"].startswith("inline;") and shown.content == PDF
    api = officer.get(f"/api/officer/cases/{ref}/documents/{listed['authorisation']}")
    assert api.headers["content-disposition"].startswith("attachment;") and api.content == PDF


# --------------------------------------------------------------------------- one transaction


@pytest.fixture
def portal_on_db(tmp_path: Path, db_url: str) -> Iterator[tuple[Any, sa.Engine]]:
    settings = load(
        write_config(tmp_path, f'database_url = "{db_url}"\nmail = {{ backend = "file", directory = "mail" }}\n')
    )
    casefile.upgrade(settings.portal_database_url)
    engine = casefile.open_engine(settings.portal_database_url)
    with TestClient(create_app(settings, engine=engine)) as client:
        yield client, engine
    engine.dispose()


def test_a_failure_while_storing_the_upload_leaves_no_case_behind(
    portal_on_db: tuple[Any, sa.Engine],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, engine = portal_on_db
    real_store = case_documents.store_document

    def failing_store(conn: sa.Connection, case_id: int, kind: str, *args: Any) -> int:
        if kind == "authorisation":  # the details went in already: they must go too
            raise RuntimeError("disk full while writing Rita Anwalt's Vollmacht.pdf")
        return real_store(conn, case_id, kind, *args)

    monkeypatch.setattr(case_documents, "store_document", failing_store)
    page = send(client, PDF, "application/pdf", lang="en")
    assert page.status_code == 500
    assert "Your request could not be stored" in page.text and "nothing of it was kept" in page.text
    assert 'value="Rita"' in page.text and "Traceback" not in page.text and "disk full" not in page.text
    api = client.post(
        "/api/public/requests?lang=de",
        json={
            "controller": "gym-musterstadt",
            **{k: v for k, v in REPRESENTATIVE.items() if k != "types"},
            "types": ["access"],
            "authorisation": {"media_type": "application/pdf", "content_base64": base64.b64encode(PDF).decode()},
        },
    )
    assert api.status_code == 500 and api.json()["error"] == "not_saved"
    assert "nicht gespeichert" in api.json()["message"]
    with engine.connect() as conn:
        for table in (case_table, parties, documents, codes, events):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 0, table.name
    assert "RuntimeError" in caplog.text
    logged = " ".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    for personal in ("Rita", "Anwalt", "Anna", "kanzlei@", "Mahnungen", "disk full"):
        assert personal not in logged and personal not in caplog.text

    # once storing works again, the same request goes through whole
    monkeypatch.setattr(case_documents, "store_document", real_store)
    assert send(client, PDF, "application/pdf").status_code == 200
    with engine.connect() as conn:
        kinds = sorted(conn.execute(sa.select(documents.c.kind)).scalars())
    assert kinds == ["authorisation", "request_details"]
