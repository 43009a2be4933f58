"""An access request (Art. 15) end to end, for one controller and one requester.

identify → gather → restricted records → redact → compose → render. The command line and the
portal's job handlers both call :func:`prepare_answer`, so the same case gives the same letter;
a host program calls :func:`answer` (or :func:`answer_async`) and gets the documents in memory:

    reply = dsr.answer(settings, "gym-musterstadt", dsr.Descriptor(card_number="L0000042"),
                       facts=dsr.RequestFacts(case_reference="2026-017", received_at=today))
    reply.pdf, reply.docx            # bytes
    reply.json.record_count          # disclosure.json as typed values (reply.json_bytes: the file)

Thread-safety: answers for different requests may run at once in threads (:func:`answer_async`
does): they share nothing but read-only settings and process-wide caches (fonts, style sheet,
registers, the people indexes of :data:`PEOPLE_INDEXES`, built under a lock and only read after). WeasyPrint's layout of the letter body runs one at a time per process, since
WeasyPrint, pango and fontconfig are not made for concurrent use of the shared font
configuration (:mod:`dsr.pipeline.render.pdf`); gathering, redaction, the appendix of records,
JSON and DOCX run in parallel. Connectors given by the caller must not be used by two answers at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar, get_args
from zoneinfo import ZoneInfo

import msgspec

from dsr.config import ControllerSettings, Settings, connect, load
from dsr.connector import Connector
from dsr.errors import DSRError, UnknownSubject
from dsr.model import Descriptor, Gathering, Profile, Record, StoreReport, Subject
from dsr.pipeline import compose, disclosure_json, register, render
from dsr.pipeline.gather import gather
from dsr.pipeline.identify import descriptor_identifiers, resolve
from dsr.pipeline.redact import (
    AllowList,
    Decision,
    GazetteerCache,
    RedactionResult,
    load_decisions,
    people_fingerprint,
    redact,
    review_json,
)
from dsr.pipeline.redact.review import review_sheet
from dsr.pipeline.render.docx import docx_bytes
from dsr.pipeline.restriction import (
    RestrictionDecision,
    decide_restricted,
    load_restriction_decisions,
    restricted_references,
)

P = ParamSpec("P")
T = TypeVar("T")
log = logging.getLogger(__name__)

#: fields whose values are catalogue data (titles and authors are nobody's personal data)
CATALOGUE_FIELDS = frozenset({"title", "author"})

#: this process's people indexes (the redaction gazetteer), per controller, bounded by
#: ``[dsr] cache_controllers``; keyed by a hash of the people the stores return on each request,
#: so a person added since the last answer is in the next one (docs/redaction.md, "Freshness")
PEOPLE_INDEXES = GazetteerCache(per_controller=2)


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


#: the documents :func:`answer` can render
Format = Literal["pdf", "docx", "json"]
FORMATS: tuple[Format, ...] = get_args(Format)


class NotRendered(DSRError, LookupError):
    """A document was asked for that the answer does not have (not among ``formats``, or a store
    failed and the answer has no documents at all)."""


@dataclass(frozen=True)
class Documents:
    """The rendered documents of an answer; a format not asked for (or not rendered) is None."""

    pdf: bytes | None = None  #: the letter, PDF/A-3u, with disclosure.json and CSVs embedded
    docx: bytes | None = None  #: the same letter as an editable Word document
    json: bytes | None = None  #: disclosure.json (the same bytes as embedded in the PDF)
    #: the open review items (redaction, restricted records), when the letter is a draft
    review: bytes | None = None

    def files(self) -> dict[str, bytes]:
        """File name → content of the documents there are, for writing them to a folder."""
        named = {
            "disclosure.pdf": self.pdf,
            "disclosure.json": self.json,
            "disclosure.docx": self.docx,
            "review.json": self.review,
        }
        return {name: content for name, content in named.items() if content is not None}


@dataclass(frozen=True)
class Answer:
    """The finished documents of one access request, and how the work went.

    ``pdf``, ``docx`` and ``json_bytes`` are the documents' bytes, ``json`` the machine-readable
    copy as typed values; each raises :class:`NotRendered` when the answer has no such document.
    """

    reports: tuple[StoreReport, ...]
    complete: bool
    rendered: Documents = Documents()
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

    @property
    def pdf(self) -> bytes:
        return self._document("pdf", self.rendered.pdf)

    @property
    def docx(self) -> bytes:
        return self._document("docx", self.rendered.docx)

    @property
    def json_bytes(self) -> bytes:
        return self._document("json", self.rendered.json)

    @functools.cached_property
    def json(self) -> disclosure_json.DisclosureJson:
        """disclosure.json as typed values (decoded once)."""
        return disclosure_json.decode(self.json_bytes)

    @property
    def files(self) -> dict[str, bytes]:
        """File name → content (``disclosure.pdf``, ``disclosure.json``, ``disclosure.docx``,
        ``review.json``), for writing the documents to a folder."""
        return self.rendered.files()

    @property
    def documents(self) -> dict[str, bytes]:
        """The same as :attr:`files` (the name of earlier versions)."""
        return self.files

    def _document(self, name: str, content: bytes | None) -> bytes:
        if content is not None:
            return content
        if not self.complete:
            raise NotRendered(f"no {name}: a store failed, and an incomplete answer has no documents")
        raise NotRendered(f"no {name}: it was not among the formats asked for")


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
    return resolve(controller, connectors, descriptor, settings=settings).matched()


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
    formats: Sequence[Format] = FORMATS,
    processing_restricted: Mapping[tuple[str, str, str], dt.date | None] | None = None,
) -> Answer:
    """Gather, redact, compose and render the answer for a resolved subject.

    Returns no documents when a store failed: an incomplete answer must not look complete.
    ``formats`` picks the documents to render (``pdf``, ``json``, ``docx``).
    ``processing_restricted``: the records on the restriction list after an erasure request,
    (store, collection, key) → the last day or None (:func:`dsr.service.erasure.restricted_until`):
    the letter marks them.
    """
    if unknown := set(formats) - set(FORMATS):
        raise ValueError(f"unknown format(s) {', '.join(sorted(unknown))}; one of {', '.join(FORMATS)}")
    controller = settings.controller(controller_key)
    secret = settings.dsr.secret_key.encode()
    lang = language or settings.dsr.language
    gathering = _mark_restricted(gather(subject, connectors), processing_restricted or {})
    if not gathering.complete:
        return Answer(reports=gathering.reports, complete=False)
    if subject.reference == NOBODY:
        return _negative_answer(settings, controller_key, subject, gathering, facts, lang, formats)

    restriction = decide_restricted(gathering, restricted or {}, secret=secret)
    redaction = _redact(controller, restriction.gathering, connectors, decisions, secret, lang)
    request = _request(facts, subject, gathering, lang, controller_key, settings.zone)
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
    open_review = bool(redaction.open_items or restriction.undecided)
    if open_review:
        documents = dataclasses.replace(documents, review=review_json(redaction.review_items))
    return Answer(
        reports=gathering.reports,
        complete=True,
        rendered=documents,
        open_reviews=len(redaction.open_items) + len(restriction.undecided),
        undecided_restricted=len(restriction.undecided),
        restricted_records=restricted_references(gathering, secret),
        unrecorded=request.unrecorded,
        postal_address=request.recipient.has_postal_address,
        review_sheet=review_sheet(redaction.review_items) if open_review else None,
    )


def answer(
    settings: Settings | str | Path,
    controller: str,
    requester: Descriptor | Subject,
    *,
    facts: RequestFacts = RequestFacts(),
    formats: Sequence[Format] = FORMATS,
    language: str | None = None,
    connectors: Sequence[Connector] | None = None,
    decisions: Sequence[Decision] = (),
    restricted: dict[str, RestrictionDecision] | None = None,
    processing_restricted: Mapping[tuple[str, str, str], dt.date | None] | None = None,
) -> Answer:
    """The answer to an access request, in memory: identify (for a descriptor), gather, redact,
    compose and render ``formats``.

    ``settings``: validated settings or a TOML file's path. ``requester``: what the requester
    told (a :class:`Descriptor`: resolved here; nobody matching gives the negative letter, but
    only when every store answered; an ambiguous match raises :class:`AmbiguousSubject`) or a
    subject already resolved. ``connectors``: the controller's connectors when the caller builds
    them (they stay open); by default they are built from the settings and closed afterwards.
    A store that fails gives an answer with ``complete`` False and no documents.
    ``processing_restricted``: the controller's restriction list (:func:`prepare_answer`).
    """
    settings = settings if isinstance(settings, Settings) else load(settings)
    own = connectors is None
    stores = connect(settings, controller) if connectors is None else connectors
    try:
        if isinstance(requester, Subject):
            subject = requester
        else:
            try:
                subject = identify(settings, controller, stores, requester)
            except UnknownSubject:
                subject = nobody(controller, requester)
        return prepare_answer(
            settings,
            controller,
            subject,
            stores,
            facts=facts,
            language=language,
            decisions=decisions,
            restricted=restricted,
            formats=formats,
            processing_restricted=processing_restricted,
        )
    finally:
        if own:
            for c in stores:
                c.close()


def _in_a_thread(fn: Callable[P, T]) -> Callable[P, Coroutine[Any, Any, T]]:
    """``fn`` as a coroutine function run in a worker thread (same parameters, same types)."""

    @functools.wraps(fn)
    async def offloaded(*args: P.args, **kwargs: P.kwargs) -> T:
        call = functools.partial(fn, *args, **kwargs)
        try:
            import anyio.to_thread
        except ImportError:  # the core alone: asyncio's own
            return await asyncio.to_thread(call)
        return await anyio.to_thread.run_sync(call)

    return offloaded


#: :func:`answer` in a worker thread, so that an event loop (a web app) stays free meanwhile.
#: Several may run at once (see the module's note on thread-safety). Runs on asyncio, and on trio
#: too when anyio is installed (it comes with the portal).
answer_async = _in_a_thread(answer)


def answer_access(
    config: str | Path,
    controller_key: str,
    descriptor: Descriptor,
    *,
    out_dir: Path,
    language: str | None = None,
    decisions: Path | None = None,
    facts: RequestFacts = RequestFacts(),
    processing_restricted: Mapping[tuple[str, str, str], dt.date | None] | None = None,
) -> WrittenAnswer:
    """``dsr disclose``: identify, answer, and write the documents into ``out_dir``.

    Nobody matching is answered with the negative letter, but only when every store answered;
    an ambiguous match raises :class:`AmbiguousSubject` (a person must decide).
    ``processing_restricted``: the restriction list the portal keeps (the CLI reads it).
    """
    settings = load(config)
    reply = answer(
        settings,
        controller_key,
        descriptor,
        facts=facts,
        language=language,
        decisions=load_decisions(decisions) if decisions else (),
        restricted=load_restriction_decisions(decisions) if decisions else {},
        processing_restricted=processing_restricted,
    )
    files: dict[str, Path] = {}
    if reply.complete:
        out_dir.mkdir(parents=True, exist_ok=True)
        stale = out_dir / "review.json"
        if stale.exists() and reply.rendered.review is None:
            stale.unlink()  # a final letter must not sit beside an outdated review list
        for name, content in reply.files.items():
            (out_dir / name).write_bytes(content)
            files[_label(name)] = out_dir / name
    return WrittenAnswer(
        reports=reply.reports,
        complete=reply.complete,
        files=files,
        open_reviews=reply.open_reviews,
        negative=reply.negative,
        unrecorded=reply.unrecorded,
        postal_address=reply.postal_address,
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
    formats: Sequence[Format],
) -> Answer:
    """ "We hold no data about you" (Art. 15(1)): only for a complete search that found nothing."""
    if gathering.records:
        # no person row, yet a store holds records for what the requester gave: a person must look
        raise UnknownSubject(
            "nobody in this controller's stores matches the request, but records carry what it names; "
            "an officer must check them before anything is answered"
        )
    controller = settings.controller(controller_key)
    request = _request(facts, subject, gathering, language, controller_key, settings.zone)
    letter = compose.disclosure(
        controller, gathering, request, request_retention_days=settings.dsr.request_retention_days
    )
    assert letter.kind == "negative"
    return Answer(
        reports=gathering.reports,
        complete=True,
        rendered=_documents(letter, formats),
        negative=True,
        unrecorded=request.unrecorded,
        postal_address=request.recipient.has_postal_address,
    )


def _documents(letter: compose.Disclosure, formats: Sequence[Format]) -> Documents:
    """The documents of ``formats``; the JSON is encoded once, for its own file and for the PDF's
    attachment alike (so the two are the same bytes)."""
    data = render.export_json(letter) if "json" in formats or "pdf" in formats else None
    return Documents(
        pdf=render.pdf(letter, data=data) if "pdf" in formats else None,
        docx=docx_bytes(letter) if "docx" in formats else None,
        json=data if "json" in formats else None,
    )


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
    # read on every request: the hash of what the stores return now is the cache key, so a stale
    # index (missing a new classmate, who would then go unredacted) is never used
    people = [p for c in connectors for p in c.people()]
    gazetteer = PEOPLE_INDEXES.gazetteer(
        people_fingerprint(people),
        lambda: people,
        gathering.subject,
        allow=AllowList.for_controller(controller),
        phrases=catalogue,  # the subject's own: applied at scan time, so the index serves every subject
    )
    return redact(gathering, gazetteer, decisions=decisions, secret=secret, language=language)


def _mark_restricted(gathering: Gathering, restricted: Mapping[tuple[str, str, str], dt.date | None]) -> Gathering:
    """Records on the restriction list, marked for the letter (Art. 18 GDPR)."""
    if not restricted:
        return gathering
    marked = tuple(
        msgspec.structs.replace(r, processing_restricted=True, restricted_until=restricted[t])
        if (t := (r.store, r.collection, r.key)) in restricted
        else r
        for r in gathering.records
    )
    return msgspec.structs.replace(gathering, records=marked)


def _default_register(controller: ControllerSettings) -> str:
    return "james-school" if controller.kind == "school" else "james-vendor"


#: the form of address for a profile's gender ("f", "m"; any other: none)
_FORMS: dict[str, Literal["frau", "herr"]] = {"f": "frau", "m": "herr"}


def _request(
    facts: RequestFacts, subject: Subject, gathering: Gathering, language: str, controller: str, zone: ZoneInfo
) -> compose.Request:
    p = subject.profile
    # 00:30 in Berlin is still yesterday in UTC: a letter must not be dated before its request
    letter_date = facts.letter_date or dt.datetime.now(zone).date()
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
        timezone=zone.key,
    )
