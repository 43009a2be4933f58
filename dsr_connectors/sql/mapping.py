"""The dataset mapping: a TOML file that tells the SQL connector what a database means.

Parsed into typed values here and validated as far as possible without a database; what needs
the live schema (tables and columns exist, every column is classified) is checked by
:mod:`dsr_connectors.sql.schema`. The format is documented in ``docs/mapping.md``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import msgspec

from dsr.config import convert, read_toml
from dsr.errors import ConfigError, ConfigErrors
from dsr.model import Classification, CollectionSpec, FieldSpec, IdentifierKind
from dsr.model import Join as JoinSpec
from dsr.writing import WriteRules
from dsr_connectors.sql import write_rules
from dsr_connectors.sql.write_rules import WRITE_KEYS, WriteDecl

LANGUAGES = ("de", "en")
KINDS = ("text", "int", "date", "datetime", "money", "bool", "code", "user_agent")

Text = dict[str, str]


class Join(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``joins = { collection = "item", show = ["title", "author"] }``: the column holds the key of
    a row of another collection; the letter prints that row's ``show`` columns in its place."""

    collection: str
    #: the column of ``collection`` the value is compared with (default: its key)
    column: str | None = None
    show: list[str]


class Column(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How one column of a collection is classified and described."""

    class_: Classification = msgspec.field(name="class")
    label: Text
    kind: Literal["text", "int", "date", "datetime", "money", "bool", "code", "user_agent"] = "text"
    #: for references: the role label key of the other person
    role: str | None = None
    #: for references: what the stored value is; decides how "is it the subject?" is answered
    #: and whether the value may be passed on (only keys are: names and addresses never are)
    holds: Literal["key", "email", "name", "text", "ip"] = "key"
    #: for references to a relative of the subject (their parent, their child): the name the
    #: subject may see beside the role (``full_name`` or ``first_name``); see docs/mapping.md
    relative: Literal["first_name", "full_name"] | None = None
    codes: dict[str, Text] = {}
    explain: Text = {}
    #: an internal key, left out of the letter (kept in JSON and CSV); default: a ``system``
    #: ``int`` column that is the collection's key or named ``*_id``
    internal: bool | None = None
    joins: Join | None = None


class Condition(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One ``column = source`` condition of a match alternative."""

    source: str
    compare: Literal["exact", "casefold", "name", "email_in"] = "exact"


class OtherParty(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Columns of a row that hold the data of the row's *other party* — an incident's attacker, whoever
    had a shared item when it was damaged — not the subject's, though the row is the subject's."""

    columns: list[str]
    #: a reference column naming that party: where it points at the subject, the columns are theirs
    person: str | None = None
    #: ``restricted``: an officer decides (Art. 15(4) GDPR, § 29 BDSG), withheld until then;
    #: ``omitted``: not the subject's data at all, left out of the copy
    handling: Literal["restricted", "omitted"] = "restricted"


class Collection(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    table: str
    #: the column, or the columns together (a composite key), that tell the table's rows apart
    key: str | list[str] = "id"
    title: Text
    description: Text = {}
    #: ``{ de = ["Gebühr", "Gebühren"], en = ["fee", "fees"] }``: one record, several, for counts
    noun: dict[str, list[str]] = {}
    activity: str
    category: str
    order_by: str | None = None
    relation: str | None = None
    #: alternatives (ORed); each maps column → source (ANDed)
    match: list[dict[str, str | Condition]]
    #: guards (ORed): run this collection only if one holds; ``coll.column`` or ``coll.column = value``
    when: list[str] = []
    #: a row is restricted (an officer decides) when any of these columns is set
    restricted_when: list[str] = []
    #: columns holding the other party's data
    other_party: OtherParty | None = None
    columns: dict[str, Column] = {}


class People(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where people are in the database: for identification and for the redaction gazetteer."""

    table: str
    key: str = "id"
    #: ``email``: the key column holds an e-mail address, lower-cased to make the person key
    key_format: Literal["plain", "email"] = "plain"
    key_prefix: str = ""
    identify: bool = True  #: used to find candidates
    gazetteer: bool = True  #: listed by people() for the redaction gazetteer
    #: rows where this column is set are found through another source (e.g. guardian.person_id)
    identify_unless: str | None = None
    #: compare e-mails and logins with lower(column): right for small tables with mixed case
    fold_case: bool = False
    role: str | None = None
    role_column: str | None = None
    card: str | None = None
    login: str | None = None
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    date_of_birth: str | None = None
    gender: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    customer: str | None = None
    invoice: str | None = None
    #: rows name the parent or guardian of a person: this column holds the child's key
    #: (as the unprefixed people entry has it); the connector's guardians() reads it
    guardian_of: str | None = None
    #: column holding this person's key in the unprefixed people entry, when they are a
    #: person there too (a teacher who is a guardian: guardian.person_id)
    person_key: str | None = None


class Addresses(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A table of IP addresses used by people (a login log)."""

    table: str
    person: str
    column: str
    #: also contribute ``ip_exclusive`` for addresses nobody else used in this table
    exclusive: bool = False
    #: only rows with these column values show that the person used the address (a successful
    #: login: a failed one may be anybody typing their name); every row counts for exclusivity
    where: dict[str, str] = {}


class _File(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: str = ""
    description: str = ""
    people: list[People] = []
    ip_addresses: list[Addresses] = []
    collections: dict[str, Collection] = {}
    #: tables that hold nobody's personal data, with the reason
    ignore_tables: dict[str, str] = {}


#: columns of People that carry identifiers, by identifier kind
PEOPLE_IDENTIFIERS = {
    "card": IdentifierKind.CARD,
    "login": IdentifierKind.LOGIN,
    "email": IdentifierKind.EMAIL,
    "phone": IdentifierKind.PHONE,
    "date_of_birth": IdentifierKind.DATE_OF_BIRTH,
    "customer": IdentifierKind.CUSTOMER,
    "invoice": IdentifierKind.INVOICE,
}
PEOPLE_COLUMNS = (
    "key",
    "role_column",
    "identify_unless",
    "card",
    "login",
    "email",
    "phone",
    "first_name",
    "last_name",
    "full_name",
    "date_of_birth",
    "gender",
    "street",
    "postal_code",
    "city",
    "customer",
    "invoice",
    "guardian_of",
    "person_key",
)
#: sources a condition may name besides ``key`` and ``<collection>.<column>``
IDENTIFIER_SOURCES = {k.value: k for k in IdentifierKind if k is not IdentifierKind.KEY}


@dataclass(frozen=True)
class Source:
    """Where the values of a condition come from."""

    kind: Literal["key", "identifier", "collection"]
    identifier: IdentifierKind | None = None
    collection: str | None = None
    column: str | None = None


@dataclass(frozen=True)
class Match:
    column: str
    source: Source
    compare: str

    @property
    def in_sql(self) -> bool:
        return self.compare in ("exact", "casefold")


@dataclass(frozen=True)
class Guard:
    collection: str
    column: str
    value: str | None  #: None: the column is set (not NULL, not empty)


@dataclass(frozen=True)
class CollectionMapping:
    name: str
    raw: Collection
    alternatives: tuple[tuple[Match, ...], ...]
    guards: tuple[Guard, ...]
    #: the key was written in the mapping (not the default ``id``)
    key_given: bool = True
    #: the write side: erase, restrict, rectify, holds (docs/mapping.md, "Write side")
    write: WriteDecl = WriteDecl()

    @property
    def table(self) -> str:
        return self.raw.table

    @property
    def key(self) -> tuple[str, ...]:
        """The key column(s): one, or several that together tell the rows apart."""
        return (self.raw.key,) if isinstance(self.raw.key, str) else tuple(self.raw.key)

    def depends_on(self) -> set[str]:
        found = {m.source.collection for alt in self.alternatives for m in alt if m.source.collection}
        return found | {g.collection for g in self.guards}

    def never_shown(self) -> frozenset[str]:
        """Columns no subject ever sees: the other party's, left out, with nobody named who could own them."""
        o = self.raw.other_party
        if o is None or o.handling != "omitted" or o.person is not None:
            return frozenset()
        return frozenset(o.columns)


@dataclass(frozen=True)
class Mapping:
    """A validated dataset mapping. ``collections`` are in dependency order."""

    file: Path
    name: str
    people: tuple[People, ...]
    ip_addresses: tuple[Addresses, ...]
    collections: tuple[CollectionMapping, ...]
    ignore_tables: AbcMapping[str, str]

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.file, key, problem)

    def tables(self) -> set[str]:
        return (
            {c.table for c in self.collections} | {p.table for p in self.people} | {a.table for a in self.ip_addresses}
        )

    def specs(self, store: str) -> list[CollectionSpec]:
        return [collection_spec(store, c) for c in self.collections]

    def write_rules(self, store: str) -> dict[str, WriteRules]:
        """The declared write rules by collection (empty: a read-only mapping)."""
        out = {}
        for c in self.collections:
            rules = write_rules.write_rules(store, c.name, c.write)
            if rules is not None:
                out[c.name] = rules
        return out


def collection_spec(store: str, c: CollectionMapping) -> CollectionSpec:
    never = c.never_shown()
    fields = tuple(
        FieldSpec(
            name=name,
            classification=col.class_,
            label=col.label,
            kind=col.kind,
            role=col.role,
            codes=col.codes,
            explain=col.explain,
            internal=internal(name, col, c.key),
            joins=(
                # (the column is filled in by _resolve_joins)
                JoinSpec(collection=col.joins.collection, column=col.joins.column or "id", show=tuple(col.joins.show))
                if col.joins
                else None
            ),
        )
        for name, col in c.raw.columns.items()
        if name not in never
    )
    return CollectionSpec(
        store=store,
        name=c.name,
        title=c.raw.title,
        description=c.raw.description,
        noun={lang: (forms[0], forms[1]) for lang, forms in c.raw.noun.items() if len(forms) == 2},
        activity=c.raw.activity,
        category=c.raw.category,
        fields=fields,
        order_by=c.raw.order_by,
        relation=c.raw.relation,
        via=tuple(sorted({m.source.collection for alt in c.alternatives for m in alt if m.source.collection})),
    )


def internal(name: str, col: Column, key: tuple[str, ...]) -> bool:
    """Whether the letter leaves the column out: as declared, else a ``system`` number that is the
    row's key or another row's (``*_id``); a column that ``joins`` is printed as the row it names."""
    if col.internal is not None:
        return col.internal
    if col.joins is not None:
        return True
    return col.class_ is Classification.SYSTEM and col.kind == "int" and (name in key or name.endswith("_id"))


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping file. Raises :class:`ConfigError` naming the file and key."""
    file = Path(path)
    return parse_mapping(read_toml(file, "mapping file"), file)


def parse_mapping(raw: AbcMapping[str, Any], file: Path) -> Mapping:
    raw = _inherit_columns(raw, file)
    # converted piece by piece: msgspec reports dict keys as "[...]", and an error must name the key
    top = {k: v for k, v in raw.items() if k != "collections"}
    data = convert(top, _File, file, "")
    raw_collections = convert(raw.get("collections", {}), dict[str, dict[str, Any]], file, "collections")
    converted = {}
    writes: dict[str, WriteDecl] = {}
    for name, c in raw_collections.items():
        columns = convert(c.get("columns", {}), dict[str, dict[str, Any]], file, f"collections.{name}.columns")
        cols = {col: convert(v, Column, file, f"collections.{name}.columns.{col}") for col, v in columns.items()}
        plain = {k: v for k, v in c.items() if k != "columns" and k not in WRITE_KEYS}
        coll = convert(plain, Collection, file, f"collections.{name}")
        converted[name] = msgspec.structs.replace(coll, columns=cols)
        writes[name] = write_rules.parse(c, file, f"collections.{name}")
    errors: list[ConfigError] = []
    converted = _resolve_joins(file, converted, errors)
    data = msgspec.structs.replace(data, collections=converted)
    collections = {
        name: _collection(file, name, c, set(data.collections), errors, key_given="key" in raw_collections[name])
        for name, c in data.collections.items()
    }
    collections = {n: dataclasses.replace(c, write=writes[n]) for n, c in collections.items()}
    _check_writes(file, collections, errors)
    for i, p in enumerate(data.people):
        _check_people(file, f"people[{i}]", p, errors)
    _check_relatives(file, data, errors)
    _check_parent_columns(file, collections, errors)
    ordered = _dependency_order(file, collections, errors)
    if errors:
        raise ConfigErrors(errors) if len(errors) > 1 else errors[0]
    return Mapping(
        file=file,
        name=data.name,
        people=tuple(data.people),
        ip_addresses=tuple(data.ip_addresses),
        collections=tuple(ordered),
        ignore_tables=data.ignore_tables,
    )


def _resolve_joins(file: Path, collections: dict[str, Collection], errors: list[ConfigError]) -> dict[str, Collection]:
    """Check every ``joins`` against the collection it names and fill in the default column (that
    collection's key). The ``show`` columns may join further (a fee's loan shows the loan's item),
    but never back to where they started."""
    out = dict(collections)
    for name, c in collections.items():
        columns = dict(c.columns)
        for col_name, col in c.columns.items():
            if col.joins is None:
                continue
            where = f"collections.{name}.columns.{col_name}.joins"
            target = collections.get(col.joins.collection)
            if target is None or col.joins.collection == name:
                errors.append(ConfigError(file, f"{where}.collection", "must name another collection of this mapping"))
                continue
            column = col.joins.column or (target.key if isinstance(target.key, str) else None)
            if column is None or column not in target.columns:
                errors.append(
                    ConfigError(file, f"{where}.column", f"{column!r} is not a column of {col.joins.collection}")
                )
                continue
            if not col.joins.show:
                errors.append(ConfigError(file, f"{where}.show", "name the columns printed in this column's place"))
            for i, shown in enumerate(col.joins.show):
                if shown not in target.columns:
                    errors.append(
                        ConfigError(file, f"{where}.show[{i}]", f"{shown!r} is not a column of {col.joins.collection}")
                    )
            columns[col_name] = msgspec.structs.replace(col, joins=msgspec.structs.replace(col.joins, column=column))
        out[name] = msgspec.structs.replace(c, columns=columns)
    for name, c in out.items():
        for col_name, col in c.columns.items():
            if col.joins is not None and _joins_back(out, col.joins, {name}):
                errors.append(
                    ConfigError(file, f"collections.{name}.columns.{col_name}.joins", "the joins lead back in a cycle")
                )
    return out


def _joins_back(collections: dict[str, Collection], join: Join, seen: set[str]) -> bool:
    if join.collection in seen:
        return True
    target = collections.get(join.collection)
    if target is None:
        return False
    for shown in join.show:
        col = target.columns.get(shown)
        if col is not None and col.joins is not None and _joins_back(collections, col.joins, seen | {join.collection}):
            return True
    return False


def _inherit_columns(raw: AbcMapping[str, Any], file: Path) -> dict[str, Any]:
    """``columns_from = "loan"``: start from another collection's columns, then override some.

    One table often backs several collections that differ in a few columns only (the loans a
    reader borrowed vs. the loans they issued as a pupil helper).
    """
    out = dict(raw)
    colls = raw.get("collections")
    if not isinstance(colls, dict):
        return out
    merged: dict[str, Any] = {}
    for name, c in colls.items():
        if isinstance(c, dict) and "columns_from" in c:
            base = colls.get(c["columns_from"])
            if not isinstance(base, dict) or "columns_from" in base or base.get("table") != c.get("table"):
                raise ConfigError(
                    file,
                    f"collections.{name}.columns_from",
                    "must name a collection of the same table that has no columns_from itself",
                )
            c = {k: v for k, v in c.items() if k != "columns_from"}
            c["columns"] = {**base.get("columns", {}), **c.get("columns", {})}
        merged[name] = c
    out["collections"] = merged
    return out


def _text(file: Path, key: str, text: AbcMapping[str, str], errors: list[ConfigError], required: bool = True) -> None:
    if not text and not required:
        return
    missing = [lang for lang in LANGUAGES if not text.get(lang)]
    if missing:
        errors.append(ConfigError(file, key, f"needs a text in {' and '.join(missing)}"))


def _collection(
    file: Path, name: str, c: Collection, known: set[str], errors: list[ConfigError], key_given: bool = True
) -> CollectionMapping:
    where = f"collections.{name}"
    _text(file, f"{where}.title", c.title, errors)
    _text(file, f"{where}.description", c.description, errors, required=False)
    for lang, forms in c.noun.items():
        if len(forms) != 2 or not all(f.strip() for f in forms):
            errors.append(ConfigError(file, f"{where}.noun.{lang}", 'expected ["singular", "plural"]'))
    if c.noun:
        _text(file, f"{where}.noun", {k: " ".join(v) for k, v in c.noun.items()}, errors)
    if not c.columns:
        errors.append(ConfigError(file, f"{where}.columns", "a collection needs its columns classified"))
    for col_name, col in c.columns.items():
        ckey = f"{where}.columns.{col_name}"
        _text(file, f"{ckey}.label", col.label, errors)
        if col.class_ is Classification.REFERENCE and not col.role:
            errors.append(
                ConfigError(file, f"{ckey}.role", "a reference needs a role (the label key of the other person)")
            )
        if col.class_ is not Classification.REFERENCE and (col.role or col.holds != "key" or col.relative):
            errors.append(ConfigError(file, ckey, "role, holds and relative are for references only"))
        elif col.relative and (
            col.holds not in ("key", "name") or (col.holds == "name" and col.relative != "full_name")
        ):
            errors.append(
                ConfigError(
                    file,
                    f"{ckey}.relative",
                    'a relative\'s name comes from a key (looked up in the people table) or, as "full_name", '
                    "from a column holding the name",
                )
            )
        for value, text in col.codes.items():
            _text(file, f"{ckey}.codes.{value}", text, errors)
    _check_key(file, where, c, errors)
    if c.order_by is not None and c.order_by not in c.columns:
        errors.append(ConfigError(file, f"{where}.order_by", f"{c.order_by!r} is not among the columns"))
    for i, col_name in enumerate(c.restricted_when):
        if col_name not in c.columns:
            errors.append(ConfigError(file, f"{where}.restricted_when[{i}]", f"{col_name!r} is not among the columns"))
    if c.other_party is not None:
        _check_other_party(file, f"{where}.other_party", c, errors)
    if not c.match:
        errors.append(
            ConfigError(file, f"{where}.match", "needs at least one alternative: how rows relate to the subject")
        )
    alternatives = []
    for i, alt in enumerate(c.match):
        akey = f"{where}.match[{i}]"
        matches = []
        for col_name, cond in alt.items():
            cond = Condition(source=cond) if isinstance(cond, str) else cond
            if col_name not in c.columns:
                errors.append(ConfigError(file, f"{akey}.{col_name}", f"{col_name!r} is not among the columns"))
            source = _source(file, f"{akey}.{col_name}", cond.source, known, name, errors)
            if source is not None:
                matches.append(Match(col_name, source, cond.compare))
        if not alt:
            errors.append(ConfigError(file, akey, "an alternative needs at least one condition"))
        elif matches and not any(m.in_sql for m in matches):
            errors.append(
                ConfigError(file, akey, "needs at least one exact or casefold condition (the database query)")
            )
        parents = {m.source.collection for m in matches if m.source.collection}
        if len(parents) > 1:
            errors.append(ConfigError(file, akey, "conditions of one alternative may name one other collection only"))
        alternatives.append(tuple(matches))
    guards = []
    for i, when in enumerate(c.when):
        m = re.fullmatch(r"\s*(\w+)\.(\w+)\s*(?:=\s*(.+?)\s*)?", when)
        if not m or m.group(1) not in known or m.group(1) == name:
            errors.append(
                ConfigError(
                    file,
                    f"{where}.when[{i}]",
                    "expected 'collection.column' or 'collection.column = value' naming another collection",
                )
            )
            continue
        guards.append(Guard(m.group(1), m.group(2), m.group(3)))
    return CollectionMapping(
        name=name, raw=c, alternatives=tuple(alternatives), guards=tuple(guards), key_given=key_given
    )


def _check_other_party(file: Path, where: str, c: Collection, errors: list[ConfigError]) -> None:
    o = c.other_party
    assert o is not None
    if not o.columns:
        errors.append(ConfigError(file, f"{where}.columns", "name the columns that hold the other party's data"))
    keys = {c.key} if isinstance(c.key, str) else set(c.key)
    for i, col_name in enumerate(o.columns):
        if col_name not in c.columns:
            errors.append(ConfigError(file, f"{where}.columns[{i}]", f"{col_name!r} is not among the columns"))
        elif col_name in keys or col_name == o.person:
            errors.append(
                ConfigError(file, f"{where}.columns[{i}]", "the key and the person column stay in the record")
            )
    if o.person is not None:
        col = c.columns.get(o.person)
        if col is None or col.class_ is not Classification.REFERENCE:
            errors.append(ConfigError(file, f"{where}.person", f"{o.person!r} is not a reference column"))


def _check_relatives(file: Path, data: _File, errors: list[ConfigError]) -> None:
    """A relative's name behind a key is looked up in the unprefixed people entry: it must have names."""
    names = [p for p in data.people if not p.key_prefix and (p.first_name or p.full_name)]
    if names:
        return
    for cname, c in data.collections.items():
        for col_name, col in c.columns.items():
            if col.relative and col.holds == "key":
                errors.append(
                    ConfigError(
                        file,
                        f"collections.{cname}.columns.{col_name}.relative",
                        "needs a [[people]] entry without key_prefix that has name columns, to look the name up",
                    )
                )


def _check_key(file: Path, where: str, c: Collection, errors: list[ConfigError]) -> None:
    if isinstance(c.key, str):
        if c.key not in c.columns:
            errors.append(ConfigError(file, f"{where}.key", f"{c.key!r} is not among the columns"))
        return
    if not c.key:
        errors.append(ConfigError(file, f"{where}.key", "a composite key needs at least one column"))
    seen: set[str] = set()
    for i, col_name in enumerate(c.key):
        if col_name not in c.columns:
            errors.append(ConfigError(file, f"{where}.key[{i}]", f"{col_name!r} is not among the columns"))
        elif col_name in seen:
            errors.append(ConfigError(file, f"{where}.key[{i}]", f"{col_name!r} is named twice"))
        seen.add(col_name)


def _source(file: Path, key: str, text: str, known: set[str], own: str, errors: list[ConfigError]) -> Source | None:
    if text == "key":
        return Source("key")
    if text in IDENTIFIER_SOURCES:
        return Source("identifier", identifier=IDENTIFIER_SOURCES[text])
    parts = text.split(".")
    if len(parts) == 2 and parts[0] in known and parts[0] != own and _IDENT.match(parts[1]):
        return Source("collection", collection=parts[0], column=parts[1])
    choices = ", ".join(["key", *IDENTIFIER_SOURCES, "<collection>.<column>"])
    errors.append(ConfigError(file, key, f"unknown source {text!r}; one of {choices}"))
    return None


def _check_people(file: Path, where: str, p: People, errors: list[ConfigError]) -> None:
    if not (p.first_name or p.last_name or p.full_name or p.email):
        errors.append(ConfigError(file, where, "a people source needs a name or an e-mail column"))
    if p.role and p.role_column:
        errors.append(ConfigError(file, f"{where}.role", "give role or role_column, not both"))


def _check_writes(file: Path, collections: dict[str, CollectionMapping], errors: list[ConfigError]) -> None:
    """The write side of each collection, and collections of one table erasing a row two ways."""
    tables: dict[str, list[tuple[str, WriteDecl]]] = {}
    for c in collections.values():
        write_rules.validate(file, f"collections.{c.name}", c.write, list(c.raw.columns), c.key, _text, errors)
        tables.setdefault(c.table, []).append((c.name, c.write))
    errors.extend(write_rules.conflicts(file, tables))


def _check_parent_columns(file: Path, collections: dict[str, CollectionMapping], errors: list[ConfigError]) -> None:
    for c in collections.values():
        for i, alt in enumerate(c.alternatives):
            for m in alt:
                parent = m.source.collection
                if parent and m.source.column not in collections[parent].raw.columns:
                    errors.append(
                        ConfigError(
                            file,
                            f"collections.{c.name}.match[{i}].{m.column}",
                            f"{m.source.column!r} is not among the columns of {parent}",
                        )
                    )
        for i, g in enumerate(c.guards):
            if g.column not in collections[g.collection].raw.columns:
                errors.append(
                    ConfigError(
                        file,
                        f"collections.{c.name}.when[{i}]",
                        f"{g.column!r} is not among the columns of {g.collection}",
                    )
                )


def _dependency_order(
    file: Path, collections: dict[str, CollectionMapping], errors: list[ConfigError]
) -> list[CollectionMapping]:
    done: list[CollectionMapping] = []
    names: set[str] = set()
    pending = list(collections.values())
    while pending:
        ready = [c for c in pending if c.depends_on() <= names]
        if not ready:
            cycle = ", ".join(c.name for c in pending)
            errors.append(ConfigError(file, "collections", f"collections depend on each other in a cycle: {cycle}"))
            return done
        for c in ready:
            done.append(c)
            names.add(c.name)
            pending.remove(c)
    return done
