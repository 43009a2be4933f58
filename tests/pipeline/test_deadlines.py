"""The answer deadline per Reg. 1182/71 with Land holidays, extension and pauses."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsr.config import LANDS
from dsr.pipeline.deadlines import (
    Deadline,
    ExtensionNotAllowed,
    due_date,
    is_working_day,
    pause_days,
)

D = dt.date


@pytest.mark.parametrize(
    ("received", "land", "due"),
    [
        (D(2026, 3, 10), "BY", D(2026, 4, 10)),  # plain case: same date next month (Friday)
        (D(2026, 1, 15), "NW", D(2026, 2, 16)),  # 15 Feb 2026 is a Sunday → Monday
        (D(2026, 2, 14), "HH", D(2026, 3, 16)),  # 14 Mar 2026 is a Saturday → Monday
        (D(2026, 12, 15), "BE", D(2027, 1, 15)),  # across the year end
    ],
)
def test_one_month_same_date_or_next_working_day(received: dt.date, land: str, due: dt.date) -> None:
    assert due_date(received, land) == due


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (D(2026, 1, 31), D(2026, 3, 2)),  # 28 Feb 2026 is a Saturday → Monday 2 March
        (D(2028, 1, 31), D(2028, 2, 29)),  # leap year: 29 Feb 2028 is a Tuesday
        (D(2024, 1, 31), D(2024, 2, 29)),  # leap year: Thursday
        (D(2025, 1, 30), D(2025, 2, 28)),  # no 30 Feb: last day of the month (Friday)
        (D(2026, 3, 31), D(2026, 4, 30)),  # no 31 April
        (D(2026, 8, 31), D(2026, 9, 30)),
    ],
)
def test_month_end_takes_the_last_day_of_a_shorter_month(received: dt.date, due: dt.date) -> None:
    assert due_date(received, "NW") == due


def test_leap_day_receipt_meets_easter() -> None:
    # 29 Feb 2024 + 1 month = Good Friday 29 Mar; Easter Monday 1 Apr; so Tuesday 2 Apr
    assert due_date(D(2024, 2, 29), "BE") == D(2024, 4, 2)


def test_christmas_and_weekend_run_on_to_monday() -> None:
    # 25 Dec 2026 Fri, 26 Dec Sat (both holidays), 27 Dec Sunday
    assert due_date(D(2026, 11, 25), "SH") == D(2026, 12, 28)


def test_epiphany_is_a_holiday_only_in_by_bw_st() -> None:
    received = D(2025, 12, 6)  # due 6 Jan 2026, a Tuesday
    for land in ("BY", "BW", "ST"):
        assert due_date(received, land) == D(2026, 1, 7), land
    for land in ("NW", "BE", "NI"):
        assert due_date(received, land) == D(2026, 1, 6), land


def test_corpus_christi_depends_on_the_land() -> None:
    received = D(2026, 5, 4)  # due Thursday 4 June 2026 = Fronleichnam
    assert due_date(received, "BY") == D(2026, 6, 5)
    assert due_date(received, "NW") == D(2026, 6, 5)
    assert due_date(received, "NI") == D(2026, 6, 4)
    assert due_date(received, "HH") == D(2026, 6, 4)


def test_reformation_day_depends_on_the_land() -> None:
    # 31 Jul 2025 + 3 months (extended) = Friday 31 Oct 2025, Reformation Day in the north/east
    deadline = Deadline(D(2025, 7, 31), "NI").extend(2, D(2025, 8, 20))
    assert deadline.due == D(2025, 11, 3)
    assert Deadline(D(2025, 7, 31), "BY").extend(2, D(2025, 8, 20)).due == D(2025, 10, 31)


def test_receipt_late_at_night_utc_counts_on_the_german_day() -> None:
    # 23:30 UTC on 14 March is 00:30 on 15 March in Berlin: due 15 April, not 14 April
    late = dt.datetime(2026, 3, 14, 23, 30, tzinfo=dt.UTC)
    assert due_date(late, "BE") == D(2026, 4, 15)
    # a naive time is German local time already
    assert due_date(dt.datetime(2026, 3, 14, 23, 30), "BE") == D(2026, 4, 14)


def test_days_left_and_overdue() -> None:
    deadline = Deadline(D(2026, 3, 10), "BY")  # due 10 April
    assert deadline.days_left(D(2026, 4, 1)) == 9
    assert deadline.days_left(D(2026, 4, 10)) == 0
    assert not deadline.overdue(D(2026, 4, 10))
    assert deadline.overdue(D(2026, 4, 11))
    assert deadline.days_left(D(2026, 4, 13)) == -3


def test_extension_needs_a_notice_inside_the_first_month() -> None:
    deadline = Deadline(D(2026, 3, 10), "BY")
    extended = deadline.extend(2, D(2026, 4, 10))  # the last day of the first month is in time
    assert extended.due == D(2026, 6, 10)
    with pytest.raises(ExtensionNotAllowed, match="within the first month"):
        deadline.extend(2, D(2026, 4, 11))


def test_extension_is_at_most_two_months_in_total() -> None:
    deadline = Deadline(D(2026, 3, 10), "BY").extend(1, D(2026, 3, 20))
    assert deadline.due == D(2026, 5, 11)  # 10 May 2026 is a Sunday
    deadline = deadline.extend(1, D(2026, 3, 25))
    with pytest.raises(ExtensionNotAllowed, match="at most 2 months"):
        deadline.extend(1, D(2026, 3, 26))
    with pytest.raises(ExtensionNotAllowed):
        Deadline(D(2026, 3, 10), "BY").extend(3, D(2026, 3, 11))


def test_pause_for_an_identity_query_pushes_the_deadline_back() -> None:
    days = pause_days([(D(2026, 3, 12), D(2026, 3, 19))], today=D(2026, 3, 30))
    assert days == 7
    assert Deadline(D(2026, 3, 10), "BY").paused(days).due == D(2026, 4, 17)
    # a query still unanswered counts up to today
    assert pause_days([(D(2026, 3, 12), None)], today=D(2026, 3, 15)) == 3


def test_unknown_land_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown Land"):
        due_date(D(2026, 3, 10), "XX")


receipts = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2060, 12, 31))
lands = st.sampled_from(LANDS)


@settings(deadline=None)
@given(received=receipts, land=lands)
def test_due_date_is_a_working_day_within_bounds(received: dt.datetime, land: str) -> None:
    due = due_date(received, land)
    assert is_working_day(due, land)
    assert due >= received.date() + dt.timedelta(days=28)
    # a month is at most 31 days; the longest holiday-plus-weekend run is under a week
    assert due <= received.date() + dt.timedelta(days=31 + 6)


@settings(deadline=None)
@given(received=receipts, land=lands, gap=st.integers(min_value=0, max_value=400))
def test_a_later_receipt_never_has_an_earlier_deadline(received: dt.datetime, land: str, gap: int) -> None:
    assert due_date(received + dt.timedelta(days=gap), land) >= due_date(received, land)


@settings(deadline=None)
@given(received=receipts, land=lands, paused=st.integers(min_value=0, max_value=60), months=st.integers(1, 2))
def test_pause_and_extension_only_ever_postpone(received: dt.datetime, land: str, paused: int, months: int) -> None:
    base = Deadline(received, land)
    later = base.paused(paused)
    assert later.due >= base.due + dt.timedelta(days=paused) - dt.timedelta(days=6)
    assert later.due >= base.due
    extended = base.extend(months, received.date())
    # at least 28 days per month counted from receipt, and always after the unextended deadline
    assert extended.due >= received.date() + dt.timedelta(days=28 * (1 + months))
    assert extended.due > base.due
    assert is_working_day(extended.due, land)
