"""Objection (Art. 21 GDPR) carried out: the balancing decision, and stopping what it names.

The officer records the decision (upheld or rejected) with its reasons. Where an objection that
is upheld names processing that rests on the person's consent, it is a withdrawal of that consent
(Art. 7(3) GDPR) and dsr stops it in the store: for James, the loan history kept by consent —
``keep_loan_history`` set to false (a rectification step: the mapping must open the column to it)
and every *returned* loan anonymised as the mapping erases loans. Open loans stay as they are: the
library needs them until the item is back. Any other processing is recorded with the decision;
stopping it is the controller's own step, named in the reasons.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import msgspec
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.rights import Decision, objection_applied, open_notices, record_objection
from dsr.config import Settings, connect
from dsr.model import Record
from dsr.service.casework.common import ConnectorsOf
from dsr.service.rectification import Gathered, register_of, subject_stores, told_of
from dsr.writing import Step, StepAction, Target, WriteError

log = logging.getLogger(__name__)


class ConsentProcessing(msgspec.Struct, frozen=True, kw_only=True):
    """Processing kept by consent: a flag column says so; the records it keeps are erased once they
    are no longer needed otherwise (``done``: a date column that is set when that is so)."""

    flag_collection: str
    flag_column: str
    withdrawn: bool | str | int = False
    kept_collection: str
    done: str


#: the processing an upheld objection stops in the store, by the name the case page offers
CONSENTS: dict[str, ConsentProcessing] = {
    "loan_history": ConsentProcessing(
        flag_collection="account",
        flag_column="keep_loan_history",
        kept_collection="loan",
        done="returned_at",
    ),
}


class Objected(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    decision: Decision
    #: what stopping did: {"rectified": 1, "anonymised": 4}; empty when nothing was stopped in a store
    counts: dict[str, int] = {}


def processings(activities: Sequence[str]) -> list[str]:
    """What an objection can name: the consent-kept processing dsr stops, then the register's activities."""
    return [*CONSENTS, *activities]


def _steps(found: Gathered, consent: ConsentProcessing) -> list[Step]:
    """Withdraw the consent: the flag off, the finished records erased (the open ones untouched)."""
    steps = []
    for r in found.gathering.records:
        target = Target(r.store, r.collection, r.key)
        writer = found.writers.get(r.store)
        rule = writer.rules().get(r.collection) if writer is not None else None
        if r.collection == consent.flag_collection:
            if rule is None or consent.flag_column not in rule.rectify:
                raise casefile.TransitionRefused(
                    "the store's mapping does not let dsr change the consent",
                    code="rectify_column",
                    store=r.store,
                    collection=r.collection,
                    column=consent.flag_column,
                )
            steps.append(
                Step(target=target, action=StepAction.RECTIFY, values={consent.flag_column: consent.withdrawn})
            )
        elif r.collection == consent.kept_collection and _finished(r, consent.done) and rule is not None:
            steps.append(Step(target=target, action=StepAction.ERASE))
    return steps


def _finished(record: Record, column: str) -> bool:
    return any(f.name == column and f.value is not None for f in record.fields)


def decide(
    engine: sa.Engine,
    settings: Settings,
    user: casefile.User | None,
    reference: str,
    processing: str,
    decision: Decision,
    reasons: str,
    *,
    connectors_of: ConnectorsOf = connect,
) -> Objected:
    """Record the decision; where upheld and the processing is kept by consent, stop it in the store."""
    consent = CONSENTS.get(processing) if decision is Decision.UPHELD else None
    if consent is None:
        return Objected(id=record_objection(engine, user, reference, processing, decision, reasons), decision=decision)
    with subject_stores(engine, settings, user, reference, connectors_of=connectors_of) as found:
        register = register_of(settings, found.controller)
        records = {Target(r.store, r.collection, r.key): r for r in found.gathering.records}
        steps = _steps(found, consent)
        changed = []
        oid = record_objection(engine, user, reference, processing, decision, reasons)
        counts = {"rectified": 0, "anonymised": 0}
        for store in sorted({s.target.store for s in steps}):
            try:
                done = found.writers[store].apply([s for s in steps if s.target.store == store])
            except WriteError:
                log.warning("case %s: store %s refused to stop the processing", reference, store)
                raise casefile.TransitionRefused(
                    "the decision is recorded, but the store refused the change; nothing of it was changed",
                    code="objection_failed",
                    store=store,
                ) from None
            for a in done:
                if a.changed:
                    counts["rectified" if a.step.action is StepAction.RECTIFY else "anonymised"] += 1
                    changed.append(records[a.step.target])
        # the data changed: its recipients are told as of a rectification or erasure (Art. 19)
        recipients = told_of(changed, found.gathering, register)
    objection_applied(engine, user, reference, oid, counts)
    open_notices(engine, user, reference, "objection", recipients)
    log.info("case %s: objection %d upheld, processing %s stopped", reference, oid, processing)
    return Objected(id=oid, decision=decision, counts=counts)
