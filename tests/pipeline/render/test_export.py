"""The machine-readable copy: ``disclosure.json`` and the CSVs give every value typed.

- the JSON of the demo's featured people (typical pupil, incident target, teacher with children,
  heavy teacher, the vendor's customer contact) is valid against docs/disclosure.schema.json, and
  its values are the stores' values (read back with sqlite3, not through dsr);
- for any values (times near the DST switches, decimals of any exponent, None, booleans, text
  starting with "="), parsing the JSON and the CSV back gives the record's values as the disclosure
  rules allow them: ISO dates, times in German time with the right offset, exact decimals; a
  reference only as its role, a secret only as existing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsr import Descriptor, connect, load
from dsr.demo import DemoSummary
from dsr.model import Classification as C
from dsr.model import CollectionSpec, Field, FieldSpec, Gathering, Record, StoreReport, StoreState
from dsr.pipeline import compose, render
from dsr.pipeline.answer import identify, prepare_answer
from dsr.pipeline.compose import specimen

SCHEMA = json.loads((Path(__file__).resolve().parents[3] / "docs" / "disclosure.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
BERLIN = ZoneInfo("Europe/Berlin")


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def _errors(document: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in VALIDATOR.iter_errors(document)]


# --------------------------------------------------------------------------- the demo's featured letters

#: (controller kind, featured role) of the five letters the issue names
FEATURED = (
    ("school", "pupil"),
    ("school", "incident_target"),
    ("school", "teacher_guardian_contact"),
    ("school", "heavy_teacher"),
    ("vendor", "customer_contact"),
)


@pytest.fixture(scope="module")
def featured_copies(demo: DemoSummary) -> dict[str, dict[str, Any]]:
    """disclosure.json of each featured person, as ``prepare_answer`` writes it."""
    settings = load(demo.config)
    copies: dict[str, dict[str, Any]] = {}
    for kind, role in FEATURED:
        controller = next(c for c in demo.controllers.values() if c.kind == kind).key
        person = demo.featured(controller, role)
        connectors = connect(settings, controller)
        try:
            who = Descriptor(card_number=person.card_number) if person.card_number else Descriptor(email=person.email)
            subject = identify(settings, controller, connectors, who)
            answer = prepare_answer(settings, controller, subject, connectors, formats=("json",))
        finally:
            for c in connectors:
                c.close()
        copies[role] = json.loads(answer.documents["disclosure.json"])
    return copies


@pytest.mark.parametrize(
    "role",
    # thousands of records: jsonschema takes its time
    [pytest.param(role, marks=pytest.mark.slow) if role == "heavy_teacher" else role for _, role in FEATURED],
)
def test_featured_letters_are_valid_against_the_published_schema(featured_copies, role: str) -> None:
    document = featured_copies[role]
    assert document["kind"] == "disclosure" and document["record_count"] > 0
    assert not _errors(document)


@pytest.mark.parametrize("role", [role for _, role in FEATURED])
def test_every_value_has_its_columns_kind_and_no_placeholder(featured_copies, role: str) -> None:
    shapes = {
        "text": lambda v: isinstance(v, str),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "decimal": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "money": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "date": lambda v: isinstance(v, str) and dt.date.fromisoformat(v).isoformat() == v,
        "datetime": lambda v: isinstance(v, str) and dt.datetime.fromisoformat(v).utcoffset() is not None,
        "code": lambda v: isinstance(v, dict) and set(v) == {"code", "meaning"},
        "reference": lambda v: isinstance(v, dict) and ("subject" in v or "role" in v),
        "secret": lambda v: v == {"secret": True},
        "mixed": lambda v: True,
    }
    seen = 0
    for store in featured_copies[role]["stores"]:
        for collection in store["collections"]:
            columns = {c["name"]: c["kind"] for c in collection["columns"]}
            assert collection["count"] == len(collection["records"])
            for record in collection["records"]:
                assert set(record["fields"]) == set(columns)
                for name, cell in record["fields"].items():
                    value = cell["value"]
                    assert value not in ("—", "Sie", "you", ""), (collection["collection"], name)
                    if value is not None:
                        assert shapes[columns[name]](value), (collection["collection"], name, value)
                        seen += 1
    assert seen > 20


def _loans(document: dict[str, Any]) -> list[dict[str, Any]]:
    school = next(s for s in document["stores"] if s["store"] == "school")
    loan = next(c for c in school["collections"] if c["collection"] == "loan")
    return [r["fields"] for r in loan["records"]]


def test_the_pupils_loans_are_the_databases_values(demo: DemoSummary, featured_copies) -> None:
    school = next(c for c in demo.controllers.values() if c.kind == "school")
    pupil = school.featured["pupil"]
    with sqlite3.connect(Path(demo.folder) / school.stores["school"]) as db:
        stored = db.execute(
            "SELECT id, issued_at, due_at, returned_at FROM loan WHERE person_id = ?", (pupil.person_id,)
        ).fetchall()
    exported = {f["id"]["value"]: f for f in _loans(featured_copies["pupil"])}
    assert stored and set(exported) == {row[0] for row in stored}
    for loan_id, issued, due, returned in stored:
        fields = exported[loan_id]
        # the school's database keeps German wall-clock time; the copy says which offset that was
        local = dt.datetime.fromisoformat(issued).replace(tzinfo=BERLIN)
        assert dt.datetime.fromisoformat(fields["issued_at"]["value"]) == local
        assert fields["issued_at"]["value"].endswith(local.strftime("%z")[:3] + ":00")
        assert fields["issued_at"]["text"] == local.strftime("%d.%m.%Y, %H:%M Uhr")
        assert fields["due_at"]["value"] == due
        if returned is None:
            assert fields["returned_at"] == {"value": None, "text": None}
        else:
            assert dt.datetime.fromisoformat(fields["returned_at"]["value"]) == dt.datetime.fromisoformat(
                returned
            ).replace(tzinfo=BERLIN)
        assert fields["person_id"]["value"] == {"subject": True}


def test_references_in_the_teachers_copy_give_roles_only(featured_copies) -> None:
    """The teacher's records point at pupils of her class and at her child: roles (and her child's
    name beside its role), never a stored id."""
    references = [
        cell["value"]
        for store in featured_copies["teacher_guardian_contact"]["stores"]
        for collection in store["collections"]
        for record in collection["records"]
        for cell in record["fields"].values()
        if isinstance(cell["value"], dict) and ("role" in cell["value"] or "subject" in cell["value"])
    ]
    assert any("role" in v for v in references) and {"subject": True} in references
    for value in references:
        assert set(value) <= {"subject", "role", "label", "name"}
        assert all(isinstance(v, (str, bool)) or v is None for v in value.values())


# --------------------------------------------------------------------------- any values, round trip

CODES = {"0": {"de": "offen", "en": "open"}, "1": {"de": "erledigt", "en": "done"}}

SAMPLE = CollectionSpec(
    store="school",
    name="sample",
    title={"de": "Beispiel"},
    activity="",
    category="",
    fields=(
        FieldSpec(name="id", classification=C.SYSTEM, kind="int", label={"de": "Nummer"}),
        FieldSpec(name="at", classification=C.OWN, kind="datetime", label={"de": "Zeitpunkt"}),
        FieldSpec(name="day", classification=C.OWN, kind="date", label={"de": "Tag"}),
        FieldSpec(name="amount", classification=C.OWN, kind="money", label={"de": "Betrag"}),
        FieldSpec(name="ratio", classification=C.OWN, label={"de": "Anteil"}),
        FieldSpec(name="share", classification=C.OWN, label={"de": "Quote"}),
        FieldSpec(name="paid", classification=C.OWN, kind="bool", label={"de": "Bezahlt"}),
        FieldSpec(name="note", classification=C.OWN, label={"de": "Notiz"}),
        FieldSpec(name="state", classification=C.SYSTEM, kind="code", codes=CODES, label={"de": "Stand"}),
        FieldSpec(name="who", classification=C.REFERENCE, role="class_teacher", label={"de": "Lehrkraft"}),
        FieldSpec(name="hash", classification=C.SECRET, label={"de": "Passwort"}),
    ),
)


def _last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month, 31)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def _switches(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The EU's summer time in UTC (since 1996): last Sunday of March to last Sunday of October, 01:00 UTC."""
    start, end = (dt.datetime.combine(_last_sunday(year, m), dt.time(1), dt.UTC) for m in (3, 10))
    return start, end


def _berlin_offset(instant: dt.datetime) -> dt.timedelta:
    """Germany's offset by the EU rule, computed without the time-zone database."""
    start, end = _switches(instant.year)
    return dt.timedelta(hours=2 if start <= instant < end else 1)


@st.composite
def near_a_switch(draw: st.DrawFn) -> dt.datetime:
    """An instant within three hours of a DST switch, as UTC, another fixed offset, or German wall-clock time."""
    year = draw(st.integers(1996, 2037))
    switch = _switches(year)[draw(st.integers(0, 1))]
    instant = switch + dt.timedelta(minutes=draw(st.integers(-180, 180)), seconds=draw(st.integers(0, 59)))
    form = draw(st.sampled_from(("utc", "fixed", "naive")))
    if form == "utc":
        return instant
    if form == "fixed":
        return instant.astimezone(dt.timezone(dt.timedelta(hours=draw(st.integers(-11, 12)))))
    return instant.astimezone(BERLIN).replace(tzinfo=None)  # as a school database stores it


#: texts a spreadsheet would run as a formula among ordinary ones
TEXT = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20),
    st.sampled_from(("=1+1", "+49 941 1", "-3", "@SUM(A1)", '=HYPERLINK("x")', "\tx", "—", "Sie")),
)

#: decimals of any sign, up to 12 digits and exponents from -10 to 10 (1E+3, 0.000001, 3.50, -0)
DECIMALS = st.builds(
    lambda sign, digits, exponent: Decimal((sign, tuple(digits), exponent)),
    st.integers(0, 1),
    st.lists(st.integers(0, 9), min_size=1, max_size=12),
    st.integers(-10, 10),
)

VALUES = {
    "at": st.one_of(st.none(), near_a_switch()),
    "day": st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))),
    "amount": st.one_of(st.none(), st.decimals(min_value=-10_000, max_value=10_000, places=2)),
    "ratio": st.one_of(st.none(), DECIMALS),
    "share": st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
    "paid": st.one_of(st.none(), st.booleans(), st.integers(0, 1)),
    "note": st.one_of(st.none(), TEXT),
    "state": st.one_of(st.none(), st.integers(0, 3)),
    "who": st.one_of(st.none(), st.text(min_size=1, max_size=12), st.just("SUBJECT")),
    "hash": st.one_of(st.none(), st.text(min_size=1, max_size=12)),
}


@st.composite
def sample_records(draw: st.DrawFn) -> list[Record]:
    records = []
    for key in range(draw(st.integers(1, 4))):
        values = {name: draw(strategy) for name, strategy in VALUES.items()}
        fields = [Field("id", key, C.SYSTEM)]
        for spec in SAMPLE.fields[1:]:
            value = values[spec.name]
            if spec.name == "who" and value == "SUBJECT":
                fields.append(Field("who", "17", C.REFERENCE, True))
            else:
                fields.append(Field(spec.name, value, spec.classification))
        records.append(Record(store="school", collection="sample", key=str(key), fields=tuple(fields)))
    return records


def _letter(records: list[Record]) -> compose.Disclosure:
    gathering = Gathering(
        subject=specimen.subject(),
        records=tuple(records),
        collections=(SAMPLE,),
        reports=(StoreReport(store="school", state=StoreState.OK, records=len(records)),),
    )
    return compose.disclosure(specimen.SCHOOL, gathering, specimen.request("de"))


def _expected_json(field: Field) -> Any:
    """The value the copy must give, by the disclosure rules, computed here from the raw field."""
    value = field.value
    if field.name == "who":
        if field.is_subject:
            return {"subject": True}
        return None if value in (None, "") else {"role": "class_teacher", "label": "Klassenlehrkraft"}
    if value is None or value == "":
        return None
    if field.name == "hash":
        return {"secret": True}
    if field.name == "state":
        meaning = CODES.get(str(value))
        return {"code": value, "meaning": meaning["de"] if meaning else None}
    if field.name == "paid":
        return bool(value)
    return value


def _decode_json_value(name: str, value: Any) -> Any:
    if name == "at" and value is not None:
        return dt.datetime.fromisoformat(value)
    if name == "day" and value is not None:
        return dt.date.fromisoformat(value)
    return value


def _same_instant_in_germany(got: dt.datetime, stored: dt.datetime) -> None:
    if stored.tzinfo is None:  # German wall-clock time: the same clock reading, Germany's offset then
        assert got.replace(tzinfo=None) == stored
        assert got.utcoffset() == stored.replace(tzinfo=BERLIN).utcoffset()
    else:
        assert got == stored
        assert got.utcoffset() == _berlin_offset(stored.astimezone(dt.UTC))


def _assert_same_number(got: Any, stored: Decimal) -> None:
    assert got == stored
    exponent = stored.as_tuple().exponent
    if isinstance(exponent, int) and exponent < 0:  # every stored decimal place: 3.50 stays 3.50
        assert isinstance(got, Decimal) and got.as_tuple().exponent == exponent


@settings(max_examples=150, deadline=None)
@given(records=sample_records())
def test_the_json_gives_back_every_value_typed(records: list[Record]) -> None:
    letter = _letter(records)
    document = json.loads(render.export_json(letter), parse_float=Decimal)
    assert not _errors(json.loads(render.export_json(letter)))
    [collection] = document["stores"][0]["collections"]
    by_id = {r["fields"]["id"]["value"]: r["fields"] for r in collection["records"]}
    assert len(by_id) == len(records) == collection["count"]
    for record in records:
        cells = by_id[int(record.key)]
        for field in record.fields:
            cell = cells[field.name]
            got = _decode_json_value(field.name, cell["value"])
            expected = _expected_json(field)
            assert (cell["text"] is None) == (expected is None), field
            if expected is None:
                assert got is None, field
            elif isinstance(field.value, dt.datetime):
                _same_instant_in_germany(got, field.value)
            elif isinstance(expected, Decimal):
                _assert_same_number(got, expected)
            elif isinstance(expected, float):
                assert float(got) == expected, field  # the shortest text that reads back as the same float
            else:
                assert got == expected and type(got) is type(expected), field


def _expected_csv(field: Field) -> str:
    value = field.value
    if field.name == "who":
        return "subject" if field.is_subject else ("" if value in (None, "") else "class_teacher")
    if value is None or value == "":
        return ""
    if field.name == "hash":
        return "secret"
    if field.name == "paid":
        return "true" if value else "false"
    if field.name == "note":
        text = str(value)
        return "'" + text if text[0] in "=+-@\t\r" else text
    return str(value)


@settings(max_examples=150, deadline=None)
@given(records=sample_records())
def test_the_csv_gives_back_every_value_typed(records: list[Record]) -> None:
    letter = _letter(records)
    [section] = letter.sections
    raw = render.export_csv(section)
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    header, body = rows[0], rows[1:]
    # the column names; references, codes and secrets with their words beside them
    assert header == [
        "id",
        "at",
        "day",
        "amount",
        "ratio",
        "share",
        "paid",
        "note",
        "state",
        "state.text",
        "who",
        "who.text",
        "hash",
        "hash.text",
    ]
    by_id = {int(row[0]): dict(zip(header, row, strict=True)) for row in body}
    assert len(by_id) == len(records)
    for record in records:
        cells = by_id[int(record.key)]
        for field in record.fields:
            cell = cells[field.name]
            if field.value is None or field.value == "" and field.name != "who":
                assert cell == "", field
            elif field.name == "at":
                assert isinstance(field.value, dt.datetime)
                _same_instant_in_germany(dt.datetime.fromisoformat(cell), field.value)
            elif field.name == "day":
                assert dt.date.fromisoformat(cell) == field.value
            elif field.name in ("amount", "ratio"):
                assert re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", cell), cell  # plain digits, never 1E+3
                assert isinstance(field.value, Decimal)
                _assert_same_number(Decimal(cell), field.value)
            elif field.name == "share":
                assert float(cell) == field.value
            else:
                assert cell == _expected_csv(field), field
        state = next(f.value for f in record.fields if f.name == "state")
        assert cells["state.text"] == ("" if state is None else CODES.get(str(state), {"de": str(state)})["de"])


def test_a_byte_order_mark_only_when_asked() -> None:
    [section] = _letter(
        [Record(store="school", collection="sample", key="1", fields=(Field("note", "Grüße", C.OWN),))]
    ).sections
    assert render.export_csv(section, bom=True).startswith("\ufeff".encode())
    [row] = csv.DictReader(io.StringIO(render.export_csv(section).decode("utf-8"), newline=""))
    assert row["id"] == "" and row["note"] == "Grüße"  # "id", not "\ufeffid": no mark unless asked


def test_the_document_is_typed_where_it_is_not_a_record() -> None:
    letter = compose.disclosure(specimen.SCHOOL, specimen.gathering(2), specimen.request("de"))
    document = json.loads(render.export_json(letter))
    assert document["format"] == "dsr-disclosure/2"
    assert document["letter_date"] == "2026-11-25"
    # 2 November 2026, 09:15 in Germany: winter time
    assert document["received"] == "2026-11-02T09:15:00+01:00"
    assert document["record_count"] == 4 and isinstance(document["searched"][0]["records"], int)
    assert not _errors(document)
    # the composed letter with its typed values still encodes and decodes as it was
    assert msgspec.json.decode(msgspec.json.encode(letter), type=compose.Disclosure) == letter
