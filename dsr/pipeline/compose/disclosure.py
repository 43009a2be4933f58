"""Records + register + authority + redaction counts → a finished :class:`Disclosure`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import msgspec

from dsr.config import ControllerSettings
from dsr.errors import ConfigError
from dsr.model import CollectionSpec, FieldSpec, Gathering, Record, Withholding
from dsr.pipeline import authorities
from dsr.pipeline.compose.letter import (
    Activity,
    Authority,
    CodeNote,
    Column,
    DataRecipient,
    Disclosure,
    Row,
    Section,
    StoreLine,
    WithheldLine,
)
from dsr.pipeline.compose.request import Request
from dsr.pipeline.compose.values import RelationshipNames, date_text, datetime_text, field_text
from dsr.pipeline.compose.wording import Wording, pick, wording
from dsr.pipeline.register import Register


def disclosure(
    controller: ControllerSettings,
    gathering: Gathering,
    request: Request,
    withheld: Sequence[Withholding] = (),
    draft: bool = False,
    register: Register | None = None,
    relationships: RelationshipNames = RelationshipNames.SHOWN,
) -> Disclosure:
    """Compose the answer to an access request (Art. 15 GDPR).

    With no records at all the letter is the negative answer ("we hold no data about you").
    ``relationships``: whether the reader's relatives the mapping marks (their parents, their
    children) are named beside their role — the controller's choice.
    """
    words = wording(request.language)
    child = addressed_to_child(request, controller)
    sections = tuple(_sections(gathering, words, relationships))
    kind = "disclosure" if sections else "negative"
    return Disclosure(
        kind=kind,
        language=request.language,
        controller=public_part(controller),
        request=request,
        received=received_text(request),
        letter_date=date_text(request.letter_date, request.language),
        letter_date_iso=request.letter_date,
        channel=words.get("channels", request.channel) if request.channel else "",
        identity_check=words.get("identity_checks", request.identity_check) if request.identity_check else "",
        salutation=salutation(request, words, child),
        address_lines=address_lines(request),
        child=child,
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
        activities=tuple(_activities(sections, register, words)) if register else (),
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
        return date_text(request.received_at, request.language)
    return datetime_text(request.received_at, request.language)


def addressed_to_child(request: Request, controller: ControllerSettings) -> bool:
    """The letter goes to the subject themself, who is below the controller's age of consent on
    the letter date: it must be in language a child understands (Art. 12(1) GDPR)."""
    from dsr.pipeline.representation import age_on  # here: dsr.pipeline.representation imports dsr.pipeline.compose

    r = request.recipient
    if r.date_of_birth is None or r.acting_for:
        return False
    return age_on(r.date_of_birth, request.letter_date) < controller.pupil_age_of_consent


def salutation(request: Request, words: Wording, child: bool = False) -> str:
    r = request.recipient
    parts = r.name.split()
    if not parts:
        return words.get("salutations", "unnamed")
    last = parts[-1]
    first = " ".join(parts[:-1]) or last
    key = "child" if child else r.form or "neutral"
    # str.replace, not str.format: a name may contain braces
    return words.get("salutations", key).replace("{first}", first).replace("{last}", last).replace("{name}", r.name)


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


def _sections(gathering: Gathering, words: Wording, relationships: RelationshipNames) -> Iterable[Section]:
    by_collection: dict[tuple[str, str], list[Record]] = {}
    for record in gathering.records:
        by_collection.setdefault((record.store, record.collection), []).append(record)
    specs = {(c.store, c.name): c for c in gathering.collections}
    # Collections in the mapping's order; collections without a spec last, so nothing is lost.
    order = [k for k in specs if k in by_collection] + sorted(k for k in by_collection if k not in specs)
    sections = [
        _section(
            specs.get(key) or _spec_from_records(key, by_collection[key]), by_collection[key], words, relationships
        )
        for key in order
    ]
    # The copy reads store by store, and within a store activity by activity (the order in
    # which they first appear), each with its collections in the mapping's order.
    stores = {s.store: i for i, s in reversed(list(enumerate(sections)))}
    activities = {(s.store, s.activity): i for i, s in reversed(list(enumerate(sections)))}
    yield from sorted(sections, key=lambda s: (stores[s.store], activities[(s.store, s.activity)]))


def _spec_from_records(key: tuple[str, str], records: list[Record]) -> CollectionSpec:
    """A plain description for records whose collection the mapping does not describe."""
    names: dict[str, FieldSpec] = {}
    for r in records:
        for f in r.fields:
            names.setdefault(f.name, FieldSpec(name=f.name, classification=f.classification, label={"de": f.name}))
    return CollectionSpec(
        store=key[0], name=key[1], title={"de": key[1]}, activity="", category="", fields=tuple(names.values())
    )


def _section(spec: CollectionSpec, records: list[Record], words: Wording, relationships: RelationshipNames) -> Section:
    lang = words.language
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
        rows.append(Row(values=values, relation=r.relation or ""))
    return Section(
        store=spec.store,
        store_title=words.get("stores", spec.store),
        collection=spec.name,
        title=pick(spec.title, lang, spec.name),
        description=pick(spec.description, lang),
        activity=spec.activity,
        category=spec.category,
        columns=tuple(
            Column(name=c.name, label=pick(c.label, lang, c.name), explain=pick(c.explain, lang)) for c in columns
        ),
        rows=tuple(rows),
        with_relation=any(r.relation for r in rows),
        codes=tuple(
            CodeNote(column=pick(c.label, lang, c.name), codes=tuple((k, pick(v, lang)) for k, v in c.codes.items()))
            for c in columns
            if c.codes
        ),
    )


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


def _named_in(sections: tuple[Section, ...], refs: list[str]) -> list[str]:
    """Distinct values of ``collection.field`` columns: recipients named by the records themselves."""
    names: list[str] = []
    for ref in refs:
        collection, field = ref.split(".", 1)
        for s in sections:
            if s.collection != collection:
                continue
            index = next((i for i, c in enumerate(s.columns) if c.name == field), None)
            if index is None:
                continue
            for row in s.rows:
                value = row.values[index]
                if value and value != "—" and value not in names:
                    names.append(value)
    return names


def _activities(sections: tuple[Section, ...], register: Register, words: Wording) -> Iterable[Activity]:
    lang = words.language
    found: dict[str, list[str]] = {}
    # the fields of each category that actually hold something about this reader
    fields: dict[tuple[str, str], list[str]] = {}
    empty = words.value("empty")
    for s in sections:
        if not s.activity:
            continue
        cats = found.setdefault(s.activity, [])
        if s.category and s.category not in cats:
            cats.append(s.category)
        held = fields.setdefault((s.activity, s.category), [])
        for i, column in enumerate(s.columns):
            if column.label not in held and any(row.values[i] not in ("", empty) for row in s.rows):
                held.append(column.label)
    d = register.defaults
    for key, categories in found.items():
        entry = register.activity(key)
        if entry is None:
            # A letter without purpose, recipients and retention for data it discloses is incomplete.
            raise ConfigError(
                register.file,
                f"activities.{key}",
                "records belong to this activity, but the register does not describe it",
            )
        yield Activity(
            key=key,
            name=pick(entry.name, lang),
            purpose=pick(entry.purpose, lang),
            legal_basis=pick(entry.legal_basis, lang),
            categories=tuple(
                _tailored(category_label(c, register, words), fields.get((key, c), [])) for c in categories
            ),
            recipients=(
                *(DataRecipient(name=r.name, role=pick(r.role, lang), address=r.address) for r in entry.recipients),
                *(
                    DataRecipient(name=n, role=pick(entry.recipients_role, lang))
                    for n in _named_in(sections, entry.recipient_fields)
                ),
            ),
            retention=pick(entry.retention, lang),
            source=pick(entry.source or d.source, lang),
            transfers=pick(entry.transfers or d.transfers, lang),
            automated=pick(entry.automated or d.automated, lang),
            rights=pick(entry.rights, lang),
        )


def _tailored(label: str, held: list[str]) -> str:
    """ "Stammdaten (Name, Klasse, …)" as it applies to this reader: "Stammdaten: Vorname, Nachname, …"
    — the register's general examples give way to the fields actually held."""
    if not held:
        return label
    base = label.split(" (", 1)[0] if label.endswith(")") else label
    return f"{base}: {', '.join(held)}"


def category_label(category: str, register: Register, words: Wording) -> str:
    """The reader's words for a data category: the register's own text when it has one (its
    TOML keys may spell the category with underscores), else ``wording.toml [categories]``."""
    entry = register.categories.get(category) or register.categories.get(category.replace(" ", "_"))
    return pick(entry, words.language) or words.get("categories", category)
