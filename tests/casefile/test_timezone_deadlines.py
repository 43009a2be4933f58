"""The day of receipt, "today" and the reference's year follow ``[dsr] timezone`` (``Settings.zone``):
a request arriving 23:30 UTC on Saturday 28 March 2026 (the night summer time begins in Europe)
was received on the 29th in Berlin and Auckland, on the 28th in New York. The holidays stay the
controller's Land's. Without a zone: Europe/Berlin, as before."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import Channel, InputRejected, Intake, Party, RequestType, User
from dsr.casefile.schema import cases
from dsr.model import Descriptor

SECRET = b"server-secret-for-tests"
UTC = dt.UTC
RECEIVED = dt.datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
AUCKLAND = ZoneInfo("Pacific/Auckland")
BERLIN = ZoneInfo("Europe/Berlin")
D = dt.date


@pytest.fixture
def officer(engine: sa.Engine) -> User:
    return casefile.create_user(engine, "officer", "pw", {"gym": ["officer"]}, now=RECEIVED)


def _intake(received: dt.datetime) -> Intake:
    return Intake(
        controller="gym",
        land="BY",
        request_types=(RequestType.ACCESS,),
        channel=Channel.POST,
        received_at=received,
        subject=Party(descriptor=Descriptor(first_name="A", last_name="B")),
    )


def _open(engine: sa.Engine, received: dt.datetime = RECEIVED, **zone: ZoneInfo) -> casefile.OpenedCase:
    return casefile.open_case(engine, SECRET, _intake(received), now=received + dt.timedelta(hours=1), **zone)


# one month after the day of receipt (Regulation 1182/71): 28 March → Tuesday 28 April,
# 29 March → Wednesday 29 April (no holiday in Bavaria on either)
@pytest.mark.parametrize(
    ("zone", "received_on", "due_on"),
    [
        (None, D(2026, 3, 29), D(2026, 4, 29)),
        (BERLIN, D(2026, 3, 29), D(2026, 4, 29)),
        (NEW_YORK, D(2026, 3, 28), D(2026, 4, 28)),
        (AUCKLAND, D(2026, 3, 29), D(2026, 4, 29)),
    ],
)
def test_the_day_of_receipt_and_the_deadline_follow_the_configured_zone(
    engine: sa.Engine, officer: User, zone: ZoneInfo | None, received_on: dt.date, due_on: dt.date
) -> None:
    given = {} if zone is None else {"zone": zone}
    opened = _open(engine, **given)
    view = casefile.get_case(engine, officer, opened.reference, today=D(2026, 4, 1), **given)
    assert view.due_on == due_on
    assert view.days_left == (due_on - D(2026, 4, 1)).days
    status = casefile.public_status(
        engine, SECRET, opened.reference, opened.status_secret, today=D(2026, 4, 1), **given
    )
    assert (status.received_on, status.due_on) == (received_on, due_on)
    # the case list and `dsr deadlines` count the same day
    (listed,) = casefile.list_cases(engine, officer, today=D(2026, 4, 1), **given)
    assert listed.due_on == due_on
    (due,) = casefile.due_cases(engine, today=due_on, **given)
    assert (due.due_on, due.days_left) == (due_on, 0)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(cases.c.due_on).where(cases.c.reference == opened.reference)).scalar_one()
    assert stored == due_on  # as kept with the case (the list sorts and filters by it)


def test_the_reference_carries_the_year_of_the_local_day(engine: sa.Engine) -> None:
    new_year = dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January in Berlin
    assert _open(engine, new_year).reference.startswith("DSR-2027-")
    assert _open(engine, new_year, zone=NEW_YORK).reference.startswith("DSR-2026-")
    assert _open(engine, new_year, zone=AUCKLAND).reference.startswith("DSR-2027-")


def test_today_is_the_local_day_a_request_from_tomorrow_is_refused(engine: sa.Engine) -> None:
    # at 22:30 UTC on 28 March an officer enters a request typed as 23:30 UTC: that is already
    # tomorrow in Berlin (00:30 on the 29th, while it is 23:30 on the 28th), the same evening in New York
    now = dt.datetime(2026, 3, 28, 22, 30, tzinfo=UTC)
    with pytest.raises(InputRejected, match="future") as refused:
        casefile.open_case(engine, SECRET, _intake(RECEIVED), now=now)
    assert refused.value.values["today"] == "28.03.2026"
    with pytest.raises(InputRejected, match="future"):
        casefile.open_case(engine, SECRET, _intake(RECEIVED), now=now, zone=BERLIN)
    opened = casefile.open_case(engine, SECRET, _intake(RECEIVED), now=now, zone=NEW_YORK)
    assert opened.reference.startswith("DSR-2026-")


def test_an_identity_reply_recorded_in_the_evening_ends_the_pause_on_the_local_day(
    engine: sa.Engine, officer: User
) -> None:
    opened = _open(engine, zone=NEW_YORK)  # received 28 March in New York: due 28 April
    ref = opened.reference
    casefile.send_identity_query(engine, officer, ref, justified=True, sent_on=D(2026, 3, 30), now=RECEIVED)
    # 23:30 UTC on 1 April: 19:30 on 1 April in New York (2 days paused), 01:30 on 2 April in Berlin
    evening = dt.datetime(2026, 4, 1, 23, 30, tzinfo=UTC)
    casefile.identity_query_answered(engine, officer, ref, now=evening, zone=NEW_YORK)
    view = casefile.get_case(engine, officer, ref, today=D(2026, 4, 10), zone=NEW_YORK)
    assert view.due_on == D(2026, 4, 30)  # 28 April + 2 paused days


def test_an_extension_counts_from_the_local_day_of_receipt(engine: sa.Engine, officer: User) -> None:
    notice = casefile.Document(filename="verlaengerung.pdf", media_type="application/pdf", content=b"%PDF")
    opened = _open(engine, zone=NEW_YORK)
    late = dt.datetime(2026, 4, 20, 12, tzinfo=UTC)
    deadline = casefile.extend_deadline(
        engine, officer, opened.reference, 1, notice, D(2026, 4, 20), now=late, zone=NEW_YORK
    )
    assert deadline.due == D(2026, 5, 28)  # 28 March + 2 months: a Thursday
