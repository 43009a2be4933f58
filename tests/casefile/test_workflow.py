"""A case from receipt to dispatch, and the rules that stop it going wrong."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import (
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
from dsr.casefile.schema import events
from dsr.model import Candidate, Descriptor, Evidence, Identifier, IdentifierKind

SECRET = b"server-secret-for-tests"
RECEIVED = dt.datetime(2026, 3, 10, 8, 15, tzinfo=dt.UTC)  # due 10 April 2026 (Friday)
T = RECEIVED + dt.timedelta(hours=1)
ANNA = Descriptor(first_name="Anna", last_name="Beispiel", card_number="L-1001", email="anna@example.org")


def _intake(**changes: object) -> Intake:
    values: dict[str, object] = dict(
        controller="gym",
        land="BY",
        request_types=(RequestType.ACCESS, RequestType.COPY),
        channel=Channel.PORTAL,
        received_at=RECEIVED,
        subject=Party(descriptor=ANNA, email="anna@example.org"),
    )
    values.update(changes)
    return Intake(**values)  # type: ignore[arg-type]


def _candidate(ref: str, *, strong: bool) -> Candidate:
    kind = IdentifierKind.CARD if strong else IdentifierKind.NAME
    return Candidate(
        reference=ref,
        store="school",
        key="17",
        evidence=(Evidence("school", kind, strong),),
        identifiers=frozenset({Identifier(kind, "x")}),
    )


@pytest.fixture
def staff(engine: sa.Engine) -> tuple[User, User]:
    officer = casefile.create_user(engine, "officer", "pw-o", {"gym": ["officer"]}, now=T)
    approver = casefile.create_user(engine, "approver", "pw-a", {"gym": ["officer", "approver"]}, now=T)
    return officer, approver


def _to_review(engine: sa.Engine, officer: User, reference: str) -> None:
    casefile.record_candidates(engine, officer, reference, [_candidate("P-AAA", strong=True)], now=T)
    casefile.confirm_identity(engine, officer, reference, "P-AAA", now=T)
    casefile.start_gathering(engine, officer, reference, ["school"], now=T)
    casefile.finish_gathering(engine, reference, now=T)


def test_a_case_goes_from_receipt_to_secure_download(engine: sa.Engine, staff: tuple[User, User]) -> None:
    officer, approver = staff
    opened = casefile.open_case(engine, SECRET, _intake(), now=RECEIVED)
    assert opened.reference.startswith("DSR-2026-") and len(opened.reference) == 15

    status = casefile.public_status(engine, SECRET, opened.reference, opened.status_secret, today=dt.date(2026, 3, 11))
    assert status.state is CaseState.RECEIVED and status.due_on == dt.date(2026, 4, 10)

    _to_review(engine, officer, opened.reference)
    casefile.add_review_items(engine, None, opened.reference, [("school/incidents/3", "mentions another pupil")], now=T)
    with pytest.raises(TransitionRefused, match="still open"):
        casefile.prepare(
            engine, officer, opened.reference, Document(filename="a.pdf", media_type="application/pdf", content=b"%PDF")
        )
    casefile.decide(engine, officer, opened.reference, "school/incidents/3", "redact", "art15-4", now=T)
    answer = Document(filename="auskunft.pdf", media_type="application/pdf", content=b"%PDF-1.7 answer" * 100)
    casefile.prepare(engine, officer, opened.reference, answer, now=T)

    with pytest.raises(casefile.AccessDenied):
        casefile.approve(engine, officer, opened.reference, now=T)  # not an approver
    casefile.approve(engine, approver, opened.reference, now=T)
    download_id = casefile.dispatch_by_download(engine, officer, opened.reference, now=T).token
    view = casefile.get_case(engine, officer, opened.reference, today=dt.date(2026, 3, 12))
    assert view.state is CaseState.DISPATCHED and view.prepared_by == officer.id and view.approved_by == approver.id

    # a download code goes only to a verified address
    with pytest.raises(TransitionRefused, match="not verified"):
        casefile.send_download_code(engine, SECRET, download_id, now=T)
    address, issued = casefile.start_email_verification(engine, SECRET, opened.reference, now=T)
    assert address == "anna@example.org"
    casefile.confirm_email(engine, SECRET, issued.link, issued.code.lower(), now=T)  # typed in lower case: fine

    _, code = casefile.send_download_code(engine, SECRET, download_id, now=T)
    got = casefile.fetch_download(engine, SECRET, download_id, code.id, code.code, now=T)
    assert got.content == answer.content and got.filename == "auskunft.pdf"
    with pytest.raises(casefile.CodeRejected):  # one-time
        casefile.fetch_download(engine, SECRET, download_id, code.id, code.code, now=T)

    actions = [e.action for e in casefile.history(engine, opened.reference)]
    assert actions[0] == "case opened" and "identity confirmed" in actions and "answer downloaded" in actions
    assert casefile.verify(engine).ok


def test_events_hold_no_personal_data(engine: sa.Engine, staff: tuple[User, User]) -> None:
    officer, _ = staff
    opened = casefile.open_case(engine, SECRET, _intake(), now=RECEIVED)
    casefile.add_comment(engine, officer, opened.reference, "Anna Beispiel rief an", now=T)
    casefile.get_party(engine, officer, opened.reference)
    with engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(sa.select(events)) for v in row)
    for personal in ("Anna", "Beispiel", "anna@example.org", "L-1001"):
        assert personal not in dump


def test_an_ambiguous_match_cannot_proceed(engine: sa.Engine, staff: tuple[User, User]) -> None:
    officer, _ = staff
    ref = casefile.open_case(engine, SECRET, _intake(), now=RECEIVED).reference
    casefile.record_candidates(
        engine, officer, ref, [_candidate("P-AAA", strong=False), _candidate("P-BBB", strong=False)]
    )
    with pytest.raises(TransitionRefused):
        casefile.start_gathering(engine, officer, ref, ["school"], now=T)
    with pytest.raises(TransitionRefused, match="weak evidence"):
        casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    with pytest.raises(NotFound):
        casefile.confirm_identity(engine, officer, ref, "P-ZZZ", now=T)
    # an in-person check lets the officer decide
    casefile.record_identity_check(engine, officer, ref, CheckMethod.IN_PERSON, now=T)
    casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    casefile.start_gathering(engine, officer, ref, ["school"], now=T)
    assert casefile.get_case(engine, officer, ref).state is CaseState.GATHERING


def test_four_eyes_the_preparer_cannot_approve(engine: sa.Engine, staff: tuple[User, User]) -> None:
    _, approver = staff
    ref = casefile.open_case(engine, SECRET, _intake(), now=RECEIVED).reference
    _to_review(engine, approver, ref)
    casefile.prepare(
        engine, approver, ref, Document(filename="a.pdf", media_type="application/pdf", content=b"x"), now=T
    )
    with pytest.raises(TransitionRefused, match="four eyes"):
        casefile.approve(engine, approver, ref, now=T)


def test_users_see_nothing_of_other_controllers(engine: sa.Engine, staff: tuple[User, User]) -> None:
    officer, _ = staff
    other = casefile.create_user(engine, "elsewhere", "pw", {"realschule": ["officer", "approver"]}, now=T)
    ref = casefile.open_case(engine, SECRET, _intake(), now=RECEIVED).reference
    with pytest.raises(NotFound):
        casefile.get_case(engine, other, ref)
    with pytest.raises(NotFound):
        casefile.add_comment(engine, other, ref, "hello")
    assert casefile.list_cases(engine, other) == []
    assert [v.reference for v in casefile.list_cases(engine, officer)] == [ref]


def test_moves_out_of_order_are_refused(engine: sa.Engine, staff: tuple[User, User]) -> None:
    officer, approver = staff
    ref = casefile.open_case(engine, SECRET, _intake(), now=RECEIVED).reference
    with pytest.raises(TransitionRefused):
        casefile.approve(engine, approver, ref, now=T)
    with pytest.raises(TransitionRefused):
        casefile.finish_gathering(engine, ref, now=T)
    casefile.withdraw(engine, None, ref, now=T)
    with pytest.raises(TransitionRefused):
        casefile.close_case(engine, officer, ref, now=T)
    assert casefile.get_case(engine, officer, ref).closed_at == T


def test_representative_needs_a_recorded_authorisation(engine: sa.Engine) -> None:
    lawyer = Party(descriptor=Descriptor(first_name="R", last_name="Anwalt"), email="kanzlei@example.org")
    with pytest.raises(ValueError, match="authorisation"):
        casefile.open_case(engine, SECRET, _intake(acting=Acting.REPRESENTATIVE, requester=lawyer))
    ref = casefile.open_case(
        engine,
        SECRET,
        _intake(acting=Acting.REPRESENTATIVE, requester=lawyer, authorisation="Vollmacht vom 1.3.2026"),
        now=RECEIVED,
    ).reference
    # mail goes to the representative
    address, _ = casefile.start_email_verification(engine, SECRET, ref, now=T)
    assert address == "kanzlei@example.org"


def test_status_page_refuses_a_wrong_secret(engine: sa.Engine) -> None:
    opened = casefile.open_case(engine, SECRET, _intake(), now=RECEIVED)
    with pytest.raises(casefile.CodeRejected):
        casefile.public_status(engine, SECRET, opened.reference, "guess")
    with pytest.raises(casefile.CodeRejected):
        casefile.public_status(engine, b"other server", opened.reference, opened.status_secret)
    with pytest.raises(casefile.CodeRejected):
        casefile.public_status(engine, SECRET, "DSR-2026-XXXXXX", opened.status_secret)
