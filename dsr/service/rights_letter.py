"""The confirmation letters of rectification (Art. 16), objection (Art. 21) and portability
(Art. 20), built from the case file and kept as the case's prepared answer, so the usual four-eyes
approval and dispatch carry them.

* rectification: every column corrected, in words (the field's label from the mapping) with the
  new value — the person's own data —, what was recorded as a supplementary statement instead and
  why, and whom we told (Art. 19: the case's notice tasks of kind ``rectification``);
* objection: the newest decision with its reasons; upheld: what stopped (the counts the stores
  reported) and whom we told; rejected: the compelling legitimate grounds and the right to complain;
* portability: a short cover letter. A download offer hands out one document, so the ZIP's
  entries (``data.json``, ``schema.json``, the CSVs) are embedded in the letter's PDF as PDF/A-3
  associated files (relationship Data), as the access answer carries ``disclosure.json``: wherever
  the PDF travels as a file, the data go with it; by post the ZIP goes on a data carrier
  (docs/rights.md). Refused activities: the reasons kept with the case (Art. 20(3) sentence 2 for
  a public task).

A request that asked for access as well had its access answer dispatched first: the letter is then
the case's second letter (:mod:`dsr.casefile.confirmation`), approved and posted on its own.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from typing import Literal, cast

import msgspec
import pikepdf
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import confirmation
from dsr.casefile.documents import latest_document_id, read_document
from dsr.casefile.erasure import Notice, notices_of_case
from dsr.casefile.rights import Decision, Objection, Rectification, objections_of, rectifications_of
from dsr.config import ControllerSettings, Settings, connect
from dsr.errors import DSRError
from dsr.model import Text
from dsr.pipeline import compose, render
from dsr.pipeline.compose.disclosure import address_of
from dsr.pipeline.compose.values import date_text
from dsr.pipeline.compose.wording import form_of, pick, wording
from dsr.service import portability
from dsr.service.casework.common import ConnectorsOf, close_connectors
from dsr.service.erasure_letter import NotReady, Outcome, Told
from dsr.service.rectification import register_of

Kind = Literal["rectification", "objection", "portability"]
KINDS: tuple[Kind, ...] = ("rectification", "objection", "portability")
FILENAMES: dict[str, str] = {
    "rectification": "berichtigung.pdf",
    "objection": "widerspruch.pdf",
    "portability": "datenuebertragbarkeit.pdf",
}

#: the processing an upheld objection stops in the store, and what stopping did, in words
STOPPED: dict[str, dict[str, Text]] = {
    "loan_history": {
        "name": {"de": "Aufbewahrung des Ausleihverlaufs", "en": "keeping the loan history"},
        "rectified": {
            "de": "Ihr Ausleihverlauf wird nicht mehr aufbewahrt (Einstellung im Bibliothekskonto ausgeschaltet).",
            "du": "Wir heben deinen Ausleihverlauf nicht mehr auf (die Einstellung in deinem Konto ist aus).",
            "en": "Your loan history is no longer kept (the setting in your library account is switched off).",
        },
        "anonymised": {
            "de": "{count} zurückgegebene Ausleihe(n): der Bezug zu Ihrer Person ist entfernt (anonymisiert).",
            "du": "{count} zurückgegebene Ausleihe(n): dein Name ist daraus entfernt.",
            "en": "{count} returned loan(s): the link to you is removed (anonymised).",
        },
    },
}
_YES_NO = {"de": ("ja", "nein"), "en": ("yes", "no")}


# --------------------------------------------------------------------------- the letters' lists


def told_of(notices: Sequence[Notice], kind: str) -> list[Told]:
    """The Art. 19 tasks of ``kind`` opened for the case (not an erasure plan's) as the letter needs them."""
    return [
        Told(name=n.recipient, outcome=cast(Outcome, n.state.value), note=n.note or "")
        for n in notices
        if n.kind == kind and n.plan_id is None
    ]


def _shown(value: object, kind: str, language: str) -> str:
    """A stored value as the letter prints it (dates as people write them)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _YES_NO.get(language, _YES_NO["de"])[0 if value else 1]
    if kind == "date" and isinstance(value, str):
        try:
            return date_text(dt.date.fromisoformat(value), language)
        except ValueError:
            return value
    return str(value)


def corrected_lines(
    rows: Sequence[Rectification], labels: Mapping[tuple[str, str], tuple[Text, str]], language: str
) -> tuple[list[str], list[str], str]:
    """("Label: new value" applied, "Label: value asked for" kept as a statement, the statement)."""
    applied: list[str] = []
    supplemented: list[str] = []
    statements: list[str] = []
    for r in rows:
        label, kind = labels.get((r.target.collection, r.column), ({}, "text"))
        line = f"{pick(label, language, r.column) if label else r.column}: {_shown(r.after, kind, language)}"
        target = applied if r.applied else supplemented
        if line not in target:
            target.append(line)
        if not r.applied and r.statement and r.statement not in statements:
            statements.append(r.statement)
    return applied, supplemented, "\n".join(statements)


def _labels(
    settings: Settings, controller: str, connectors_of: ConnectorsOf
) -> dict[tuple[str, str], tuple[Text, str]]:
    """(collection, column) → (label, kind) from the mappings (no store is searched for anyone)."""
    try:
        connectors = list(connectors_of(settings, controller))
    except DSRError:
        return {}
    try:
        return {
            (spec.name, f.name): (f.label, f.kind) for c in connectors for spec in c.collections() for f in spec.fields
        }
    finally:
        close_connectors(connectors)


def processing_words(settings: Settings, controller: str, processing: str, language: str) -> str:
    """The processing objected to, in words (the consent-kept one, or the register's activity)."""
    if processing in STOPPED:
        return pick(STOPPED[processing]["name"], language, processing)
    try:
        entry = register_of(settings, controller).activity(processing)
    except DSRError:
        entry = None
    return pick(entry.name, language, processing) if entry is not None else processing


def stopped_lines(decided: Objection, language: str, form: str = "sie") -> list[str]:
    """What stopping the processing did, in words (the counts the stores reported); ``form`` "du"
    for a young reader addressed so."""
    said = STOPPED.get(decided.processing)
    if decided.decision is not Decision.UPHELD or said is None or not decided.applied:
        return []
    out = []
    for what in ("rectified", "anonymised"):
        if (count := decided.applied.get(what, 0)) > 0:
            out.append(wording(language, form=form).pick(said[what]).replace("{count}", str(count)))
    return out


# --------------------------------------------------------------------------- composing


def _notice(
    kind: Kind,
    engine: sa.Engine,
    settings: Settings,
    user: casefile.User,
    reference: str,
    controller: str,
    request: compose.Request,
    connectors_of: ConnectorsOf,
) -> tuple[compose.Notice, list[tuple[str, bytes]]]:
    """The letter, and the files its PDF carries (portability)."""
    chosen = settings.controller(controller)
    language = request.language
    if kind == "portability":
        return _portability(engine, user, reference, chosen, request)
    told = told_of(notices_of_case(engine, user, reference), kind)
    said = told_lists(told, language, form_of(address_of(request, chosen)))
    if kind == "rectification":
        rows = rectifications_of(engine, user, reference)
        if not rows:
            raise NotReady("nothing was corrected or recorded yet", code="rights_nothing_done")
        applied, supplemented, statement = corrected_lines(rows, _labels(settings, controller, connectors_of), language)
        letter = compose.notice(
            "rectification",
            chosen,
            request,
            corrected=applied,
            supplemented=supplemented,
            statement=statement,
            informed=said.informed,
            not_informed=said.not_informed,
        )
        return letter, []
    decisions = objections_of(engine, user, reference)
    if not decisions:
        raise NotReady("the objection is not decided yet", code="rights_nothing_done")
    decided = decisions[-1]
    letter = compose.notice(
        "objection",
        chosen,
        request,
        decision=decided.decision.value,
        processing=processing_words(settings, controller, decided.processing, language),
        reasons=decided.reasons,
        stopped=stopped_lines(decided, language, form_of(address_of(request, chosen))),
        informed=said.informed,
        not_informed=said.not_informed,
    )
    return letter, []


class Lists(msgspec.Struct, frozen=True, kw_only=True):
    informed: tuple[str, ...] = ()
    not_informed: tuple[str, ...] = ()


def told_lists(told: Sequence[Told], language: str, form: str = "sie") -> Lists:
    """Whom we told, and whom not and why, as the erasure confirmation says it (one recipient named
    by several activities once). Refused while a task is open (``art19_open``): the letter must say
    whom we told."""
    if any(t.outcome == "open" for t in told):
        raise NotReady("an Art. 19 notice task is still open", code="art19_open")
    words = wording(language, form=form)
    names = {words.pick(t.name): t for t in told if t.outcome == "done"}
    for t in told:
        names.setdefault(words.pick(t.name), t)
    return Lists(
        informed=tuple(name for name, t in names.items() if t.outcome == "done"),
        not_informed=tuple(
            f"{name} ({words.get('erased', t.outcome)}{': ' + t.note if t.note else ''})"
            for name, t in names.items()
            if t.outcome != "done"
        ),
    )


def _portability(
    engine: sa.Engine,
    user: casefile.User,
    reference: str,
    chosen: ControllerSettings,
    request: compose.Request,
) -> tuple[compose.Notice, list[tuple[str, bytes]]]:
    """The cover letter, and the ZIP's entries it carries; refused until the file is made."""
    zipped = latest_document_id(engine, user, reference, portability.DOCUMENT_KIND)
    refused = latest_document_id(engine, user, reference, portability.REFUSAL_KIND)
    if zipped is None and refused is None:
        raise NotReady("make the portability file first", code="portability_not_made")
    files: list[tuple[str, bytes]] = []
    covered: list[str] = []
    if zipped is not None:
        _, content = read_document(engine, user, reference, zipped, audited=False)
        files = zip_entries(content)
        data = json.loads(dict(files)["data.json"])
        covered = list(dict.fromkeys(c["title"] for c in data["collections"]))
    reasons = ""
    if refused is not None:
        _, text = read_document(engine, user, reference, refused, audited=False)
        reasons = text.decode("utf-8")
    letter = compose.notice(
        "portability",
        chosen,
        request,
        files=[name for name, _ in files],
        covered=covered,
        reasons=reasons,
    )
    return letter, files


def zip_entries(content: bytes) -> list[tuple[str, bytes]]:
    """The ZIP's entries under flat names ("csv/school-review.csv" → "school-review.csv")."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [(name.rsplit("/", 1)[-1], archive.read(name)) for name in sorted(archive.namelist())]


def with_files(pdf: bytes, files: Sequence[tuple[str, bytes]], day: dt.date) -> bytes:
    """Embed ``files`` as PDF/A-3 associated files (relationship Data, listed in the catalog's /AF)."""
    if not files:
        return pdf
    stamp = f"D:{day.strftime('%Y%m%d')}000000Z"
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        associated = doc.Root.get("/AF")
        if associated is None:
            associated = doc.Root.AF = pikepdf.Array()
        for name, content in files:
            mime = "application/json" if name.endswith(".json") else "text/csv"
            spec = pikepdf.AttachedFileSpec(
                doc,
                content,
                filename=name,
                mime_type=mime,
                creation_date=stamp,
                mod_date=stamp,
                relationship=pikepdf.Name.Data,
            )
            doc.attachments[name] = spec
            associated.append(spec.obj)
        out = io.BytesIO()
        doc.save(out, deterministic_id=True)
    return out.getvalue()


# --------------------------------------------------------------------------- preparing


def prepare(
    engine: sa.Engine,
    settings: Settings,
    user: casefile.User,
    reference: str,
    kind: Kind,
    *,
    language: str | None = None,
    connectors_of: ConnectorsOf = connect,
) -> int:
    """Compose and render the letter and keep it as the case's answer for approval (the case moves
    to ``prepared``); once an access answer went out first (the case is dispatched), as the case's
    second letter. Refused while an Art. 19 task of the right is open (``art19_open``). Returns the
    document id."""
    from dsr.service.letters import letter_request

    view = casefile.get_case(engine, user, reference, zone=settings.zone)
    if kind not in {str(t) for t in view.request_types} | ({"portability"} if "copy" in view.request_types else set()):
        raise casefile.TransitionRefused("the request does not ask for this right", code="rights_not_requested")
    dispatched = casefile.CaseState(view.state) is casefile.CaseState.DISPATCHED
    if dispatched != bool({str(t) for t in view.request_types} & {"access", "copy"}):
        # access asked for as well: that answer goes first, this letter follows as the second;
        # otherwise this letter is the answer, prepared while the case is worked
        raise casefile.TransitionRefused(
            "the access answer goes out first; this letter follows it"
            if not dispatched
            else "the case's answer has gone out already",
            code="rights_access_first" if not dispatched else "rights_answered",
        )
    # addressed as the access answer is: a young pupil's letter to her guardians (or refused, ``to_guardians``)
    request = letter_request(
        engine,
        settings,
        user,
        reference,
        language or view.language or settings.dsr.language,
        connectors_of=connectors_of,
    )
    letter, files = _notice(kind, engine, settings, user, reference, view.controller, request, connectors_of)
    content = with_files(render.pdf(letter), files, request.letter_date)
    document = casefile.Document(filename=FILENAMES[kind], media_type="application/pdf", content=content)
    if dispatched:
        return confirmation.prepare(engine, user, reference, document)
    return casefile.prepare(engine, user, reference, document, zone=settings.zone)
