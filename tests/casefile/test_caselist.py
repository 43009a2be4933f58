"""The case list one page at a time (dsr.casefile.caselist) and who works a case (assignment)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsr import casefile
from dsr.casefile import CaseState, Channel, Intake, Party, RequestType, User
from dsr.casefile.assignment import assign, colleagues
from dsr.casefile.caselist import CaseFilter, case_list
from dsr.model import Descriptor

SECRET = b"server-secret-for-tests"
NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 10)


def _open(engine: sa.Engine, first: str, last: str, email: str, *, days_ago: int = 1, controller: str = "gym") -> str:
    return casefile.open_case(
        engine,
        SECRET,
        Intake(
            controller=controller,
            land="BY",
            request_types=(RequestType.ACCESS,),
            channel=Channel.PORTAL,
            received_at=NOW - dt.timedelta(days=days_ago),
            subject=Party(descriptor=Descriptor(first_name=first, last_name=last, email=email), email=email),
        ),
        now=NOW,
    ).reference


@pytest.fixture
def office(engine: sa.Engine) -> dict[str, object]:
    officer = casefile.create_user(engine, "officer", "pw-o", {"gym": ["officer"]}, now=NOW)
    colleague = casefile.create_user(engine, "colleague", "pw-c", {"gym": ["officer", "approver"]}, now=NOW)
    stranger = casefile.create_user(engine, "stranger", "pw-s", {"other": ["officer"]}, now=NOW)
    refs = {
        "anna": _open(engine, "Anna", "Beispiel", "anna@example.org", days_ago=3),
        "joerg": _open(engine, "Jörg", "Müller", "joerg.m@example.org", days_ago=50),
        "strasse": _open(engine, "Özlem", "Großstraße", "oezlem@example.org", days_ago=10),
        "other": _open(engine, "Anna", "Fremd", "fremd@example.org", controller="other"),
    }
    return {"officer": officer, "colleague": colleague, "stranger": stranger, "refs": refs}


def _refs(engine: sa.Engine, user: User, **wanted: object) -> list[str]:
    return [c.case.reference for c in case_list(engine, user, CaseFilter(**wanted), today=TODAY).cases]  # type: ignore[arg-type]


def test_the_search_finds_names_in_any_case_addresses_and_references_of_the_users_controllers(
    engine: sa.Engine, office: dict[str, object]
) -> None:
    officer: User = office["officer"]  # type: ignore[assignment]
    refs: dict[str, str] = office["refs"]  # type: ignore[assignment]
    assert _refs(engine, officer, text="anna") == [refs["anna"]]  # not the other controller's Anna
    assert _refs(engine, officer, text="MÜLLER") == [refs["joerg"]] == _refs(engine, officer, text="jörg")
    assert _refs(engine, officer, text="GROSSSTRASSE") == [refs["strasse"]]  # ß as ss, casefolded
    assert _refs(engine, officer, text="joerg.m@") == [refs["joerg"]]
    assert _refs(engine, officer, text="beispiel anna") == [refs["anna"]]  # every word, any order
    assert _refs(engine, officer, text="anna müller") == []
    assert _refs(engine, officer, text=refs["strasse"][-6:].lower()) == [refs["strasse"]]
    assert _refs(engine, officer, text="100%") == [] and _refs(engine, officer, text="_") == []  # wildcards are text
    listed = case_list(engine, officer, CaseFilter(text="anna"), today=TODAY).cases[0]
    assert listed.name == "Anna Beispiel" and listed.email == "anna@example.org"


def test_the_list_sorts_by_due_date_pages_and_filters_overdue_cases(
    engine: sa.Engine, office: dict[str, object]
) -> None:
    officer: User = office["officer"]  # type: ignore[assignment]
    refs: dict[str, str] = office["refs"]  # type: ignore[assignment]
    assert _refs(engine, officer) == [refs["joerg"], refs["strasse"], refs["anna"]]  # soonest deadline first
    assert _refs(engine, officer, sort="due_desc") == [refs["anna"], refs["strasse"], refs["joerg"]]
    first = case_list(engine, officer, CaseFilter(per_page=2), today=TODAY)
    second = case_list(engine, officer, CaseFilter(per_page=2, page=2), today=TODAY)
    assert first.total == second.total == 3 and not first.last_page and second.last_page
    assert [c.case.reference for c in first.cases + second.cases] == _refs(engine, officer)
    assert _refs(engine, officer, overdue=True) == [refs["joerg"]]  # received 50 days ago
    casefile.withdraw(engine, officer, refs["joerg"], now=NOW)
    assert _refs(engine, officer, overdue=True) == []  # a withdrawn case is no longer overdue
    assert _refs(engine, officer, states=(CaseState.WITHDRAWN,)) == [refs["joerg"]]


def test_an_officer_takes_a_case_or_gives_it_to_a_colleague_of_the_same_controller(
    engine: sa.Engine, office: dict[str, object]
) -> None:
    officer: User = office["officer"]  # type: ignore[assignment]
    colleague: User = office["colleague"]  # type: ignore[assignment]
    stranger: User = office["stranger"]  # type: ignore[assignment]
    refs: dict[str, str] = office["refs"]  # type: ignore[assignment]
    assert [c.username for c in colleagues(engine, officer, "gym")] == ["colleague", "officer"]
    assign(engine, officer, refs["anna"], officer.id, now=NOW)
    assert _refs(engine, officer, assigned="mine") == [refs["anna"]]
    assert _refs(engine, colleague, assigned="mine") == []
    assert refs["anna"] not in _refs(engine, officer, assigned="unassigned")
    assign(engine, officer, refs["anna"], colleague.id, now=NOW)
    assert _refs(engine, colleague, assigned="mine") == [refs["anna"]]
    assert casefile.get_case(engine, officer, refs["anna"]).assignee == colleague.id
    with pytest.raises(casefile.InputRejected) as refused:
        assign(engine, officer, refs["anna"], stranger.id, now=NOW)  # works for another controller
    assert refused.value.code == "assignee_not_colleague"
    with pytest.raises(casefile.NotFound):
        assign(engine, stranger, refs["anna"], stranger.id, now=NOW)
    assign(engine, officer, refs["anna"], None, now=NOW)
    assert refs["anna"] in _refs(engine, officer, assigned="unassigned")
    events = [e for e in casefile.history(engine, refs["anna"]) if e.action == "case assigned"]
    assert [(e.detail["assignee"], e.detail["previous"]) for e in events] == [
        (officer.id, None),
        (colleague.id, officer.id),
        (None, colleague.id),
    ]
    assert {e.actor for e in events} == {officer.actor}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from("aäßnN%_/\\- @.1Dd'\""), max_size=12))
def test_any_search_text_is_safe_and_every_hit_holds_every_word(
    engine: sa.Engine, office: dict[str, object], text: str
) -> None:
    officer: User = office["officer"]  # type: ignore[assignment]
    for row in case_list(engine, officer, CaseFilter(text=text), today=TODAY).cases:
        haystack = f"{row.case.reference} {row.name} {row.email}".casefold()
        assert all(word.casefold() in haystack for word in text.split())
