"""The approver opens the final letter before approving; a child's answer never goes as a download."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import Channel, Document, Intake, Party, RequestType, User
from dsr.casefile.approval import letter_opened
from dsr.casefile.documents import latest_document_id, read_document
from dsr.model import Candidate, Descriptor, Evidence, Identifier, IdentifierKind

SECRET = b"server-secret-for-tests"
RECEIVED = dt.datetime(2026, 3, 10, 8, 15, tzinfo=dt.UTC)
T = RECEIVED + dt.timedelta(hours=1)


@pytest.fixture
def staff(engine: sa.Engine) -> tuple[User, User]:
    officer = casefile.create_user(engine, "officer", "pw-o", {"gym": ["officer"]}, now=T)
    approver = casefile.create_user(engine, "approver", "pw-a", {"gym": ["officer", "approver"]}, now=T)
    return officer, approver


def _case(engine: sa.Engine, officer: User, born: dt.date | None) -> str:
    """A pupil's own request, her code-verified address on file for her, gathered and in review."""
    given = Descriptor(first_name="Mia", last_name="Kind", card_number="L-7", date_of_birth=born)
    ref = casefile.open_case(
        engine,
        SECRET,
        Intake(
            controller="gym",
            land="BY",
            request_types=(RequestType.ACCESS,),
            channel=Channel.PORTAL,
            received_at=RECEIVED,
            subject=Party(descriptor=given, email="mia@example.org"),
        ),
        now=RECEIVED,
    ).reference
    _, issued = casefile.start_email_verification(engine, SECRET, ref, now=T)
    casefile.confirm_email(engine, SECRET, issued.link, issued.code, now=T)
    found = Candidate(
        reference="P-MIA",
        store="school",
        key="7",
        evidence=(Evidence("school", IdentifierKind.CARD, True),),
        identifiers=frozenset(
            {Identifier(IdentifierKind.CARD, "L-7"), Identifier(IdentifierKind.EMAIL, "mia@example.org")}
        ),
    )
    casefile.record_candidates(engine, officer, ref, [found], now=T)
    casefile.confirm_identity(engine, officer, ref, "P-MIA", now=T)
    casefile.start_gathering(engine, officer, ref, ["school"], now=T)
    casefile.finish_gathering(engine, ref, now=T)
    return ref


def _prepare(engine: sa.Engine, officer: User, ref: str, text: bytes = b"%PDF-1.4 letter") -> int:
    return casefile.prepare(
        engine, officer, ref, Document(filename="answer.pdf", media_type="application/pdf", content=text), now=T
    )


def test_approval_waits_until_the_approver_opened_the_current_letter(
    engine: sa.Engine, staff: tuple[User, User]
) -> None:
    officer, approver = staff
    ref = _case(engine, officer, born=dt.date(2000, 1, 1))
    first = _prepare(engine, officer, ref)
    read_document(engine, officer, ref, first)  # the preparer's reading does not count for the approver
    with pytest.raises(casefile.TransitionRefused) as refused:
        casefile.approve(engine, approver, ref, letter_opened=True, now=T)
    assert refused.value.code == "letter_not_opened"
    read_document(engine, approver, ref, first)
    assert letter_opened(engine, approver, ref)
    opened = [e for e in casefile.history(engine, ref) if e.action == "final letter opened"]
    assert [(e.actor, e.detail["document"]) for e in opened] == [(officer.actor, first), (approver.actor, first)]
    assert all(len(e.detail["sha256"]) == 64 for e in opened)

    casefile.send_back(engine, approver, ref, now=T)  # prepared again: a new letter must be read again
    second = _prepare(engine, officer, ref, b"%PDF-1.4 letter, second version")
    assert latest_document_id(engine, officer, ref, "answer") == second
    assert not letter_opened(engine, approver, ref)
    with pytest.raises(casefile.TransitionRefused):
        casefile.approve(engine, approver, ref, letter_opened=True, now=T)
    read_document(engine, approver, ref, second)
    casefile.approve(engine, approver, ref, letter_opened=True, now=T)
    assert casefile.get_case(engine, approver, ref).state is casefile.CaseState.APPROVED


def test_a_child_below_14_never_gets_a_download_even_with_her_address_on_file(
    engine: sa.Engine, staff: tuple[User, User]
) -> None:
    officer, approver = staff
    ref = _case(engine, officer, born=dt.date(2013, 10, 16))  # 12 on the day of receipt
    plan = casefile.plan_of(engine, officer, ref)
    assert plan.to_guardians and plan.route == "post" and not plan.electronic
    with pytest.raises(casefile.TransitionRefused) as refused:
        casefile.decide_delivery(engine, officer, ref, "download", "address_confirmed_in_person", now=T)
    assert refused.value.code == "to_guardians_post" and refused.value.values["age_of_consent"] == 14
    _prepare(engine, officer, ref)
    casefile.approve(engine, approver, ref, now=T)
    with pytest.raises(casefile.TransitionRefused) as refused:
        casefile.dispatch_by_download(engine, officer, ref, now=T)
    assert refused.value.code == "to_guardians_post"
    casefile.dispatch_by_post(engine, officer, ref, dt.date(2026, 3, 12), now=T)


def test_a_pupil_of_14_may_fetch_her_answer(engine: sa.Engine, staff: tuple[User, User]) -> None:
    officer, approver = staff
    ref = _case(engine, officer, born=dt.date(2012, 3, 10))  # 14 on the day of receipt
    plan = casefile.plan_of(engine, officer, ref)
    assert not plan.to_guardians and plan.electronic
    _prepare(engine, officer, ref)
    casefile.approve(engine, approver, ref, now=T)
    assert casefile.dispatch_by_download(engine, officer, ref, now=T).token
