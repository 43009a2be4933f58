"""The confirmation letter of an erasure (Art. 17) or restriction (Art. 18): built from the plan as
it was executed and the Art. 19 notice tasks, kept with the case as its prepared answer.

What the letter says comes from the plan, never from an officer's summary: every record the plan
erased (by collection, with counts and how: "Ausleihen: 12 Einträge (Personenbezug entfernt)"),
every record kept instead with the hold's reason, law and end (a date, or the condition: "bis: zur
Rückgabe"), and the recipients told — or not told, and why (impossible, disproportionate effort).
The letter then takes the usual way: four-eyes approval with the letter opened, then dispatch.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping, Sequence
from typing import Literal

import msgspec
import sqlalchemy as sa

from dsr import casefile
from dsr.config import ControllerSettings, Settings, connect
from dsr.model import Text
from dsr.pipeline import compose, render
from dsr.pipeline.compose.disclosure import address_of
from dsr.pipeline.compose.values import date_text
from dsr.pipeline.compose.wording import Wording, form_of, wording
from dsr.pipeline.erasure import WORDS, ErasurePlan, PlannedAction, PlannedOutcome
from dsr.service.casework.common import ConnectorsOf

Kind = Literal["erasure", "restriction"]
#: how an Art. 19 notice task ended: told, or not (Art. 19 sentence 1 GDPR), or not yet
Outcome = Literal["open", "done", "impossible", "disproportionate"]


class Told(msgspec.Struct, frozen=True, kw_only=True):
    """One recipient of an Art. 19 notice task, as the letter needs it."""

    name: Text  #: the recipient in words, by language
    outcome: Outcome
    note: str = ""  #: the officer's reason where the recipient could not be told


class Confirmation(msgspec.Struct, frozen=True, kw_only=True):
    """What the letter lists, in the reader's language (the arguments of :func:`compose.notice`)."""

    erased: tuple[str, ...] = ()
    kept: tuple[compose.Kept, ...] = ()
    informed: tuple[str, ...] = ()
    not_informed: tuple[str, ...] = ()
    restricted: tuple[str, ...] = ()


class NotReady(casefile.TransitionRefused):
    """The letter cannot be written yet (a task is open, the plan was not executed)."""


@functools.cache  # the words the plan's PDF uses too, so both say the same
def _plan_words() -> Mapping[str, object]:
    return tomllib.loads(WORDS.read_text(encoding="utf-8"))


def _hold_words(kind: str, entry: str) -> Text:
    found = _hold_entry(kind).get(entry)
    return found if isinstance(found, dict) else {}


def _hold_law(kind: str) -> str:
    found = _hold_entry(kind).get("law")
    return found if isinstance(found, str) else ""


def _hold_entry(kind: str) -> dict[str, object]:
    holds = _plan_words().get("holds", {})
    assert isinstance(holds, dict)
    words = holds.get(kind) or holds.get("condition", {})
    return words if isinstance(words, dict) else {}


def _count(words: Wording, n: int) -> str:
    return words.get("erased", "one") if n == 1 else words.get("erased", "many").replace("{count}", str(n))


def _why(words: Wording, action: PlannedAction) -> str:
    """The holds' reasons in words, each with its law ("Gesetzliche Aufbewahrungsfrist (§ 147 AO)")."""
    parts = []
    for hold in action.holds:
        reason = words.pick(hold.reason) or words.pick(_hold_words(hold.kind, "reason"))
        law = hold.law or _hold_law(hold.kind)
        parts.append(f"{reason.rstrip('.')} ({law})" if law and law not in reason else reason)
    return "; ".join(dict.fromkeys(p for p in parts if p))


def _until(words: Wording, action: PlannedAction) -> str:
    """A date where the plan has one; else the condition the erasure waits for ("zur Rückgabe")."""
    if action.erase_on is not None:
        return date_text(action.erase_on, words.language, long=True)
    for hold in action.holds:
        if hold.until is None:
            said = words.pick(_hold_words(hold.kind, "until"))
            # the letter prints "bis: …" itself
            return said.removeprefix("bis ").removeprefix("until ")
    dated = [h.until for h in action.holds if h.until is not None]
    return date_text(max(dated), words.language, long=True) if dated else ""


def _latest(words: Wording, actions: Sequence[PlannedAction]) -> str:
    """Until when a group of records is kept: a condition if one waits for it, else the last date."""
    said = [_until(words, a) for a in actions]
    dated = [a.erase_on for a in actions if a.erase_on is not None]
    if len(dated) == len(actions) and dated:
        return date_text(max(dated), words.language, long=True)
    return next((u for u, a in zip(said, actions, strict=True) if a.erase_on is None and u), said[0])


def _grouped(pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for key in pairs:
        counts[key] = counts.get(key, 0) + 1
    return counts  # in the plan's order (dicts keep the first appearance)


def confirmation(
    plan: ErasurePlan, told: Sequence[Told], language: str, *, kind: Kind = "erasure", form: str = "sie"
) -> Confirmation:
    """The letter's lists from the executed plan and the closed Art. 19 tasks. Refused
    (``art19_open``) while a task is still open: the letter must say whom we told."""
    if any(t.outcome == "open" for t in told):
        raise NotReady("an Art. 19 notice task is still open", code="art19_open")
    words = wording(language, form=form)
    erased = _grouped(
        [
            (words.pick(a.title), words.get("erased", a.erase.value))
            for a in plan.actions
            if a.outcome is PlannedOutcome.ERASE
        ]
    )
    held = [a for a in plan.actions if a.outcome in (PlannedOutcome.RESTRICT, PlannedOutcome.EXPIRES)]
    kept: dict[tuple[str, str], list[PlannedAction]] = {}
    for action in held:
        kept.setdefault((words.pick(action.title), _why(words, action)), []).append(action)
    # one recipient is told once, though several activities name it: told if any task was done
    names = {words.pick(t.name): t for t in told if t.outcome == "done"}
    for t in told:
        names.setdefault(words.pick(t.name), t)
    informed = tuple(name for name, t in names.items() if t.outcome == "done")
    not_informed = tuple(
        f"{name} ({words.get('erased', t.outcome)}{': ' + t.note if t.note else ''})"
        for name, t in names.items()
        if t.outcome in ("impossible", "disproportionate")
    )
    if kind == "restriction":  # at the person's request (Art. 18(1)): every record of the plan is restricted
        every = _grouped([(words.pick(a.title), "") for a in plan.actions if a.outcome is not PlannedOutcome.KEEP])
        return Confirmation(
            restricted=tuple(f"{title}: {_count(words, n)}" for (title, _), n in every.items()),
            informed=informed,
            not_informed=not_informed,
        )
    return Confirmation(
        erased=tuple(f"{title}: {_count(words, n)} ({how})" for (title, how), n in erased.items()),
        kept=tuple(
            compose.Kept(what=f"{title}: {_count(words, len(actions))}", why=why, until=_latest(words, actions))
            for (title, why), actions in kept.items()
        ),
        informed=informed,
        not_informed=not_informed,
    )


def confirmation_letter(
    kind: Kind,
    settings: Settings,
    controller: str,
    request: compose.Request,
    plan: ErasurePlan,
    told: Sequence[Told],
    *,
    reasons: str = "",
) -> compose.Notice:
    """The letter itself (:func:`compose.notice`), citing the controller's law (Land law for a
    public school: :func:`dsr.pipeline.compose.notice.erasure_law`)."""
    chosen = settings.controller(controller)
    said = confirmation(plan, told, request.language, kind=kind, form=_form(chosen, request))
    if kind == "restriction":
        reasons = restriction_reasons(plan, request.language, reasons)
    return compose.notice(
        kind,
        chosen,
        request,
        erased=said.erased,
        kept=said.kept,
        informed=said.informed,
        not_informed=said.not_informed,
        restricted=said.restricted,
        reasons=reasons,
    )


def restriction_reasons(plan: ErasurePlan, language: str, added: str = "") -> str:
    """The ground of a restriction at the person's request in words, with its law and until when
    ("… (Art. 18 Abs. 1 lit. a DSGVO). Die Einschränkung gilt bis 31.05.2026."), then the officer's
    own words, if any."""
    grounds = _plan_words().get("grounds", {})
    assert isinstance(grounds, dict)
    said = grounds.get(plan.ground, {})
    words = wording(language)
    text = ""
    if isinstance(said, dict):
        reason = words.pick(said.get("reason", {})).rstrip(".")
        text = f"{reason} ({said.get('law', '')})." if reason else ""
    ends = [h.until for a in plan.actions for h in a.holds if h.until is not None]
    if ends:
        day = date_text(max(ends), language, long=True)
        text += f" Die Einschränkung gilt bis {day}." if language == "de" else f" The restriction lasts until {day}."
    return " ".join(p for p in (text.strip(), added.strip()) if p)


def _form(controller: ControllerSettings, request: compose.Request) -> str:
    """ "du" where the letter addresses a young reader so (its lists then speak the same way)."""
    return form_of(address_of(request, controller))


def prepare_confirmation(
    engine: sa.Engine,
    settings: Settings,
    user: casefile.User,
    reference: str,
    plan: ErasurePlan,
    told: Sequence[Told],
    *,
    kind: Kind = "erasure",
    reasons: str = "",
    language: str | None = None,
    second: bool = False,
    connectors_of: ConnectorsOf = connect,
) -> int:
    """Compose and render the confirmation and store it as the case's answer for approval (the
    case moves to ``prepared``; the usual four-eyes approval and dispatch follow). ``second``: the
    request asked for access too, whose answer went out first: the confirmation is the case's
    second letter (:mod:`dsr.casefile.confirmation`, its own approval and dispatch). Addressed as
    the access answer is (a young pupil's to her guardians; refused, ``to_guardians``, while none
    is known). Returns its document id."""
    from dsr.service.letters import letter_request

    view = casefile.get_case(engine, user, reference, zone=settings.zone)
    request = letter_request(
        engine,
        settings,
        user,
        reference,
        language or view.language or settings.dsr.language,
        connectors_of=connectors_of,
    )
    letter = confirmation_letter(kind, settings, view.controller, request, plan, told, reasons=reasons)
    name = "loeschbestaetigung.pdf" if kind == "erasure" else "einschraenkung.pdf"
    document = casefile.Document(filename=name, media_type="application/pdf", content=render.pdf(letter))
    if second:
        from dsr.casefile import confirmation

        return confirmation.prepare(engine, user, reference, document)
    return casefile.prepare(engine, user, reference, document, zone=settings.zone)
