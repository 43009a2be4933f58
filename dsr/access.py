"""An access request (Art. 15) end to end, for one controller and one requester.

identify → gather → restricted records → redact → compose → render. The command line and the
portal's job handlers both call :func:`prepare_answer`, so the same case gives the same letter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dsr import compose, register, render
from dsr.config import ControllerSettings, Settings, connect, load
from dsr.connector import Connector
from dsr.errors import AmbiguousSubject, UnknownSubject
from dsr.identify import resolve
from dsr.gather import gather
from dsr.model import Descriptor, Gathering, Record, ResolutionStatus, StoreReport, Subject
from dsr.redact import AllowList, Decision, Gazetteer, RedactionResult, load_decisions, redact, review_json
from dsr.render.docx import docx_bytes
from dsr.restriction import (
    RestrictionDecision,
    decide_restricted,
    load_restriction_decisions,
    restricted_references,
)

log = logging.getLogger(__name__)

#: fields whose values are catalogue data (titles and authors are nobody's personal data)
CATALOGUE_FIELDS = frozenset({"title", "author"})


@dataclass(frozen=True)
class RequestFacts:
    """What the letter states about the request; defaults describe a request handled by staff."""

    case_reference: str | None = None
    received_at: dt.datetime | None = None
    channel: str = "in_person"
    identity_check: str = "in_person"
    letter_date: dt.date | None = None
    #: the letter's addressee when not the subject (a parent "for" the child, a representative)
    recipient: compose.Recipient | None = None


@dataclass(frozen=True)
class Answer:
    """The finished documents of one access request (bytes), and how the work went."""

    reports: tuple[StoreReport, ...]
    complete: bool
    documents: dict[str, bytes] = field(default_factory=dict)  #: file name → content
    open_reviews: int = 0
    undecided_restricted: int = 0
    #: every restricted record by its reference (decided or not): what the officer decides on
    restricted_records: dict[str, Record] = field(default_factory=dict)

    @property
    def draft(self) -> bool:
        return bool(self.open_reviews or self.undecided_restricted)


@dataclass(frozen=True)
class WrittenAnswer:
    reports: tuple[StoreReport, ...]
    complete: bool
    files: dict[str, Path]
    open_reviews: int


def identify(settings: Settings, controller: str, connectors: Sequence[Connector], descriptor: Descriptor) -> Subject:
    """The one subject the descriptor names, or :class:`AmbiguousSubject` / :class:`UnknownSubject`."""
    resolution = resolve(controller, connectors, descriptor, secret=settings.dsr.secret_key.encode())
    if resolution.status is ResolutionStatus.MATCH and resolution.subject is not None:
        return resolution.subject
    refs = tuple(c.reference for c in resolution.candidates)
    if resolution.status is ResolutionStatus.AMBIGUOUS:
        raise AmbiguousSubject(
            f"the request matches {len(refs)} candidate(s) without one strong, uncontradicted match; "
            "an officer must check identity before anything is disclosed",
            refs,
        )
    raise UnknownSubject("nobody in this controller's stores matches the request", refs)


def prepare_answer(
    settings: Settings,
    controller_key: str,
    subject: Subject,
    connectors: Sequence[Connector],
    *,
    facts: RequestFacts = RequestFacts(),
    language: str | None = None,
    decisions: Sequence[Decision] = (),
    restricted: dict[str, RestrictionDecision] | None = None,
    formats: Sequence[str] = ("pdf", "json", "docx"),
) -> Answer:
    """Gather, redact, compose and render the answer for a resolved subject.

    Returns no documents when a store failed: an incomplete answer must not look complete.
    ``formats`` picks the documents to render (``pdf``, ``json``, ``docx``).
    """
    controller = settings.controller(controller_key)
    secret = settings.dsr.secret_key.encode()
    lang = language or settings.dsr.language
    gathering = gather(subject, connectors)
    if not gathering.complete:
        return Answer(reports=gathering.reports, complete=False)

    restriction = decide_restricted(gathering, restricted or {}, secret=secret)
    redaction = _redact(controller, restriction.gathering, connectors, decisions, secret, lang)
    request = _request(facts, subject, gathering, lang, controller_key)
    letter = compose.disclosure(
        controller,
        redaction.gathering,
        request,
        withheld=restriction.withholdings + redaction.withheld,
        draft=redaction.is_draft or bool(restriction.undecided),
        register=register.load(controller.register or _default_register(controller), base_dir=settings.base_dir),
    )
    renderers = {"pdf": render.pdf, "json": render.export_json, "docx": docx_bytes}
    documents = {f"disclosure.{f}": renderers[f](letter) for f in formats}
    if redaction.open_items or restriction.undecided:
        documents["review.json"] = review_json(redaction.review_items)
    return Answer(
        reports=gathering.reports,
        complete=True,
        documents=documents,
        open_reviews=len(redaction.open_items) + len(restriction.undecided),
        undecided_restricted=len(restriction.undecided),
        restricted_records=restricted_references(gathering, secret),
    )


def answer_access(
    config: str | Path,
    controller_key: str,
    descriptor: Descriptor,
    *,
    out_dir: Path,
    language: str | None = None,
    decisions: Path | None = None,
    facts: RequestFacts = RequestFacts(),
) -> WrittenAnswer:
    """``dsr disclose``: identify, answer, and write the documents into ``out_dir``."""
    settings = load(config)
    redaction_decisions = load_decisions(decisions) if decisions else ()
    restricted = load_restriction_decisions(decisions) if decisions else {}
    connectors = connect(settings, controller_key)
    try:
        subject = identify(settings, controller_key, connectors, descriptor)
        answer = prepare_answer(
            settings, controller_key, subject, connectors,
            facts=facts, language=language, decisions=redaction_decisions, restricted=restricted,
        )
    finally:
        for c in connectors:
            c.close()
    files: dict[str, Path] = {}
    if answer.complete:
        out_dir.mkdir(parents=True, exist_ok=True)
        stale = out_dir / "review.json"
        if stale.exists() and "review.json" not in answer.documents:
            stale.unlink()  # a final letter must not sit beside an outdated review list
        for name, content in answer.documents.items():
            (out_dir / name).write_bytes(content)
            files[_label(name)] = out_dir / name
    return WrittenAnswer(reports=answer.reports, complete=answer.complete, files=files, open_reviews=answer.open_reviews)


def _label(name: str) -> str:
    return {
        "disclosure.pdf": "letter (PDF)",
        "disclosure.json": "machine-readable copy (JSON)",
        "disclosure.docx": "editable letter (DOCX)",
        "review.json": "review",
    }.get(name, name)


def _redact(
    controller: ControllerSettings,
    gathering: Gathering,
    connectors: Sequence[Connector],
    decisions: Sequence[Decision],
    secret: bytes,
    language: str,
) -> RedactionResult:
    catalogue = {
        str(f.value)
        for r in gathering.records
        for f in r.fields
        if f.name in CATALOGUE_FIELDS and isinstance(f.value, str) and f.value
    }
    people = itertools.chain.from_iterable(c.people() for c in connectors)
    gazetteer = Gazetteer.build(people, gathering.subject, allow=AllowList.for_controller(controller, catalogue=catalogue))
    return redact(gathering, gazetteer, decisions=decisions, secret=secret, language=language)


def _default_register(controller: ControllerSettings) -> str:
    return "james-school" if controller.kind == "school" else "james-vendor"


def _request(facts: RequestFacts, subject: Subject, gathering: Gathering, language: str, controller: str) -> compose.Request:
    p = subject.profile
    received = facts.received_at or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    reference = facts.case_reference or _reference(controller, subject, received)
    return compose.Request(
        case_reference=reference,
        received_at=received,
        channel=facts.channel,
        identity_check=facts.identity_check,
        recipient=facts.recipient or compose.Recipient(
            name=p.name or "",
            street=p.street,
            postal_code=p.postal_code,
            city=p.city,
            form={"f": "frau", "m": "herr"}.get(p.gender or ""),
        ),
        language=language,  # type: ignore[arg-type]
        letter_date=facts.letter_date or dt.date.today(),
    )


def _reference(controller: str, subject: Subject, received: dt.datetime) -> str:
    """A case reference for requests handled outside the portal: no personal data in it."""
    digest = hashlib.blake2b(f"{controller}|{subject.reference}|{received.isoformat()}".encode(), digest_size=4)
    return f"DSR-{received:%Y}-{digest.hexdigest().upper()}"
