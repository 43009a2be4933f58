"""The copy a person reads (``Section.table``): joined media, values said once, no internal keys,
relations and browsers in words, and nothing lost from the JSON/CSV side (``Section.rows``)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from dsr.model import (
    Classification as C,
)
from dsr.model import (
    CollectionSpec,
    Field,
    FieldSpec,
    Gathering,
    Join,
    Record,
    StoreReport,
    StoreState,
)
from dsr.pipeline import compose
from dsr.pipeline.compose import specimen
from dsr.pipeline.compose.browsers import LONGEST, browser_text, shortened

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"

LOAN = CollectionSpec(
    store="school",
    name="loan",
    title={"de": "Ausleihen", "en": "Loans"},
    activity="circulation",
    category="loans",
    order_by="issued_at",
    fields=(
        FieldSpec(name="id", classification=C.SYSTEM, kind="int", label={"de": "Ausleihnummer"}, internal=True),
        FieldSpec(name="issued_at", classification=C.OWN, kind="datetime", label={"de": "Ausgeliehen am"}),
        FieldSpec(
            name="item_id",
            classification=C.SYSTEM,
            kind="int",
            label={"de": "Medium (interne Nummer)"},
            internal=True,
            joins=Join(collection="item", column="id", show=("title", "author")),
        ),
        FieldSpec(name="person_id", classification=C.REFERENCE, role="other_reader", label={"de": "Leserin/Leser"}),
        FieldSpec(name="returned_at", classification=C.OWN, kind="datetime", label={"de": "Zurückgegeben am"}),
        FieldSpec(
            name="returned_by", classification=C.REFERENCE, role="library_staff", label={"de": "Rücknahme durch"}
        ),
        FieldSpec(name="note", classification=C.FREE_TEXT, label={"de": "Notiz"}),
    ),
)
ITEM = CollectionSpec(
    store="school",
    name="item",
    title={"de": "Medien zu Ihren Ausleihen"},
    activity="circulation",
    category="loans",
    via=("loan",),
    fields=(
        FieldSpec(name="id", classification=C.SYSTEM, kind="int", label={"de": "Interne Nummer"}, internal=True),
        FieldSpec(name="title", classification=C.OWN, label={"de": "Titel"}),
        FieldSpec(name="author", classification=C.OWN, label={"de": "Verfasser/in"}),
    ),
)
LOGIN = CollectionSpec(
    store="school",
    name="login",
    title={"de": "Anmeldungen"},
    activity="logins",
    category="usage data",
    order_by="at",
    fields=(
        FieldSpec(name="at", classification=C.OWN, kind="datetime", label={"de": "Zeitpunkt"}),
        FieldSpec(name="agent", classification=C.OWN, kind="user_agent", label={"de": "Browser"}),
    ),
)
ISSUED = CollectionSpec(
    store="school",
    name="loan_issued",
    title={"de": "Von Ihnen ausgegebene Ausleihen"},
    activity="circulation",
    category="desk activity",
    relation="issued by you",
    fields=(FieldSpec(name="issued_at", classification=C.OWN, kind="date", label={"de": "Ausgegeben am"}),),
)


def loan(key: int, item: int, day: int, returned: bool = True, note: str | None = None) -> Record:
    issued = dt.datetime(2024, 3, day, 10, 30)
    return Record(
        store="school",
        collection="loan",
        key=str(key),
        fields=(
            Field("id", key, C.SYSTEM),
            Field("issued_at", issued, C.OWN),
            Field("item_id", item, C.SYSTEM),
            Field("person_id", 7, C.REFERENCE, is_subject=True),
            Field("returned_at", issued + dt.timedelta(days=9) if returned else None, C.OWN),
            Field("returned_by", 3 if returned else None, C.REFERENCE),
            Field("note", note, C.FREE_TEXT),
        ),
    )


def item(key: int, title: str, author: str | None, via: str) -> Record:
    return Record(
        store="school",
        collection="item",
        key=str(key),
        relation=via,
        fields=(Field("id", key, C.SYSTEM), Field("title", title, C.OWN), Field("author", author, C.OWN)),
    )


def letter(records: list[Record], language: str = "de"):
    gathering = Gathering(
        subject=specimen.subject(),
        records=tuple(records),
        collections=(LOAN, ITEM, LOGIN, ISSUED),
        reports=(StoreReport(store="school", state=StoreState.OK, records=len(records)),),
    )
    return compose.disclosure(specimen.SCHOOL, gathering, specimen.request(language))


def section(letter_, name: str):
    return next(s for s in letter_.sections if s.collection == name)


HISTORY = [
    loan(101, 1, 4),
    loan(102, 2, 11),
    loan(103, 1, 18, returned=False),
    item(1, "Momo", "Michael Ende", "loan 101"),
    item(2, "Atlas Biologie 10", None, "loan 102"),
]


def test_a_loan_shows_the_title_and_author_of_its_item_not_numbers():
    loans = section(letter(HISTORY), "loan")
    table = loans.table
    assert "Ausleihnummer" not in table.labels and "Medium (interne Nummer)" not in table.labels
    assert table.labels[:2] == ("Ausgeliehen am", "Titel – Verfasser/in")
    assert [row[1] for row in table.rows] == ["Momo – Michael Ende", "Atlas Biologie 10", "Momo – Michael Ende"]
    # the JSON/CSV side keeps every column and value
    assert [c.name for c in loans.columns] == [f.name for f in LOAN.fields]
    assert [row.values[0] for row in loans.rows] == ["101", "102", "103"]


def test_items_printed_with_their_loans_make_no_list_of_their_own():
    items = section(letter(HISTORY), "item")
    assert items.table.rows == () and items.table.joined == 2
    assert items.table.joined_into == ("Ausleihen",)
    assert len(items.rows) == 2  # still in the JSON


def test_an_item_no_printed_row_points_at_still_prints_with_a_note():
    orphan = item(9, "Krabat", "Otfried Preußler", "loan 999")
    items = section(letter([*HISTORY, orphan]), "item")
    assert items.table.rows == (("Krabat", "Otfried Preußler", "zu Ihrer Ausleihe"),)
    assert items.table.notes[0] == "Weitere 2 Einträge stehen bei: Ausleihen."


def test_values_alike_in_every_row_are_said_once_and_empty_columns_not_at_all():
    table = section(letter(HISTORY), "loan").table
    assert ("Leserin/Leser", "Sie") in table.constants
    # who took a loan back is the same wherever a loan came back: said once, the dates stay
    assert ("Rücknahme durch", "Bibliotheksteam") in table.constants
    assert "Zurückgegeben am" in table.labels
    assert "Notiz" not in table.labels and all("Notiz" not in label for label, _ in table.constants)


def test_a_column_set_in_one_row_only_stays_in_the_table():
    table = section(letter([*HISTORY[:2], loan(104, 2, 20, note="Umschlag eingerissen"), *HISTORY[3:]]), "loan").table
    assert "Notiz" in table.labels
    assert table.rows[-1][table.labels.index("Notiz")] == "Umschlag eingerissen"
    assert table.rows[0][table.labels.index("Notiz")] == "—"


def test_a_single_record_says_nothing_once():
    table = section(letter([loan(101, 1, 4), item(1, "Momo", "Michael Ende", "loan 101")]), "loan").table
    assert table.constants == ()
    assert "Leserin/Leser" in table.labels


def test_user_agents_are_shortened_in_the_letter_only():
    logins = [
        Record(
            store="school",
            collection="login",
            key=str(i),
            fields=(Field("at", dt.datetime(2026, 9, 10 + i, 14, 56), C.OWN), Field("agent", FIREFOX, C.OWN)),
        )
        for i in range(2)
    ]
    for lang, said in (("de", "Firefox 128 unter Windows"), ("en", "Firefox 128 on Windows")):
        s = section(letter(logins, lang), "login")
        assert ("Browser", said) in s.table.constants
        assert all(row.values[1] == FIREFOX for row in s.rows)


def test_relations_print_in_words_never_as_keys():
    issued = [
        Record(
            store="school",
            collection="loan_issued",
            key=str(i),
            relation="issued by you",
            fields=(Field("issued_at", dt.date(2026, 1, 1 + i), C.OWN),),
        )
        for i in range(2)
    ]
    s = section(letter(issued), "loan_issued")
    assert s.table.constants == (("Bezug", "von Ihnen ausgegeben"),)
    assert s.rows[0].relation == "issued by you"  # the JSON keeps the stored relation


def test_glance_counts_the_kinds_of_record_a_reader_sees():
    glance = letter(HISTORY).glance
    assert [(g.label, g.count, g.since) for g in glance] == [("Ausleihen", 3, "04.03.2024")]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["", "a", "Momo", "x y"]), st.sampled_from([None, "n", "Notiz"]), st.booleans()),
        min_size=1,
        max_size=6,
    )
)
def test_every_value_of_a_printed_column_is_in_a_row_or_said_once(spec):
    records = [loan(100 + i, 1, 1 + i, returned=back, note=note) for i, (_, note, back) in enumerate(spec)]
    records.append(item(1, "Momo", "Michael Ende", "loan 100"))
    s = section(letter(records), "loan")
    table = s.table
    for k, column in enumerate(s.columns):
        if column.name in ("id", "item_id"):
            continue
        for i, row in enumerate(s.rows):
            value = row.values[k]
            if value == "—":
                continue
            said_once = (column.label, value) in table.constants
            in_row = column.label in table.labels and value in table.rows[i][table.labels.index(column.label)]
            if column.kind == "datetime":
                in_row = column.label in table.labels and table.rows[i][table.labels.index(column.label)] != "—"
                said_once = said_once or any(label == column.label for label, _ in table.constants)
            assert said_once or in_row, (column.label, value)


def test_known_browsers_and_systems():
    cases = {
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.3 Mobile/15E148 Safari/604.1": "Safari 17 on iOS 17",
        "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 "
        "Mobile Safari/537.36": "Chrome 122 on Android 14",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
        "Safari/537.36 Edg/120.0.2210.91": "Edge 120 on Windows",
        "Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0": "Firefox 124 on Linux",
        "curl/8.4.0": "curl 8.4",
    }
    for agent, said in cases.items():
        assert browser_text(agent, "en") == said


@given(st.text(max_size=300))
def test_anything_else_is_at_most_a_short_line(text):
    said = browser_text(text, "de")
    assert len(said) <= max(LONGEST, 60)
    assert shortened(text) == text or shortened(text).endswith("…")


def test_labels_with_the_same_value_are_said_once_together():
    from dsr.pipeline.compose.copy import said_once

    constants = (
        ("Kind", "Sie"),
        ("E-Mail-Adresse", "Erziehungsberechtigte Person"),
        ("Telefon", "Erziehungsberechtigte Person"),
        ("Ort", "Erziehungsberechtigte Person"),
    )
    assert said_once(constants) == (("Kind", "Sie"), ("E-Mail-Adresse, Telefon, Ort", "Erziehungsberechtigte Person"))
    # every label and value is still there, once
    said = " · ".join(f"{label}: {value}" for label, value in said_once(constants))
    assert all(said.count(label) == 1 for label, _ in constants)


def _many_loans(notes: dict[int, str]) -> list[Record]:
    """A history of 24 loans of two items (one unreturned), with ``notes`` by loan number 0 …"""
    loans = [loan(200 + k, 1 + k % 2, 1 + k, returned=k != 5, note=notes.get(k)) for k in range(24)]
    return [*loans, item(1, "Momo", "Michael Ende", "loan 200"), item(2, "Krabat", None, "loan 201")]


def test_a_note_in_few_of_many_rows_is_an_aside_and_keeps_its_place_in_the_rows():
    table = section(letter(_many_loans({7: "Umschlag eingerissen", 19: "Zurück per Post"})), "loan").table
    (k,) = table.asides
    assert table.labels[k] == "Notiz"
    # still a value of every row: cards and the Word copy print it as a field; a table under the row
    assert [row[k] for row in table.rows if row[k] != "—"] == ["Umschlag eingerissen", "Zurück per Post"]
    assert table.asides and 0 not in table.asides


def test_a_note_in_many_rows_stays_a_column():
    notes = {k: f"Notiz {k}" for k in range(0, 24, 3)}  # 8 of 24 rows: more than one in eight
    table = section(letter(_many_loans(notes)), "loan").table
    assert "Notiz" in table.labels and table.asides == ()


def test_long_texts_are_an_aside_even_in_every_row():
    long = "Liebe Leserin, lieber Leser, " + "die Leihfrist ist abgelaufen, bitte bringen Sie das Buch zurück. " * 2
    table = section(letter(_many_loans({k: f"{k}. {long}" for k in range(24)})), "loan").table
    assert [table.labels[k] for k in table.asides] == ["Notiz"]
