"""Identity resolution: one strong, uncontradicted human is a match; anything else is not."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsr import Descriptor, ResolutionStatus, confirm, resolve
from dsr.testing import FakeConnector, FakePerson

ANNA = FakePerson(
    key="1",
    first_name="Anna",
    last_name="Müller",
    card="L0000001",
    login="anna.mueller",
    email="anna@example.org",
    date_of_birth="2011-03-04",
)
ANNA2 = FakePerson(
    key="2", first_name="Anna", last_name="Müller", card="L0000002", login="anna.mueller2", date_of_birth="2011-09-10"
)
BEN = FakePerson(key="3", first_name="Ben", last_name="Schulz", card="L0000003", email="ben@example.org")


def school(*people: FakePerson) -> FakeConnector:
    return FakeConnector("school", people=people or (ANNA, ANNA2, BEN), controller="gym")


def test_card_number_is_a_match() -> None:
    r = resolve("gym", [school()], Descriptor(card_number="l0000001"))
    assert r.status is ResolutionStatus.MATCH
    assert r.subject is not None and r.subject.keys("school") == ("1",)


def test_login_and_email_match_case_insensitively() -> None:
    assert resolve("gym", [school()], Descriptor(login_name="Anna.Mueller")).status is ResolutionStatus.MATCH
    assert resolve("gym", [school()], Descriptor(email=" ANNA@example.org ")).status is ResolutionStatus.MATCH


def test_namesakes_are_ambiguous_and_never_merged() -> None:
    r = resolve("gym", [school()], Descriptor(first_name="Anna", last_name="Müller"))
    assert r.status is ResolutionStatus.AMBIGUOUS
    assert r.subject is None
    assert len(r.candidates) == 2
    assert len({c.reference for c in r.candidates}) == 2


def test_name_alone_is_not_enough_even_for_one_person() -> None:
    r = resolve("gym", [school()], Descriptor(first_name="Ben", last_name="Schulz"))
    assert r.status is ResolutionStatus.AMBIGUOUS


def test_name_and_date_of_birth_single_out_a_namesake() -> None:
    r = resolve(
        "gym", [school()], Descriptor(first_name="anna", last_name="MÜLLER", date_of_birth=dt.date(2011, 9, 10))
    )
    # the date of birth is evidence only for Anna 2; Anna 1 matched by name alone is weak
    assert r.status is ResolutionStatus.AMBIGUOUS or r.subject.keys("school") == ("2",)


def test_unknown() -> None:
    r = resolve("gym", [school()], Descriptor(card_number="L9999999"))
    assert r.status is ResolutionStatus.UNKNOWN and r.candidates == ()
    assert resolve("gym", [school()], Descriptor()).status is ResolutionStatus.UNKNOWN


def test_two_strong_identifiers_pointing_at_two_people_are_ambiguous() -> None:
    r = resolve("gym", [school()], Descriptor(card_number="L0000001", email="ben@example.org"))
    assert r.status is ResolutionStatus.AMBIGUOUS


def test_rows_in_two_stores_link_only_by_strong_identifier() -> None:
    vendor_contact = FakePerson(key="anna@example.org", first_name="Anna", last_name="Müller", email="anna@example.org")
    namesake_contact = FakePerson(
        key="other@example.org", first_name="Anna", last_name="Müller", email="other@example.org"
    )
    vendor = FakeConnector("vendor", people=[vendor_contact, namesake_contact], controller="gym")
    r = resolve("gym", [school(), vendor], Descriptor(email="anna@example.org"))
    assert r.status is ResolutionStatus.MATCH
    assert r.subject.keys("school") == ("1",)
    assert r.subject.keys("vendor") == ("anna@example.org",)


def test_officer_confirms_one_candidate_of_an_ambiguous_match() -> None:
    r = resolve("gym", [school()], Descriptor(first_name="Anna", last_name="Müller"))
    chosen = r.candidates[1]
    subject = confirm("gym", r.candidates, chosen.reference)
    assert subject.keys("school") == (chosen.key,)
    with pytest.raises(KeyError):
        confirm("gym", r.candidates, "P-NOPE")


# no deadline: one example took 339 ms on a loaded machine (-n 2 beside PostgreSQL and MariaDB)
@settings(deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_references_are_opaque(key: str) -> None:
    from dsr.pipeline.identify import candidate_reference

    ref = candidate_reference("gym", "school", key)
    assert ref.startswith("P-") and key not in ref[2:] or len(key) < 3
    assert ref == candidate_reference("gym", "school", key)
    assert ref != candidate_reference("other", "school", key)


def test_another_spelling_of_a_name_goes_to_an_officer_and_a_stranger_gets_the_negative_answer() -> None:
    mueller = Descriptor(first_name="Anna", last_name="Mueller", date_of_birth=dt.date(2011, 3, 4))
    r = resolve("gym", [school()], mueller)
    assert r.status is ResolutionStatus.AMBIGUOUS and r.subject is None
    assert [c.key for c in r.candidates] == ["1"] and not r.candidates[0].strong
    stranger = Descriptor(first_name="Berta", last_name="Mueller", date_of_birth=dt.date(2012, 1, 9))
    assert resolve("gym", [school()], stranger).status is ResolutionStatus.UNKNOWN
