"""Rectification (Art. 16), objection (Art. 21) and portability (Art. 20) on the officer's case page.

* rectification: the subject's correctable fields (the mappings' ``rectify`` lists, read from the
  stores), the requested values filled in; "Berichtigung anwenden" posts to
  ``/officer/cases/<ref>/rights/rectify`` (:func:`dsr.service.rectification.rectify`);
* ``objection-decide``: the balancing decision and its reasons (:mod:`dsr.service.objection`);
* ``portability-make``: the ZIP and the reasons for what is refused, kept with the case
  (:mod:`dsr.service.portability`); the officer downloads them from the documents list;
* ``rights-task``: close an Art. 19 notice task a rectification or upheld objection opened
  (told / impossible / disproportionate + note), as erasure tasks are closed;
* ``rights-letter``: the confirmation of one right (:mod:`dsr.service.rights_letter`) becomes the
  case's prepared answer — or, once an access answer went out first, its second letter (approved
  and posted with ``erasure-letter-approve`` / ``erasure-letter-post``, which serve any second letter).

The services enforce every rule; this module shows what is possible and says why not.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any, Literal

import msgspec
from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from dsr import casefile
from dsr.casefile import confirmation
from dsr.casefile.documents import DocumentInfo
from dsr.casefile.erasure import close_notice, notices_of_case
from dsr.casefile.rights import Decision, objections_of, rectifications_of
from dsr.errors import DSRError
from dsr.model import Value
from dsr.pipeline.compose.wording import pick
from dsr.portal.context import Portal
from dsr.portal.i18n import Language, keys, text
from dsr.portal.officer.erasure import TaskBody, TaskRow  # one Art. 19 task form for both sections
from dsr.portal.officer.flash import encode
from dsr.portal.officer.refusals import refusal_text
from dsr.portal.officer.session import page_language
from dsr.service import objection, portability, rectification, rights_letter
from dsr.writing import Target

log = logging.getLogger("dsr.portal")


class FieldRow(msgspec.Struct, frozen=True, kw_only=True):
    target: str  #: "<store>/<collection>/<key>/<column>" (the form's hidden field)
    record: str  #: the collection's title
    label: str
    current: str
    value: str  #: what the input holds: the requested value, else the stored one
    asked: bool


class DoneRow(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    before: str
    after: str
    applied: bool
    statement: str | None
    at: dt.datetime
    by: str


class DecisionRow(msgspec.Struct, frozen=True, kw_only=True):
    processing: str  #: in words
    decision: str
    reasons: str
    at: dt.datetime
    by: str
    applied: dict[str, int] | None


class RightsView(msgspec.Struct, frozen=True, kw_only=True):
    rectification: bool
    objection: bool
    portability: bool
    may_work: bool  #: confirmed and not yet answered: the services accept a step
    fields: list[FieldRow] = []
    unavailable: bool = False
    rectified: list[DoneRow] = []
    processings: dict[str, str] = {}
    decisions: list[DecisionRow] = []
    portability_doc: int | None = None
    refusal_doc: int | None = None
    #: the Art. 19 notice tasks a rectification or upheld objection opened
    tasks: list[TaskRow] = []
    #: the letters this case can take now (rectification | objection | portability), in that order
    letters: list[str] = []
    #: the letter goes as the second letter (the access answer went out first); None: not yet
    second: bool = False
    #: the second letter prepared, and how far it went (None: none prepared)
    letter_id: int | None = None
    letter_approved: bool = False
    letter_dispatched: bool = False
    #: the case asks for access (or a copy) too: that answer goes first
    access_first: bool = False

    @property
    def staff(self) -> set[int]:
        actors = [r.by for r in self.rectified] + [d.by for d in self.decisions]
        actors += [t.closed_by for t in self.tasks if t.closed_by]
        return {int(a.removeprefix("user:")) for a in actors if a.removeprefix("user:").isdigit()}

    @property
    def open_tasks(self) -> int:
        return sum(1 for t in self.tasks if t.state == "open")

    @property
    def done(self) -> set[str]:
        """The rights whose step is done (what the letters report)."""
        found = set()
        if self.rectified:
            found.add("rectification")
        if self.decisions:
            found.add("objection")
        if self.portability_doc or self.refusal_doc:
            found.add("portability")
        return found


def shown(value: Value, language: Language) -> str:
    """A stored value as the officer reads and types it (dates as 31.12.2010)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return text(language, "officer.case.yes" if value else "officer.case.no").lower()
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def _label(labels: Any, language: Language, default: str) -> str:
    return pick(labels, language, default) if labels else default


def rights_view(
    p: Portal, u: casefile.User, case: casefile.CaseView, documents: Sequence[DocumentInfo], language: Language
) -> RightsView | None:
    """The rights section of the case page; None unless the request asks for one of these rights."""
    types = {str(t) for t in case.request_types}
    if not types & {"rectification", "objection", "copy"}:
        return None
    may_work = bool(case.subject_reference) and case.state in rectification.WORKING
    fields: list[FieldRow] = []
    unavailable = False
    if "rectification" in types and may_work:
        try:
            found = rectification.fields_of_case(p.engine, p.settings, u, case.reference, connectors_of=p.connectors_of)
        except DSRError as exc:
            log.warning("case %s: correctable fields not read (%s)", case.reference, type(exc).__name__)
            found, unavailable = [], True
        fields = [
            FieldRow(
                target="/".join((f.target.store, f.target.collection, f.target.key, f.column)),
                record=_label(f.title, language, f.target.collection),
                label=_label(f.label, language, f.column),
                current=shown(f.current, language),
                value=f.requested if f.requested is not None else shown(f.current, language),
                asked=f.asked,
            )
            for f in found
        ]
    labels = {f.target: f.label for f in fields}
    rectified = [
        DoneRow(
            label=labels.get("/".join((r.target.store, r.target.collection, r.target.key, r.column)), r.column),
            before="" if r.before is None else str(r.before),
            after="" if r.after is None else str(r.after),
            applied=r.applied,
            statement=r.statement,
            at=r.applied_at,
            by=r.applied_by,
        )
        for r in rectifications_of(p.engine, u, case.reference)
    ]
    processings = _processings(p, case.controller, language)
    activity_names = _activity_names(p, case.controller)
    decisions = [
        DecisionRow(
            processing=processings.get(o.processing, o.processing),
            decision=o.decision.value,
            reasons=o.reasons,
            at=o.decided_at,
            by=o.decided_by,
            applied=o.applied,
        )
        for o in objections_of(p.engine, u, case.reference)
    ]
    docs = {d.kind: d.id for d in documents}  # the newest of each kind (ordered by id)
    tasks = [
        TaskRow(
            id=n.id,
            recipient=n.recipient,
            activity=activity_names.get(n.activity, {}),
            state=n.state.value,
            note=n.note or "",
            closed_at=n.closed_at,
            closed_by=n.closed_by,
        )
        for n in notices_of_case(p.engine, u, case.reference)
        if n.plan_id is None and n.kind in ("rectification", "objection")
    ]
    asked = [k for k in rights_letter.KINDS if k in types or (k == "portability" and "copy" in types)]
    access_first = bool(types & {"access", "copy"})
    second = case.state is casefile.CaseState.DISPATCHED
    letter = confirmation.current(p.engine, u, case.reference) if second else None
    may_letter = (second and access_first and (letter is None or letter.dispatched_at is None)) or (
        case.state is casefile.CaseState.REVIEW and not access_first
    )
    return RightsView(
        rectification="rectification" in types,
        objection="objection" in types,
        portability="copy" in types,
        may_work=may_work,
        fields=fields,
        unavailable=unavailable,
        rectified=rectified,
        processings=processings,
        decisions=decisions,
        portability_doc=docs.get(portability.DOCUMENT_KIND),
        refusal_doc=docs.get(portability.REFUSAL_KIND),
        tasks=tasks,
        letters=list[str](asked) if may_letter else [],
        second=second,
        letter_id=letter.document if letter is not None else None,
        letter_approved=letter is not None and letter.approved_at is not None,
        letter_dispatched=letter is not None and letter.dispatched_at is not None,
        access_first=access_first,
    )


def _activity_names(p: Portal, controller: str) -> dict[str, Any]:
    """The register's activities in words, by key (for the notice tasks)."""
    try:
        register = rectification.register_of(p.settings, controller)
    except DSRError:
        return {}
    return {key: entry.name for key in register.activities if (entry := register.activity(key)) is not None}


def rights_step(view: RightsView) -> tuple[str, str, dict[str, object]] | None:
    """The next-step panel's step (``officer.next.<key>``), the section that does it and its values,
    while a right is carried out; None where the usual steps follow (the access answer first, or
    the letter is prepared as the answer)."""
    if view.may_work:
        if view.rectification and not view.rectified:
            return "rights.rectify", "rights-rectification", {}
        if view.objection and not view.decisions:
            return "rights.objection", "rights-objection", {}
        if view.portability and "portability" not in view.done:
            return "rights.portability", "rights-portability", {}
    if view.open_tasks:
        return "rights.tasks", "rights-tasks", {"count": view.open_tasks}
    if view.letters and view.letter_id is None and view.done & set(view.letters):
        return "rights.letter", "rights-letter", {}
    if view.letter_id is not None and not view.letter_dispatched:  # the second letter
        return ("erasure.confirm_dispatch" if view.letter_approved else "erasure.confirm_approve"), "rights-letter", {}
    return None


def _processings(p: Portal, controller: str, language: Language) -> dict[str, str]:
    """What an objection can name, in words: the consent-kept processing, then the register's activities."""
    try:
        register = rectification.register_of(p.settings, controller)
    except DSRError:
        return {k: text(language, f"officer.rights.processing_name.{k}") for k in objection.CONSENTS}
    out = {}
    for code in objection.processings(list(register.activities)):
        key = f"officer.rights.processing_name.{code}"
        entry = register.activity(code)
        out[code] = text(language, key) if key in keys() else pick(entry.name, language, code) if entry else code
    return out


# --------------------------------------------------------------------------- actions


class ObjectionBody(msgspec.Struct, kw_only=True):
    processing: str
    decision: Decision
    reasons: str


class NoBody(msgspec.Struct, kw_only=True):
    pass


def _objection(p: Portal, u: casefile.User, ref: str, b: ObjectionBody) -> Any:
    view = casefile.get_case(p.engine, u, ref)
    if b.processing not in objection.processings(
        list(rectification.register_of(p.settings, view.controller).activities)
    ):
        raise casefile.InputRejected("name the processing objected to", code="objection_processing")
    done = objection.decide(
        p.engine, p.settings, u, ref, b.processing, b.decision, b.reasons, connectors_of=p.connectors_of
    )
    return {"objection": done.id, "counts": done.counts, "done": "rights.objection"}


def _portability(p: Portal, u: casefile.User, ref: str, _: NoBody) -> Any:
    made = portability.make_for_case(p.engine, p.settings, u, ref, connectors_of=p.connectors_of)
    return {"document": made.document, "refusal": made.refusal, "done": "rights.portability"}


class LetterBody(msgspec.Struct, kw_only=True):
    kind: Literal["rectification", "objection", "portability"]


def _task(p: Portal, u: casefile.User, ref: str, b: TaskBody) -> Any:
    mine = {n.id for n in notices_of_case(p.engine, u, ref) if n.plan_id is None}
    if b.task not in mine:
        raise casefile.NotFound(f"no notice {b.task} in case {ref}")
    close_notice(p.engine, u, b.task, b.outcome, (b.note or "").strip())
    return {"done": "rights.task"}


def _letter(p: Portal, u: casefile.User, ref: str, b: LetterBody) -> Any:
    document = rights_letter.prepare(p.engine, p.settings, u, ref, b.kind, connectors_of=p.connectors_of)
    return {"document": document, "done": "rights.letter"}


Action = Callable[[Portal, casefile.User, str, Any], Any]
ACTIONS: dict[str, tuple[type[msgspec.Struct], Action]] = {
    "objection-decide": (ObjectionBody, _objection),
    "portability-make": (NoBody, _portability),
    "rights-task": (TaskBody, _task),
    "rights-letter": (LetterBody, _letter),
}


def changes_of(form: dict[str, str]) -> list[rectification.Change]:
    """The form's rows (``target-<n>``, ``value-<n>``) as changes; a malformed row is refused."""
    out = []
    for name, target in form.items():
        if not name.startswith("target-"):
            continue
        parts = target.split("/")
        if len(parts) < 4:
            raise casefile.InputRejected("not a record of the confirmed person", code="rectify_target")
        store, collection, column, key = parts[0], parts[1], parts[-1], "/".join(parts[2:-1])
        value = form.get("value-" + name.removeprefix("target-"), "")
        out.append(rectification.Change(target=Target(store, collection, key), column=column, value=value))
    return out


def _rectify(p: Portal, u: casefile.User, ref: str, form: dict[str, str]) -> None:
    verified = form.get("verified") != "no"
    rectification.rectify(
        p.engine,
        p.settings,
        u,
        ref,
        changes_of(form),
        verified=verified,
        statement=form.get("statement"),
        connectors_of=p.connectors_of,
    )


@post("/cases/{ref:str}/rights/rectify", include_in_schema=False)
async def rectify_page(
    request: Request[Any, Any, Any],
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
) -> Redirect:
    """ "Berichtigung anwenden": back to the case page with what happened (post/redirect/get)."""
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    language = page_language(request)
    try:
        await portal.call(_rectify, portal, user, ref, form)
    except casefile.NotFound:
        raise
    except (DSRError, ValueError) as exc:
        token = encode(portal.secret, "error", refusal_text(exc, language))
        return Redirect(portal.url(f"/officer/cases/{ref}?flash={token}#action-error"), status_code=303)
    token = encode(portal.secret, "done", text(language, "officer.done.rights.rectify"))
    return Redirect(portal.url(f"/officer/cases/{ref}?flash={token}#rights-rectification"), status_code=303)


HANDLERS: list[Any] = [rectify_page]
