"""Age-of-consent routing: what a request needs before the subject's data may be disclosed."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from dsr import Capacity, Requirement, route
from dsr.pipeline.representation import age_on

G, C, W = Requirement.GUARDIAN_VERIFICATION, Requirement.PUPIL_CONSENT, Requirement.WRITTEN_AUTHORISATION
L, V = Requirement.LEGAL_REPRESENTATION, Requirement.REPRESENTATIVE_VERIFIED
RECEIVED = dt.date(2026, 4, 9)


def born(years_ago: int, days_later: int = 0) -> dt.date:
    return RECEIVED.replace(year=RECEIVED.year - years_ago) + dt.timedelta(days=days_later)


def test_a_pupil_below_the_age_of_consent_is_routed_to_the_guardians() -> None:
    r = route(Capacity.SELF, born(13), RECEIVED, age_of_consent=14)
    assert r.needs == (G,) and r.to_guardians and r.age == 13


def test_a_pupil_acts_alone_from_the_birthday_on() -> None:
    assert route(Capacity.SELF, born(14), RECEIVED, 14).needs == ()
    assert route(Capacity.SELF, born(14, days_later=1), RECEIVED, 14).needs == (G,)  # birthday tomorrow


def test_the_land_sets_the_age() -> None:
    assert route(Capacity.SELF, born(15), RECEIVED, age_of_consent=16).needs == (G,)
    assert route(Capacity.PARENT, born(15), RECEIVED, age_of_consent=16).needs == (G,)
    assert route(Capacity.PARENT, born(15), RECEIVED, age_of_consent=14).needs == (G, C)


def test_a_parent_needs_guardian_rows_and_from_the_age_of_consent_the_pupils_consent() -> None:
    assert route(Capacity.PARENT, born(10), RECEIVED).needs == (G,)
    assert route(Capacity.PARENT, born(16), RECEIVED).needs == (G, C)


def test_a_parent_of_an_adult_is_an_ordinary_representative() -> None:
    assert route(Capacity.PARENT, born(18), RECEIVED).needs == (W, V)
    assert route(Capacity.PARENT, born(18, days_later=1), RECEIVED).needs == (G, C)  # 18 tomorrow


def test_a_representative_needs_an_examined_authorisation_and_to_be_verified_themselves() -> None:
    assert route(Capacity.REPRESENTATIVE, born(30), RECEIVED).needs == (W, V)
    assert route(Capacity.REPRESENTATIVE, None, RECEIVED).needs == (W, V)  # unknown age: an authorisation
    assert route(Capacity.REPRESENTATIVE, born(14), RECEIVED, age_of_consent=14).needs == (W, V)


def test_a_child_below_the_age_of_consent_authorises_nobody_a_representative_needs_legal_representation() -> None:
    assert route(Capacity.REPRESENTATIVE, born(9), RECEIVED).needs == (L, V)
    assert route(Capacity.REPRESENTATIVE, born(14, days_later=1), RECEIVED, age_of_consent=14).needs == (L, V)
    assert route(Capacity.REPRESENTATIVE, born(15), RECEIVED, age_of_consent=16).needs == (L, V)


def test_unknown_age_self_acts_alone_but_a_parent_needs_consent() -> None:
    assert route(Capacity.SELF, None, RECEIVED).needs == ()
    assert route(Capacity.PARENT, None, RECEIVED).needs == (G, C)


def test_receipt_time_counts_as_its_day_and_capacities_may_be_text() -> None:
    r = route("parent", born(14), dt.datetime(2026, 4, 9, 23, 59))  # type: ignore[arg-type]
    assert r.capacity is Capacity.PARENT and r.needs == (G, C)


@settings(deadline=None)
@given(st.dates(dt.date(1950, 1, 1), dt.date(2025, 12, 31)), st.integers(0, 40), st.integers(0, 365))
def test_age_on_counts_completed_years(dob: dt.date, years: int, extra: int) -> None:
    day = dob + dt.timedelta(days=int(years * 365.2425) + extra)
    age = age_on(dob, day)

    # the last birthday is on or before the day, the next one after it
    def birthday(n: int) -> dt.date:
        try:
            return dob.replace(year=dob.year + n)
        except ValueError:  # 29 February in a common year: the birthday is 1 March
            return dt.date(dob.year + n, 3, 1)

    assert birthday(age) <= day < birthday(age + 1)


@settings(deadline=None)
@given(st.dates(dt.date(2000, 1, 1), dt.date(2025, 1, 1)), st.integers(10, 18))
def test_self_needs_guardians_exactly_below_the_age_of_consent(dob: dt.date, consent: int) -> None:
    r = route(Capacity.SELF, dob, RECEIVED, consent)
    assert (r.needs == (G,)) == (age_on(dob, RECEIVED) < consent)
