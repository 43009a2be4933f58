"""The redaction review and the final answer.

What the officer decides on comes from the gather job's *review sheet* (case document
``review_sheet``, :func:`dsr.pipeline.redact.review.review_sheet`): the flagged text highlighted in
its sentence, the sentence as it prints for either decision, where it is in the mapping's words,
whose record it is, the role of the person it may be. Officers may see that third party's data;
the requester never gets the sheet. A case gathered before the sheet existed shows the item masked
(``review.json``). Review decisions are stored per item in ``dsr.casefile`` (``decide``); the
``ground`` column holds the reason code of :data:`dsr.pipeline.redact.REASONS`.
:func:`render_answer` turns them into ``dsr.pipeline.redact.Decision`` values and renders the final
letter for approval.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import msgspec
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.documents import attach_document, latest_document_id, read_document, review_states
from dsr.config import Settings, connect
from dsr.model import StoreState
from dsr.pipeline.answer import prepare_answer
from dsr.pipeline.redact import REASONS, Action, Decision
from dsr.pipeline.redact.review import Place, ReviewItem, Sentence, read_review_sheet
from dsr.service.casework.common import (
    CaseworkError,
    ConnectorsOf,
    case_by_reference,
    cases_table,
    close_connectors,
    confirmed_subject,
)
from dsr.service.casework.gathering import language_of, letter_facts
from dsr.service.casework.routing import ensure_guardian_addressed, settle_routing
from dsr.service.restricted import RESTRICTED, restricted_decisions


class ReviewEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One review item as the officer decides on it: the flagged text in its sentence, where it is,
    and its decision. Holds another person's data (``text``, ``sentence``): officers only."""

    id: str
    group: str
    #: how many items of the case one decision on this one covers (identical text, this one included)
    covers: int
    store: str
    collection: str
    record: str
    field: str
    place: Place  #: collection and field in the mapping's words; the relation it was reached through
    own_record: bool  #: the subject's own record (else one that concerns them through a relation)
    kind: str
    rule: str
    role: str | None  #: the role of the known person it may be (a code: "student", "guardian")
    context: str  #: the surrounding text with the item masked as [[?]]
    text: str | None  #: the flagged text as written; None for a case gathered before the review sheet
    sentence: Sentence | None  #: its sentence as printed for either decision; None likewise
    decision: str | None  #: disclose | redact | withhold, None while open
    reason: str | None  #: a code of dsr.pipeline.redact.REASONS
    decided_at: dt.datetime | None = None  #: UTC
    decided_by: str | None = None  #: the officer's username


def review_entries(engine: sa.Engine, user: casefile.User, reference: str) -> list[ReviewEntry]:
    """The case's review items in context, with their decisions (reading them is audited)."""
    items = _review_items(engine, user, reference)
    if not items:
        return []
    states = {s.item: s for s in review_states(engine, user, reference)}
    decided = _decided(engine, reference)
    covers = Counter(i.group for i in items)
    entries = []
    for i in items:
        state = states.get(i.id)
        at, by = decided.get(i.id, (None, None))
        entries.append(
            ReviewEntry(
                id=i.id,
                group=i.group,
                covers=covers[i.group],
                store=i.store,
                collection=i.collection,
                record=i.record,
                field=i.field,
                place=i.place,
                own_record=i.place.own_record,
                kind=i.kind,
                rule=i.rule,
                role=i.role,
                context=i.context,
                text=i.text if i.sentence is not None else None,
                sentence=i.sentence,
                decision=state.decision if state else None,
                reason=state.ground if state else None,
                decided_at=at if state and state.decision else None,
                decided_by=by if state and state.decision else None,
            )
        )
    return entries


def _review_items(engine: sa.Engine, user: casefile.User, reference: str) -> list[ReviewItem]:
    """The review sheet's items; for a case gathered before the sheet, review.json's (item masked)."""
    doc_id = latest_document_id(engine, user, reference, "review")
    sheet = latest_document_id(engine, user, reference, "review_sheet")
    if sheet is not None and (doc_id is None or sheet > doc_id):  # not one of an earlier gathering
        return read_review_sheet(read_document(engine, user, reference, sheet)[1]).items
    if doc_id is None:
        return []
    _, content = read_document(engine, user, reference, doc_id)
    return [
        ReviewItem(
            id=i["id"],
            group=i["group"],
            store=i["store"],
            collection=i["collection"],
            record=i.get("record", ""),
            field=i["field"],
            start=0,
            end=0,
            kind=i["kind"],
            rule=i["rule"],
            role=i.get("role"),
            context=i["context"],
            place=msgspec.convert(i.get("place") or {}, Place),
        )
        for i in msgspec.json.decode(content)["items"]
    ]


def _decided(engine: sa.Engine, reference: str) -> dict[str, tuple[dt.datetime | None, str | None]]:
    """item → when and by whom it was decided (read after the membership check of review_states)."""
    from dsr.casefile.schema import review_items, users

    query = (
        sa.select(review_items.c.item, review_items.c.decided_at, users.c.username)
        .join(cases_table(), cases_table().c.id == review_items.c.case_id)
        .outerjoin(users, users.c.id == review_items.c.decided_by)
        .where(cases_table().c.reference == reference, review_items.c.decision.is_not(None))
    )
    with engine.connect() as conn:
        return {item: (at, name) for item, at, name in conn.execute(query)}


def decide_items(
    engine: sa.Engine,
    user: casefile.User,
    reference: str,
    item: str,
    decision: str,
    reason: str,
    *,
    same_text: bool = True,
) -> int:
    """Decide one review item and, with ``same_text``, every item with the same text; returns how many."""
    if reason not in REASONS:
        raise casefile.InputRejected(f"unknown reason code; one of {', '.join(REASONS)}", code="unknown_reason")
    entries = review_entries(engine, user, reference)
    chosen = next((e for e in entries if e.id == item), None)
    if chosen is None:
        raise casefile.NotFound(f"no review item {item!r} in case {reference}")
    targets = [e for e in entries if e.group == chosen.group] if same_text else [chosen]
    for e in targets:
        casefile.decide(engine, user, reference, e.id, decision, reason)
    return len(targets)


def _decisions(engine: sa.Engine, user: casefile.User, reference: str) -> list[Decision]:
    result = []
    for s in review_states(engine, user, reference):
        if s.decision is None or s.reason == RESTRICTED:
            continue
        action = Action.KEEP if s.decision == "disclose" else Action.REDACT
        reason = s.ground if s.ground in REASONS else "other"
        result.append(Decision(action=action, reason=reason, decider=f"user:{s.decided_by}", item=s.item))
    return result


def render_answer(
    engine: sa.Engine,
    settings: Settings,
    user: casefile.User,
    reference: str,
    *,
    language: str | None = None,
    connectors_of: ConnectorsOf = connect,
) -> int:
    """Render the final letter with the officer's decisions and store it for approval (``prepare``).

    Returns the answer's document id. Refused while review items are open or a store fails.
    """
    casefile.get_case(engine, user, reference)  # membership check before touching any store
    case = case_by_reference(engine, reference)
    connectors = connectors_of(settings, case.controller)
    try:
        subject = confirmed_subject(settings, case, connectors)
        routing = settle_routing(engine, settings, case, subject, connectors, actor=user.actor)  # kept since gathering
        facts = letter_facts(engine, settings, case, subject, connectors)
        ensure_guardian_addressed(routing, facts.recipient)
        answer = prepare_answer(
            settings,
            case.controller,
            subject,
            connectors,
            facts=facts,
            language=language_of(settings, case, language),
            decisions=_decisions(engine, user, reference),
            restricted=restricted_decisions(engine, user, reference),
            formats=("pdf", "json"),
        )
    finally:
        close_connectors(connectors)
    if not answer.complete:
        failed = ", ".join(r.store for r in answer.reports if r.state is StoreState.FAILED)
        raise CaseworkError(
            f"case {reference}: store(s) failed ({failed}); try again later", code="stores_failed", stores=failed
        )
    if answer.draft:
        raise casefile.TransitionRefused(
            f"{answer.open_reviews} item(s) still need a decision", code="items_open", count=answer.open_reviews
        )
    attach_document(
        engine,
        reference,
        "answer_json",
        casefile.Document(
            filename="disclosure.json", media_type="application/json", content=answer.documents["disclosure.json"]
        ),
        user=user,
    )
    return casefile.prepare(
        engine,
        user,
        reference,
        casefile.Document(
            filename="disclosure.pdf", media_type="application/pdf", content=answer.documents["disclosure.pdf"]
        ),
        zone=settings.zone,
    )
