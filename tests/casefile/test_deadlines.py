"""Deadlines inside the case workflow: identity-query pauses, extensions, `dsr deadlines`."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import Channel, Document, Intake, Party, RequestType, TransitionRefused, User
from dsr.model import Descriptor

SECRET = b"server-secret-for-tests"
RECEIVED = dt.datetime(2026, 3, 10, 8, 15, tzinfo=dt.UTC)  # due Friday 10 April 2026 in BY
NOTICE = Document(filename="verlaengerung.pdf", media_type="application/pdf", content=b"%PDF notice")


@pytest.fixture
def officer(engine: sa.Engine) -> User:
    return casefile.create_user(engine, "officer", "pw", {"gym": ["officer"]}, now=RECEIVED)


def _open(engine: sa.Engine, received: dt.datetime = RECEIVED) -> str:
    intake = Intake(
        controller="gym",
        land="BY",
        request_types=(RequestType.ACCESS,),
        channel=Channel.POST,
        received_at=received,
        subject=Party(descriptor=Descriptor(first_name="A", last_name="B")),
    )
    return casefile.open_case(engine, SECRET, intake, now=received).reference


def test_a_justified_identity_query_pauses_the_clock_a_clarification_does_not(engine: sa.Engine, officer: User) -> None:
    ref = _open(engine)
    casefile.send_identity_query(engine, officer, ref, justified=False, now=RECEIVED)
    assert casefile.get_case(engine, officer, ref, today=dt.date(2026, 3, 20)).due_on == dt.date(2026, 4, 10)

    casefile.send_identity_query(engine, officer, ref, justified=True, sent_on=dt.date(2026, 3, 12), now=RECEIVED)
    # still open on 20 March: 8 days paused so far
    view = casefile.get_case(engine, officer, ref, today=dt.date(2026, 3, 20))
    assert view.state is casefile.CaseState.IDENTITY_PENDING and view.due_on == dt.date(2026, 4, 20)
    casefile.identity_query_answered(
        engine, officer, ref, answered_on=dt.date(2026, 3, 19), now=dt.datetime(2026, 3, 19, 9, tzinfo=dt.UTC)
    )
    # 7 days paused: 17 April; the clock no longer moves
    assert casefile.get_case(engine, officer, ref, today=dt.date(2026, 4, 1)).due_on == dt.date(2026, 4, 17)


def test_extension_only_with_a_notice_inside_the_first_month(engine: sa.Engine, officer: User) -> None:
    ref = _open(engine)
    late = dt.datetime(2026, 4, 11, 9, tzinfo=dt.UTC)
    with pytest.raises(TransitionRefused, match="within the first month"):
        casefile.extend_deadline(engine, officer, ref, 2, NOTICE, dt.date(2026, 4, 11), now=late)
    deadline = casefile.extend_deadline(engine, officer, ref, 2, NOTICE, dt.date(2026, 4, 2), now=late)
    assert deadline.due == dt.date(2026, 6, 10)
    assert casefile.get_case(engine, officer, ref, today=dt.date(2026, 5, 1)).due_on == dt.date(2026, 6, 10)
    with pytest.raises(TransitionRefused, match="at most 2 months"):
        casefile.extend_deadline(engine, officer, ref, 1, NOTICE, dt.date(2026, 4, 3), now=late)


def test_due_cases_lists_due_and_overdue_for_cron(engine: sa.Engine, officer: User) -> None:
    overdue = _open(engine, dt.datetime(2026, 2, 2, 10, tzinfo=dt.UTC))  # due Monday 2 March
    soon = _open(engine)  # due 10 April
    later = _open(
        engine, dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC)
    )  # 1 May (a Friday) is Labour Day: due Monday 4 May
    today = dt.date(2026, 4, 6)
    due = casefile.due_cases(engine, today=today, within_days=7)
    assert [d.reference for d in due] == [overdue, soon]
    assert due[0].overdue and due[0].days_left == -35 and not due[1].overdue
    assert casefile.any_overdue(due)
    assert later not in casefile.deadline_digest(due, today)
    text = casefile.deadline_digest(due, today)
    assert "ÜBERFÄLLIG" in text and overdue in text and "02.03.2026" in text
    # a withdrawn case no longer counts
    casefile.withdraw(engine, officer, overdue)
    assert not casefile.any_overdue(casefile.due_cases(engine, today=today))
    assert casefile.due_cases(engine, today=today, controllers=["realschule"]) == []
