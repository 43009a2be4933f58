"""The portal's job handlers on real demo stores: gather per store, review, final answer, retry one store."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import threading
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from dsr import casefile
from dsr.casefile.casepage import candidates_of
from dsr.casefile.documents import latest_document_id, list_documents, read_document
from dsr.demo import DemoSummary
from dsr.model import Descriptor, ResolutionStatus
from dsr.service import casework
from dsr.service.worker import BackgroundWorker
from tests.officer_world import SCHOOL, World, make_world


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def seen_in_person(w: World, ref: str) -> str:
    """The requester came with an ID card: staff record the check for the strong candidate, and
    confirm it. Returns the candidate's reference."""
    strong = [c for c in candidates_of(w.engine, w.officer, ref) if c.strong][0].reference
    casefile.record_identity_check(
        w.engine, w.officer, ref, casefile.CheckMethod.IN_PERSON, candidate=strong, evidence="id_card"
    )
    casefile.confirm_identity(w.engine, w.officer, ref, strong)
    return strong


def confirmed(w: World, descriptor: Descriptor) -> str:
    """A self request, resolved and verified in person; the answer goes by post (the address the
    request gave is not on file)."""
    ref = w.open_request(descriptor)
    assert casework.find_candidates(w.engine, w.settings, ref, user=w.officer) is ResolutionStatus.MATCH
    seen_in_person(w, ref)
    casefile.decide_delivery(w.engine, w.officer, ref, "post")
    return ref


@pytest.mark.slow
def test_gathering_fills_the_case_store_by_store_and_the_decided_answer_is_prepared(world: World) -> None:
    ref = confirmed(world, world.pupil())
    casefile.start_gathering(world.engine, world.officer, ref, casework.store_names(world.settings, SCHOOL))

    [job] = world.run_jobs()

    assert job.state is casefile.JobState.DONE
    assert set(job.progress) == {"school", "weblog"}
    assert all(p["state"] == "ok" for p in job.progress.values())
    assert job.progress["school"]["records"] > 0
    view = casefile.get_case(world.engine, world.officer, ref)
    assert view.state is casefile.CaseState.REVIEW
    draft = latest_document_id(world.engine, world.officer, ref, "draft")
    assert draft is not None
    _, content = read_document(world.engine, world.officer, ref, draft)
    assert ref in pdf_text(content)

    entries = casework.review_entries(world.engine, world.officer, ref)
    assert view.open_review_items == len(entries)
    with pytest.raises(casefile.TransitionRefused):
        casework.render_answer(world.engine, world.settings, world.officer, ref)
    for e in entries:
        if casefile.get_case(world.engine, world.officer, ref).open_review_items and e.decision is None:
            casework.decide_items(world.engine, world.officer, ref, e.id, "redact", "third-party")
    assert casefile.get_case(world.engine, world.officer, ref).open_review_items == 0

    doc_id = casework.render_answer(world.engine, world.settings, world.officer, ref)
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.PREPARED
    _, answer = read_document(world.engine, world.officer, ref, doc_id)
    text = pdf_text(answer)
    assert ref in text and "ENTWURF" not in text.upper()
    kinds = {d.kind for d in list_documents(world.engine, world.officer, ref)}
    assert {"draft", "answer", "answer_json", "other_controllers"} <= kinds


def test_one_decision_covers_every_item_with_the_same_text(world: World) -> None:
    ref = confirmed(world, world.pupil())
    casefile.start_gathering(world.engine, world.officer, ref, casework.store_names(world.settings, SCHOOL))
    world.run_jobs()
    entries = casework.review_entries(world.engine, world.officer, ref)
    if not entries:
        pytest.skip("this demo pupil has no review items")
    first = entries[0]
    same = [e for e in entries if e.group == first.group]
    assert casework.decide_items(world.engine, world.officer, ref, first.id, "disclose", "known-to-subject") == len(
        same
    )
    after = {e.id: e for e in casework.review_entries(world.engine, world.officer, ref)}
    assert all(after[e.id].decision == "disclose" and after[e.id].reason == "known-to-subject" for e in same)
    with pytest.raises(ValueError, match="reason code"):
        casework.decide_items(world.engine, world.officer, ref, first.id, "redact", "because")


@pytest.mark.slow
def test_a_failed_store_is_retried_alone_and_then_the_case_goes_to_review(demo: DemoSummary, tmp_path: Path) -> None:
    logs = tmp_path / "logs-later"  # missing at first: the weblog store fails for real
    w = make_world(demo, tmp_path, weblog=str(logs))
    ref = confirmed(w, w.pupil())
    casefile.start_gathering(w.engine, w.officer, ref, casework.store_names(w.settings, SCHOOL))

    [job] = w.run_jobs()
    assert job.state is casefile.JobState.DONE and job.failed_stores == ("weblog",)
    assert job.progress["school"]["state"] == "ok"
    assert "does not exist" in job.progress["weblog"]["error"]
    assert casefile.get_case(w.engine, w.officer, ref).state is casefile.CaseState.GATHERING
    school_before = job.progress["school"]

    shutil.copytree(Path(demo.folder) / "logs", logs)  # the store is back
    casefile.retry_store(w.engine, job.id, "weblog", actor=w.officer.actor)
    [again] = w.run_jobs()

    assert again.id == job.id and not again.failed_stores
    assert again.progress["school"] == school_before  # not asked again
    assert again.progress["weblog"]["state"] == "ok"
    assert casefile.get_case(w.engine, w.officer, ref).state is casefile.CaseState.REVIEW
    assert "store retried" in [e.action for e in casefile.history(w.engine, ref)]


def test_an_ambiguous_namesake_cannot_be_gathered(world: World) -> None:
    namesake = world.demo.featured(SCHOOL, "namesakes")
    ref = world.open_request(Descriptor(first_name=namesake.first_name, last_name=namesake.last_name))
    assert casework.find_candidates(world.engine, world.settings, ref, user=world.officer) is not ResolutionStatus.MATCH
    assert len(candidates_of(world.engine, world.officer, ref)) >= 2
    with pytest.raises(casefile.TransitionRefused, match="ambiguous"):
        casefile.start_gathering(world.engine, world.officer, ref, ["school"])
    weak = candidates_of(world.engine, world.officer, ref)[0]
    with pytest.raises(casefile.TransitionRefused) as unverified:
        casefile.confirm_identity(world.engine, world.officer, ref, weak.reference)
    assert unverified.value.code == "not_verified"


@pytest.mark.slow
def test_the_background_worker_runs_queued_jobs(world: World) -> None:
    ref = confirmed(world, world.pupil())
    casefile.start_gathering(world.engine, world.officer, ref, casework.store_names(world.settings, SCHOOL))
    worker = BackgroundWorker(world.engine, casework.handlers(world.settings), idle=0.1)
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.GATHERING:
            assert time.monotonic() < deadline, "the worker did not finish the job"
            time.sleep(0.2)
    finally:
        worker.stop()
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.REVIEW
    assert not any(t.name == "dsr-worker" and t.is_alive() for t in threading.enumerate())


def _gathered_draft(w: World, ref: str) -> str:
    if casefile.get_case(w.engine, w.officer, ref).acting is casefile.Acting.SELF:
        seen_in_person(w, ref)
    else:  # the one candidate: the parent's check names it
        strong = [c for c in candidates_of(w.engine, w.officer, ref) if c.strong]
        casefile.confirm_identity(w.engine, w.officer, ref, strong[0].reference)
    casefile.start_gathering(w.engine, w.officer, ref, casework.store_names(w.settings, SCHOOL))
    [job] = w.run_jobs()
    assert job.state is casefile.JobState.DONE
    draft = latest_document_id(w.engine, w.officer, ref, "draft")
    assert draft is not None
    return pdf_text(read_document(w.engine, w.officer, ref, draft)[1])


@pytest.mark.slow
def test_a_parents_letter_is_addressed_to_the_parent_for_the_child(world: World) -> None:
    child = world.pupil()
    parent = casefile.Party(
        descriptor=Descriptor(first_name="Petra", last_name="Elternteil"),
        email="petra@example.org",
        postal_address="Amselweg 7\n93047 Regensburg",
    )
    ref = world.open_request(child, acting=casefile.Acting.PARENT, requester=parent)
    assert casework.find_candidates(world.engine, world.settings, ref, user=world.officer) is ResolutionStatus.MATCH
    # not on the guardian rows: staff checked the custody papers (tests/service/test_casework_routing.py)
    [child_row] = candidates_of(world.engine, world.officer, ref)
    casefile.record_identity_check(
        world.engine, world.officer, ref, casefile.CheckMethod.GUARDIAN_IN_PERSON, candidate=child_row.reference
    )

    text = " ".join(_gathered_draft(world, ref).split())

    assert "Petra Elternteil" in text and "Amselweg 7" in text and "93047 Regensburg" in text
    assert f"gesetzliche Vertretung für {child.first_name}" in text


@pytest.mark.slow
def test_the_letter_is_written_in_the_requesters_language(world: World) -> None:
    opened = casefile.open_case(
        world.engine,
        world.settings.dsr.secret_key.encode(),
        casefile.Intake(
            controller=SCHOOL,
            land=world.settings.controller(SCHOOL).land,
            request_types=(casefile.RequestType.ACCESS,),
            channel=casefile.Channel.PORTAL,
            received_at=dt.datetime.now(dt.UTC),
            subject=casefile.Party(descriptor=world.pupil()),
            language="en",
        ),
    )
    casework.find_candidates(world.engine, world.settings, opened.reference, user=world.officer)
    assert casefile.get_case(world.engine, world.officer, opened.reference).language == "en"

    text = " ".join(_gathered_draft(world, opened.reference).split())

    assert "Dear" in text or "personal data" in text
    assert "Sehr geehrte" not in text


def test_an_unknown_language_is_refused_at_intake(world: World) -> None:
    with pytest.raises(ValueError, match="language"):
        casefile.open_case(
            world.engine,
            b"k",
            casefile.Intake(
                controller=SCHOOL,
                land="BY",
                request_types=(casefile.RequestType.ACCESS,),
                channel=casefile.Channel.POST,
                received_at=dt.datetime.now(dt.UTC),
                subject=casefile.Party(descriptor=world.pupil()),
                language="fr",
            ),
        )
