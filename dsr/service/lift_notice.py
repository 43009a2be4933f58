"""The lift notice: a restriction at the person's request is lifted only after they were told
(Art. 18(3) GDPR). The letter says which restriction ends, from which day, why (the ground of
Art. 18(1) that ended, in the words of ``erasure_plan/words.toml``, and the officer's own words) and
the person's rights (objection, complaint to the supervisory authority).

It follows the case's answer as a letter of its own (:data:`dsr.casefile.confirmation.LIFT_NOTICE`):
the usual four eyes (an approver who did not prepare it and opened it) and dispatch by post, as the
other second letters. :func:`dsr.casefile.confirmation.announced` tells
:func:`dsr.service.erasure.lift_plan` whether it went out: the day it was mailed is the day the
person was told, and the restriction is lifted no earlier than the day the letter names.
"""

from __future__ import annotations

import datetime as dt

import msgspec
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import confirmation
from dsr.casefile.erasure import PlanState, StoredPlan, plans_of_case, restrictions_of
from dsr.config import Settings, connect
from dsr.pipeline import compose, render
from dsr.pipeline.compose.disclosure import address_of
from dsr.pipeline.compose.wording import form_of, wording
from dsr.pipeline.erasure import RESTRICTION_GROUNDS, words
from dsr.service.casework.common import ConnectorsOf
from dsr.service.erasure_letter import confirmation as confirmation_lists

FILENAME = "aufhebung-einschraenkung.pdf"
TRACK = confirmation.LIFT_NOTICE


def restriction_plan(engine: sa.Engine, user: casefile.User, reference: str) -> StoredPlan:
    """The case's executed restriction plan that still restricts records (``restriction_not_active``)."""
    for stored in plans_of_case(engine, user, reference):
        if stored.state is PlanState.SUPERSEDED:
            continue
        if stored.plan.kind == "restriction" and stored.executed_at is not None:
            if restrictions_of(engine, stored.controller, plan_id_=stored.id):
                return stored
        break  # only the case's current plan counts
    raise casefile.TransitionRefused("the case has no restriction in force to lift", code="restriction_not_active")


def ground_law(ground: str, language: str) -> str:
    """The letter of Art. 18(1) the restriction rested on, as the reader's language cites it."""
    letter = RESTRICTION_GROUNDS.get(ground, "")
    if not letter:
        return ""
    return f"Art. 18 Abs. 1 lit. {letter} DSGVO" if language == "de" else f"Art. 18(1)({letter}) GDPR"


def lift_reasons(ground: str, language: str, form: str = "sie", added: str = "") -> str:
    """Why the restriction ends: the ground that ended in words ("Die Richtigkeit der Daten ist
    überprüft."; the letter cites its law, :func:`ground_law`), then the officer's own words, if any."""
    grounds = words().get("grounds", {})
    said = grounds.get(ground, {}) if isinstance(grounds, dict) else {}
    ended = said.get("ended", {}) if isinstance(said, dict) else {}
    text = wording(language, form=form).pick(ended if isinstance(ended, dict) else {})
    return " ".join(p for p in (text.strip(), added.strip()) if p)


def prepare(
    engine: sa.Engine,
    settings: Settings,
    user: casefile.User,
    reference: str,
    *,
    lift_on: dt.date,
    reasons: str = "",
    language: str | None = None,
    connectors_of: ConnectorsOf = connect,
) -> int:
    """Compose and render the lift notice of the case's restriction and keep it for approval (its
    own four eyes and dispatch). Refused without a restriction in force (``restriction_not_active``),
    for a day before today (``lift_on_past``), before the case's answer — with access asked for as
    well, the restriction's confirmation — went out (``lift_notice_too_early``), and once it went
    out itself (``lift_notice_sent``). Returns the document id."""
    from dsr.service.letters import letter_request

    view = casefile.get_case(engine, user, reference, zone=settings.zone)
    stored = restriction_plan(engine, user, reference)
    if lift_on < dt.datetime.now(settings.zone).date():
        raise casefile.InputRejected("the restriction is lifted from today or a later day", code="lift_on_past")
    if {str(t) for t in view.request_types} & {"access", "copy"}:
        first = confirmation.current(engine, user, reference)
        if first is None or first.dispatched_at is None:
            raise casefile.TransitionRefused(
                "the restriction's confirmation goes out first; the lift notice follows it",
                code="lift_notice_too_early",
            )
    chosen = settings.controller(view.controller)
    # addressed as the access answer is: a young pupil's notice to her guardians (or refused, ``to_guardians``)
    request = letter_request(
        engine,
        settings,
        user,
        reference,
        language or view.language or settings.dsr.language,
        connectors_of=connectors_of,
    )
    form = form_of(address_of(request, chosen))
    still = {r.target for r in restrictions_of(engine, stored.controller, plan_id_=stored.id)}
    held = msgspec.structs.replace(stored.plan, actions=tuple(a for a in stored.plan.actions if a.target in still))
    lists = confirmation_lists(held, [], request.language, kind="restriction", form=form)
    letter = compose.notice(
        "restriction_lift",
        chosen,
        request,
        restricted=lists.restricted,
        reasons=lift_reasons(stored.plan.ground, request.language, form, reasons),
        lift_on=lift_on,
        ground_law=ground_law(stored.plan.ground, request.language),
    )
    document = casefile.Document(filename=FILENAME, media_type="application/pdf", content=render.pdf(letter))
    return confirmation.prepare(
        engine, user, reference, document, track=TRACK, facts={"plan": stored.id, "lift_on": lift_on.isoformat()}
    )
