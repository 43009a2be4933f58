"""The copy of the data as a person reads it (Anlage 1): one :class:`Table` per section.

Built from the composed sections and the records behind them; both renderers of the copy (the
PDF appendix, :mod:`dsr.pipeline.render.appendix`, and the Word letter) print ``Section.table``.
The rules, each declared in the mapping (docs/mapping.md) or read from the values:

- **internal numbers** (``FieldSpec.internal``: a row's own number, another row's) are left out;
- a column that **joins** another collection (``loan.item_id`` → ``item``) prints that row's
  ``show`` columns in its place (title, author); a joined collection whose every record was
  printed that way prints no list of its own (``Table.joined``), the others still do;
- a column **empty** in every row is left out; in cards an empty field is left out of its card;
- a column with the **same value in every row** is said once above the records
  (``Table.constants``: "Leserin/Leser: Sie · Ausgegeben von: Bibliotheksteam");
- the **relation** of a record (why it concerns the reader) prints in words from
  ``wording.toml [relations]``: the collection's declared ``relation`` or, for rows found through
  another collection, that collection's name — never "loan 4087";
- **user agents** (kind ``user_agent``) print as "Firefox 128 unter Windows";
- a column with a value in only a **few of many rows** (``SPARSE``: a note in one loan of forty)
  or of **long texts** (``LONG``: a message's wording) is marked ``Table.asides``: a table
  prints each of its values as a line under the row, across the width.

Nothing is removed from ``Section.columns`` / ``Section.rows``: the JSON and CSV keep every value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from dsr.model import CollectionSpec, FieldSpec, Record, Value
from dsr.pipeline.compose.browsers import browser_text
from dsr.pipeline.compose.letter import Section, Table
from dsr.pipeline.compose.values import date_text, datetime_short
from dsr.pipeline.compose.wording import Wording

#: a column filled in at most one row in this many is an aside (see :attr:`Table.asides`)
SPARSE = 8
#: a column of texts this long on average (characters) is an aside too
LONG = 120


@dataclass(frozen=True)
class Source:
    """A composed section with what its table is built from."""

    section: Section
    spec: CollectionSpec
    #: the description of each of ``section.columns``, in that order
    fields: tuple[FieldSpec, ...]
    #: the record behind each of ``section.rows``, in that order
    records: tuple[Record, ...]


@dataclass(frozen=True, eq=False)
class _Printed:
    """One printed column: its label, its explanation, a text per row of its section."""

    label: str
    explain: str
    values: list[str]


@dataclass
class _Builder:
    sources: Sequence[Source]
    words: Wording
    empty: str = ""
    by_name: dict[tuple[str, str], Source] = field(default_factory=dict)
    cells: dict[tuple[int, str], list[_Printed]] = field(default_factory=dict)
    #: per joined source (by id), the rows other sections point at
    joined: dict[int, set[int]] = field(default_factory=dict)
    joined_into: dict[int, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.empty = self.words.value("empty")
        self.by_name = {(s.spec.store, s.spec.name): s for s in self.sources}

    def column(self, src: Source, name: str, seen: frozenset[str] = frozenset()) -> list[_Printed]:
        """What ``src``'s column ``name`` prints: itself, the joined row's columns, or nothing."""
        key = (id(src), name)
        if key in self.cells:
            return self.cells[key]
        k = next((i for i, f in enumerate(src.fields) if f.name == name), None)
        out: list[_Printed] = []
        if k is not None:
            spec, column = src.fields[k], src.section.columns[k]
            if spec.joins is not None:
                out = self._joined(src, spec, seen)
            elif not spec.internal:
                values = [row.values[k] for row in src.section.rows]
                lang = self.words.language
                if spec.kind == "user_agent":
                    values = [v if v == self.empty else browser_text(v, lang) for v in values]
                elif spec.kind == "datetime":  # "10.09.2021 13:06": a column of times stays narrow
                    raw = [_value(r, name) for r in src.records]
                    values = [
                        datetime_short(t, lang, self.words.zone)
                        if isinstance(t, dt.datetime) and v != self.empty
                        else v
                        for t, v in zip(raw, values, strict=True)
                    ]
                out = [_Printed(column.label, column.explain, values)]
        self.cells[key] = out
        return out

    def _joined(self, src: Source, spec: FieldSpec, seen: frozenset[str]) -> list[_Printed]:
        join = spec.joins
        assert join is not None
        target = self.by_name.get((src.spec.store, join.collection))
        if target is None or join.collection in seen:
            return []  # the row it names is not in the letter: the number alone says nothing
        where = {
            _key(_value(r, join.column)): j for j, r in enumerate(target.records) if _value(r, join.column) is not None
        }
        links = [where.get(_key(_value(r, spec.name))) for r in src.records]
        self.joined.setdefault(id(target), set()).update(j for j in links if j is not None)
        if any(j is not None for j in links) and src.section.title not in self.joined_into.setdefault(id(target), []):
            self.joined_into[id(target)].append(src.section.title)
        # the row it names is one thing ("Die Physiker – Friedrich Dürrenmatt"): one column
        parts = [p for name in join.show for p in self.column(target, name, seen | {src.spec.name})]
        if not parts:
            return []
        said = [
            " – ".join(v for p in parts if (v := p.values[j]) not in ("", self.empty)) or self.empty
            for j in range(len(target.records))
        ]
        label = " – ".join(p.label for p in parts)
        explain = " ".join(p.explain for p in parts if p.explain)
        return [_Printed(label, explain, [self.empty if j is None else said[j] for j in links])]

    def table(self, src: Source) -> Table:
        printed = [p for f in src.fields for p in self.column(src, f.name)]
        if src.section.with_relation:
            said = [relation_words(src.spec, row.relation, self.words) or self.empty for row in src.section.rows]
            printed.append(_Printed(self.words.value("appendix_relation"), "", said))
        if any(r.processing_restricted for r in src.records):  # kept after an erasure request
            printed.append(
                _Printed(self.words.value("appendix_restricted"), "", [self._restricted(r) for r in src.records])
            )
        # a record found only through another's row (an item through a loan) is printed in the
        # rows pointing at it; a record of its own (a loan a fee points at) keeps its place
        joined = {j for j in self.joined.get(id(src), ()) if _found_through(src, j)}
        rows = [i for i in range(len(src.section.rows)) if i not in joined]
        printed = [p for p in printed if any(p.values[i] not in ("", self.empty) for i in rows)]
        alike: list[_Printed] = []
        if len(rows) > 1:
            alike = [p for p in printed if self._alike(p, printed, rows)]
            if len(alike) == len(printed):
                alike = []  # a table of nothing but constants would say nothing
        notes: list[str] = []
        if joined and rows:
            where = ", ".join(self.joined_into.get(id(src), ()))
            notes.append(
                self.words.value("appendix_joined").replace("{count}", str(len(joined))).replace("{where}", where)
            )
        for p in (*alike, *printed):
            note = f"{p.label}: {p.explain}"
            if p.explain and note not in notes:
                notes.append(note)
        constants = [(p.label, next(v for i in rows if (v := p.values[i]) not in ("", self.empty))) for p in alike]
        said_once = {id(p) for p in alike}
        printed = [p for p in printed if id(p) not in said_once]
        return Table(
            labels=tuple(p.label for p in printed),
            asides=self._asides(printed, rows),
            rows=tuple(tuple(p.values[i] for p in printed) for i in rows),
            constants=tuple(constants),
            notes=tuple(notes),
            empty=self.empty,
            joined=len(joined),
            joined_into=tuple(self.joined_into.get(id(src), ())) if joined else (),
        )

    def _restricted(self, record: Record) -> str:
        if not record.processing_restricted:
            return self.empty
        if record.restricted_until is None:
            return self.words.value("appendix_restricted_row")
        until = date_text(record.restricted_until, self.words.language)
        return self.words.value("appendix_restricted_until").replace("{until}", until)

    def _asides(self, printed: list[_Printed], rows: list[int]) -> tuple[int, ...]:
        """The columns (never the first, which names the row) printed as lines under their rows:
        one with a value in at most one row in ``SPARSE`` (of at least ``SPARSE`` rows), or one
        of long texts (``LONG`` characters on average: a message's wording), which in a column
        beside five others would wrap into a narrow strip. At least two columns stay."""
        if len(printed) < 3:
            return ()
        empty = ("", self.empty)
        out = []
        for k, p in enumerate(printed[1:], start=1):
            filled = [v for i in rows if (v := p.values[i]) not in empty]
            sparse = len(rows) >= SPARSE and len(filled) * SPARSE <= len(rows)
            if sparse or (filled and sum(map(len, filled)) >= LONG * len(filled)):
                out.append(k)
        return tuple(out) if len(printed) - len(out) >= 2 else ()

    def _alike(self, p: _Printed, printed: list[_Printed], rows: list[int]) -> bool:
        """Whether ``p`` says the same in every row: one value throughout, or one value wherever
        another column has one (who took a loan back, where it was returned): said once, it
        loses nothing."""
        said = {p.values[i] for i in rows}
        if len(said) == 1:
            return True
        blank = {i for i in rows if p.values[i] in ("", self.empty)}
        if len(said - {"", self.empty}) != 1 or len(blank) == len(rows):
            return False
        # the other column stays in the table and tells the rows apart (a date, not another constant)
        return any(
            q is not p
            and blank == {i for i in rows if q.values[i] in ("", self.empty)}
            and len({q.values[i] for i in rows} - {"", self.empty}) > 1
            for q in printed
        )


def tables(sources: Sequence[Source], words: Wording) -> list[Table]:
    """The table of each source, in order (see the module's rules)."""
    builder = _Builder(sources, words)
    # joins first: whether a collection prints its own list depends on who points at its rows
    for src in sources:
        for f in src.fields:
            if f.joins is not None:
                builder.column(src, f.name)
    return [builder.table(src) for src in sources]


def relation_words(spec: CollectionSpec, relation: str, words: Wording) -> str:
    """Why a record concerns the reader, in words: the collection's declared relation, else the
    collection it was found through ("loan 4087" → the words for ``loan``); "" without words."""
    if not relation:
        return ""
    if spec.relation:
        key = spec.relation
    else:
        parent = relation.split(" ", 1)[0]
        key = parent if parent in spec.via else relation
    return words.get("relations", key, "")


def _found_through(src: Source, row: int) -> bool:
    relation = src.records[row].relation or ""
    return relation.split(" ", 1)[0] in src.spec.via


def _value(record: Record, name: str) -> Value:
    for f in record.fields:
        if f.name == name:
            return f.value
    return None


def _key(value: Value) -> str:
    return str(value)


def said_once(constants: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """``Table.constants`` as printed: labels with the same value together ("Ausgegeben von,
    Rücknahme durch: Bibliotheksteam"), in the order they first appear."""
    grouped: dict[str, list[str]] = {}
    for label, value in constants:
        grouped.setdefault(value, []).append(label)
    return tuple((", ".join(labels), value) for value, labels in grouped.items())
