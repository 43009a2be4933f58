"""``dsr retention``: records a controller keeps past its own register's storage rules.

For a finding, not for a letter: the letter states each record's date ("wird gelöscht ab …") as a
fact; this report tells the controller where its stores contradict its register. It counts per
collection and gives the oldest due date — no personal data, so it can go to a DPO by e-mail.

Every person a store knows is read as a data subject would be, and the register's
``retention_rule`` dates their records with the same code the letter uses
(:func:`dsr.pipeline.compose.activities.erasure_dates`): the report and the letters cannot differ.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import msgspec

from dsr.config import Settings, connect
from dsr.connector import Connector
from dsr.errors import ConnectorError
from dsr.model import Identifier, IdentifierKind, Record, Subject
from dsr.pipeline import register as registers
from dsr.pipeline.check import register_name
from dsr.pipeline.compose.activities import erasure_dates


class Overdue(msgspec.Struct, frozen=True, kw_only=True):
    """Records of one collection past their erasure date."""

    store: str
    collection: str
    activity: str
    records: int
    oldest_due: dt.date  #: the earliest day one of them should have gone


class RetentionReport(msgspec.Struct, frozen=True, kw_only=True):
    controller: str
    on: dt.date
    people: int  #: people read
    overdue: tuple[Overdue, ...]
    failed: tuple[str, ...] = ()  #: stores that could not be read (named, no detail)

    @property
    def total(self) -> int:
        return sum(o.records for o in self.overdue)


def retention_report(settings: Settings, key: str, on: dt.date) -> RetentionReport:
    controller = settings.controller(key)
    register = registers.load(register_name(controller), base_dir=settings.base_dir)
    activity_of = {
        c: name
        for name, entry in register.activities.items()
        if entry.retention_rule
        for c in entry.retention_rule.collections
    }
    counts: dict[tuple[str, str], list[dt.date]] = {}
    people = 0
    failed: list[str] = []
    connectors = connect(settings, key)
    try:
        for connector in connectors:
            try:
                for records in _per_person(key, connector):
                    people += 1
                    for (store, collection, _), due in erasure_dates(register, records).items():
                        if due <= on:
                            counts.setdefault((store, collection), []).append(due)
            except ConnectorError:
                failed.append(connector.name)
    finally:
        for connector in connectors:
            connector.close()
    overdue = tuple(
        Overdue(store=s, collection=c, activity=activity_of.get(c, ""), records=len(days), oldest_due=min(days))
        for (s, c), days in sorted(counts.items())
    )
    return RetentionReport(controller=key, on=on, people=people, overdue=overdue, failed=tuple(failed))


def _per_person(controller: str, connector: Connector) -> Iterator[Sequence[Record]]:
    """Each person's records in one store (a record shared by two people is counted once)."""
    seen: set[tuple[str, str]] = set()
    for person in connector.people():
        subject = Subject(
            controller=controller,
            reference="retention",
            identifiers=person.identifiers | {Identifier(IdentifierKind.KEY, person.key, connector.name)},
        )
        records = [r for r in connector.records(subject) if (r.collection, r.key) not in seen]
        seen |= {(r.collection, r.key) for r in records}
        yield records


def report_text(report: RetentionReport) -> str:
    """Plain text, one collection a line (for cron mail)."""
    lines = [f"retention report for {report.controller} on {report.on.isoformat()} ({report.people} people read)"]
    if not report.overdue:
        lines.append("no record is kept past its register's storage rule")
    for o in report.overdue:
        lines.append(
            f"  {o.store}.{o.collection} ({o.activity}): {o.records} record(s) past their rule, "
            f"oldest due {o.oldest_due.isoformat()}"
        )
    for store in report.failed:
        lines.append(f"  store {store} could not be read: run again")
    return "\n".join(lines) + "\n"
