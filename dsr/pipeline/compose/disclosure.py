"""Records + register + authority + redaction counts → a finished :class:`Disclosure`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import msgspec

from dsr.config import ControllerSettings, GeneralSettings
from dsr.model import CollectionSpec, FieldSpec, Gathering, Record, Withholding
from dsr.pipeline import authorities
from dsr.pipeline.compose.activities import erasure_dates, section_two
from dsr.pipeline.compose.copy import Source, tables
from dsr.pipeline.compose.glance import glance
from dsr.pipeline.compose.letter import (
    Authority,
    CodeNote,
    Column,
    Disclosure,
    Row,
    Section,
    StoreLine,
    WithheldLine,
)
from dsr.pipeline.compose.request import Address, Request
from dsr.pipeline.compose.typed import column_kinds, typed_value
from dsr.pipeline.compose.values import RelationshipNames, date_text, datetime_text, field_text
from dsr.pipeline.compose.wording import Wording, form_of, wording
from dsr.pipeline.register import Register

#: the reader is a minor below this age (§ 2 BGB)
ADULT = 18
#: ``[dsr] request_retention_days`` when the caller does not say
REQUEST_RETENTION_DAYS = GeneralSettings().request_retention_days


def disclosure(
    controller: ControllerSettings,
    gathering: Gathering,
    request: Request,
    withheld: Sequence[Withholding] = (),
    draft: bool = False,
    register: Register | None = None,
    relationships: RelationshipNames = RelationshipNames.SHOWN,
    request_retention_days: int = REQUEST_RETENTION_DAYS,
) -> Disclosure:
    """Compose the answer to an access request (Art. 15 GDPR).

    With no records at all the letter is the negative answer ("we hold no data about you").
    ``relationships``: whether the reader's relatives the mapping marks (their parents, their
    children) are named beside their role — the controller's choice.
    ``request_retention_days``: how long the request file is kept after the case ends
    (``[dsr] request_retention_days``); the letter says so.
    """
    # a young reader addressed in "du" reads "du" and "deine Mutter" in the copy and section 2 too
    words = wording(request.language, form=form_of(address_of(request, controller)), zone=request.zone)
    child = addressed_to_child(request, controller)
    # the day each record is due for erasure by the register's storage rules (Anlage 1 shows it)
    due = erasure_dates(register, gathering.records) if register else {}
    sources = _sections(gathering, words, relationships, due)
    sections = tuple(s.section for s in sources)
    common, listed = section_two(controller, sections, register, words, gathering)
    kind = "disclosure" if sections else "negative"
    return Disclosure(
        kind=kind,
        glance=glance(sources, words),
        language=request.language,
        controller=public_part(controller),
        request=request,
        received=received_text(request),
        letter_date=date_text(request.letter_date, request.language),
        letter_date_iso=request.letter_date,
        channel=words.get("channels", request.channel) if request.channel else "",
        identity_check=words.get("identity_checks", request.identity_check) if request.identity_check else "",
        salutation=salutation(request, words, address_of(request, controller)),
        address_lines=address_lines(request),
        child=child,
        address=address_of(request, controller),
        request_file_kept=period_text(request_retention_days, request.language),
        not_searched=not_searched(controller, words),
        stores=tuple(
            StoreLine(
                store=r.store,
                title=words.get("stores", r.store),
                state=words.get("store_states", str(r.state)),
                records=r.records,
            )
            for r in gathering.reports
        ),
        sections=sections,
        activities=listed,
        common=common,
        authority=competent_authority(controller, request.language),
        withheld=tuple(
            WithheldLine(
                # a kind the wording does not know yet reads as "other information", never as its key
                kind=words.get("withheld_kinds", w.kind, words.get("withheld_kinds", "other")),
                count=w.count,
                ground=words.get("grounds", w.ground),
            )
            for w in withheld
            if w.count
        ),
        # a letter stating facts nobody recorded must not go out as final
        draft=draft or bool(request.unrecorded),
        complete=gathering.complete,
    )


def public_part(controller: ControllerSettings) -> ControllerSettings:
    """The controller without its store settings: a letter (and the copy kept of it) must not
    carry connection URLs or credentials."""
    return msgspec.structs.replace(controller, stores={})


def address_lines(request: Request) -> tuple[str, ...]:
    r = request.recipient
    place = " ".join(p for p in (r.postal_code, r.city) if p)
    return tuple(line for line in (r.name, r.street, place) if line)[:6]


def received_text(request: Request) -> str:
    """When the request arrived, as far as it was recorded; "" when nobody recorded it."""
    if request.received == "unrecorded":
        return ""
    if request.received == "day":
        return date_text(request.received_at, request.language, zone=request.zone)
    return datetime_text(request.received_at, request.language, request.zone)


def addressed_to_child(request: Request, controller: ControllerSettings) -> bool:
    """The letter goes to the subject themself, who is below the controller's age of consent on
    the letter date: it must be in language a child understands (Art. 12(1) GDPR)."""
    age = _age_of_reader(request)
    return age is not None and age < controller.pupil_age_of_consent


def address_of(request: Request, controller: ControllerSettings) -> Address:
    """How the letter speaks to its reader: a child below the age of consent in "du" and plain
    language; a reader from that age to 17 as the controller configures; everyone else "Sie"."""
    age = _age_of_reader(request)
    if age is None or age >= ADULT:
        return "sie"
    if age < controller.pupil_age_of_consent:
        return "child"
    return controller.young_readers_address


def _age_of_reader(request: Request) -> int | None:
    """The addressee's age on the letter date, when the addressee is the subject and it is known."""
    from dsr.pipeline.representation import age_on  # here: dsr.pipeline.representation imports dsr.pipeline.compose

    r = request.recipient
    if r.date_of_birth is None or r.acting_for:
        return None
    return age_on(r.date_of_birth, request.letter_date)


def salutation(request: Request, words: Wording, address: Address = "sie") -> str:
    """ "Sehr geehrte Frau Muster," for an adult; a young reader by first name ("Hallo Anna,")."""
    r = request.recipient
    parts = r.name.split()
    if not parts:
        return words.get("salutations", "unnamed")
    last = parts[-1]
    first = " ".join(parts[:-1]) or last
    age = _age_of_reader(request)
    key = "child" if address != "sie" else "young" if age is not None and age < ADULT else r.form or "neutral"
    # str.replace, not str.format: a name may contain braces
    return words.get("salutations", key).replace("{first}", first).replace("{last}", last).replace("{name}", r.name)


def not_searched(controller: ControllerSettings, words: Wording) -> tuple[str, ...]:
    """What the answer did not search, and why: the controller's list, else the defaults."""
    if controller.not_searched is not None:
        return tuple(getattr(t, words.language) for t in controller.not_searched)
    return tuple(words.get("not_searched", key) for key in words.table.get("not_searched", {}))


def period_text(days: int, language: str) -> str:
    """A retention period in words: whole years as years ("3 Jahre"), else days."""
    units = {"de": (("Jahr", "Jahre"), ("Tag", "Tage")), "en": (("year", "years"), ("day", "days"))}
    year, day = units.get(language, units["en"])
    years, rest = divmod(days, 365)
    if years and not rest:
        return f"{years} {year[years != 1]}"
    return f"{days} {day[days != 1]}"


def competent_authority(controller: ControllerSettings, language: str = "de") -> Authority:
    entry = authorities.competent(controller.land, controller.public)
    return Authority(
        name=entry.name,
        street=entry.street,
        postal_code=entry.postal_code,
        city=entry.city,
        website=entry.website,
        verified=date_text(entry.verified, language, long=True),
    )


def _sections(
    gathering: Gathering,
    words: Wording,
    relationships: RelationshipNames,
    due: Mapping[tuple[str, str, str], dt.date] | None = None,
) -> list[Source]:
    """The sections of the copy in print order, each with its table (dsr.pipeline.compose.copy)."""
    by_collection: dict[tuple[str, str], list[Record]] = {}
    for record in gathering.records:
        by_collection.setdefault((record.store, record.collection), []).append(record)
    specs = {(c.store, c.name): c for c in gathering.collections}
    # Collections in the mapping's order; collections without a spec last, so nothing is lost.
    order = [k for k in specs if k in by_collection] + sorted(k for k in by_collection if k not in specs)
    sections = [
        _section(
            specs.get(key) or _spec_from_records(key, by_collection[key]),
            by_collection[key],
            words,
            relationships,
            due or {},
        )
        for key in order
    ]
    # The copy reads store by store, and within a store activity by activity (the order in
    # which they first appear), each with its collections in the mapping's order.
    stores = {s.section.store: i for i, s in reversed(list(enumerate(sections)))}
    activities = {(s.section.store, s.section.activity): i for i, s in reversed(list(enumerate(sections)))}
    sections.sort(key=lambda s: (stores[s.section.store], activities[(s.section.store, s.section.activity)]))
    return [
        Source(section=msgspec.structs.replace(s.section, table=t), spec=s.spec, fields=s.fields, records=s.records)
        for s, t in zip(sections, tables(sections, words), strict=True)
    ]


def _spec_from_records(key: tuple[str, str], records: list[Record]) -> CollectionSpec:
    """A plain description for records whose collection the mapping does not describe."""
    names: dict[str, FieldSpec] = {}
    for r in records:
        for f in r.fields:
            names.setdefault(f.name, FieldSpec(name=f.name, classification=f.classification, label={"de": f.name}))
    return CollectionSpec(
        store=key[0], name=key[1], title={"de": key[1]}, activity="", category="", fields=tuple(names.values())
    )


def _section(
    spec: CollectionSpec,
    records: list[Record],
    words: Wording,
    relationships: RelationshipNames,
    due: Mapping[tuple[str, str, str], dt.date],
) -> Source:
    columns = spec.fields
    by_name = {f.name: f for f in columns}
    extra: list[FieldSpec] = []
    for r in records:
        for f in r.fields:
            if f.name not in by_name:
                by_name[f.name] = FieldSpec(name=f.name, classification=f.classification, label={"de": f.name})
                extra.append(by_name[f.name])
    columns = (*columns, *extra)
    if order_by := spec.order_by:
        records = sorted(records, key=lambda r: _sort_key(r, order_by))
    rows = []
    for r in records:
        fields = {f.name: f for f in r.fields}
        values = tuple(
            field_text(fields[c.name], c, words, relationships) if c.name in fields else words.value("empty")
            for c in columns
        )
        data = tuple(typed_value(fields.get(c.name), c, words, relationships) for c in columns)
        rows.append(
            Row(
                values=values,
                relation=r.relation or "",
                data=data,
                due_for_erasure=due.get((r.store, r.collection, r.key)),
            )
        )
    section = Section(
        store=spec.store,
        store_title=words.get("stores", spec.store),
        collection=spec.name,
        title=words.pick(spec.title, spec.name),
        description=words.pick(spec.description),
        activity=spec.activity,
        category=spec.category,
        columns=tuple(
            Column(name=c.name, label=words.pick(c.label, c.name), explain=words.pick(c.explain), kind=kind)
            for c, kind in zip(columns, column_kinds(columns, (row.data for row in rows)), strict=True)
        ),
        rows=tuple(rows),
        with_relation=any(r.relation for r in rows),
        codes=tuple(
            CodeNote(column=words.pick(c.label, c.name), codes=tuple((k, words.pick(v)) for k, v in c.codes.items()))
            for c in columns
            if c.codes
        ),
    )
    return Source(section=section, spec=spec, fields=tuple(columns), records=tuple(records))


def _sort_key(record: Record, name: str) -> tuple[int, str]:
    # Newest first would hide the start of a history; oldest first reads like a ledger.
    try:
        value = record.value(name)
    except KeyError:
        return (1, "")
    if value is None:
        return (1, "")
    if isinstance(value, dt.datetime):
        return (0, value.isoformat())
    return (0, value.isoformat() if isinstance(value, dt.date) else str(value))
