"""Verification and delivery (docs/identity.md): what the requester knows finds the row, only what
they hold or are proves it is them, and the answer goes only where that proof allows (real DBs).

* a check names one candidate and confirms that one, never a namesake;
* card number, name and birth date — however exact — confirm nobody without a check;
* the mailed code verifies only when the address is on file for that candidate;
* checks dsr makes itself cannot be recorded by staff;
* an uploaded authorisation is not an examined one;
* an address not on file blocks "zur Freigabe" until an officer decided the delivery; an
  electronic delivery on an officer's ground needs a second person; a post plan sends no link;
* the letter states only the check recorded for the confirmed subject, and no default.
"""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import (
    AccessDenied,
    Acting,
    CaseState,
    Channel,
    CheckMethod,
    Document,
    InputRejected,
    Intake,
    NotFound,
    Party,
    RequestType,
    RoutingRecord,
    TransitionRefused,
    User,
)
from dsr.casefile.casepage import candidates_of, checks_of
from dsr.casefile.checks import SYSTEM
from dsr.casefile.delivery import Basis, Route
from dsr.casefile.documents import open_case_with_documents, work_case
from dsr.model import Candidate, Descriptor, Evidence, Identifier, IdentifierKind
from dsr.service.casework.gathering import facts_of

SECRET = b"server-secret-for-verification-tests"
RECEIVED = dt.datetime(2026, 3, 10, 8, 15, tzinfo=dt.UTC)
T = RECEIVED + dt.timedelta(hours=1)
ANNA = Descriptor(first_name="Anna", last_name="Beispiel", card_number="L-1001", date_of_birth=dt.date(2008, 3, 4))
ADDRESS = "anna@example.org"
ANSWER = Document(filename="auskunft.pdf", media_type="application/pdf", content=b"%PDF-1.7 the answer")


@pytest.fixture
def staff(engine: sa.Engine) -> tuple[User, User, User]:
    """An officer, an approver, and a second approver (passwords as the shipped policy wants them)."""
    officer = casefile.create_user(engine, "officer", "officer-pass-7391", {"gym": ["officer"]}, now=T)
    approver = casefile.create_user(engine, "approver", "approver-pass-7391", {"gym": ["officer", "approver"]}, now=T)
    second = casefile.create_user(engine, "second", "second-approver-8254", {"gym": ["officer", "approver"]}, now=T)
    return officer, approver, second


def _open(engine: sa.Engine, **changes: object) -> str:
    values: dict[str, object] = dict(
        controller="gym",
        land="BY",
        request_types=(RequestType.ACCESS,),
        channel=Channel.PORTAL,
        received_at=RECEIVED,
        subject=Party(descriptor=ANNA, email=ADDRESS),
    )
    values.update(changes)
    return casefile.open_case(engine, SECRET, Intake(**values), now=RECEIVED).reference  # type: ignore[arg-type]


def _row(reference: str, *, email: str | None = None, kinds: tuple[IdentifierKind, ...] = ()) -> Candidate:
    """A stored person found by ``kinds`` (default: the card number); ``email``: an address on file."""
    kinds = kinds or (IdentifierKind.CARD,)
    strong = {IdentifierKind.CARD, IdentifierKind.EMAIL, IdentifierKind.LOGIN}
    value = {IdentifierKind.DATE_OF_BIRTH: "2008-03-04", IdentifierKind.NAME: "anna beispiel"}
    identifiers = {Identifier(k, value.get(k, f"{k.value}-{reference}")) for k in kinds}
    if email:
        identifiers.add(Identifier(IdentifierKind.EMAIL, email))
    return Candidate(
        reference=reference,
        store="school",
        key=reference,
        evidence=tuple(Evidence("school", k, k in strong) for k in kinds),
        identifiers=frozenset(identifiers),
    )


def _verify_code(engine: sa.Engine, reference: str) -> None:
    """The requester enters the code mailed to the contact address."""
    _, issued = casefile.start_email_verification(engine, SECRET, reference, now=T)
    casefile.confirm_email(engine, SECRET, issued.link, issued.code, now=T)


def _code(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    return str(getattr(excinfo.value, "code", ""))


def _to_review(engine: sa.Engine, officer: User, reference: str, candidate: str = "P-AAA") -> None:
    casefile.confirm_identity(engine, officer, reference, candidate, now=T)
    casefile.start_gathering(engine, officer, reference, ["school"], now=T)
    casefile.finish_gathering(engine, reference, now=T)


def _may_confirm(engine: sa.Engine, user: User, reference: str) -> dict[str, bool]:
    return {c.reference: c.may_confirm for c in candidates_of(engine, user, reference)}


# --------------------------------------------------------------------------- a check names one candidate


def test_a_check_for_one_namesake_never_confirms_the_other(engine: sa.Engine, staff: tuple[User, User, User]) -> None:
    officer, _, _ = staff
    ref = _open(engine)
    casefile.record_candidates(engine, officer, ref, [_row("P-AAA"), _row("P-BBB")], now=T)
    casefile.record_identity_check(
        engine, officer, ref, CheckMethod.IN_PERSON, candidate="P-AAA", evidence="id_card", now=T
    )
    assert _may_confirm(engine, officer, ref) == {"P-AAA": True, "P-BBB": False}
    with pytest.raises(TransitionRefused) as other:
        casefile.confirm_identity(engine, officer, ref, "P-BBB", now=T)
    assert _code(other) == "not_verified"
    assert casefile.get_case(engine, officer, ref).state is CaseState.RECEIVED

    casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    assert casefile.get_case(engine, officer, ref).subject_reference == "P-AAA"
    # the case is about P-AAA now: no check can verify a second person on it
    with pytest.raises(InputRejected) as second:
        casefile.record_identity_check(engine, officer, ref, CheckMethod.POSTAL, candidate="P-BBB", now=T)
    assert _code(second) == "not_subject"
    # without a candidate the check is for the confirmed subject
    casefile.record_identity_check(engine, officer, ref, CheckMethod.POSTAL, now=T)
    assert [(c.method, c.candidate) for c in checks_of(engine, officer, ref)] == [
        ("in_person", "P-AAA"),
        ("postal", "P-AAA"),
    ]


def test_a_check_names_a_candidate_the_case_found(engine: sa.Engine, staff: tuple[User, User, User]) -> None:
    officer, _, _ = staff
    ref = _open(engine)
    casefile.record_candidates(engine, officer, ref, [_row("P-AAA"), _row("P-BBB")], now=T)
    with pytest.raises(InputRejected) as missing:  # nobody confirmed yet, nobody named
        casefile.record_identity_check(engine, officer, ref, CheckMethod.POSTAL, now=T)
    assert _code(missing) == "candidate_missing"
    with pytest.raises(InputRejected) as unknown:
        casefile.record_identity_check(engine, officer, ref, CheckMethod.POSTAL, candidate="P-ZZZ", now=T)
    assert _code(unknown) == "candidate_unknown"
    with pytest.raises(NotFound):
        casefile.confirm_identity(engine, officer, ref, "P-ZZZ", now=T)
    assert checks_of(engine, officer, ref) == []


# --------------------------------------------------------------------------- knowledge never verifies


def test_card_name_and_birth_date_all_matching_confirm_nobody_without_a_check(
    engine: sa.Engine, staff: tuple[User, User, User]
) -> None:
    """Classmates know the card number, name and birth date: the strongest match still needs a check."""
    officer, _, _ = staff
    ref = _open(engine)
    exact = _row("P-AAA", kinds=(IdentifierKind.CARD, IdentifierKind.NAME, IdentifierKind.DATE_OF_BIRTH))
    assert exact.strong
    casefile.record_candidates(engine, officer, ref, [exact], now=T)
    [view] = candidates_of(engine, officer, ref)
    assert view.strong and view.verified_by is None and not view.may_confirm

    with pytest.raises(TransitionRefused) as refused:
        casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    assert _code(refused) == "not_verified"
    with pytest.raises(TransitionRefused):
        casefile.start_gathering(engine, officer, ref, ["school"], now=T)
    # the code went to an address that is not on file for her: that proves the address, not the person
    _verify_code(engine, ref)
    with pytest.raises(TransitionRefused) as still:
        casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    assert _code(still) == "not_verified"
    assert casefile.get_case(engine, officer, ref).state is CaseState.RECEIVED

    casefile.record_identity_check(engine, officer, ref, CheckMethod.ANSWER_BY_POST, candidate="P-AAA", now=T)
    casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    assert casefile.get_case(engine, officer, ref).state is CaseState.IDENTITY_CONFIRMED


# --------------------------------------------------------------------------- the mailed code


def test_the_code_verifies_only_the_candidate_the_address_is_on_file_for(
    engine: sa.Engine, staff: tuple[User, User, User]
) -> None:
    officer, _, _ = staff
    # typed with capitals; one store keeps it in lower case, a store written by hand may not
    ref = _open(engine, subject=Party(descriptor=ANNA, email="Anna@Example.org"))
    # namesakes; the address is on file for one of them
    found = [_row("P-AAA", email=" ANNA@example.ORG"), _row("P-BBB", email="anna.b@example.org")]
    casefile.record_candidates(engine, officer, ref, found, now=T)
    assert {c.reference: c.email_on_file for c in candidates_of(engine, officer, ref)} == {
        "P-AAA": True,
        "P-BBB": False,
    }
    # on file, but not yet proven by the code: nothing verified
    assert _may_confirm(engine, officer, ref) == {"P-AAA": False, "P-BBB": False}
    with pytest.raises(TransitionRefused):
        casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)

    _verify_code(engine, ref)
    views = {c.reference: c for c in candidates_of(engine, officer, ref)}
    assert views["P-AAA"].verified_by == "email_code" and views["P-BBB"].verified_by is None
    with pytest.raises(TransitionRefused) as namesake:
        casefile.confirm_identity(engine, officer, ref, "P-BBB", now=T)
    assert _code(namesake) == "not_verified"

    casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    # recorded as the check dsr made, for that person, by nobody on the staff
    assert [(c.method, c.candidate, c.performed_by, c.evidence) for c in checks_of(engine, officer, ref)] == [
        ("email_code", "P-AAA", None, "code_to_email_on_file")
    ]
    # and the answer may go to that address
    assert casefile.plan_of(engine, officer, ref).route is Route.DOWNLOAD


def test_a_verified_address_that_is_on_file_for_nobody_verifies_nobody(
    engine: sa.Engine, staff: tuple[User, User, User]
) -> None:
    officer, _, _ = staff
    ref = _open(engine)
    _verify_code(engine, ref)
    casefile.record_candidates(engine, officer, ref, [_row("P-AAA", email="someone.else@example.org")], now=T)
    with pytest.raises(TransitionRefused) as refused:
        casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    assert _code(refused) == "not_verified"


# --------------------------------------------------------------------------- what staff may record


@pytest.mark.parametrize("method", sorted(SYSTEM))
def test_checks_dsr_makes_itself_cannot_be_recorded_by_hand(
    engine: sa.Engine, staff: tuple[User, User, User], method: CheckMethod
) -> None:
    officer, _, _ = staff
    ref = _open(engine)
    casefile.record_candidates(engine, officer, ref, [_row("P-AAA")], now=T)
    for given in (method, method.value):
        with pytest.raises(InputRejected) as refused:
            casefile.record_identity_check(engine, officer, ref, given, candidate="P-AAA", now=T)  # type: ignore[arg-type]
        assert _code(refused) == "system_check"
    assert checks_of(engine, officer, ref) == []
    assert _may_confirm(engine, officer, ref) == {"P-AAA": False}


def test_a_check_says_what_was_compared(engine: sa.Engine, staff: tuple[User, User, User]) -> None:
    officer, _, _ = staff
    ref = _open(engine)
    casefile.record_candidates(engine, officer, ref, [_row("P-AAA")], now=T)
    with pytest.raises(InputRejected) as missing:  # which ID document?
        casefile.record_identity_check(engine, officer, ref, CheckMethod.IN_PERSON, candidate="P-AAA", now=T)
    assert _code(missing) == "evidence_missing"
    with pytest.raises(InputRejected) as unknown:  # not an official ID document
        casefile.record_identity_check(
            engine, officer, ref, CheckMethod.IN_PERSON, candidate="P-AAA", evidence="library_card", now=T
        )
    assert _code(unknown) == "evidence_unknown"
    with pytest.raises(ValueError):  # the old "strong evidence" method is gone
        casefile.record_identity_check(engine, officer, ref, "card_and_birthdate", candidate="P-AAA", now=T)  # type: ignore[arg-type]
    assert checks_of(engine, officer, ref) == []
    casefile.record_identity_check(
        engine, officer, ref, CheckMethod.IN_PERSON, candidate="P-AAA", evidence="residence_permit", now=T
    )
    assert [c.evidence for c in checks_of(engine, officer, ref)] == ["residence_permit"]


# --------------------------------------------------------------------------- someone acting for the subject


def _representative_case(engine: sa.Engine, officer: User, *, age: int, upload: bool = True) -> str:
    """A lawyer asks for Anna with a signed authorisation uploaded; the routing for Anna at ``age``."""
    lawyer = Party(descriptor=Descriptor(first_name="Rita", last_name="Anwalt"), email="kanzlei@example.org")
    intake = Intake(
        controller="gym",
        land="BY",
        request_types=(RequestType.ACCESS,),
        channel=Channel.PORTAL,
        received_at=RECEIVED,
        subject=Party(descriptor=ANNA),
        acting=Acting.REPRESENTATIVE,
        requester=lawyer,
        authorisation="Vollmacht vom 1.3.2026 (hochgeladen)",
    )
    pdf = Document(filename="vollmacht.pdf", media_type="application/pdf", content=b"%PDF-1.7 signed by Anna")
    ref = open_case_with_documents(engine, SECRET, intake, [("authorisation", pdf)] if upload else [], now=RECEIVED)
    ref = ref.reference
    casefile.record_candidates(engine, officer, ref, [_row("P-AAA")], now=T)
    casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)  # the one person the request names
    consent = 14
    needs = ("legal_representation" if age < consent else "written_authorisation", "representative_verified")
    casefile.record_routing(
        engine,
        ref,
        RoutingRecord(subject="P-AAA", capacity="representative", age=age, age_of_consent=consent, needs=needs),
        now=T,
    )
    return ref


def test_an_uploaded_authorisation_is_not_an_examined_one(engine: sa.Engine, staff: tuple[User, User, User]) -> None:
    officer, approver, _ = staff
    ref = _representative_case(engine, officer, age=30)
    needs = casefile.requirements_of(engine, officer, ref)
    assert needs.open == ("written_authorisation", "representative_verified")  # the upload counts for nothing
    with pytest.raises(TransitionRefused) as refused:  # nobody's data for an unexamined authority
        casefile.start_gathering(engine, officer, ref, ["school"], now=T)
    assert _code(refused) == "written_authorisation_missing"
    assert casefile.get_case(engine, officer, ref).state is CaseState.IDENTITY_CONFIRMED

    casefile.record_identity_check(engine, officer, ref, CheckMethod.WRITTEN_AUTHORISATION, "signed, dated", now=T)
    assert casefile.requirements_of(engine, officer, ref).open == ("representative_verified",)
    casefile.start_gathering(engine, officer, ref, ["school"], now=T)
    casefile.finish_gathering(engine, ref, now=T)
    # the lawyer's address is not Anna's: the officer decides where the answer goes
    with pytest.raises(TransitionRefused) as undecided:
        casefile.prepare(engine, officer, ref, ANSWER, now=T)
    assert _code(undecided) == "delivery_undecided"
    casefile.decide_delivery(engine, officer, ref, "post", now=T)
    casefile.prepare(engine, officer, ref, ANSWER, now=T)
    with pytest.raises(TransitionRefused) as unverified:  # and the lawyer themselves is not verified yet
        casefile.approve(engine, approver, ref, now=T)
    assert _code(unverified) == "representative_unverified"
    casefile.record_identity_check(
        engine, officer, ref, CheckMethod.REPRESENTATIVE_IN_PERSON, evidence="passport", now=T
    )
    casefile.approve(engine, approver, ref, now=T)
    assert casefile.get_case(engine, officer, ref).state is CaseState.APPROVED


def test_a_child_authorises_nobody_a_representative_needs_an_examined_legal_representation(
    engine: sa.Engine, staff: tuple[User, User, User]
) -> None:
    officer, _, _ = staff
    ref = _representative_case(engine, officer, age=9)
    assert casefile.requirements_of(engine, officer, ref).open == ("legal_representation", "representative_verified")
    # a written authorisation "signed" by a nine-year-old does not make anybody her representative
    casefile.record_identity_check(engine, officer, ref, CheckMethod.WRITTEN_AUTHORISATION, now=T)
    with pytest.raises(TransitionRefused) as refused:
        casefile.start_gathering(engine, officer, ref, ["school"], now=T)
    assert _code(refused) == "legal_representation_missing"
    casefile.record_identity_check(
        engine, officer, ref, CheckMethod.LEGAL_REPRESENTATION, evidence="court_order", now=T
    )
    casefile.start_gathering(engine, officer, ref, ["school"], now=T)


def test_a_parent_of_an_adult_needs_the_adults_authorisation_and_to_be_verified(
    engine: sa.Engine, staff: tuple[User, User, User]
) -> None:
    officer, _, _ = staff
    mother = Party(descriptor=Descriptor(first_name="Petra", last_name="Beispiel"), email="petra@example.org")
    ref = _open(engine, subject=Party(descriptor=ANNA), acting=Acting.PARENT, requester=mother)
    casefile.record_candidates(engine, officer, ref, [_row("P-AAA")], now=T)
    casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    casefile.record_routing(
        engine,
        ref,
        RoutingRecord(
            subject="P-AAA",
            capacity="parent",
            age=19,
            age_of_consent=14,
            needs=("written_authorisation", "representative_verified"),
        ),
        now=T,
    )
    with pytest.raises(TransitionRefused) as refused:
        casefile.start_gathering(engine, officer, ref, ["school"], now=T)
    assert _code(refused) == "written_authorisation_missing"


def test_several_people_named_by_a_parents_request_need_a_check_that_names_one(
    engine: sa.Engine, staff: tuple[User, User, User]
) -> None:
    officer, _, _ = staff
    mother = Party(descriptor=Descriptor(first_name="Petra", last_name="Beispiel"), email="petra@example.org")
    ref = _open(engine, subject=Party(descriptor=ANNA), acting=Acting.PARENT, requester=mother)
    casefile.record_candidates(engine, officer, ref, [_row("P-AAA"), _row("P-BBB")], now=T)
    with pytest.raises(TransitionRefused) as refused:
        casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    assert _code(refused) == "not_discriminated"
    casefile.record_identity_check(engine, officer, ref, CheckMethod.GUARDIAN_IN_PERSON, candidate="P-BBB", now=T)
    with pytest.raises(TransitionRefused):
        casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    casefile.confirm_identity(engine, officer, ref, "P-BBB", now=T)


# --------------------------------------------------------------------------- delivery follows verification


def test_an_address_not_on_file_blocks_zur_freigabe_until_an_officer_decided(
    engine: sa.Engine, staff: tuple[User, User, User]
) -> None:
    officer, approver, _ = staff
    ref = _open(engine)
    _verify_code(engine, ref)  # the address is hers to read, but it is not the one on file
    casefile.record_candidates(engine, officer, ref, [_row("P-AAA", email="anna.old@example.org")], now=T)
    casefile.record_identity_check(
        engine, officer, ref, CheckMethod.IN_PERSON, candidate="P-AAA", evidence="id_card", now=T
    )
    _to_review(engine, officer, ref)
    plan = casefile.plan_of(engine, officer, ref)
    assert plan.undecided and plan.address_not_on_file and plan.route is None
    with pytest.raises(TransitionRefused) as refused:
        casefile.prepare(engine, officer, ref, ANSWER, now=T)
    assert _code(refused) == "delivery_undecided"
    assert casefile.get_case(engine, officer, ref).state is CaseState.REVIEW

    casefile.decide_delivery(engine, officer, ref, "post", now=T)
    plan = casefile.plan_of(engine, officer, ref)
    assert plan.route is Route.POST and plan.basis is Basis.POSTAL_ON_FILE and not plan.undecided
    assert plan.address_not_on_file  # still shown as a warning
    casefile.prepare(engine, officer, ref, ANSWER, now=T)
    casefile.approve(engine, approver, ref, now=T)
    with pytest.raises(TransitionRefused) as by_post:
        casefile.dispatch_by_download(engine, officer, ref, now=T)
    assert _code(by_post) == "delivery_by_post"
    casefile.dispatch_by_post(engine, officer, ref, T.date(), now=T)
    decided = [e for e in casefile.history(engine, ref) if e.action == "delivery decided"]
    assert [e.detail for e in decided] == [{"route": "post", "basis": "postal_on_file", "reason": None}]


def test_a_download_on_an_officers_ground_needs_a_second_persons_approval(
    engine: sa.Engine, staff: tuple[User, User, User]
) -> None:
    officer, approver, second = staff
    ref = _open(engine)
    casefile.record_candidates(engine, officer, ref, [_row("P-AAA")], now=T)
    casefile.record_identity_check(
        engine, approver, ref, CheckMethod.IN_PERSON, candidate="P-AAA", evidence="passport", now=T
    )
    _to_review(engine, officer, ref)
    with pytest.raises(InputRejected) as no_ground:
        casefile.decide_delivery(engine, approver, ref, "download", now=T)
    assert _code(no_ground) == "delivery_reason"
    with pytest.raises(InputRejected):
        casefile.decide_delivery(engine, approver, ref, "download", "she asked nicely", now=T)
    with pytest.raises(TransitionRefused):
        casefile.approve_delivery(engine, second, ref, now=T)  # nothing decided yet

    casefile.decide_delivery(engine, approver, ref, "download", "address_confirmed_in_person", now=T)
    plan = casefile.plan_of(engine, officer, ref)
    assert plan.basis is Basis.OFFICER_DECISION and plan.awaiting_approval and not plan.electronic
    casefile.prepare(engine, officer, ref, ANSWER, now=T)  # decided: may go for approval
    casefile.approve(engine, second, ref, now=T)
    with pytest.raises(TransitionRefused) as unapproved:
        casefile.dispatch_by_download(engine, officer, ref, now=T)
    assert _code(unapproved) == "delivery_unapproved"
    with pytest.raises(TransitionRefused) as own:  # the one who decided cannot approve it
        casefile.approve_delivery(engine, approver, ref, now=T)
    assert _code(own) == "four_eyes"
    with pytest.raises(AccessDenied):  # nor anybody without the approver role
        casefile.approve_delivery(engine, officer, ref, now=T)
    assert casefile.plan_of(engine, officer, ref).awaiting_approval

    casefile.approve_delivery(engine, second, ref, now=T)
    plan = casefile.plan_of(engine, officer, ref)
    assert plan.electronic and plan.decided_by == approver.id and plan.approved_by == second.id
    casefile.dispatch_by_download(engine, officer, ref, now=T)
    with pytest.raises(TransitionRefused):  # approved once; nothing else waits
        casefile.approve_delivery(engine, second, ref, now=T)
    actions = [e.action for e in casefile.history(engine, ref)]
    assert actions.count("delivery decided") == 1 and actions.count("delivery approved") == 1


def test_no_download_when_the_plan_says_post(engine: sa.Engine, staff: tuple[User, User, User]) -> None:
    """The address was verified and is on file — but the check was "the answer goes only by post",
    or an officer decided post: no link goes out."""
    officer, approver, _ = staff
    for decide_post in (False, True):
        ref = _open(engine)
        _verify_code(engine, ref)
        casefile.record_candidates(engine, officer, ref, [_row("P-AAA", email=ADDRESS)], now=T)
        if decide_post:
            casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)  # by the code
            assert casefile.plan_of(engine, officer, ref).route is Route.DOWNLOAD
            casefile.decide_delivery(engine, officer, ref, "post", now=T)
        else:
            casefile.record_identity_check(engine, officer, ref, CheckMethod.ANSWER_BY_POST, candidate="P-AAA", now=T)
            casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)
        casefile.start_gathering(engine, officer, ref, ["school"], now=T)
        casefile.finish_gathering(engine, ref, now=T)
        plan = casefile.plan_of(engine, officer, ref)
        assert plan.route is Route.POST and not plan.undecided and not plan.address_not_on_file
        casefile.prepare(engine, officer, ref, ANSWER, now=T)
        casefile.approve(engine, approver, ref, now=T)
        with pytest.raises(TransitionRefused) as refused:
            casefile.dispatch_by_download(engine, officer, ref, now=T)
        assert _code(refused) == "delivery_by_post", decide_post
        assert casefile.get_case(engine, officer, ref).state is CaseState.APPROVED


def test_a_parent_verified_by_the_guardian_rows_may_download_one_staff_checked_decides_first(
    engine: sa.Engine, staff: tuple[User, User, User]
) -> None:
    officer, _, _ = staff
    mother = Party(descriptor=Descriptor(first_name="Petra", last_name="Beispiel"), email="petra@example.org")
    routing = RoutingRecord(
        subject="P-AAA", capacity="parent", age=10, age_of_consent=14, needs=("guardian_verification",)
    )
    by_rows = _open(engine, subject=Party(descriptor=ANNA), acting=Acting.PARENT, requester=mother)
    in_person = _open(engine, subject=Party(descriptor=ANNA), acting=Acting.PARENT, requester=mother)
    for ref in (by_rows, in_person):
        casefile.record_candidates(engine, officer, ref, [_row("P-AAA")], now=T)
        casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    casefile.record_routing(engine, by_rows, msgspec.structs.replace(routing, guardian="verified"), now=T)
    casefile.record_routing(engine, in_person, msgspec.structs.replace(routing, guardian="not_a_guardian"), now=T)
    casefile.record_identity_check(engine, officer, in_person, CheckMethod.GUARDIAN_IN_PERSON, now=T)

    plan = casefile.plan_of(engine, officer, by_rows)
    assert plan.route is Route.DOWNLOAD and plan.basis is Basis.GUARDIAN_EMAIL_ON_FILE
    assert casefile.plan_of(engine, officer, in_person).undecided
    for ref in (by_rows, in_person):
        casefile.start_gathering(engine, officer, ref, ["school"], now=T)
        casefile.finish_gathering(engine, ref, now=T)
    casefile.prepare(engine, officer, by_rows, ANSWER, now=T)
    with pytest.raises(TransitionRefused) as refused:
        casefile.prepare(engine, officer, in_person, ANSWER, now=T)
    assert _code(refused) == "delivery_undecided"


# --------------------------------------------------------------------------- what the letter says


def _case_id(engine: sa.Engine, reference: str) -> int:
    from dsr.casefile.schema import cases

    with engine.connect() as conn:
        return conn.execute(sa.select(cases.c.id).where(cases.c.reference == reference)).scalar_one()


def test_the_letter_states_only_the_check_recorded_for_the_confirmed_subject(
    engine: sa.Engine, staff: tuple[User, User, User]
) -> None:
    officer, _, _ = staff
    ref = _open(engine)
    casefile.record_candidates(engine, officer, ref, [_row("P-AAA"), _row("P-BBB")], now=T)
    casefile.record_identity_check(
        engine, officer, ref, CheckMethod.IN_PERSON, candidate="P-BBB", evidence="id_card", now=T
    )
    casefile.record_identity_check(engine, officer, ref, CheckMethod.POSTAL, candidate="P-AAA", now=T)
    casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    case = work_case(engine, _case_id(engine, ref))
    assert case.identity_checks == ("postal",)  # the namesake's check is not hers
    assert facts_of(case).identity_check == "postal_address"

    # a parent's request confirmed as the only person it names: nothing verified anybody yet, and the
    # letter does not pretend otherwise (no default wording: it stays a draft)
    mother = Party(descriptor=Descriptor(first_name="Petra", last_name="Beispiel"), email="petra@example.org")
    asked = _open(engine, subject=Party(descriptor=ANNA), acting=Acting.PARENT, requester=mother)
    casefile.record_candidates(engine, officer, asked, [_row("P-AAA")], now=T)
    casefile.confirm_identity(engine, officer, asked, "P-AAA", now=T)
    assert facts_of(work_case(engine, _case_id(engine, asked))).identity_check is None
    # consent and authorisation records are not identity checks
    casefile.record_identity_check(engine, officer, asked, CheckMethod.PUPIL_CONSENT, evidence="signed_statement")
    assert facts_of(work_case(engine, _case_id(engine, asked))).identity_check is None
    casefile.record_identity_check(engine, officer, asked, CheckMethod.GUARDIAN_IN_PERSON, now=T)
    assert facts_of(work_case(engine, _case_id(engine, asked))).identity_check == "in_person"
