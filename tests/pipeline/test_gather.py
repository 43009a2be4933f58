"""Gathering: per-store reports; a store that is down fails alone and can be retried alone."""

from __future__ import annotations

from dsr import Classification, Descriptor, Field, Record, StoreState, resolve
from dsr.connector import ordered
from dsr.model import IdentifierKind
from dsr.pipeline.gather import gather
from dsr.testing import FakeConnector, FakePerson

ANNA = FakePerson(key="1", first_name="Anna", last_name="Müller", card="L1", login="anna")


def loan(key: str) -> Record:
    return Record(store="school", collection="loan", key=key, fields=(Field("title", "Momo", Classification.OWN),))


def test_failed_store_is_reported_and_others_still_run() -> None:
    school = FakeConnector("school", people=[ANNA], records={"1": [loan("1"), loan("2")]})
    logs = FakeConnector("logs", fail=True)
    subject = resolve("fake", [school], Descriptor(card_number="L1")).subject
    g = gather(subject, [school, logs])
    assert [r.state for r in g.reports] == [StoreState.OK, StoreState.FAILED]
    assert len(g.records) == 2 and not g.complete
    assert "down" in g.reports[1].error

    logs.fail = False
    retry = gather(subject, [school, logs], only={"logs"})
    assert [r.state for r in retry.reports] == [StoreState.SKIPPED, StoreState.OK]


def test_order_follows_what_connectors_consume_and_contribute() -> None:
    class Logs(FakeConnector):
        consumes = frozenset({IdentifierKind.LOGIN})

    class School(FakeConnector):
        contributes = frozenset({IdentifierKind.LOGIN})

    logs, school, other = Logs("logs"), School("school"), FakeConnector("other")
    assert [c.name for c in ordered([logs, other, school])] == ["other", "school", "logs"]


def test_contributed_identifiers_reach_later_stores() -> None:
    seen = {}

    class Logs(FakeConnector):
        consumes = frozenset({IdentifierKind.LOGIN})

        def records(self, subject):
            seen["logins"] = subject.values(IdentifierKind.LOGIN)
            return iter(())

    school = FakeConnector("school", people=[ANNA])
    subject = resolve("fake", [school], Descriptor(card_number="L1")).subject
    gather(subject, [Logs("logs"), school])
    assert seen["logins"] == ("anna",)


def test_an_unexpected_failure_reports_no_personal_data(caplog) -> None:
    class Broken(FakeConnector):
        def records(self, subject):
            raise RuntimeError("SELECT … WHERE email = 'anna@example.org'")

    school = FakeConnector("school", people=[ANNA])
    subject = resolve("fake", [school], Descriptor(card_number="L1")).subject
    with caplog.at_level("DEBUG"):
        g = gather(subject, [school, Broken("broken")])
    failed = g.reports[1]
    assert failed.state is StoreState.FAILED and "RuntimeError" in failed.error
    assert "anna" not in failed.error and "anna" not in caplog.text
