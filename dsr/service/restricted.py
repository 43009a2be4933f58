"""Restricted records on a case: the officer sees each one and decides, with a legal ground.

A restricted record (``Record.restricted``; e.g. the subject is the suspect of an incident
reported to the authorities) is kept back until an officer decides: disclose, withhold
(counted in the letter) or withhold silently; withholding needs a ground (bdsg-34 | land-law |
art15-4 | bdsg-29). A record with restricted fields (``Record.restricted_fields``: the other
party of an incident — the attacker's address, host name, the authority's case number) is
decided the same way; only those fields are kept back, and the entry names them.
The gather job keeps the records as the case document ``restricted`` and adds one review item
per record (``item`` = the record reference, ``reason`` = :data:`RESTRICTED`), so an undecided
one keeps the case from being prepared or approved like any open review item, and each
decision is audited by ``dsr.casefile.decide``. :func:`restricted_decisions` feeds
``dsr.pipeline.answer.prepare_answer(restricted=…)``.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.documents import latest_document_id, read_document, review_states
from dsr.model import CollectionSpec, Record
from dsr.pipeline.restriction import RecordAction, RestrictionDecision, WithholdingGround

#: the ``reason`` of a review item that is a restricted record (its ``item`` is the record reference)
RESTRICTED = "restricted-record"


class RestrictedEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A restricted record as the case page shows it (personal data: never logged), with its decision."""

    reference: str  #: ``R-…`` (dsr.pipeline.restriction.record_reference)
    store: str
    collection: str
    relation: str | None
    fields: list[tuple[str, str]]  #: (field name, value as text)
    decision: str | None  #: disclose | withhold | withhold_silently; None while undecided
    ground: str | None  #: bdsg-34 | land-law | art15-4 | bdsg-29
    #: the fields the decision is about (the other party's data); empty: the whole record
    restricted_fields: list[str] = []
    #: the mapping's words: the collection's title and each field's label ({"de": …, "en": …})
    title: dict[str, str] = {}
    labels: dict[str, dict[str, str]] = {}
    codes: dict[str, dict[str, dict[str, str]]] = {}  #: field → stored code → its words


def restricted_json(records: dict[str, Record], specs: Mapping[tuple[str, str], CollectionSpec] | None = None) -> bytes:
    """The records as the case keeps them, with the mapping's words for the officer (``specs``:
    (store, collection) → its description; without one the page names fields by their column)."""
    specs = specs or {}

    def words(r: Record) -> dict[str, object]:
        spec = specs.get((r.store, r.collection))
        if spec is None:
            return {}
        return {
            "title": dict(spec.title),
            "labels": {f.name: dict(f.label) for f in spec.fields},
            # stored codes explained ("brute_force" → "Passwort-Rateversuche")
            "codes": {f.name: {k: dict(v) for k, v in f.codes.items()} for f in spec.fields if f.codes},
        }

    return msgspec.json.encode(
        [
            {
                "reference": ref,
                "store": r.store,
                "collection": r.collection,
                "relation": r.relation,
                "fields": [[f.name, "" if f.value is None else str(f.value)] for f in r.fields],
                "restricted_fields": list(r.restricted_fields),
                **words(r),
            }
            for ref, r in records.items()
        ]
    )


def restricted_entries(engine: sa.Engine, user: casefile.User, reference: str) -> list[RestrictedEntry]:
    """The case's restricted records with their decisions (reading them is audited)."""
    doc_id = latest_document_id(engine, user, reference, "restricted")
    if doc_id is None:
        return []
    _, content = read_document(engine, user, reference, doc_id)
    states = {s.item: s for s in review_states(engine, user, reference) if s.reason == RESTRICTED}
    entries = []
    for r in msgspec.json.decode(content):
        state = states.get(r["reference"])
        entries.append(
            RestrictedEntry(
                reference=r["reference"],
                store=r["store"],
                collection=r["collection"],
                relation=r["relation"],
                fields=[(name, value) for name, value in r["fields"]],
                decision=state.decision if state else None,
                ground=state.ground if state else None,
                restricted_fields=list(r.get("restricted_fields", [])),
                title=r.get("title", {}),
                labels=r.get("labels", {}),
                codes=r.get("codes", {}),
            )
        )
    return entries


def decide_restricted_record(
    engine: sa.Engine,
    user: casefile.User,
    reference: str,
    record: str,
    decision: str,
    ground: str | None = None,
) -> None:
    """Disclose or withhold (openly counted, or silently) one restricted record, with its legal ground."""
    casefile.get_case(engine, user, reference)  # membership first: someone else's case does not exist
    try:
        action = RecordAction(decision)
    except ValueError:
        raise casefile.InputRejected(
            f"decision must be one of {', '.join(a.value for a in RecordAction)}", code="restricted_decision"
        ) from None
    if ground is not None:
        try:
            WithholdingGround(ground)
        except ValueError:
            raise casefile.InputRejected(
                f"ground must be one of {', '.join(g.value for g in WithholdingGround)}", code="ground_unknown"
            ) from None
    if action is not RecordAction.DISCLOSE and ground is None:
        raise casefile.InputRejected(
            f"withholding needs a ground: {', '.join(g.value for g in WithholdingGround)}", code="ground_missing"
        )
    if not any(s.item == record and s.reason == RESTRICTED for s in review_states(engine, user, reference)):
        raise casefile.NotFound(f"no restricted record {record!r} in case {reference}")
    casefile.decide(engine, user, reference, record, action.value, ground)


def restricted_decisions(engine: sa.Engine, user: casefile.User, reference: str) -> dict[str, RestrictionDecision]:
    return {
        s.item: RestrictionDecision(
            decision=RecordAction(s.decision),
            ground=WithholdingGround(s.ground) if s.ground else None,
            decider=f"user:{s.decided_by}",
        )
        for s in review_states(engine, user, reference)
        if s.reason == RESTRICTED and s.decision is not None
    }
