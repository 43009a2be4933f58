"""Section 2 of the access letter: the register's activities that apply to the reader, with the
categories, recipients and storage the records show (Art. 15(1)(a)–(h), 15(2) GDPR).

Recipients are the register's named ones *and* those the reader's records name (a notice's copy to
a parent, an incident reported to the police, a review shown in the public catalogue), as the
register's ``disclosed_to`` entries describe them (CJEU C-154/21: the actual recipients, where
known). Facts that hold for every activity (source, transfers, automated decisions, processors)
are said once (:class:`CommonFacts`), so that the section stays short.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence

from dsr.config import ControllerSettings
from dsr.errors import ConfigError
from dsr.model import Classification, CollectionSpec, Field, FieldSpec, Gathering, Record
from dsr.pipeline import authorities, land_law
from dsr.pipeline.compose.letter import Activity, CommonFacts, DataRecipient, Section
from dsr.pipeline.compose.values import date_text, field_text
from dsr.pipeline.compose.wording import Wording, pick
from dsr.pipeline.register import ActivityEntry, Disclosed, Register, RetentionRule

#: ``{name}`` or ``{name:date}`` in a register text
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)(?::(date))?\}")
#: more dated events than this for one recipient read as a count ("und 9 weitere")
_MOST_EVENTS = 3


def section_two(
    controller: ControllerSettings,
    sections: tuple[Section, ...],
    register: Register | None,
    words: Wording,
    gathering: Gathering,
) -> tuple[CommonFacts | None, tuple[Activity, ...]]:
    """Section 2 as the letter prints it: the common facts once, then each activity."""
    if register is None:
        return None, ()
    subs = placeholders(controller)
    listed = tuple(
        activities(sections, register, words, records=gathering.records, specs=gathering.collections, placeholders=subs)
    )
    if not listed:
        return None, ()
    return common_facts(listed, register, words, subs)


def placeholders(controller: ControllerSettings) -> dict[str, str]:
    """What ``{land_school_law}``, ``{land_law}``, ``{land_law_access}`` and ``{authority}`` stand
    for in this controller's register texts."""
    subs = land_law.citations(controller.land, controller.public).placeholders()
    subs["authority"] = authorities.competent(controller.land, controller.public).name
    return subs


def named_in(sections: tuple[Section, ...], refs: list[str]) -> list[str]:
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


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each ``{key}`` of ``values`` replaced; other braces stay (a name may hold them)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)) if not m.group(2) else m.group(0), text)


def activities(
    sections: tuple[Section, ...],
    register: Register,
    words: Wording,
    *,
    records: Sequence[Record] = (),
    specs: Sequence[CollectionSpec] = (),
    placeholders: Mapping[str, str] | None = None,
) -> Iterable[Activity]:
    """The activities the reader's records belong to, in the order they first appear.

    ``records`` and ``specs``: the (redacted) records the letter discloses and their collections,
    for the recipients the records name. ``placeholders``: ``{land_school_law}`` and the like.
    """
    lang = words.language
    subs = dict(placeholders or {})
    found: dict[str, list[str]] = {}
    # the fields of each category that actually hold something about this reader
    fields: dict[tuple[str, str], list[str]] = {}
    empty = words.value("empty")
    field_specs = {(c.name, f.name): f for c in specs for f in c.fields}
    for s in sections:
        if not s.activity:
            continue
        cats = found.setdefault(s.activity, [])
        if s.category and s.category not in cats:
            cats.append(s.category)
        held = fields.setdefault((s.activity, s.category), [])
        for i, column in enumerate(s.columns):
            if _internal_key(field_specs.get((s.collection, column.name))):
                continue  # "Ausleihnummer", "Medium (interne Nummer)": a number, not a kind of data
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

        def text(value: dict[str, str]) -> str:
            # a young reader addressed in "du" reads the register's "du" text ("dein Leserkonto")
            return fill(words.pick(value), subs)

        yield Activity(
            key=key,
            name=text(entry.name),
            purpose=text(entry.purpose),
            legal_basis=text(entry.legal_basis),
            categories=tuple(
                tailored(category_label(c, register, words), fields.get((key, c), [])) for c in categories
            ),
            recipients=(
                *(
                    DataRecipient(name=fill(r.name_in(lang), subs), role=text(r.role), address=r.address)
                    for r in entry.recipients
                ),
                *(
                    DataRecipient(name=n, role=text(entry.recipients_role))
                    for n in named_in(sections, entry.recipient_fields)
                ),
                *disclosed(entry, records, field_specs, words),
            ),
            retention=text(entry.retention),
            source=text(entry.source or d.source),
            transfers=text(entry.transfers or d.transfers),
            automated=text(entry.automated or d.automated),
            rights=text(entry.rights),
        )


def common_facts(
    listed: Sequence[Activity], register: Register, words: Wording, placeholders: Mapping[str, str] | None = None
) -> tuple[CommonFacts, tuple[Activity, ...]]:
    """Say once what every activity shares: the defaults for source, transfers and automated
    decisions, and the processors named in every activity. The activities keep only what differs
    (an emptied field means "as said above")."""
    import msgspec

    subs = dict(placeholders or {})
    d = register.defaults
    lang = words.language
    source, transfers, automated = (fill(words.pick(t), subs) for t in (d.source, d.transfers, d.automated))
    processor_names = {
        fill(r.name_in(lang), subs) for e in register.activities.values() for r in e.recipients if r.processor
    }
    shared = [
        r
        for r in (listed[0].recipients if listed else ())
        if r.name in processor_names and all(any(o.name == r.name for o in a.recipients) for a in listed)
    ]
    names = {r.name for r in shared}
    common = CommonFacts(
        source=source,
        transfers=transfers,
        automated=automated,
        processors=tuple(DataRecipient(name=r.name, address=r.address, role=_processor_role(words)) for r in shared),
    )
    trimmed = tuple(
        msgspec.structs.replace(
            a,
            source="" if a.source == source else a.source,
            transfers="" if a.transfers == transfers else a.transfers,
            automated="" if a.automated == automated else a.automated,
            recipients=tuple(r for r in a.recipients if r.name not in names),
        )
        for a in listed
    )
    return common, trimmed


def _processor_role(words: Wording) -> str:
    return "Auftragsverarbeiter (Art. 28 DSGVO)" if words.language == "de" else "processor (Art. 28 GDPR)"


def disclosed(
    entry: ActivityEntry, records: Sequence[Record], specs: Mapping[tuple[str, str], FieldSpec], words: Wording
) -> list[DataRecipient]:
    """Recipients the reader's records name, one per recipient with what they received and when."""
    events: dict[str, list[str]] = {}
    for rule in entry.disclosed_to:
        for record in records:
            if record.collection != rule.collection or not _holds(record, rule.when):
                continue
            name = _recipient_name(rule, record, records, specs, words)
            if not name:
                continue
            said = events.setdefault(name, [])
            what = _format(words.pick(rule.text), record, specs, words)
            if what and what not in said:
                said.append(what)
    out = []
    for name, said in events.items():
        shown = said[:_MOST_EVENTS]
        more = len(said) - len(shown)
        if more:
            shown.append(f"und {more} weitere" if words.language == "de" else f"and {more} more")
        out.append(DataRecipient(name=name, role="; ".join(shown)))
    return out


def _holds(record: Record, name: str) -> bool:
    try:
        value = record.value(name)
    except KeyError:
        return False
    return value not in (None, "", False, 0)


def _recipient_name(
    rule: Disclosed,
    record: Record,
    records: Sequence[Record],
    specs: Mapping[tuple[str, str], FieldSpec],
    words: Wording,
) -> str:
    source: Record | None = record
    if rule.lookup:
        collection, field = rule.lookup.split(".", 1)
        wanted = str(record.value(rule.when)).casefold()
        source = next(
            (
                r
                for r in records
                if r.collection == collection
                and any(f.name == field and f.value is not None and str(f.value).casefold() == wanted for f in r.fields)
            ),
            None,
        )
    if rule.name_from and source is not None:
        try:
            value = source.value(rule.name_from)
        except KeyError:
            value = None
        if value is not None and str(value) in rule.names:
            return words.pick(rule.names[str(value)])
    if rule.name:
        return _format(words.pick(rule.name), record, specs, words)
    return ""


def _format(template: str, record: Record, specs: Mapping[tuple[str, str], FieldSpec], words: Wording) -> str:
    """``template`` with ``{field}`` as the letter prints the record's value (a reference by its
    role, never its value) and ``{field:date}`` as the day alone."""
    by_name = {f.name: f for f in record.fields}

    def one(m: re.Match[str]) -> str:
        f: Field | None = by_name.get(m.group(1))
        if f is None:
            return m.group(0)
        if m.group(2) == "date" and isinstance(f.value, dt.date) and f.classification is not Classification.REFERENCE:
            return date_text(f.value, words.language, zone=words.zone)
        return field_text(f, specs.get((record.collection, f.name)), words)

    return _PLACEHOLDER.sub(one, template)


# ------------------------------------------------------------------ storage


def due_for_erasure(record: Record, rule: RetentionRule, suspended: bool = False) -> dt.date | None:
    """The day from which ``rule`` says ``record`` is erased; None when the rule does not run for it
    (its start field is empty, or the reader's consent suspends it)."""
    if suspended or record.collection not in rule.collections:
        return None
    start = _value(record, rule.after)
    if start is None and rule.or_after:
        start = _value(record, rule.or_after)
    if not isinstance(start, dt.date):
        return None
    day = start.date() if isinstance(start, dt.datetime) else start
    if rule.from_year_end:
        day = dt.date(day.year + 1, 1, 1)
    return add_period(day, days=rule.days, months=rule.months + 12 * rule.years)


def _value(record: Record, name: str) -> object:
    try:
        return record.value(name)
    except KeyError:
        return None


def add_period(day: dt.date, *, days: int = 0, months: int = 0) -> dt.date:
    """``day`` plus whole months (the last day of a shorter month where the day does not exist) and days."""
    if months:
        year, month = divmod(day.month - 1 + months, 12)
        year, month = day.year + year, month + 1
        day = day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))
    return day + dt.timedelta(days=days)


def suspended(rule: RetentionRule, records: Sequence[Record]) -> bool:
    """Whether one of ``rule.unless`` ("collection.field") is true in the reader's records."""
    for ref in rule.unless:
        collection, field = ref.split(".", 1)
        if any(r.collection == collection and _holds(r, field) for r in records):
            return True
    return False


def referenced(rule: RetentionRule, records: Sequence[Record]) -> set[tuple[str, str]]:
    """(collection, key) of the rule's records that a ``referenced_by`` record points at."""
    keys: set[str] = set()
    for ref in rule.referenced_by:
        collection, field = ref.split(".", 1)
        keys |= {str(v) for r in records if r.collection == collection and (v := _value(r, field)) is not None}
    return {(c, k) for c in rule.collections for k in keys}


def erasure_dates(register: Register, records: Sequence[Record]) -> dict[tuple[str, str, str], dt.date]:
    """(store, collection, key) → the day each dated record is due for erasure."""
    out: dict[tuple[str, str, str], dt.date] = {}
    for entry in register.activities.values():
        rule = entry.retention_rule
        if rule is None:
            continue
        off = suspended(rule, records)
        kept = referenced(rule, records)
        for r in records:
            if (r.collection, r.key) in kept:
                continue
            due = due_for_erasure(r, rule, off)
            if due is not None:
                out[(r.store, r.collection, r.key)] = due
    return out


# ------------------------------------------------------------------ categories


def _internal_key(spec: FieldSpec | None) -> bool:
    """A row's technical number (a ``system`` integer column: its id, the id of a medium); the
    copy keeps it, the list of data categories does not name it."""
    return spec is not None and spec.classification is Classification.SYSTEM and spec.kind == "int"


def tailored(label: str, held: list[str]) -> str:
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
