"""A case from receipt to dispatch, and the rules that stop it going wrong."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from test_cases_db import engine, migrated  # noqa: F401  (fixtures)

from dsr import cases
from dsr.cases import (
    Acting,
    CaseState,
    Channel,
    CheckMethod,
    Document,
    Intake,
    NotFound,
    Party,
    RequestType,
    TransitionRefused,
    User,
)
from dsr.cases.schema import events
from dsr.model import Candidate, Descriptor, Evidence, Identifier, IdentifierKind

SECRET = b"server-secret-for-tests"
RECEIVED = dt.datetime(2026, 3, 10, 8, 15, tzinfo=dt.UTC)  # due 10 April 2026 (Friday)
T = RECEIVED + dt.timedelta(hours=1)
ANNA = Descriptor(first_name="Anna", last_name="Beispiel", card_number="L-1001", email="anna@example.org")


def _intake(**changes: object) -> Intake:
    values: dict[str, object] = dict(
        controller="gym", land="BY", request_types=(RequestType.ACCESS, RequestType.COPY), channel=Channel.PORTAL,
        received_at=RECEIVED, subject=Party(descriptor=ANNA, email="anna@example.org"),
    )
    values.update(changes)
    return Intake(**values)  # type: ignore[arg-type]


def _candidate(ref: str, *, strong: bool) -> Candidate:
    kind = IdentifierKind.CARD if strong else IdentifierKind.NAME
    return Candidate(
        reference=ref, store="school", key="17", evidence=(Evidence("school", kind, strong),),
        identifiers=frozenset({Identifier(kind, "x")}),
    )


@pytest.fixture
def staff(engine: sa.Engine) -> tuple[User, User]:
    officer = cases.create_user(engine, "officer", "pw-o", {"gym": ["officer"]}, now=T)
    approver = cases.create_user(engine, "approver", "pw-a", {"gym": ["officer", "approver"]}, now=T)
    return officer, approver


def _to_review(engine: sa.Engine, officer: User, reference: str) -> None:
    cases.record_candidates(engine, officer, reference, [_candidate("P-AAA", strong=True)], now=T)
    cases.confirm_identity(engine, officer, reference, "P-AAA", now=T)
    cases.start_gathering(engine, officer, reference, ["school"], now=T)
    cases.finish_gathering(engine, reference, now=T)


def test_a_case_goes_from_receipt_to_secure_download(engine: sa.Engine, staff: tuple[User, User]) -> None:
    officer, approver = staff
    opened = cases.open_case(engine, SECRET, _intake(), now=RECEIVED)
    assert opened.reference.startswith("DSR-2026-") and len(opened.reference) == 15

    status = cases.public_status(engine, SECRET, opened.reference, opened.status_secret, today=dt.date(2026, 3, 11))
    assert status.state is CaseState.RECEIVED and status.due_on == dt.date(2026, 4, 10)

    _to_review(engine, officer, opened.reference)
    cases.add_review_items(engine, None, opened.reference, [("school/incidents/3", "mentions another pupil")], now=T)
    with pytest.raises(TransitionRefused, match="still open"):
        cases.prepare(engine, officer, opened.reference, Document(filename="a.pdf", media_type="application/pdf", content=b"%PDF"))
    cases.decide(engine, officer, opened.reference, "school/incidents/3", "redact", "art15-4", now=T)
    answer = Document(filename="auskunft.pdf", media_type="application/pdf", content=b"%PDF-1.7 answer" * 100)
    cases.prepare(engine, officer, opened.reference, answer, now=T)

    with pytest.raises(cases.AccessDenied):
        cases.approve(engine, officer, opened.reference, now=T)  # not an approver
    cases.approve(engine, approver, opened.reference, now=T)
    download_id = cases.dispatch_by_download(engine, officer, opened.reference, now=T).token
    view = cases.get_case(engine, officer, opened.reference, today=dt.date(2026, 3, 12))
    assert view.state is CaseState.DISPATCHED and view.prepared_by == officer.id and view.approved_by == approver.id

    # a download code goes only to a verified address
    with pytest.raises(TransitionRefused, match="not verified"):
        cases.send_download_code(engine, SECRET, download_id, now=T)
    address, issued = cases.start_email_verification(engine, SECRET, opened.reference, now=T)
    assert address == "anna@example.org"
    cases.confirm_email(engine, SECRET, issued.link, issued.code.lower(), now=T)  # typed in lower case: fine

    _, code = cases.send_download_code(engine, SECRET, download_id, now=T)
    got = cases.fetch_download(engine, SECRET, download_id, code.id, code.code, now=T)
    assert got.content == answer.content and got.filename == "auskunft.pdf"
    with pytest.raises(cases.CodeRejected):  # one-time
        cases.fetch_download(engine, SECRET, download_id, code.id, code.code, now=T)

    actions = [e.action for e in cases.history(engine, opened.reference)]
    assert actions[0] == "case opened" and "identity confirmed" in actions and "answer downloaded" in actions
    assert cases.verify(engine).ok


def test_events_hold_no_personal_data(engine: sa.Engine, staff: tuple[User, User]) -> None:
    officer, _ = staff
    opened = cases.open_case(engine, SECRET, _intake(), now=RECEIVED)
    cases.add_comment(engine, officer, opened.reference, "Anna Beispiel rief an", now=T)
    cases.get_party(engine, officer, opened.reference)
    with engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(sa.select(events)) for v in row)
    for personal in ("Anna", "Beispiel", "anna@example.org", "L-1001"):
        assert personal not in dump


def test_an_ambiguous_match_cannot_proceed(engine: sa.Engine, staff: tuple[User, User]) -> None:
    officer, _ = staff
    ref = cases.open_case(engine, SECRET, _intake(), now=RECEIVED).reference
    cases.record_candidates(engine, officer, ref, [_candidate("P-AAA", strong=False), _candidate("P-BBB", strong=False)])
    with pytest.raises(TransitionRefused):
        cases.start_gathering(engine, officer, ref, ["school"], now=T)
    with pytest.raises(TransitionRefused, match="weak evidence"):
        cases.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    with pytest.raises(NotFound):
        cases.confirm_identity(engine, officer, ref, "P-ZZZ", now=T)
    # an in-person check lets the officer decide
    cases.record_identity_check(engine, officer, ref, CheckMethod.IN_PERSON, now=T)
    cases.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    cases.start_gathering(engine, officer, ref, ["school"], now=T)
    assert cases.get_case(engine, officer, ref).state is CaseState.GATHERING


def test_four_eyes_the_preparer_cannot_approve(engine: sa.Engine, staff: tuple[User, User]) -> None:
    _, approver = staff
    ref = cases.open_case(engine, SECRET, _intake(), now=RECEIVED).reference
    _to_review(engine, approver, ref)
    cases.prepare(engine, approver, ref, Document(filename="a.pdf", media_type="application/pdf", content=b"x"), now=T)
    with pytest.raises(TransitionRefused, match="four eyes"):
        cases.approve(engine, approver, ref, now=T)


def test_users_see_nothing_of_other_controllers(engine: sa.Engine, staff: tuple[User, User]) -> None:
    officer, _ = staff
    other = cases.create_user(engine, "elsewhere", "pw", {"realschule": ["officer", "approver"]}, now=T)
    ref = cases.open_case(engine, SECRET, _intake(), now=RECEIVED).reference
    with pytest.raises(NotFound):
        cases.get_case(engine, other, ref)
    with pytest.raises(NotFound):
        cases.add_comment(engine, other, ref, "hello")
    assert cases.list_cases(engine, other) == []
    assert [v.reference for v in cases.list_cases(engine, officer)] == [ref]


def test_moves_out_of_order_are_refused(engine: sa.Engine, staff: tuple[User, User]) -> None:
    officer, approver = staff
    ref = cases.open_case(engine, SECRET, _intake(), now=RECEIVED).reference
    with pytest.raises(TransitionRefused):
        cases.approve(engine, approver, ref, now=T)
    with pytest.raises(TransitionRefused):
        cases.finish_gathering(engine, ref, now=T)
    cases.withdraw(engine, None, ref, now=T)
    with pytest.raises(TransitionRefused):
        cases.close_case(engine, officer, ref, now=T)
    assert cases.get_case(engine, officer, ref).closed_at == T


def test_representative_needs_a_recorded_authorisation(engine: sa.Engine) -> None:
    lawyer = Party(descriptor=Descriptor(first_name="R", last_name="Anwalt"), email="kanzlei@example.org")
    with pytest.raises(ValueError, match="authorisation"):
        cases.open_case(engine, SECRET, _intake(acting=Acting.REPRESENTATIVE, requester=lawyer))
    ref = cases.open_case(
        engine, SECRET, _intake(acting=Acting.REPRESENTATIVE, requester=lawyer, authorisation="Vollmacht vom 1.3.2026"),
        now=RECEIVED,
    ).reference
    # mail goes to the representative
    address, _ = cases.start_email_verification(engine, SECRET, ref, now=T)
    assert address == "kanzlei@example.org"


def test_status_page_refuses_a_wrong_secret(engine: sa.Engine) -> None:
    opened = cases.open_case(engine, SECRET, _intake(), now=RECEIVED)
    with pytest.raises(cases.CodeRejected):
        cases.public_status(engine, SECRET, opened.reference, "guess")
    with pytest.raises(cases.CodeRejected):
        cases.public_status(engine, b"other server", opened.reference, opened.status_secret)
    with pytest.raises(cases.CodeRejected):
        cases.public_status(engine, SECRET, "DSR-2026-XXXXXX", opened.status_secret)
