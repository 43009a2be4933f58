"""The lift notice in the case file (Art. 18(3) GDPR), on SQLite, PostgreSQL and MariaDB: a letter of
its own after the case's answer — also once the case is closed —, with its own four eyes (not the
preparer; the letter opened) and its own dispatch, kept apart from the case's second letter."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import Document, RequestType, User, confirmation
from dsr.casefile.documents import list_documents, read_document
from tests.casefile.test_workflow import RECEIVED, SECRET, T, _intake, _to_review

TRACK = confirmation.LIFT_NOTICE
NOTICE = Document(filename="aufhebung.pdf", media_type="application/pdf", content=b"%PDF-1.7 lift notice" * 50)


@pytest.fixture
def staff(engine: sa.Engine) -> tuple[User, User]:
    officer = casefile.create_user(engine, "officer", "pw-o", {"gym": ["officer", "approver"]}, now=T)
    approver = casefile.create_user(engine, "approver", "pw-a", {"gym": ["officer", "approver"]}, now=T)
    return officer, approver


def _answered(engine: sa.Engine, officer: User, approver: User) -> str:
    opened = casefile.open_case(engine, SECRET, _intake(request_types=(RequestType.RESTRICTION,)), now=RECEIVED)
    ref = opened.reference
    _to_review(engine, officer, ref)
    answer = Document(filename="einschraenkung.pdf", media_type="application/pdf", content=b"%PDF-1.7 answer" * 50)
    casefile.prepare(engine, officer, ref, answer, now=T)
    casefile.approve(engine, approver, ref, now=T)
    casefile.dispatch_by_post(engine, officer, ref, T.date(), now=T)
    return ref


def test_the_lift_notice_has_its_own_four_eyes_and_dispatch(engine: sa.Engine, staff: tuple[User, User]) -> None:
    officer, approver = staff
    opened = casefile.open_case(engine, SECRET, _intake(request_types=(RequestType.RESTRICTION,)), now=RECEIVED)
    _to_review(engine, officer, opened.reference)
    with pytest.raises(casefile.TransitionRefused) as refused:  # the case's answer goes out first
        confirmation.prepare(engine, officer, opened.reference, NOTICE, track=TRACK, now=T)
    assert refused.value.code == "lift_notice_too_early"

    ref = _answered(engine, officer, approver)
    casefile.close_case(engine, officer, ref, now=T)  # months later: the case is closed
    facts = {"plan": "E-0123456789AB", "lift_on": "2026-05-04"}
    doc = confirmation.prepare(engine, officer, ref, NOTICE, track=TRACK, facts=facts, now=T)
    assert [d.kind for d in list_documents(engine, officer, ref) if d.id == doc] == ["lift_notice"]
    assert confirmation.current(engine, officer, ref) is None  # not the case's second letter

    with pytest.raises(casefile.TransitionRefused) as refused:
        confirmation.approve(engine, officer, ref, track=TRACK, now=T)
    assert refused.value.code == "lift_notice_four_eyes"
    with pytest.raises(casefile.TransitionRefused) as refused:
        confirmation.approve(engine, approver, ref, track=TRACK, now=T)
    assert refused.value.code == "letter_not_opened"
    with pytest.raises(casefile.TransitionRefused) as refused:
        confirmation.dispatch_by_post(engine, officer, ref, T.date(), track=TRACK, now=T)
    assert refused.value.code == "lift_notice_unapproved"

    read_document(engine, approver, ref, doc)  # opening it is recorded
    confirmation.approve(engine, approver, ref, track=TRACK, now=T)
    mailed = T.date() + dt.timedelta(days=1)
    confirmation.dispatch_by_post(engine, officer, ref, mailed, track=TRACK, now=T)
    sent = confirmation.current(engine, None, ref, track=TRACK)
    assert sent is not None and sent.document == doc and sent.mailed_on == mailed
    assert sent.approved_by == approver.actor and sent.facts == facts
    with pytest.raises(casefile.TransitionRefused) as refused:  # once out, it is not written again
        confirmation.prepare(engine, officer, ref, NOTICE, track=TRACK, facts=facts, now=T)
    assert refused.value.code == "lift_notice_sent"
    actions = [e.action for e in casefile.history(engine, ref)]
    for action in ("lift notice prepared", "lift notice approved", "lift notice dispatched"):
        assert actions.count(action) == 1
    assert casefile.verify(engine).ok
