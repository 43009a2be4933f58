"""Rectification (Art. 16 GDPR) carried out: the subject's correctable fields, and correcting them.

Which columns may be corrected is the mapping's word (``WriteRules.rectify``), never the officer's:
a column not declared there is refused, and so is any record that is not the confirmed subject's
(the stores are read again, so a form cannot name somebody else's row). Corrections go through the
store's writer, all columns of one store in one transaction; before and after are kept in the case
file (:mod:`dsr.casefile.rights`), never in a log. Where the controller cannot verify the correct
value, a supplementary statement (Art. 16 sentence 2) is recorded instead of changing the store.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation

import msgspec
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.documents import WorkCase, latest_document_id, read_document
from dsr.casefile.rights import ASKED_KIND, Asked, Corrected, asked_of, open_notices, record_rectification
from dsr.config import Settings, connect
from dsr.connector import Connector
from dsr.model import CollectionSpec, Gathering, Record, Text, Value
from dsr.pipeline import register as registers
from dsr.pipeline.erasure import recipients_of
from dsr.pipeline.gather import gather
from dsr.service.casework.common import ConnectorsOf, case_by_reference, close_connectors, confirmed_subject
from dsr.writing import Step, StepAction, StoreWriter, Target, WriteError

log = logging.getLogger(__name__)

#: the case states in which a right is carried out: the person is confirmed, nothing is sent yet
WORKING = frozenset({casefile.CaseState.IDENTITY_CONFIRMED, casefile.CaseState.GATHERING, casefile.CaseState.REVIEW})

#: the columns a detail named on the public form stands for (the names James's mappings use)
DETAIL_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "name": ("first_name", "last_name", "name"),
    "email": ("email",),
    "address": ("street", "postal_code", "city"),
    "phone": ("phone",),
    "class": ("class_name",),
    "other": (),
}


class Rectifiable(msgspec.Struct, frozen=True, kw_only=True):
    """A column of one of the subject's records that a rectification may change."""

    target: Target
    column: str
    title: Text  #: the collection's title
    label: Text  #: the column's label
    kind: str  #: text | date | int | …  (FieldSpec.kind)
    current: Value
    #: the value the requester asked for, where the form's fields name this column; None: not asked
    requested: str | None = None
    asked: bool = False  #: the requester named this detail as wrong


class Change(msgspec.Struct, frozen=True, kw_only=True):
    """A correction as the officer typed it (text; converted to the column's kind)."""

    target: Target
    column: str
    value: str


def requested_value(asked: Asked | None, column: str) -> str | None:
    """The requester's correct value for ``column``, where their words name exactly it. A name is
    split at its last space into first and last name; an address is not split (the officer does)."""
    if asked is None or column not in DETAIL_COLUMNS.get(asked.detail, ()) or not asked.value.strip():
        return None
    value = " ".join(asked.value.split())
    if asked.detail == "name" and column in ("first_name", "last_name"):
        first, _, last = value.rpartition(" ")
        return (first if column == "first_name" else last) or None
    if asked.detail == "address":
        return None
    return value


def rectifiable(gathering: Gathering, writers: Mapping[str, StoreWriter], asked: Asked | None) -> list[Rectifiable]:
    """Every column the writers' rules open to rectification, in the subject's gathered records."""
    specs = {(c.store, c.name): c for c in gathering.collections}
    out = []
    for record in gathering.records:
        writer = writers.get(record.store)
        rule = writer.rules().get(record.collection) if writer is not None else None
        spec = specs.get((record.store, record.collection))
        if rule is None or spec is None:
            continue
        values = {f.name: f.value for f in record.fields}
        for column in rule.rectify:
            field = next((f for f in spec.fields if f.name == column), None)
            out.append(
                Rectifiable(
                    target=Target(record.store, record.collection, record.key),
                    column=column,
                    title=spec.title,
                    label=field.label if field is not None else {"de": column, "en": column},
                    kind=field.kind if field is not None else "text",
                    current=values.get(column),
                    requested=requested_value(asked, column),
                    asked=asked is not None and column in DETAIL_COLUMNS.get(asked.detail, ()),
                )
            )
    return out


def typed(kind: str, text: str) -> Value:
    """The officer's text as the column's kind; an empty field clears the column."""
    text = text.strip()
    if not text:
        return None
    try:
        if kind == "date":
            if "." in text:  # 01.02.2010, as people write it here
                return dt.datetime.strptime(text, "%d.%m.%Y").date()
            return dt.date.fromisoformat(text)
        if kind == "datetime":
            return dt.datetime.fromisoformat(text)
        if kind == "int":
            return int(text)
        if kind == "money":
            return Decimal(text.replace(",", "."))
    except (ValueError, InvalidOperation):
        raise casefile.InputRejected("the value does not fit the field", code="rectify_value", kind=kind) from None
    if kind == "bool":
        return text.casefold() in ("true", "1", "ja", "yes", "on", "wahr")
    return text


# --------------------------------------------------------------------------- the case's subject


class Gathered(msgspec.Struct, frozen=True, kw_only=True):
    """A case's confirmed subject, everything of theirs in the stores, and the stores' writers."""

    controller: str
    case: WorkCase
    gathering: Gathering
    writers: dict[str, StoreWriter]


def writers_of(connectors: Sequence[Connector]) -> dict[str, StoreWriter]:
    return {c.name: w for c in connectors if (w := c.writer()) is not None}


@contextlib.contextmanager
def subject_stores(
    engine: sa.Engine,
    settings: Settings,
    user: casefile.User | None,
    reference: str,
    *,
    connectors_of: ConnectorsOf = connect,
) -> Iterator[Gathered]:
    """The case's subject gathered afresh, with the writers open while the block runs. Refused
    unless the user may work the case and it is being worked (confirmed, not yet answered)."""
    if user is not None:
        casefile.get_case(engine, user, reference)  # membership first: no store is read for another's case
    case = case_by_reference(engine, reference)
    if case.state not in WORKING:
        raise casefile.TransitionRefused("a right is carried out while the case is worked", code="rights_not_now")
    connectors = list(connectors_of(settings, case.controller))
    try:
        subject = confirmed_subject(settings, case, connectors)
        yield Gathered(
            controller=case.controller,
            case=case,
            gathering=gather(subject, connectors),
            writers=writers_of(connectors),
        )
    finally:
        close_connectors(connectors)


def asked_in(engine: sa.Engine, user: casefile.User | None, reference: str) -> Asked | None:
    """What the requester's form said is wrong (the newest such document of the case)."""
    doc = latest_document_id(engine, user, reference, ASKED_KIND)
    if doc is None:
        return None
    _, content = read_document(engine, user, reference, doc, audited=False)
    return asked_of(content)


def fields_of_case(
    engine: sa.Engine,
    settings: Settings,
    user: casefile.User | None,
    reference: str,
    *,
    connectors_of: ConnectorsOf = connect,
) -> list[Rectifiable]:
    """The subject's correctable fields, with the requester's correct values filled in."""
    asked = asked_in(engine, user, reference)
    with subject_stores(engine, settings, user, reference, connectors_of=connectors_of) as found:
        return rectifiable(found.gathering, found.writers, asked)


# --------------------------------------------------------------------------- correcting


def rectify(
    engine: sa.Engine,
    settings: Settings,
    user: casefile.User | None,
    reference: str,
    changes: Sequence[Change],
    *,
    verified: bool,
    statement: str | None = None,
    connectors_of: ConnectorsOf = connect,
) -> list[int]:
    """Correct the columns (``verified``) or record the supplementary statement instead (not
    verified); returns the case file's row ids. Columns whose value would not change are left out.
    A correction made in the stores opens one Art. 19 notice task per named recipient of the
    corrected records' activities (:func:`told_of`)."""
    with subject_stores(engine, settings, user, reference, connectors_of=connectors_of) as found:
        register = register_of(settings, found.controller)  # read first: a broken register changes nothing
        records = {Target(r.store, r.collection, r.key): r for r in found.gathering.records}
        specs = {(c.store, c.name): c for c in found.gathering.collections}
        steps: dict[Target, dict[str, Value]] = {}
        corrected: list[Corrected] = []
        for change in changes:
            record = records.get(change.target)
            if record is None:
                raise casefile.InputRejected("not a record of the confirmed person", code="rectify_target")
            writer = found.writers.get(change.target.store)
            rule = writer.rules().get(change.target.collection) if writer is not None else None
            if writer is None or rule is None or change.column not in rule.rectify:
                raise casefile.InputRejected(
                    "this field is not open to rectification",
                    code="rectify_column",
                    store=change.target.store,
                    collection=change.target.collection,
                    column=change.column,
                )
            value = typed(_kind(specs.get((record.store, record.collection)), change.column), change.value)
            before = _before(writer, record, change.column)
            if value == before:
                continue
            steps.setdefault(change.target, {})[change.column] = value
            corrected.append(
                Corrected(target=change.target, column=change.column, before=before, after=value, applied=verified)
            )
        if not corrected:
            raise casefile.InputRejected("no value differs from the stored one", code="rectify_nothing")
        if verified:
            for store in sorted({t.store for t in steps}):
                batch = [
                    Step(target=t, action=StepAction.RECTIFY, values=v)
                    for t, v in sorted(steps.items())
                    if t.store == store
                ]
                try:
                    found.writers[store].apply(batch)
                except WriteError:
                    # the message names store and key only; the values stay out of the log
                    log.warning("case %s: rectification refused by store %s", reference, store)
                    raise casefile.TransitionRefused(
                        "the store refused the correction; nothing of it was changed",
                        code="rectify_failed",
                        store=store,
                    ) from None
        recipients = told_of([records[t] for t in steps], found.gathering, register) if verified else []
    ids = record_rectification(engine, user, reference, corrected, verified=verified, statement=statement)
    open_notices(engine, user, reference, "rectification", recipients)
    log.info(
        "case %s: %d column(s) %s", reference, len(corrected), "rectified" if verified else "kept with a statement"
    )
    return ids


def register_of(settings: Settings, controller: str) -> registers.Register:
    """The controller's record of processing activities (the James register for its kind by default)."""
    c = settings.controller(controller)
    name = c.register or ("james-school" if c.kind == "school" else "james-vendor")
    return registers.load(name, base_dir=settings.base_dir)


def told_of(
    affected: Sequence[Record], gathering: Gathering, register: registers.Register
) -> list[tuple[str, dict[str, str]]]:
    """(activity, recipient name) of everyone to tell of a change to ``affected`` (Art. 19 GDPR):
    the erasure plan's rule, applied to the changed records only."""
    specs = {(c.store, c.name): c for c in gathering.collections}
    return [(r.activity, dict(r.name)) for r in recipients_of(affected, specs, register)]


def _kind(spec: CollectionSpec | None, column: str) -> str:
    field = next((f for f in spec.fields if f.name == column), None) if spec is not None else None
    return field.kind if field is not None else "text"


def _before(writer: StoreWriter, record: Record, column: str) -> Value:
    """The stored value now (the writer reads the store), else the gathered one."""
    current = writer.current(Target(record.store, record.collection, record.key), [column])
    if column in current:
        return current[column]
    return next((f.value for f in record.fields if f.name == column), None)
