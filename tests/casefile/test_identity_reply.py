"""The identity query's pause ends on the day the reply came in, not the day staff got round to it;
and an approver who decided what the answer leaves out is no second pair of eyes (real DBs)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import CaseState, Channel, CheckMethod, Document, Intake, Party, RequestType, TransitionRefused, User
from dsr.casefile.errors import InputRejected
from dsr.model import Candidate, Descriptor, Evidence, Identifier, IdentifierKind

SECRET = b"server-secret-for-tests"
# received Tuesday 20 January 2026 (BY): due Friday 20 February without a pause
RECEIVED = dt.datetime(2026, 1, 20, 9, tzinfo=dt.UTC)
QUERY_SENT = dt.date(2026, 1, 28)
REPLY_CAME = dt.date(2026, 2, 3)  # across the month end: 6 days paused
RECORDED = dt.datetime(2026, 2, 10, 9, tzinfo=dt.UTC)  # a week later staff record it
CONFIRMED = dt.datetime(2026, 2, 12, 9, tzinfo=dt.UTC)


def _berlin(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)


@pytest.fixture
def staff(engine: sa.Engine) -> tuple[User, User, User]:
    officer = casefile.create_user(engine, "officer", "pw", {"gym": ["officer"]}, now=RECEIVED)
    approver = casefile.create_user(engine, "approver", "pw", {"gym": ["officer", "approver"]}, now=RECEIVED)
    second = casefile.create_user(engine, "approver2", "pw", {"gym": ["officer", "approver"]}, now=RECEIVED)
    return officer, approver, second


def _open(engine: sa.Engine) -> str:
    intake = Intake(
        controller="gym",
        land="BY",
        request_types=(RequestType.ACCESS,),
        channel=Channel.POST,
        received_at=RECEIVED,
        subject=Party(descriptor=Descriptor(first_name="A", last_name="B")),
    )
    ref = casefile.open_case(engine, SECRET, intake, now=RECEIVED).reference
    card = Candidate(
        reference="P-AAA",
        store="school",
        key="1",
        evidence=(Evidence("school", IdentifierKind.CARD, True),),
        identifiers=frozenset({Identifier(IdentifierKind.CARD, "x")}),
    )
    casefile.record_candidates(engine, None, ref, [card], now=RECEIVED)
    return ref


def _answered_by_post(engine: sa.Engine, officer: User, ref: str, now: dt.datetime) -> None:
    """The letter with a code to P-AAA's postal address on file came back answered."""
    casefile.record_identity_check(engine, officer, ref, CheckMethod.POSTAL, candidate="P-AAA", now=now)


def _due(engine: sa.Engine, user: User, ref: str, today: dt.date) -> dt.date:
    return casefile.get_case(engine, user, ref, today=today).due_on


def test_the_pause_ends_on_the_day_the_reply_came_not_when_it_was_recorded_or_confirmed(
    engine: sa.Engine,
    staff: tuple[User, User, User],
) -> None:
    officer, _, _ = staff
    ref = _open(engine)
    casefile.send_identity_query(engine, officer, ref, justified=True, sent_on=QUERY_SENT, now=_berlin(QUERY_SENT))
    # the query is open on 10 February: 13 days so far, and still counting
    assert _due(engine, officer, ref, dt.date(2026, 2, 10)) == dt.date(2026, 3, 5)

    casefile.identity_query_answered(engine, officer, ref, answered_on=REPLY_CAME, now=RECORDED)
    _answered_by_post(engine, officer, ref, CONFIRMED)
    casefile.confirm_identity(engine, officer, ref, "P-AAA", now=CONFIRMED)
    # 28 Jan → 3 Feb: 6 days; 20 Feb + 6 = Thursday 26 February, however late staff were
    assert _due(engine, officer, ref, dt.date(2026, 2, 20)) == dt.date(2026, 2, 26)
    assert casefile.get_case(engine, officer, ref).state is CaseState.IDENTITY_CONFIRMED


def test_confirming_while_no_reply_was_recorded_ends_the_pause_that_day(
    engine: sa.Engine,
    staff: tuple[User, User, User],
) -> None:
    officer, _, _ = staff
    ref = _open(engine)
    casefile.send_identity_query(engine, officer, ref, justified=True, sent_on=QUERY_SENT, now=_berlin(QUERY_SENT))
    _answered_by_post(engine, officer, ref, CONFIRMED)
    casefile.confirm_identity(engine, officer, ref, "P-AAA", now=CONFIRMED)
    # 28 Jan → 12 Feb: 15 days; 7 March is a Saturday → Monday 9 March
    assert _due(engine, officer, ref, dt.date(2026, 3, 1)) == dt.date(2026, 3, 9)


def test_an_unsatisfactory_reply_lets_the_clock_run_and_a_new_query_pauses_it_again(
    engine: sa.Engine,
    staff: tuple[User, User, User],
) -> None:
    officer, _, _ = staff
    ref = _open(engine)
    casefile.send_identity_query(engine, officer, ref, justified=True, sent_on=QUERY_SENT, now=_berlin(QUERY_SENT))
    with pytest.raises(TransitionRefused) as still_open:
        casefile.send_identity_query(engine, officer, ref, justified=True, sent_on=dt.date(2026, 2, 1))
    assert still_open.value.code == "query_open"
    casefile.identity_query_answered(engine, officer, ref, answered_on=REPLY_CAME, now=RECORDED)
    # the reply did not prove anything: no confirmation, but the clock is running again
    assert casefile.get_case(engine, officer, ref).state is CaseState.IDENTITY_PENDING
    assert _due(engine, officer, ref, dt.date(2026, 3, 31)) == dt.date(2026, 2, 26)

    casefile.send_identity_query(
        engine, officer, ref, justified=True, sent_on=dt.date(2026, 2, 5), now=_berlin(dt.date(2026, 2, 5))
    )
    casefile.identity_query_answered(engine, officer, ref, answered_on=dt.date(2026, 2, 9), now=RECORDED)
    # 6 + 4 days: 20 Feb + 10 = Monday 2 March
    assert _due(engine, officer, ref, dt.date(2026, 3, 31)) == dt.date(2026, 3, 2)
    actions = [e.action for e in casefile.history(engine, ref)]
    assert actions.count("identity query sent") == 2 and actions.count("identity query answered") == 2


def test_a_reply_cannot_come_in_the_future_nor_before_the_query(
    engine: sa.Engine, staff: tuple[User, User, User]
) -> None:
    officer, _, _ = staff
    ref = _open(engine)
    with pytest.raises(TransitionRefused) as none_open:
        casefile.identity_query_answered(engine, officer, ref, answered_on=REPLY_CAME, now=RECORDED)
    assert none_open.value.code == "no_query_open"
    casefile.send_identity_query(engine, officer, ref, justified=True, sent_on=QUERY_SENT, now=_berlin(QUERY_SENT))
    with pytest.raises(InputRejected) as future:
        casefile.identity_query_answered(engine, officer, ref, answered_on=dt.date(2026, 2, 11), now=RECORDED)
    assert future.value.code == "reply_in_future"
    with pytest.raises(InputRejected) as early:
        casefile.identity_query_answered(engine, officer, ref, answered_on=dt.date(2026, 1, 27), now=RECORDED)
    assert early.value.code == "reply_before_query"
    # nothing was recorded: the pause still runs
    assert _due(engine, officer, ref, dt.date(2026, 2, 10)) == dt.date(2026, 3, 5)


# --------------------------------------------------------------------------- four eyes


def _in_review_with_items(engine: sa.Engine, officer: User) -> str:
    ref = _open(engine)
    _answered_by_post(engine, officer, ref, RECEIVED)
    casefile.confirm_identity(engine, officer, ref, "P-AAA", now=RECEIVED)
    casefile.start_gathering(engine, officer, ref, ["school"], now=RECEIVED)
    casefile.finish_gathering(engine, ref, now=RECEIVED)
    casefile.add_review_items(
        engine,
        None,
        ref,
        [("school/incidents/3", "mentions another pupil"), ("R-000000000001", "restricted-record")],
        now=RECEIVED,
    )
    return ref


ANSWER = Document(filename="a.pdf", media_type="application/pdf", content=b"%PDF answer")


@pytest.mark.parametrize("decided_by_approver", ["school/incidents/3", "R-000000000001"])
def test_an_approver_who_decided_the_redactions_may_not_approve_them(
    engine: sa.Engine,
    staff: tuple[User, User, User],
    decided_by_approver: str,
) -> None:
    officer, approver, second = staff
    ref = _in_review_with_items(engine, officer)
    for item in ("school/incidents/3", "R-000000000001"):
        decider = approver if item == decided_by_approver else officer
        casefile.decide(
            engine,
            decider,
            ref,
            item,
            "withhold" if item.startswith("R-") else "redact",
            "bdsg-34" if item.startswith("R-") else "art15-4",
            now=RECEIVED,
        )
    casefile.prepare(engine, officer, ref, ANSWER, now=RECEIVED)  # rendered by the officer...
    with pytest.raises(TransitionRefused) as refused:  # ...but the approver decided part of it
        casefile.approve(engine, approver, ref, now=RECEIVED)
    assert refused.value.code == "four_eyes"
    assert casefile.get_case(engine, officer, ref).state is CaseState.PREPARED
    casefile.approve(engine, second, ref, now=RECEIVED)  # someone who took no part
    assert casefile.get_case(engine, officer, ref).state is CaseState.APPROVED
