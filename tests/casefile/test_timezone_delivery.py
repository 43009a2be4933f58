"""A child's age before the routing is recorded follows ``[dsr] timezone`` too (``Settings.zone``).

Mila turns 14 on 29 March 2026 and asks at 23:30 UTC on the 28th: in Berlin that is already her
birthday (00:30 on the 29th, summer time begins that night), so she asks as a 14-year-old and
may have the answer herself; in New York it is 19:30 on the 28th, she is 13 and the answer goes
by post to her guardians, whatever an officer decides. The delivery plan, "zur Freigabe" and the
download offer must take her age on the same day the deadline counts from (real databases).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import Channel, CheckMethod, Document, Intake, Party, RequestType, TransitionRefused, User
from dsr.casefile.delivery import Basis, Route
from dsr.model import Candidate, Descriptor, Evidence, Identifier, IdentifierKind

SECRET = b"server-secret-for-timezone-delivery-tests"
RECEIVED = dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC)
T = RECEIVED + dt.timedelta(hours=1)
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
MILA = Descriptor(first_name="Mila", last_name="Beispiel", card_number="M-3001", date_of_birth=dt.date(2012, 3, 29))
ANSWER = Document(filename="auskunft.pdf", media_type="application/pdf", content=b"%PDF-1.7 the answer")
GROUND = "address_confirmed_in_person"


@pytest.fixture
def staff(engine: sa.Engine) -> tuple[User, User]:
    officer = casefile.create_user(engine, "officer", "officer-pass-7391", {"gym": ["officer"]}, now=T)
    approver = casefile.create_user(engine, "approver", "approver-pass-7391", {"gym": ["officer", "approver"]}, now=T)
    return officer, approver


def _gathered(engine: sa.Engine, officer: User, zone: ZoneInfo) -> str:
    """Mila's own request (her e-mail address is not on the school's file), her row confirmed and
    gathered; no routing is recorded (the casefile alone: the age comes from the date she gave)."""
    intake = Intake(
        controller="gym",
        land="BY",
        request_types=(RequestType.ACCESS,),
        channel=Channel.PORTAL,
        received_at=RECEIVED,
        subject=Party(descriptor=MILA, email="mila@example.org"),
    )
    ref = casefile.open_case(engine, SECRET, intake, now=T, zone=zone).reference
    row = Candidate(
        reference="P-MMM",
        store="school",
        key="P-MMM",
        evidence=(Evidence("school", IdentifierKind.CARD, True),),
        identifiers=frozenset({Identifier(IdentifierKind.CARD, "M-3001")}),
    )
    casefile.record_candidates(engine, officer, ref, [row], now=T)
    casefile.record_identity_check(engine, officer, ref, CheckMethod.IN_PERSON, candidate="P-MMM", evidence="id_card")
    casefile.confirm_identity(engine, officer, ref, "P-MMM", now=T, zone=zone)
    casefile.start_gathering(engine, officer, ref, ["school"], now=T)
    casefile.finish_gathering(engine, ref, now=T)
    return ref


def _code(refused: pytest.ExceptionInfo[TransitionRefused]) -> str | None:
    return getattr(refused.value, "code", None)


def test_in_new_york_she_is_13_on_the_day_of_receipt_and_the_answer_goes_to_her_guardians(
    engine: sa.Engine, staff: tuple[User, User]
) -> None:
    officer, approver = staff
    ref = _gathered(engine, officer, NEW_YORK)
    plan = casefile.plan_of(engine, officer, ref, zone=NEW_YORK)
    assert plan.to_guardians and plan.route is Route.POST and not plan.undecided and not plan.electronic
    with pytest.raises(TransitionRefused) as no_download:
        casefile.decide_delivery(engine, officer, ref, "download", GROUND, now=T, zone=NEW_YORK)
    assert _code(no_download) == "to_guardians_post"
    assert no_download.value.values["age_of_consent"] == 14
    # nothing to decide: the answer goes by post to the guardians, so it may go for approval
    casefile.prepare(engine, officer, ref, ANSWER, now=T, zone=NEW_YORK)
    casefile.approve(engine, approver, ref, now=T)
    with pytest.raises(TransitionRefused) as offer:
        casefile.dispatch_by_download(engine, officer, ref, now=T, zone=NEW_YORK)
    assert _code(offer) == "to_guardians_post"
    # the same case on Berlin's clock: 14 that day, the address not on file, nobody decided
    assert not casefile.plan_of(engine, officer, ref).to_guardians
    with pytest.raises(TransitionRefused) as by_post:
        casefile.dispatch_by_download(engine, officer, ref, now=T, zone=BERLIN)
    assert _code(by_post) == "delivery_by_post"
    decided = [e for e in casefile.history(engine, ref) if e.action == "delivery decided"]
    assert decided == []


@pytest.mark.parametrize("zone", [BERLIN, None], ids=["berlin", "default"])
def test_in_berlin_she_is_14_on_the_day_of_receipt_and_an_officer_decides_where_it_goes(
    engine: sa.Engine, staff: tuple[User, User], zone: ZoneInfo | None
) -> None:
    officer, _ = staff
    given = {} if zone is None else {"zone": zone}
    ref = _gathered(engine, officer, zone or BERLIN)
    plan = casefile.plan_of(engine, officer, ref, **given)
    assert not plan.to_guardians and plan.undecided and plan.address_not_on_file
    with pytest.raises(TransitionRefused) as undecided:
        casefile.prepare(engine, officer, ref, ANSWER, now=T, **given)
    assert _code(undecided) == "delivery_undecided"
    casefile.decide_delivery(engine, officer, ref, "download", GROUND, now=T, **given)
    plan = casefile.plan_of(engine, officer, ref, **given)
    assert plan.route is Route.DOWNLOAD and plan.basis is Basis.OFFICER_DECISION and plan.awaiting_approval
    casefile.prepare(engine, officer, ref, ANSWER, now=T, **given)
    # on New York's clock she was 13 that day: the officer's decision does not count
    assert casefile.plan_of(engine, officer, ref, zone=NEW_YORK).to_guardians
