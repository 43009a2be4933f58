"""A pupil below the age of consent asks for herself: the answer goes only by post to the guardians
the school's records hold (docs/officer.md, "A child asks for herself"; real databases).

* the routing names a guardian with a postal address on file (``on_file``): dsr records the check
  ``guardians_on_file`` with it, in the same transaction, and the guardianship is met;
* none on file (``not_on_file``): nothing is recorded, preparing and approving are refused until an
  officer checked the guardianship and recorded the guardian's name and address with it, and staff
  cannot record dsr's own check by hand;
* the check counts for nobody but that pupil's own request: never for a parent who asks;
* a routing that is not kept (the confirmation refused, its transaction rolled back) leaves no check;
* the letter still says how the pupil was identified, and no download is ever offered.
"""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import (
    Acting,
    CaseState,
    Channel,
    CheckMethod,
    Document,
    InputRejected,
    Intake,
    Party,
    RequestType,
    RoutingRecord,
    TransitionRefused,
    User,
)
from dsr.casefile.casepage import checks_of
from dsr.casefile.delivery import Route
from dsr.casefile.documents import work_case
from dsr.casefile.requirements import NOT_ON_FILE, ON_FILE, record_routing_in
from dsr.casefile.schema import cases, events, identity_checks
from dsr.model import Candidate, Descriptor, Evidence, Identifier, IdentifierKind
from dsr.service.casework.gathering import facts_of

SECRET = b"server-secret-for-young-pupil-tests"
RECEIVED = dt.datetime(2026, 3, 10, 8, 15, tzinfo=dt.UTC)
T = RECEIVED + dt.timedelta(hours=1)
LINA = Descriptor(first_name="Lina", last_name="Beispiel", card_number="L-2001", date_of_birth=dt.date(2013, 9, 4))
ANSWER = Document(filename="auskunft.pdf", media_type="application/pdf", content=b"%PDF-1.7 the answer")
#: what the routing of a 12-year-old's own request says (dsr.service.casework.routing.new_routing)
YOUNG = RoutingRecord(
    subject="P-AAA", capacity="self", age=12, age_of_consent=14, needs=("guardian_verification",), to_guardians=True
)


@pytest.fixture
def staff(engine: sa.Engine) -> tuple[User, User]:
    officer = casefile.create_user(engine, "officer", "officer-pass-7391", {"gym": ["officer"]}, now=T)
    approver = casefile.create_user(engine, "approver", "approver-pass-7391", {"gym": ["officer", "approver"]}, now=T)
    return officer, approver


def _open(engine: sa.Engine, officer: User, **changes: object) -> str:
    """Lina's own request (or ``changes``), her row found by the card number and checked in person."""
    values: dict[str, object] = dict(
        controller="gym",
        land="BY",
        request_types=(RequestType.ACCESS,),
        channel=Channel.PORTAL,
        received_at=RECEIVED,
        subject=Party(descriptor=LINA, email="lina@example.org"),
    )
    values.update(changes)
    ref = casefile.open_case(engine, SECRET, Intake(**values), now=RECEIVED).reference  # type: ignore[arg-type]
    row = Candidate(
        reference="P-AAA",
        store="school",
        key="P-AAA",
        evidence=(Evidence("school", IdentifierKind.CARD, True),),
        identifiers=frozenset({Identifier(IdentifierKind.CARD, "L-2001")}),
    )
    casefile.record_candidates(engine, officer, ref, [row], now=T)
    return ref


def _confirmed(engine: sa.Engine, officer: User) -> str:
    ref = _open(engine, officer)
    casefile.record_identity_check(engine, officer, ref, CheckMethod.IN_PERSON, candidate="P-AAA", evidence="id_card")
    casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    return ref


def _to_prepared(engine: sa.Engine, officer: User, ref: str) -> None:
    casefile.start_gathering(engine, officer, ref, ["school"], now=T)
    casefile.finish_gathering(engine, ref, now=T)
    casefile.prepare(engine, officer, ref, ANSWER, now=T)


def _methods(engine: sa.Engine, officer: User, ref: str) -> list[tuple[str, str | None, int | None]]:
    return [(k.method, k.evidence, k.performed_by) for k in checks_of(engine, officer, ref)]


def _case_id(engine: sa.Engine, ref: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(cases.c.id).where(cases.c.reference == ref)).scalar_one())


def test_guardians_on_file_meet_the_guardianship_and_the_answer_goes_only_by_post(
    engine: sa.Engine, staff: tuple[User, User]
) -> None:
    officer, approver = staff
    ref = _confirmed(engine, officer)
    casefile.record_routing(engine, ref, msgspec.structs.replace(YOUNG, guardian=ON_FILE, guardians_on_file=2), now=T)

    # recorded by dsr (nobody's name on it) with what it rests on, and the need is met
    assert _methods(engine, officer, ref)[-1] == ("guardians_on_file", "guardian_address_on_file", None)
    needs = casefile.requirements_of(engine, officer, ref)
    assert [(n.requirement, n.met) for n in needs.needs] == [("guardian_verification", True)]
    with engine.connect() as conn:
        settled = conn.execute(sa.select(events.c.detail).where(events.c.action == "routing settled")).scalar_one()
    assert msgspec.json.decode(settled)["guardian_check"] == "on_file"
    checked = [e for e in casefile.history(engine, ref) if e.action == "identity checked"][-1]
    assert checked.actor == "system" and checked.detail["method"] == "guardians_on_file"

    _to_prepared(engine, officer, ref)
    casefile.approve(engine, approver, ref, now=T)  # no officer's guardianship check needed
    plan = casefile.plan_of(engine, officer, ref)
    assert plan.to_guardians and plan.route is Route.POST and not plan.electronic
    with pytest.raises(TransitionRefused) as refused:
        casefile.dispatch_by_download(engine, officer, ref, now=T)
    assert refused.value.code == "to_guardians_post"
    # the letter says how Lina was identified: the guardians on file say where it goes, not who asked
    assert facts_of(work_case(engine, _case_id(engine, ref))).identity_check == "in_person"
    casefile.dispatch_by_post(engine, officer, ref, RECEIVED.date(), now=T)
    assert casefile.get_case(engine, officer, ref).state is CaseState.DISPATCHED


def test_without_a_guardian_on_file_the_answer_waits_for_a_checked_guardians_address(
    engine: sa.Engine, staff: tuple[User, User]
) -> None:
    officer, approver = staff
    ref = _confirmed(engine, officer)
    casefile.record_routing(
        engine, ref, msgspec.structs.replace(YOUNG, guardian=NOT_ON_FILE, guardians_on_file=1), now=T
    )
    assert [m for m, _, _ in _methods(engine, officer, ref)] == ["in_person"]
    assert casefile.requirements_of(engine, officer, ref).open == ("guardian_verification",)
    casefile.start_gathering(engine, officer, ref, ["school"], now=T)
    casefile.finish_gathering(engine, ref, now=T)
    # no guardian to address it to: the answer is not even stored for approval
    with pytest.raises(TransitionRefused) as refused:
        casefile.prepare(engine, officer, ref, ANSWER, now=T)
    assert refused.value.code == "to_guardians"
    # dsr's own check is never typed in by staff
    with pytest.raises(InputRejected) as typed:
        casefile.record_identity_check(engine, officer, ref, CheckMethod.GUARDIANS_ON_FILE)
    assert typed.value.code == "system_check"
    # an officer's check alone says nothing of where the letter goes (tests/service/test_young_pupil_guardian_address.py)
    casefile.record_identity_check(engine, officer, ref, CheckMethod.GUARDIAN_IN_PERSON)
    with pytest.raises(TransitionRefused) as still:
        casefile.prepare(engine, officer, ref, ANSWER, now=T)
    assert still.value.code == "to_guardians"
    guardian = casefile.GuardianAddress(
        name="Petra Beispiel", street="Amselweg 7", postal_code="93047", city="Regensburg"
    )
    casefile.record_identity_check(engine, officer, ref, CheckMethod.GUARDIAN_IN_PERSON, guardian=guardian)
    casefile.prepare(engine, officer, ref, ANSWER, now=T)
    casefile.approve(engine, approver, ref, now=T)


def test_guardians_on_file_never_verify_a_parent_who_asks(engine: sa.Engine, staff: tuple[User, User]) -> None:
    officer, _ = staff
    mother = Party(descriptor=Descriptor(first_name="Petra", last_name="Beispiel"), email="petra@example.org")
    ref = _open(engine, officer, subject=Party(descriptor=LINA), acting=Acting.PARENT, requester=mother)
    casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T)
    parent = msgspec.structs.replace(YOUNG, capacity="parent", to_guardians=False, guardian=ON_FILE)
    casefile.record_routing(engine, ref, parent, now=T)
    assert _methods(engine, officer, ref) == []  # dsr records nothing for a parent's request
    # and even such a row in the case file (an old version, a hand-made insert) proves nothing of who asks
    with engine.begin() as conn:
        conn.execute(
            sa.insert(identity_checks).values(
                case_id=_case_id(engine, ref),
                method="guardians_on_file",
                candidate="P-AAA",
                evidence="guardian_address_on_file",
                performed_at=T,
            )
        )
    assert casefile.requirements_of(engine, officer, ref).open == ("guardian_verification",)
    with pytest.raises(TransitionRefused) as refused:
        casefile.start_gathering(engine, officer, ref, ["school"], now=T)
    assert refused.value.code == "guardian_unverified"


def test_no_check_is_left_when_the_confirmation_is_refused_or_rolled_back(
    engine: sa.Engine, staff: tuple[User, User]
) -> None:
    officer, _ = staff
    on_file = msgspec.structs.replace(YOUNG, guardian=ON_FILE, guardians_on_file=1)

    def settle(conn: sa.Connection, ref: str) -> None:
        record_routing_in(conn, ref, on_file, actor=officer.actor, now=T)

    # nothing verified her yet: the confirmation is refused, and so nothing of the routing is kept
    ref = _open(engine, officer)
    with pytest.raises(TransitionRefused) as refused:
        casefile.confirm_identity(engine, officer, ref, "P-AAA", now=T, then=settle)
    assert refused.value.code == "not_verified"

    # the routing recorded, then something later in the same transaction fails: all of it is undone
    checked = _open(engine, officer)
    casefile.record_identity_check(
        engine, officer, checked, CheckMethod.IN_PERSON, candidate="P-AAA", evidence="id_card"
    )

    def settle_then_fail(conn: sa.Connection, ref: str) -> None:
        settle(conn, ref)
        raise TransitionRefused("the stores changed meanwhile", code="transition")

    with pytest.raises(TransitionRefused):
        casefile.confirm_identity(engine, officer, checked, "P-AAA", now=T, then=settle_then_fail)

    for case in (ref, checked):
        assert "guardians_on_file" not in [m for m, _, _ in _methods(engine, officer, case)]
        assert casefile.requirements_of(engine, officer, case).routing is None
        assert casefile.get_case(engine, officer, case).state is CaseState.RECEIVED
    with engine.connect() as conn:
        assert conn.execute(sa.select(events.c.id).where(events.c.action == "routing settled")).first() is None

    # the same confirmation that goes through keeps all of it, each with its event
    casefile.confirm_identity(engine, officer, checked, "P-AAA", now=T, then=settle)
    assert _methods(engine, officer, checked)[-1][0] == "guardians_on_file"
    assert casefile.requirements_of(engine, officer, checked).open == ()
    late = [(e.action, e.actor) for e in casefile.history(engine, checked)][-3:]
    assert late == [
        ("identity confirmed", officer.actor),
        ("identity checked", "system"),
        ("routing settled", officer.actor),
    ]
