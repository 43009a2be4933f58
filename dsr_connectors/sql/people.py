"""People in a store: finding candidates for a descriptor, their identifiers, the gazetteer.

Lookups are indexed equality queries (card, login, e-mail, last name); names are then
compared in Python, because SQL ``lower()`` is ASCII-only on SQLite and collations differ.
Rows of one store with different keys are different people, even when their names match.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import phonenumbers
import sqlalchemy as sa

from dsr.model import STRONG_KINDS, Descriptor, Evidence, Identifier, IdentifierKind, KnownPerson, Profile
from dsr.pipeline.identify import descriptor_identifiers, normalise_code, normalise_email, normalise_name
from dsr.pipeline.names import initials, stored_spellings, swapped_day_and_month
from dsr.pipeline.names import near as names_near
from dsr.pipeline.names import same as names_same
from dsr_connectors.sql.database import Database, bind_values, text_of
from dsr_connectors.sql.mapping import PEOPLE_COLUMNS, PEOPLE_IDENTIFIERS, People

#: descriptor fields looked up by equality: identifier kind → (People attribute, Descriptor field)
LOOKUPS = {
    IdentifierKind.CARD: ("card", "card_number"),
    IdentifierKind.LOGIN: ("login", "login_name"),
    IdentifierKind.EMAIL: ("email", "email"),
    IdentifierKind.CUSTOMER: ("customer", "customer_number"),
    IdentifierKind.INVOICE: ("invoice", "invoice_number"),
}


def person_key(source: People, value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = normalise_email(value) if source.key_format == "email" else text_of(value).strip()
    return source.key_prefix + text


def row_name(source: People, row: sa.RowMapping) -> str | None:
    if source.first_name or source.last_name:
        first = row[source.first_name] if source.first_name else None
        last = row[source.last_name] if source.last_name else None
        name = normalise_name(first, last)
    elif source.full_name:
        name = normalise_name(row[source.full_name], None)
    else:
        return None
    return name or None


def row_identifiers(store: str, source: People, row: sa.RowMapping, key: str) -> frozenset[Identifier]:
    ids = {Identifier(IdentifierKind.KEY, key, store)}
    for attr, kind in PEOPLE_IDENTIFIERS.items():
        column = getattr(source, attr)
        value = row[column] if column else None
        if value is None or value == "":
            continue
        text = _normalise(kind, value)
        if text:
            ids.add(Identifier(kind, text))
    name = row_name(source, row)
    if name:
        ids.add(Identifier(IdentifierKind.NAME, name))
    return frozenset(ids)


def _normalise(kind: IdentifierKind, value: Any) -> str | None:
    if kind is IdentifierKind.CARD:
        return normalise_code(str(value)).upper()
    if kind is IdentifierKind.LOGIN:
        return normalise_code(str(value)).lower()
    if kind is IdentifierKind.EMAIL:
        return normalise_email(str(value))
    if kind is IdentifierKind.DATE_OF_BIRTH:
        if isinstance(value, dt.datetime):
            value = value.date()
        return value.isoformat() if isinstance(value, dt.date) else str(value)[:10]
    if kind is IdentifierKind.PHONE:
        try:
            number = phonenumbers.parse(str(value), "DE")
        except phonenumbers.NumberParseException:
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return normalise_code(str(value))


def profile_of(source: People, row: sa.RowMapping) -> Profile:
    def get(attr: str) -> Any:
        column = getattr(source, attr)
        value = row[column] if column else None
        return value if value not in ("",) else None

    dob = get("date_of_birth")
    if isinstance(dob, str):
        dob = dt.date.fromisoformat(dob[:10])
    elif isinstance(dob, dt.datetime):
        dob = dob.date()
    return Profile(
        first_name=get("first_name"),
        last_name=get("last_name"),
        display_name=get("full_name"),
        email=normalise_email(get("email")) if get("email") else None,
        street=get("street"),
        postal_code=get("postal_code"),
        city=get("city"),
        date_of_birth=dob,
        gender=get("gender"),
    )


def _spellings(text: str) -> list[str]:
    """How a typed value may be stored: as typed, lower, upper, Title (indexes are case-sensitive)."""
    t = " ".join(text.split())
    return list(dict.fromkeys([t, t.lower(), t.upper(), t.title(), t[:1].upper() + t[1:]]))


class Found:
    """One person (one key) of one store with the rows that matched."""

    def __init__(self, key: str, profile: Profile) -> None:
        self.key = key
        self.profile = profile
        self.identifiers: set[Identifier] = set()


def find(db: Database, sources: tuple[People, ...], descriptor: Descriptor, conn: sa.Connection) -> dict[str, Found]:
    """Rows of every identifying source that one of the descriptor's identifiers hits, by person key."""
    wanted = descriptor_identifiers(descriptor)
    kinds = {i.kind: i.value for i in wanted}
    people: dict[str, Found] = {}
    for source in sources:
        if not source.identify:
            continue
        for row in _lookup(db, source, descriptor, kinds, conn):
            key = _identifying_key(source, row)
            if key is None:
                continue
            ids = row_identifiers(db.store, source, row, key)
            if not (wanted & ids):
                continue  # a spelling variant hit, but not the person asked about
            people.setdefault(key, Found(key, profile_of(source, row))).identifiers |= ids
    return people


def _identifying_key(source: People, row: sa.RowMapping) -> str | None:
    """The row's person key, or None where the row names nobody or is not searched (``identify_unless``)."""
    if source.identify_unless and row[source.identify_unless] is not None:
        return None
    return person_key(source, row[source.key])


def _lookup(
    db: Database, source: People, descriptor: Descriptor, kinds: dict[IdentifierKind, str], conn: sa.Connection
) -> Iterator[sa.RowMapping]:
    table = db.table(source.table)
    for kind, (attr, field) in LOOKUPS.items():
        column = getattr(source, attr)
        if kind not in kinds or not column:
            continue
        typed = str(getattr(descriptor, field) or "")
        col = db.column(source.table, column)
        if source.fold_case and kind in (IdentifierKind.EMAIL, IdentifierKind.LOGIN):
            yield from conn.execute(sa.select(table).where(sa.func.lower(col) == kinds[kind])).mappings()
        else:
            values = bind_values(col, [kinds[kind], typed.strip()])
            yield from conn.execute(sa.select(table).where(col.in_(values))).mappings()
    if IdentifierKind.NAME in kinds:
        if source.last_name and descriptor.last_name:
            col = db.column(source.table, source.last_name)
            values = _spellings(descriptor.last_name)
        elif source.full_name and descriptor.first_name and descriptor.last_name:
            col = db.column(source.table, source.full_name)
            values = _spellings(f"{descriptor.first_name} {descriptor.last_name}")
        else:
            return
        yield from conn.execute(sa.select(table).where(col.in_(values))).mappings()


def near(db: Database, sources: tuple[People, ...], descriptor: Descriptor, conn: sa.Connection) -> dict[str, Found]:
    """People whose stored name the typed one may stand for (:func:`dsr.pipeline.names.near`): looked
    up by the spellings the typed last (or, swapped, first) name may be stored in, and — when a date of
    birth was given — among everyone born that day or on the day with day and month swapped. A row of
    the same name (folded) born on another day is one too; a name one letter off is one only for the
    day asked (or swapped)."""
    if not (descriptor.first_name and descriptor.last_name):
        return {}
    first, last = descriptor.first_name, descriptor.last_name
    days = [descriptor.date_of_birth] if descriptor.date_of_birth else []
    if descriptor.date_of_birth and (swapped := swapped_day_and_month(descriptor.date_of_birth)) is not None:
        days.append(swapped)
    looked_up: list[tuple[People, list[sa.RowMapping]]] = []
    for source in sources:
        if not source.identify or not (source.last_name or source.full_name):
            continue
        names = db.column(source.table, source.last_name or source.full_name or "")
        if source.last_name:
            clauses = [names.in_(stored_spellings(last) + stored_spellings(first))]
        else:
            clauses = [names.in_(stored_spellings(f"{first} {last}") + stored_spellings(f"{last} {first}"))]
        if source.date_of_birth and days:
            born = db.column(source.table, source.date_of_birth)
            clauses.append(born.in_(bind_values(born, days)))
        looked_up.append(
            (source, list(conn.execute(sa.select(db.table(source.table)).where(sa.or_(*clauses))).mappings()))
        )
    if not any(rows for _, rows in looked_up):
        # letters no spelling list can guess ("Rene" for "René"): every identifying table, read once,
        # only for a request that found nobody at all; names starting with another letter are skipped
        wanted = initials(first) | initials(last)
        looked_up = [(source, _starting_with(db, source, wanted, conn)) for source, _ in looked_up]
    people: dict[str, Found] = {}
    for source, rows in looked_up:
        for row in rows:
            key = _identifying_key(source, row)
            profile = profile_of(source, row)
            stored = (profile.first_name, profile.last_name) if source.last_name else (profile.display_name, None)
            if key is None or not names_near(first, last, *stored):
                continue
            if (
                days
                and profile.date_of_birth
                and profile.date_of_birth not in days
                and not names_same(first, last, *stored)
            ):
                # a name one letter off, born on another day: another person, not a near miss. The same name
                # (folded) born on another day is one: a typo in the date must not make the answer "nothing"
                continue
            people.setdefault(key, Found(key, profile)).identifiers |= row_identifiers(db.store, source, row, key)
    return people


def _starting_with(db: Database, source: People, wanted: set[str], conn: sa.Connection) -> list[sa.RowMapping]:
    """The rows of ``source`` whose (last) name starts with one of the folded letters ``wanted``, streamed."""
    column = source.last_name or source.full_name or ""
    stream = conn.execution_options(stream_results=True, yield_per=2000).execute(sa.select(db.table(source.table)))
    return [r for r in stream.mappings() if r[column] is not None and initials(text_of(r[column])) & wanted]


def evidence(
    store: str, descriptor: Descriptor, ids: frozenset[Identifier]
) -> tuple[tuple[Evidence, ...], tuple[IdentifierKind, ...]]:
    """What of the descriptor the row confirms, and what it contradicts (another date of birth or name)."""
    wanted = descriptor_identifiers(descriptor)
    hits = sorted(wanted & ids)
    found = tuple(Evidence(store, h.kind, h.kind in STRONG_KINDS) for h in hits)
    conflicts = []
    held = {i.kind: i for i in ids}
    for kind in (IdentifierKind.DATE_OF_BIRTH, IdentifierKind.NAME):
        asked = [w for w in wanted if w.kind is kind]
        if kind is IdentifierKind.NAME and not (descriptor.first_name and descriptor.last_name):
            continue
        if asked and kind in held and held[kind] != asked[0]:
            if kind is IdentifierKind.NAME and names_same(
                descriptor.first_name, descriptor.last_name, held[kind].value, None
            ):
                continue  # the same name written another way ("Mueller" for "Müller") contradicts nothing
            conflicts.append(kind)
    return found, tuple(conflicts)


def known_people(db: Database, sources: tuple[People, ...], conn: sa.Connection) -> Iterator[KnownPerson]:
    """Every person row of every source, streamed."""
    for source in sources:
        if not source.gazetteer:
            continue
        table = db.table(source.table)
        wanted = sorted({c for c in (getattr(source, a) for a in PEOPLE_COLUMNS) if c})
        stmt = sa.select(*(table.c[c] for c in wanted))
        result = conn.execution_options(stream_results=True, yield_per=2000).execute(stmt)
        seen: set[str] = set()
        for row in result.mappings():
            key = person_key(source, row[source.key])
            if key is None or key in seen:
                continue
            ids = row_identifiers(db.store, source, row, key)
            if not any(i.kind is not IdentifierKind.KEY for i in ids):
                continue  # nothing about a person in this row (e.g. no payer name)
            seen.add(key)
            p = profile_of(source, row)
            role = (
                text_of(row[source.role_column])
                if source.role_column and row[source.role_column] is not None
                else source.role
            )
            yield KnownPerson(
                store=db.store,
                key=key,
                identifiers=ids,
                first_name=p.first_name,
                last_name=p.last_name,
                full_name=p.display_name,
                street=p.street,
                postal_code=p.postal_code,
                city=p.city,
                role=role,
            )


def guardians_of(
    db: Database, sources: tuple[People, ...], keys: tuple[str, ...], conn: sa.Connection
) -> list[KnownPerson]:
    """The parents and guardians recorded for the person with ``keys`` (entries with ``guardian_of``).

    A guardian who is a person of this store too carries that key as a KEY identifier, so a
    requester identified as that person is recognised without comparing names.
    """
    out: list[KnownPerson] = []
    for source in sources:
        if not source.guardian_of or not keys:
            continue
        for row in db.select_in(conn, source.table, [(source.guardian_of, keys, False)]):
            key = person_key(source, row[source.key])
            if key is None:
                continue
            ids = set(row_identifiers(db.store, source, row, key))
            own = person_key_of(source, row)
            if own is not None:
                ids.add(Identifier(IdentifierKind.KEY, own, db.store))
            p = profile_of(source, row)
            out.append(
                KnownPerson(
                    store=db.store,
                    key=key,
                    identifiers=frozenset(ids),
                    first_name=p.first_name,
                    last_name=p.last_name,
                    full_name=p.display_name,
                    street=p.street,
                    postal_code=p.postal_code,
                    city=p.city,
                    role=source.role or "guardian",
                )
            )
    return sorted(out, key=lambda k: k.key)


def person_key_of(source: People, row: sa.RowMapping) -> str | None:
    """The row's person as the unprefixed people entry keys them (``guardian.person_id``)."""
    if not source.person_key or row[source.person_key] in (None, ""):
        return None
    return text_of(row[source.person_key]).strip()
