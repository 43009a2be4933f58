"""The redaction review and the final answer.

Review decisions are stored per item in ``dsr.casefile`` (``decide``); the ``ground`` column holds
the reason code of :data:`dsr.pipeline.redact.REASONS`. :func:`render_answer` turns them into
``dsr.pipeline.redact.Decision`` values and renders the final letter for approval.
"""

from __future__ import annotations

import msgspec
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.documents import attach_document, latest_document_id, read_document, review_states
from dsr.config import Settings, connect
from dsr.model import StoreState
from dsr.pipeline.answer import prepare_answer
from dsr.pipeline.redact import REASONS, Action, Decision
from dsr.service.casework.common import (
    CaseworkError,
    ConnectorsOf,
    case_by_reference,
    close_connectors,
    confirmed_subject,
)
from dsr.service.casework.gathering import language_of, letter_facts
from dsr.service.casework.routing import settle_routing
from dsr.service.restricted import RESTRICTED, restricted_decisions


class ReviewEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One review item as the case page shows it: in context (the item masked), with its decision."""

    id: str
    group: str
    store: str
    collection: str
    field: str
    kind: str
    rule: str
    role: str | None
    context: str
    decision: str | None  #: disclose | redact | withhold, None while open
    reason: str | None  #: a code of dsr.pipeline.redact.REASONS


def review_entries(engine: sa.Engine, user: casefile.User, reference: str) -> list[ReviewEntry]:
    """The case's review items in context, with their decisions (reading them is audited)."""
    doc_id = latest_document_id(engine, user, reference, "review")
    if doc_id is None:
        return []
    _, content = read_document(engine, user, reference, doc_id)
    states = {s.item: s for s in review_states(engine, user, reference)}
    entries = []
    for i in msgspec.json.decode(content)["items"]:
        state = states.get(i["id"])
        entries.append(
            ReviewEntry(
                id=i["id"],
                group=i["group"],
                store=i["store"],
                collection=i["collection"],
                field=i["field"],
                kind=i["kind"],
                rule=i["rule"],
                role=i.get("role"),
                context=i["context"],
                decision=state.decision if state else None,
                reason=state.ground if state else None,
            )
        )
    return entries


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
        settle_routing(engine, settings, case, subject, connectors, actor=user.actor)  # kept since gathering
        answer = prepare_answer(
            settings,
            case.controller,
            subject,
            connectors,
            facts=letter_facts(engine, case, subject, connectors),
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
    )
