"""An access request (Art. 15) end to end, for one controller and one requester.

identify → gather → restricted records → redact → compose → render. The command line and the
portal's job handlers both call :func:`prepare_answer`, so the same case gives the same letter.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from dsr.config import ControllerSettings, Settings, connect, load
from dsr.connector import Connector
from dsr.errors import AmbiguousSubject, UnknownSubject
from dsr.model import Descriptor, Gathering, Profile, Record, ResolutionStatus, StoreReport, Subject
from dsr.pipeline import compose, register, render
from dsr.pipeline.gather import gather
from dsr.pipeline.identify import descriptor_identifiers, resolve
from dsr.pipeline.redact import AllowList, Decision, Gazetteer, RedactionResult, load_decisions, redact, review_json
from dsr.pipeline.redact.review import review_sheet
from dsr.pipeline.render.docx import docx_bytes
from dsr.pipeline.restriction import (
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
    """What the letter states about the request. A fact left None was not recorded: the letter
    says so ("nicht erfasst") and is a draft, rather than claiming what nobody checked."""

    case_reference: str | None = None
    #: a date alone when the time of day was not recorded (naive times are German local time)
    received_at: dt.datetime | dt.date | None = None
    channel: str | None = None  #: key of ``[channels]`` in wording.toml
    identity_check: str | None = None  #: key of ``[identity_checks]`` in wording.toml
    letter_date: dt.date | None = None
    #: the letter's addressee when not the subject as the stores know them (a parent "for" the
    #: child, a representative, an address the requester gave)
    recipient: compose.Recipient | None = None
    #: "post": a paper letter, which says how to get the electronic copy instead of pointing to
    #: the file embedded in the PDF
    delivery: Literal["electronic", "post"] = "electronic"


@dataclass(frozen=True)
class Answer:
    """The finished documents of one access request (bytes), and how the work went."""

    reports: tuple[StoreReport, ...]
    complete: bool
    documents: dict[str, bytes] = field(default_factory=dict)  #: file name → content
    open_reviews: int = 0
    undecided_restricted: int = 0
    negative: bool = False  #: nobody matched and every store answered: the negative letter
    #: facts the letter states as "not recorded" (it is a draft until they are given)
    unrecorded: tuple[str, ...] = ()
    postal_address: bool = True  #: the letter has an address for a window envelope
    #: every restricted record by its reference (decided or not): what the officer decides on
    restricted_records: dict[str, Record] = field(default_factory=dict)
    #: the review items with the flagged text and its sentence: for officers only (the case file),
    #: never written beside the letter
    review_sheet: bytes | None = None

    @property
    def draft(self) -> bool:
        return bool(self.open_reviews or self.undecided_restricted)


@dataclass(frozen=True)
class WrittenAnswer:
    reports: tuple[StoreReport, ...]
    complete: bool
    files: dict[str, Path]
    open_reviews: int
    #: nobody matched and every store answered: the files are the negative answer
    negative: bool = False
    #: facts the letter states as "not recorded" (it is a draft until they are given)
    unrecorded: tuple[str, ...] = ()
    #: the letter has an address for a window envelope
    postal_address: bool = True


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
    if subject.reference == NOBODY:
        return _negative_answer(settings, controller_key, subject, gathering, facts, lang, formats)

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
        relationships=compose.RelationshipNames(controller.relationship_names),
        request_retention_days=settings.dsr.request_retention_days,
    )
    documents = _documents(letter, formats)
    if redaction.open_items or restriction.undecided:
        documents["review.json"] = review_json(redaction.review_items)
    return Answer(
        reports=gathering.reports,
        complete=True,
        documents=documents,
        open_reviews=len(redaction.open_items) + len(restriction.undecided),
        undecided_restricted=len(restriction.undecided),
        restricted_records=restricted_references(gathering, secret),
        unrecorded=request.unrecorded,
        postal_address=request.recipient.has_postal_address,
        review_sheet=review_sheet(redaction.review_items) if "review.json" in documents else None,
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
    """``dsr disclose``: identify, answer, and write the documents into ``out_dir``.

    Nobody matching is answered with the negative letter, but only when every store answered;
    an ambiguous match raises :class:`AmbiguousSubject` (a person must decide).
    """
    settings = load(config)
    redaction_decisions = load_decisions(decisions) if decisions else ()
    restricted = load_restriction_decisions(decisions) if decisions else {}
    connectors = connect(settings, controller_key)
    try:
        try:
            subject = identify(settings, controller_key, connectors, descriptor)
        except UnknownSubject:
            subject = nobody(controller_key, descriptor)
        answer = prepare_answer(
            settings,
            controller_key,
            subject,
            connectors,
            facts=facts,
            language=language,
            decisions=redaction_decisions,
            restricted=restricted,
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
    return WrittenAnswer(
        reports=answer.reports,
        complete=answer.complete,
        files=files,
        open_reviews=answer.open_reviews,
        negative=answer.negative,
        unrecorded=answer.unrecorded,
        postal_address=answer.postal_address,
    )


#: the reference of :func:`nobody`: no person row of any store
NOBODY = "-"


def nobody(controller: str, descriptor: Descriptor) -> Subject:
    """The requester whom no person row matches, carrying what they told us: every store is still
    asked with it (a log may hold an e-mail address without any account), so that a negative
    answer rests on a complete search."""
    profile = Profile(
        first_name=descriptor.first_name, last_name=descriptor.last_name, date_of_birth=descriptor.date_of_birth
    )  # what they called themselves: the salutation
    return Subject(
        controller=controller, reference=NOBODY, identifiers=descriptor_identifiers(descriptor), profile=profile
    )


def _negative_answer(
    settings: Settings,
    controller_key: str,
    subject: Subject,
    gathering: Gathering,
    facts: RequestFacts,
    language: str,
    formats: Sequence[str],
) -> Answer:
    """ "We hold no data about you" (Art. 15(1)): only for a complete search that found nothing."""
    if gathering.records:
        # no person row, yet a store holds records for what the requester gave: a person must look
        raise UnknownSubject(
            "nobody in this controller's stores matches the request, but records carry what it names; "
            "an officer must check them before anything is answered"
        )
    controller = settings.controller(controller_key)
    request = _request(facts, subject, gathering, language, controller_key)
    letter = compose.disclosure(
        controller, gathering, request, request_retention_days=settings.dsr.request_retention_days
    )
    assert letter.kind == "negative"
    return Answer(
        reports=gathering.reports,
        complete=True,
        documents=_documents(letter, formats),
        negative=True,
        unrecorded=request.unrecorded,
        postal_address=request.recipient.has_postal_address,
    )


def _documents(letter: compose.Disclosure, formats: Sequence[str]) -> dict[str, bytes]:
    """``disclosure.<format>`` for each of ``formats``; the JSON is encoded once, for its own
    file and for the PDF's attachment alike (so the two are the same bytes)."""
    data = render.export_json(letter) if "json" in formats or "pdf" in formats else b""
    renderers = {"pdf": lambda: render.pdf(letter, data=data), "json": lambda: data, "docx": lambda: docx_bytes(letter)}
    return {f"disclosure.{f}": renderers[f]() for f in formats}


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
    gazetteer = Gazetteer.build(
        people, gathering.subject, allow=AllowList.for_controller(controller, catalogue=catalogue)
    )
    return redact(gathering, gazetteer, decisions=decisions, secret=secret, language=language)


def _default_register(controller: ControllerSettings) -> str:
    return "james-school" if controller.kind == "school" else "james-vendor"


#: the form of address for a profile's gender ("f", "m"; any other: none)
_FORMS: dict[str, Literal["frau", "herr"]] = {"f": "frau", "m": "herr"}


def _request(
    facts: RequestFacts, subject: Subject, gathering: Gathering, language: str, controller: str
) -> compose.Request:
    p = subject.profile
    letter_date = facts.letter_date or dt.date.today()
    received: dt.datetime | dt.date | None = facts.received_at
    if isinstance(received, dt.datetime):
        at, precision = received, "time"
    elif isinstance(received, dt.date):
        at, precision = dt.datetime.combine(received, dt.time()), "day"
    else:
        # only a placeholder: the letter says "not recorded" and is a draft
        at, precision = dt.datetime.combine(letter_date, dt.time()), "unrecorded"
    return compose.Request(
        case_reference=facts.case_reference or "",
        received_at=at,
        received=precision,  # type: ignore[arg-type]
        channel=facts.channel,
        identity_check=facts.identity_check,
        recipient=facts.recipient
        or compose.Recipient(
            name=p.name or "",
            street=p.street,
            postal_code=p.postal_code,
            city=p.city,
            form=_FORMS.get(p.gender or ""),
            date_of_birth=p.date_of_birth,
        ),
        language=language,  # type: ignore[arg-type]
        letter_date=letter_date,
        delivery=facts.delivery,
    )
