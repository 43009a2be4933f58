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
from dsr.casefile.casepage import checks_of
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


def _candidate(ref: str, *, strong: bool, email: str | None = None) -> Candidate:
    """A candidate found by card (strong) or name; ``email``: an address on file for them."""
    kind = IdentifierKind.CARD if strong else IdentifierKind.NAME
    identifiers = {Identifier(kind, "x")} | ({Identifier(IdentifierKind.EMAIL, email)} if email else set())
    return Candidate(
        reference=ref,
        store="school",
        key="17",
        evidence=(Evidence("school", kind, strong),),
        identifiers=frozenset(identifiers),
    )


@pytest.fixture
def staff(engine: sa.Engine) -> tuple[User, User]:
    officer = casefile.create_user(engine, "officer", "pw-o", {"gym": ["officer"]}, now=T)
    approver = casefile.create_user(engine, "approver", "pw-a", {"gym": ["officer", "approver"]}, now=T)
    return officer, approver


def _verify_email(engine: sa.Engine, reference: str) -> None:
    """The requester enters the code mailed to their address."""
    _, issued = casefile.start_email_verification(engine, SECRET, reference, now=T)
    casefile.confirm_email(engine, SECRET, issued.link, issued.code, now=T)


def _to_review(engine: sa.Engine, officer: User, reference: str) -> None:
    """Verified by the code to anna@example.org, which is on file for P-AAA; gathered; in review."""
    _verify_email(engine, reference)
    found = _candidate("P-AAA", strong=True, email="anna@example.org")
    casefile.record_candidates(engine, officer, reference, [found], now=T)
    casefile.confirm_identity(engine, officer, reference, "P-AAA", now=T)
    casefile.start_gathering(engine, officer, reference, ["school"], now=T)
    casefile.finish_gathering(engine, reference, now=T)


def test_a_case_goes_from_receipt_to_secure_download(engine: sa.Engine, staff: tuple[User, User]) -> None:
    officer, approver = staff
    opened = casefile.open_case(engine, SECRET, _intake(), now=RECEIVED)
    assert opened.reference.startswith("DSR-2026-") and len(opened.reference) == 15

    status = casefile.public_status(engine, SECRET, opened.reference, opened.status_secret, today=dt.date(2026, 3, 11))
    assert status.state is CaseState.RECEIVED and status.due_on == dt.date(2026, 4, 10)

    # the requester enters the code mailed to her (typed in lower case: fine); the address is on
    # file for P-AAA, so the code verifies her as that person and the answer may go there
    address, issued = casefile.start_email_verification(engine, SECRET, opened.reference, now=T)
    assert address == "anna@example.org"
    casefile.confirm_email(engine, SECRET, issued.link, issued.code.lower(), now=T)
    found = _candidate("P-AAA", strong=True, email="anna@example.org")
    casefile.record_candidates(engine, officer, opened.reference, [found], now=T)
    casefile.confirm_identity(engine, officer, opened.reference, "P-AAA", now=T)
    casefile.start_gathering(engine, officer, opened.reference, ["school"], now=T)
    casefile.finish_gathering(engine, opened.reference, now=T)
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

    _, code = casefile.send_download_code(engine, SECRET, download_id, now=T)
    got = casefile.fetch_download(engine, SECRET, download_id, code.id, code.code, now=T)
    assert got.content == answer.content and got.filename == "auskunft.pdf"
    with pytest.raises(casefile.CodeRejected):  # one-time
        casefile.fetch_download(engine, SECRET, download_id, code.id, code.code, now=T)

    actions = [e.action for e in casefile.history(engine, opened.reference)]
    assert actions[0] == "case opened" and "identity confirmed" in actions and "answer downloaded" in actions
    assert casefile.verify(engine).ok
    # the code is kept as the check that verified her (the letter says so)
    checks = checks_of(engine, officer, opened.reference)
    assert [(c.method, c.candidate, c.performed_by) for c in checks] == [("email_code", "P-AAA", None)]


def test_a_download_code_goes_only_to_a_verified_address(engine: sa.Engine, staff: tuple[User, User]) -> None:
    """Seen in person, the requester gave an address that is not on file; an officer decided the
    download, a second person approved. The link is offered, but its codes wait for the address."""
    officer, approver = staff
    ref = casefile.open_case(engine, SECRET, _intake(), now=RECEIVED).reference
    casefile.record_candidates(engine, officer, ref, [_candidate("P-AAA", strong=True)], now=T)
    casefile.record_identity_check(
        engine, officer, ref, CheckMethod.IN_PERSON, candidate="P-AAA", evidence="id_card", now=T
    )
    casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    casefile.start_gathering(engine, officer, ref, ["school"], now=T)
    casefile.finish_gathering(engine, ref, now=T)
    casefile.decide_delivery(engine, officer, ref, "download", "address_confirmed_in_person", now=T)
    casefile.approve_delivery(engine, approver, ref, now=T)
    casefile.prepare(
        engine, officer, ref, Document(filename="a.pdf", media_type="application/pdf", content=b"%PDF"), now=T
    )
    casefile.approve(engine, approver, ref, now=T)
    token = casefile.dispatch_by_download(engine, officer, ref, now=T).token
    with pytest.raises(TransitionRefused, match="not verified"):
        casefile.send_download_code(engine, SECRET, token, now=T)
    _verify_email(engine, ref)
    address, _ = casefile.send_download_code(engine, SECRET, token, now=T)
    assert address == "anna@example.org"


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
    with pytest.raises(TransitionRefused) as unverified:
        casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    assert unverified.value.code == "not_verified"
    with pytest.raises(NotFound):
        casefile.confirm_identity(engine, officer, ref, "P-ZZZ", now=T)
    # an in-person check for P-AAA lets the officer decide — for P-AAA, not for the namesake
    casefile.record_identity_check(
        engine, officer, ref, CheckMethod.IN_PERSON, candidate="P-AAA", evidence="passport", now=T
    )
    with pytest.raises(TransitionRefused):
        casefile.confirm_identity(engine, officer, ref, "P-BBB", now=T)
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


# --------------------------------------------------------------------------- refusing: four eyes, coded ground


def _documents_of(engine: sa.Engine, reference: str) -> list[sa.Row[object]]:
    from dsr.casefile.schema import cases, documents

    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(documents.c.kind, documents.c.content, documents.c.created_by)
                .join(cases, cases.c.id == documents.c.case_id)
                .where(cases.c.reference == reference)
                .order_by(documents.c.id)
            )
        )


def test_a_refusal_is_proposed_by_one_person_and_confirmed_by_another(
    engine: sa.Engine, staff: tuple[User, User]
) -> None:
    officer, approver = staff
    ref = casefile.open_case(engine, SECRET, _intake(), now=RECEIVED).reference
    note = "Anna Beispiel schrieb dreimal dieselbe Anfrage; siehe Brief vom 2. März"
    casefile.propose_refusal(engine, officer, ref, "excessive", note, now=T)
    # until confirmed nothing ends: the case is still received, the proposal waits
    assert casefile.get_case(engine, officer, ref).state is CaseState.RECEIVED
    proposal = casefile.refusal_proposal(engine, approver, ref)
    assert proposal is not None and proposal.ground == "excessive" and proposal.proposed_by == officer.id
    assert proposal.note == note
    # a second proposal waits for the first to be settled
    with pytest.raises(TransitionRefused) as twice:
        casefile.propose_refusal(engine, approver, ref, "manifestly_unfounded", now=T)
    assert twice.value.code == "refusal_proposed"

    casefile.confirm_refusal(engine, approver, ref, now=T)
    assert casefile.get_case(engine, officer, ref).state is CaseState.REFUSED
    assert casefile.refusal_proposal(engine, officer, ref) is None  # nothing open on an ended case
    with pytest.raises(TransitionRefused) as again:
        casefile.confirm_refusal(engine, approver, ref, now=T)
    assert again.value.code == "transition"

    # the note is kept with the case as a document; the audit log has codes and ids only
    kinds = [d.kind for d in _documents_of(engine, ref)]
    assert kinds == ["refusal_note", "refusal_proposal"]
    assert _documents_of(engine, ref)[0].content.decode() == note
    history = casefile.history(engine, ref)
    proposed = next(e for e in history if e.action == "refusal proposed")
    assert proposed.detail["ground"] == "excessive" and proposed.actor == officer.actor
    refused = [e for e in history if e.action == "state changed" and e.detail["to"] == "refused"]
    assert len(refused) == 1 and refused[0].actor == approver.actor
    assert refused[0].detail["ground"] == "excessive" and refused[0].detail["proposed_by"] == officer.id
    with engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(sa.select(events)) for v in row)
    assert "dreimal" not in dump and "Beispiel" not in dump
    assert casefile.verify(engine).ok


def test_the_proposer_cannot_confirm_and_an_officer_without_the_approver_role_neither(engine: sa.Engine) -> None:
    lead = casefile.create_user(engine, "lead", "pw", {"gym": ["officer", "approver"]}, now=T)
    clerk = casefile.create_user(engine, "clerk", "pw", {"gym": ["officer"]}, now=T)
    ref = casefile.open_case(engine, SECRET, _intake(), now=RECEIVED).reference
    casefile.propose_refusal(engine, lead, ref, "identity_not_proven", now=T)
    with pytest.raises(TransitionRefused) as own:
        casefile.confirm_refusal(engine, lead, ref, now=T)
    assert own.value.code == "refusal_four_eyes"
    with pytest.raises(casefile.AccessDenied):
        casefile.confirm_refusal(engine, clerk, ref, now=T)
    assert casefile.get_case(engine, lead, ref).state is CaseState.RECEIVED


def test_a_refusal_needs_a_known_ground_and_a_withdrawn_proposal_cannot_be_confirmed(
    engine: sa.Engine, staff: tuple[User, User]
) -> None:
    officer, approver = staff
    ref = casefile.open_case(engine, SECRET, _intake(), now=RECEIVED).reference
    with pytest.raises(casefile.InputRejected) as unknown:
        casefile.propose_refusal(engine, officer, ref, "because", now=T)
    assert unknown.value.code == "refusal_ground_unknown"
    assert set(casefile.REFUSAL_GROUNDS) >= {"identity_not_proven", "manifestly_unfounded", "excessive"}
    with pytest.raises(TransitionRefused) as nothing:
        casefile.confirm_refusal(engine, approver, ref, now=T)
    assert nothing.value.code == "no_refusal_proposed"
    with pytest.raises(TransitionRefused):
        casefile.withdraw_refusal_proposal(engine, officer, ref, now=T)

    casefile.propose_refusal(engine, officer, ref, "not_a_data_subject_request", "  ", now=T)  # a blank note: none
    casefile.withdraw_refusal_proposal(engine, approver, ref, now=T)  # the colleague does not agree
    assert casefile.refusal_proposal(engine, officer, ref) is None
    with pytest.raises(TransitionRefused) as withdrawn:
        casefile.confirm_refusal(engine, approver, ref, now=T)
    assert withdrawn.value.code == "no_refusal_proposed"
    assert [d.kind for d in _documents_of(engine, ref)] == ["refusal_proposal", "refusal_withdrawal"]
    # the case went on as before, and may be proposed for refusal again
    casefile.propose_refusal(engine, approver, ref, "withdrawn_by_conduct", now=T)
    assert casefile.get_case(engine, officer, ref).state is CaseState.RECEIVED
    actions = [e.action for e in casefile.history(engine, ref)]
    assert actions.count("refusal proposed") == 2 and actions.count("refusal proposal withdrawn") == 1
