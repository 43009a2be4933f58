"""The in-memory answer API a host program calls: ``dsr.answer`` / ``dsr.answer_async`` on the
demo school, documents checked as a reader would (the PDF's text, the Word file's text, the JSON),
two answers at once, and a quiet log."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import io
import logging
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import msgspec
import pytest
from pypdf import PdfReader

import dsr
from dsr.demo import generate
from dsr.demo.summary import DemoSummary, Featured
from dsr.pipeline.render.quiet import quiet_dependencies

ROOT = Path(__file__).resolve().parents[1]
FACTS = dsr.RequestFacts(
    case_reference="DSR-2026-0107", received_at=dt.date(2026, 1, 2), channel="email", identity_check="email_reply"
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[dsr.Settings, DemoSummary]:
    out = tmp_path_factory.mktemp("demo")
    summary = generate(out, schools=1, readers_per_school=20, seed=7, loans_per_reader=5)
    return dsr.load(out / "dsr.toml"), summary


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(content)).pages)


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return " ".join([p.text for p in document.paragraphs] + cells)


def surname(person: Featured) -> str:
    assert person.last_name
    return person.last_name


def card(person: Featured) -> dsr.Descriptor:
    assert person.card_number
    return dsr.Descriptor(card_number=person.card_number)


def test_answer_gives_pdf_docx_and_typed_json_in_memory(demo: tuple[dsr.Settings, DemoSummary]) -> None:
    settings, summary = demo
    pupil = summary.featured_pupil()
    reply = dsr.answer(settings, pupil.controller, card(pupil), facts=FACTS)
    assert reply.complete and not reply.negative
    letter = pdf_text(reply.pdf)
    assert surname(pupil) in letter and "DSR-2026-0107" in letter
    assert surname(pupil) in docx_text(reply.docx)
    copy = reply.json
    assert isinstance(copy, dsr.DisclosureJson)
    assert copy.kind == "disclosure" and copy.case_reference == "DSR-2026-0107"
    assert copy.letter_date == dt.datetime.now(ZoneInfo("Europe/Berlin")).date() and copy.record_count > 0
    assert copy.record_count == sum(len(c.records) for s in copy.stores for c in s.collections)
    # the JSON is the very file the PDF carries
    assert PdfReader(io.BytesIO(reply.pdf)).attachments["disclosure.json"][0] == reply.json_bytes
    assert {"disclosure.pdf", "disclosure.docx", "disclosure.json"} <= set(reply.files)


def test_the_letter_is_dated_by_the_local_day_of_the_configured_zone(
    demo: tuple[dsr.Settings, DemoSummary],
) -> None:
    # UTC+14: for 14 hours of every day its date is not the server's (UTC) one, nor Berlin's
    settings, summary = demo
    far_east = msgspec.structs.replace(
        settings, dsr=msgspec.structs.replace(settings.dsr, timezone="Pacific/Kiritimati")
    )
    pupil = summary.featured_pupil()
    before = dt.datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    reply = dsr.answer(far_east, pupil.controller, card(pupil), facts=FACTS, formats=("json",))
    after = dt.datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    assert reply.json.letter_date in (before, after)


def test_only_the_formats_asked_for_are_rendered(demo: tuple[dsr.Settings, DemoSummary]) -> None:
    settings, summary = demo
    pupil = summary.featured_pupil()
    reply = dsr.answer(settings, pupil.controller, card(pupil), facts=FACTS, formats=("json",))
    assert reply.json.record_count > 0
    assert set(reply.files) <= {"disclosure.json", "review.json"}
    with pytest.raises(dsr.NotRendered, match="not among the formats"):
        _ = reply.pdf
    with pytest.raises(ValueError, match="unknown format"):
        dsr.answer(settings, pupil.controller, card(pupil), formats=("odt",))  # type: ignore[arg-type]


def test_a_resolved_subject_gives_the_same_answer(demo: tuple[dsr.Settings, DemoSummary]) -> None:
    settings, summary = demo
    pupil = summary.featured_pupil()
    connectors = dsr.connect(settings, pupil.controller)
    try:
        resolution = dsr.resolve(pupil.controller, connectors, card(pupil), settings=settings)
        subject = resolution.matched()
        by_subject = dsr.answer(settings, pupil.controller, subject, connectors=connectors, formats=("json",))
    finally:
        for c in connectors:
            c.close()
    by_card = dsr.answer(settings, pupil.controller, card(pupil), formats=("json",))
    assert by_subject.json_bytes == by_card.json_bytes


def test_nobody_gets_the_negative_letter_and_namesakes_are_refused(demo: tuple[dsr.Settings, DemoSummary]) -> None:
    settings, summary = demo
    pupil = summary.featured_pupil()
    nobody = dsr.answer(settings, pupil.controller, dsr.Descriptor(card_number="L9999999"), formats=("json",))
    assert nobody.negative and nobody.json.kind == "negative" and nobody.json.record_count == 0
    twin = summary.featured(pupil.controller, "namesakes")
    namesake = dsr.Descriptor(first_name=twin.first_name, last_name=twin.last_name)
    with pytest.raises(dsr.AmbiguousSubject) as caught:
        dsr.answer(settings, pupil.controller, namesake)
    assert len(caught.value.references) >= 2 and surname(twin) not in str(caught.value)
    connectors = dsr.connect(settings, pupil.controller)
    try:
        with pytest.raises(dsr.AmbiguousSubject):
            dsr.resolve(pupil.controller, connectors, namesake, settings=settings).matched()
    finally:
        for c in connectors:
            c.close()


def test_two_answers_at_once_each_get_their_own_letter(demo: tuple[dsr.Settings, DemoSummary]) -> None:
    settings, summary = demo
    pupil = summary.featured_pupil()
    other = summary.featured(pupil.controller, "library_staff")
    assert other.last_name != surname(pupil)

    async def both() -> tuple[dsr.Answer, dsr.Answer]:
        return await asyncio.gather(
            dsr.answer_async(settings, pupil.controller, card(pupil), facts=FACTS, formats=("pdf",)),
            dsr.answer_async(settings, other.controller, card(other), facts=FACTS, formats=("pdf",)),
        )

    # a loop of its own in a thread: a browser test in this process may hold the main thread's
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        mine, theirs = thread.submit(asyncio.run, both()).result()
    mine_text, theirs_text = pdf_text(mine.pdf), pdf_text(theirs.pdf)
    assert surname(pupil) in mine_text and surname(other) not in mine_text
    assert surname(other) in theirs_text and surname(pupil) not in theirs_text
    alone = dsr.answer(settings, pupil.controller, card(pupil), facts=FACTS, formats=("pdf",))
    assert alone.pdf == mine.pdf  # reproducible bytes: running beside another answer changed nothing


def test_an_answer_logs_no_chatter_of_its_dependencies(
    demo: tuple[dsr.Settings, DemoSummary], caplog: pytest.LogCaptureFixture
) -> None:
    settings, summary = demo
    pupil = summary.featured_pupil()
    with caplog.at_level(logging.INFO):
        dsr.answer(settings, pupil.controller, card(pupil), facts=FACTS, formats=("pdf", "docx"))
    chatter = [r for r in caplog.records if not r.name.startswith("dsr") and r.levelno < logging.WARNING]
    assert chatter == []


def test_a_level_the_host_chose_stays() -> None:
    chosen = logging.getLogger("weasyprint.progress")
    before = chosen.level
    try:
        chosen.setLevel(logging.INFO)
        quiet_dependencies()
        assert chosen.level == logging.INFO
        assert logging.getLogger("fontTools").level == logging.WARNING
    finally:
        chosen.setLevel(before)


def test_the_example_script_writes_the_answer(demo: tuple[dsr.Settings, DemoSummary], tmp_path: Path) -> None:
    settings, summary = demo
    pupil = summary.featured_pupil()
    assert settings.file is not None and pupil.card_number
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "answer_script.py"),
            str(settings.file),
            pupil.controller,
            pupil.card_number,
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert surname(pupil) in pdf_text((tmp_path / "out" / "disclosure.pdf").read_bytes())
    assert "records" in run.stdout
    assert [line for line in run.stderr.splitlines() if line.startswith("INFO") and ":dsr." not in line] == []
