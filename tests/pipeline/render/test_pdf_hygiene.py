"""PDF hygiene of the letters as ``dsr disclose`` writes them for the demo's people: one font
program per subset name (ISO 32000-1, 9.6.4), each attached file listed once, bookmarks for
the copy of the data, and a page number on every page, page 1 included."""

from __future__ import annotations

import hashlib
import io
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pdfplumber
import pikepdf
import pytest

from dsr.cli import main
from dsr.demo import DemoSummary
from dsr.pipeline import compose, render
from dsr.pipeline.compose import specimen
from dsr.pipeline.compose.wording import wording

MM = 72 / 25.4
FACTS = ("--reference", "R1", "--received", "2026-11-20T10:00", "--channel", "portal", "--identity-check", "email_code")
#: featured people of the demo whose letters are checked ("nobody": the negative answer)
PEOPLE = ("pupil", "teacher_guardian_contact", "incident_target", "heavy_teacher", "nobody")


@pytest.fixture(scope="module")
def letters(demo: DemoSummary, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The demo people's letters, and a letter in Chinese script (set by WeasyPrint whole)."""
    school = next(c for c in demo.controllers.values() if c.kind == "school")
    out: dict[str, bytes] = {}
    for role in PEOPLE:
        person = school.featured[role]
        folder = tmp_path_factory.mktemp(role)
        config = str(Path(demo.folder) / demo.config_file)
        who = ["--card", person.card_number] if person.card_number else ["--email", str(person.email)]
        argv = ["disclose", "--config", config, "--controller", school.key, *who, "--out", str(folder), *FACTS]
        assert main(argv) == (5 if role == "nobody" else 0)
        out[role] = (folder / "disclosure.pdf").read_bytes()
    out["chinese"] = render.pdf(chinese_letter())
    return out


def chinese_letter():
    request = specimen.request("de")
    request = msgspec.structs.replace(request, recipient=msgspec.structs.replace(request.recipient, name="王美玲"))
    gathering = specimen.gathering(3)
    records = tuple(
        msgspec.structs.replace(
            r, fields=tuple(msgspec.structs.replace(f, value="王") if f.name == "first_name" else f for f in r.fields)
        )
        for r in gathering.records
    )
    return compose.disclosure(specimen.SCHOOL, msgspec.structs.replace(gathering, records=records), request)


def fonts(doc: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every font the pages use, also through form XObjects (the stamped footer)."""
    seen: set[tuple[int, int]] = set()

    def walk(resources: pikepdf.Dictionary) -> Iterator[pikepdf.Dictionary]:
        for font in resources.get("/Font", {}).values():
            if font.objgen not in seen:
                seen.add(font.objgen)
                yield font
        for xobject in resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == pikepdf.Name.Form and "/Resources" in xobject:
                if xobject.objgen not in seen:
                    seen.add(xobject.objgen)
                    yield from walk(xobject.Resources)

    for page in doc.pages:
        yield from walk(page.Resources)


def program(font: pikepdf.Dictionary) -> bytes:
    descriptor = (font.DescendantFonts[0] if "/DescendantFonts" in font else font).FontDescriptor
    return next(descriptor[k].read_bytes() for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in descriptor)


@pytest.mark.parametrize("who", [*PEOPLE, "chinese"])
def test_a_subset_name_always_means_the_same_font_program(letters, who):
    programs: dict[str, set[str]] = defaultdict(set)
    with pikepdf.open(io.BytesIO(letters[who])) as doc:
        for font in fonts(doc):
            name = str(font.BaseFont)
            assert name[7] == "+" and name[1:7].isalpha() and name[1:7].isupper(), name  # a subset's tag
            programs[name].add(hashlib.sha256(program(font)).hexdigest())
    assert len(programs) >= 2
    assert {name: len(p) for name, p in programs.items() if len(p) > 1} == {}


@pytest.mark.parametrize("who", ["pupil", "chinese"])
def test_each_attached_file_is_listed_once(letters, who, tmp_path):
    path = tmp_path / "letter.pdf"
    path.write_bytes(letters[who])
    listed = subprocess.run(["pdfdetach", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    names = [line.split(": ", 1)[1] for line in listed.splitlines()[1:]]
    assert "disclosure.json" in names and len(names) == len(set(names)) > 1
    with pikepdf.open(path) as doc:
        tree = list(doc.Root.Names.EmbeddedFiles.Names)
        specs = [s.objgen for s in tree[1::2]]
        associated = [s.objgen for s in doc.Root.AF]
        # the catalog's associated files (PDF/A-3) are the attached files, each once
        assert sorted(associated) == sorted(specs) and len(set(associated)) == len(names)


@pytest.mark.parametrize("who", ["pupil", "heavy_teacher", "chinese"])
def test_the_copy_of_the_data_has_bookmarks_for_its_stores_and_collections(letters, who):
    # the pupil is under 14: the letter and its copy say "du" ("Liste mit allen deinen Daten")
    title = wording("de", form="du" if who == "pupil" else "sie").value("appendix_title")
    with pikepdf.open(io.BytesIO(letters[who])) as doc, doc.open_outline() as outline:
        pages = {page.objgen: number for number, page in enumerate(doc.pages)}
        top = [item for item in outline.root if item.title == title]
        assert len(top) == 1, [item.title for item in outline.root]
        stores = top[0].children
        assert stores

        def below(item: pikepdf.OutlineItem) -> Iterator[pikepdf.OutlineItem]:
            for child in item.children:
                yield child
                yield from below(child)

        marks = [(item, depth) for store in stores for item, depth in [(store, 1), *((c, 2) for c in below(store))]]
        collections = [item.title for item, _ in marks if item.title.endswith(")")]
        assert collections  # "Ausleihen (3)" …
        # each bookmark leads to the page its heading is printed on, at the heading's height
        with pdfplumber.open(io.BytesIO(letters[who])) as pdf:
            for item, _ in marks:
                destination = item.destination
                number = pages[destination[0].objgen]
                page = pdf.pages[number]
                heading_top = page.height - float(destination[3])
                lines = [
                    line["text"]
                    for line in page.extract_text_lines()
                    if heading_top - 3 <= line["top"] <= heading_top + 12
                ]
                assert any(item.title.split()[0] in line for line in lines), (item.title, number, lines)


def number_line(pdf: bytes, page: int) -> list[tuple[str, float, float]]:
    """The words of the page number line at the top of a page: text, right edge, top (mm)."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        words = doc.pages[page].extract_words()
    start = next(k for k, w in enumerate(words) if w["text"] == "Seite" and w["top"] < 25 * MM)
    return [(w["text"], round(w["x1"] / MM, 1), round(w["top"] / MM, 1)) for w in words[start : start + 4]]


def test_page_one_has_its_number_where_a_letter_without_appendix_has_it(letters):
    letter = compose.disclosure(specimen.SCHOOL, specimen.gathering(3), specimen.request("de"))
    merged = render.pdf(letter, attach=False)  # the appendix typeset, numbers stamped
    plain = render.pdf(msgspec.structs.replace(letter, sections=()), attach=False)  # WeasyPrint's margin boxes
    with pikepdf.open(io.BytesIO(plain)) as doc:
        total = len(doc.pages)
    assert [w[0] for w in number_line(plain, 0)] == ["Seite", "1", "von", str(total)]
    # right-aligned on the same line: same right edge, same top
    stamped, margin_box = number_line(merged, 0), number_line(plain, 0)
    assert stamped[3][1] == pytest.approx(margin_box[3][1], abs=0.3)
    assert [w[2] for w in stamped] == pytest.approx([w[2] for w in margin_box], abs=0.3)
    for who in PEOPLE:
        with pikepdf.open(io.BytesIO(letters[who])) as doc:
            total = len(doc.pages)
        assert [w[0] for w in number_line(letters[who], 0)] == ["Seite", "1", "von", str(total)]
