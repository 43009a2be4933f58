"""Letters as tagged, accessible PDF (PDF/UA-1 and PDF/A-3a): checked by the PDF/UA checker of
``pdfua_check.py`` and by reading the structure tree back against the letter."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import msgspec
import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from dsr.pipeline import compose, render
from dsr.pipeline.compose import specimen
from dsr.pipeline.compose.letter import Column, Row, Section
from dsr.pipeline.render import templates

from .pdfua_check import check, read_tree


def flat(text: str) -> str:
    return " ".join(text.split())


def letter_with(loans: int, language: str = "de", **changes):
    letter = compose.disclosure(specimen.SCHOOL, specimen.gathering(loans), specimen.request(language))
    return msgspec.structs.replace(letter, **changes) if changes else letter


@pytest.fixture(scope="module")
def answer():
    letter = letter_with(70)
    return letter, render.pdf(letter)


class _Headings(HTMLParser):
    """h1–h6 of the letter's HTML, in order: the oracle for the tree's headings."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self._open = tag.upper()
            self.found.append((self._open, ""))

    def handle_endtag(self, tag):
        if tag.upper() == self._open:
            self._open = None

    def handle_data(self, data):
        if self._open:
            role, text = self.found[-1]
            self.found[-1] = (role, text + data)


def html_headings(letter, part: str) -> list[tuple[str, str]]:
    parser = _Headings()
    parser.feed(templates.html(letter.kind, letter.language, letter=letter, part=part))
    return [(role, flat(text)) for role, text in parser.found]


# ------------------------------------------------------------------ the checker passes …


@pytest.mark.parametrize("language", ["de", "en"])
def test_an_access_answer_with_its_appendix_passes_the_pdfua_check(language):
    pdf = render.pdf(letter_with(70, language))
    assert check(pdf) == []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert doc.open_metadata().pdfa_status == "3A"  # PDF/A-3 kept, level A (tagged)
        assert doc.Root.Lang == language
        assert "disclosure.json" in doc.attachments
        assert doc.check_pdf_syntax() == []


@pytest.mark.parametrize("kind", ["identity_query", "refusal", "erasure"])
def test_a_notice_without_appendix_is_tagged_too(kind):
    options = {
        "identity_query": {"identity_options": ("postal_address",)},
        "refusal": {"reasons": "Dieselbe Anfrage zum zwölften Mal."},
        "erasure": {"erased": ("Leserkonto",)},
    }[kind]
    letter = compose.notice(kind, specimen.SCHOOL, specimen.request("de"), **options)
    pdf = render.pdf(letter)
    assert check(pdf) == []
    tree = read_tree(pdf)
    # the footer and page numbers of a letter rendered whole are artifacts, not content
    assert all("Schulnummer 0123" not in flat(text) for text in tree.page_text.values())
    assert "Schulnummer 0123" in tree.artifact_text[0]
    assert tree.headings() == html_headings(letter, "whole")


def test_a_draft_and_a_letter_without_records_pass():
    draft = render.pdf(letter_with(70, draft=True))
    assert check(draft) == []
    assert check(render.pdf(letter_with(0))) == []


# ------------------------------------------------------------------ … and fails where it must


def _edited(pdf: bytes, edit) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        edit(doc)
        out = io.BytesIO()
        doc.save(out)
    return out.getvalue()


def test_the_checker_finds_what_breaks_pdfua(answer):
    _, pdf = answer

    def unmark(doc):
        page = doc.pages[-1]
        page.contents_add(doc.make_stream(b"BT /DsrR 8 Tf 10 10 Td <0024> Tj ET"), prepend=False)

    def no_lang(doc):
        del doc.Root.Lang

    def no_marked(doc):
        doc.Root.MarkInfo.Marked = False

    def no_uaid(doc):
        xmp = doc.Root.Metadata.read_bytes().replace(b'pdfuaid:part="1"', b"")
        doc.Root.Metadata.write(xmp)

    def skip_level(doc):
        for element in _elements(doc):
            if element.S == "/H3":
                element.S = pikepdf.Name.H5
                return

    def headerless(doc):
        for element in _elements(doc):
            if element.S == "/TH":
                element.S = pikepdf.Name.TD

    expected = {
        unmark: "outside marked content",
        no_lang: "/Lang",
        no_marked: "/Marked",
        no_uaid: "pdfuaid",
        skip_level: "heading level skipped",
        headerless: "has no header cell",
    }
    for edit, finding in expected.items():
        findings = check(_edited(pdf, edit))
        assert any(finding in f for f in findings), (edit.__name__, findings)


def _elements(doc):
    stack = [doc.Root.StructTreeRoot]
    while stack:
        element = stack.pop()
        if "/S" in element:
            yield element
        kids = element.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                stack.append(kid)


# ------------------------------------------------------------------ the tree read back


def test_headings_in_order_are_the_letters_and_the_appendixs(answer):
    letter, pdf = answer
    headings = read_tree(pdf).headings()
    body = msgspec.structs.replace(letter, sections=(), records_total=letter.record_count)
    letter_part = html_headings(body, "body")
    assert headings[: len(letter_part)] == letter_part
    rest = headings[len(letter_part) :]
    assert rest[0] == ("H1", "Anlage 1: Kopie Ihrer Daten (Art. 15 Abs. 3 DSGVO)")
    # every store's and collection's title, in the order of the sections, one level below the last
    texts = [text for _, text in rest]
    position, store = 0, None
    for section in letter.sections:
        titles = [section.title] if section.store == store else [section.store_title, section.title]
        store = section.store
        for title in titles:
            position = next(k for k in range(position, len(texts)) if texts[k].startswith(title))
    assert all(role in ("H2", "H3", "H4") for role, _ in rest[1:])


def test_every_table_cell_is_under_a_column_header_and_reads_in_order(answer):
    letter, pdf = answer
    tree = read_tree(pdf)
    tables = [n for n in tree.root.walk() if n.role == "Table" and n.parent is not None and n.parent.role == "Sect"]
    printed = [s for s in letter.sections if s.collection == "loan"]
    assert printed and tables
    loans = printed[0]
    table = next(t for t in tables if len(t.kids) == len(loans.rows) + 1)
    header, *rows = table.kids
    assert [c.role for c in header.kids] == ["TH"] * len(header.kids)
    assert {c.scope for c in header.kids} == {"/Column"}
    # the printed columns (a value the same in every row may be said once, above the table)
    labels = [flat(c.label) for c in loans.columns]
    printed = [labels.index(flat(c.text())) for c in header.kids]
    assert printed == sorted(printed) and len(printed) >= 2
    for row, record in zip(rows, loans.rows, strict=True):
        assert [c.role for c in row.kids] == ["TD"] * len(header.kids)
        values = [record.values[k] for k in printed]
        cells = [c.text() for c in row.kids]
        # the title as recorded (a long word may break between characters: no white space); dates
        # and numbers may print in another form, with the same digits
        assert "".join(cells[0].split()) == "".join(values[0].split())
        assert [re.sub(r"\D", "", c) for c in cells] == [re.sub(r"\D", "", v) for v in values]


def test_repeated_labels_continuations_and_page_numbers_are_artifacts(answer):
    _, pdf = answer
    tree = read_tree(pdf)
    content = " ".join(tree.page_text.values())
    assert "Fortsetzung" not in content and "Seite" not in content
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert any("Fortsetzung" in text for text in pages)  # printed, for the eye
    assert all("Seite" in tree.artifact_text[k] for k in range(1, len(pages)))


def test_cards_are_a_list_of_tables_with_the_labels_as_row_headers(answer):
    letter, pdf = answer
    lists = [
        n for n in read_tree(pdf).root.walk() if n.role == "L" and n.parent is not None and n.parent.role == "Sect"
    ]
    assert lists, "the specimen prints a collection as cards"
    for item in (i for lst in lists for i in lst.kids):
        label, body = item.kids
        assert (label.role, body.role) == ("Lbl", "LBody") and label.text().isdigit()
        (table,) = body.kids
        for row in table.kids:
            assert [c.role for c in row.kids] == ["TH", "TD"] and row.kids[0].scope == "/Row"


# ------------------------------------------------------------------ any appendix

_text = st.text(
    st.characters(min_codepoint=32, max_codepoint=0x24F, exclude_categories=("Cs", "Cc", "Cf", "Zl", "Zp")), max_size=40
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(1, 11), st.integers(0, 30), st.data()),
        min_size=1,
        max_size=3,
    )
)
def test_any_appendix_passes_and_keeps_every_value_in_the_tree(shape):
    sections = []
    for k, (columns, rows, data) in enumerate(shape):
        values = [tuple(data.draw(_text) for _ in range(columns)) for _ in range(rows)]
        sections.append(
            Section(
                store="school" if k < 2 else "app",
                store_title="Schulbibliothek" if k < 2 else "App",
                collection=f"c{k}",
                title=f"Sammlung {k}",
                description="",
                columns=tuple(Column(name=f"c{i}", label=f"Feld {i}") for i in range(columns)),
                rows=tuple(Row(values=v) for v in values),
            )
        )
    letter = letter_with(1, sections=tuple(sections))
    pdf = render.pdf(letter, attach=False)
    assert check(pdf) == []
    tree = read_tree(pdf)
    # every printed value is content of a cell of the tree, in the order of the records
    cells = ["".join(n.text().split()) for n in tree.root.walk() if n.role == "TD"]
    expected = ["".join(v.split()) for s in sections for r in s.rows for v in r.values]
    stream = iter(cells)
    assert all(any(c == value for c in stream) for value in expected)
