"""The Word letter as a recipient gets it after the officer prints it: converted to PDF by
LibreOffice (headless, the real client) and measured like the PDF letter (test_layout.py):
the address in the window of a DIN 5008 Form B envelope, the information block right of it,
the subject below, page numbers from the Word fields, and about as many pages as the PDF."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from dsr.cli import main
from dsr.demo import generate
from dsr.pipeline import compose
from dsr.pipeline.compose import specimen
from dsr.pipeline.render.docx import docx_bytes
from dsr.pipeline.render.fonts import FONTCONFIG

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is not installed (scripts/install adds libreoffice-writer-nogui)"
)

MM = 72 / 25.4


@dataclass(frozen=True)
class Word:
    text: str
    x0: float  # mm from the left edge of the page
    x1: float
    top: float  # mm from the top edge
    bottom: float


def words_of(pdf: Path) -> list[list[Word]]:
    """Per page, the words with their boxes (pdftotext -bbox-layout)."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    root = ET.fromstring(xhtml)
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    return [
        [
            Word(
                w.text or "",
                float(w.get("xMin", 0)) / MM,
                float(w.get("xMax", 0)) / MM,
                float(w.get("yMin", 0)) / MM,
                float(w.get("yMax", 0)) / MM,
            )
            for w in page.iterfind(".//h:word", ns)
        ]
        for page in root.iterfind(".//h:page", ns)
    ]


def convert(files: list[Path], out: Path) -> None:
    """DOCX → PDF with LibreOffice, in a profile of this test's own (parallel workers would
    otherwise share one and wait for each other's lock), with the letter's shipped fonts."""
    profile = out / "profile"
    env = {**os.environ, "FONTCONFIG_FILE": str(FONTCONFIG), "HOME": str(out)}
    subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        env=env,
        timeout=240,
    )


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two letters, converted in one LibreOffice run: the specimen (80 loans, two pages of
    text) and the demo's typical pupil (with the PDF ``dsr disclose`` writes beside it)."""
    folder = tmp_path_factory.mktemp("docx-layout")
    specimen_letter = compose.disclosure(specimen.SCHOOL, specimen.gathering(80), specimen.request("de"))
    (folder / "specimen.docx").write_bytes(docx_bytes(specimen_letter))
    demo = generate(folder / "demo", schools=1)
    pupil = demo.featured_pupil()
    answer = folder / "pupil"
    argv = ["disclose", "--config", str(folder / "demo" / "dsr.toml"), "--controller", pupil.controller]
    argv += ["--card", pupil.card_number, "--out", str(answer), "--reference", "R1"]
    argv += ["--received", "2026-11-20T10:00", "--channel", "portal", "--identity-check", "email_code"]
    assert main(argv) == 0
    shutil.copy(answer / "disclosure.docx", folder / "pupil.docx")
    convert([folder / "specimen.docx", folder / "pupil.docx"], folder)
    return {
        "specimen": folder / "specimen.pdf",
        "pupil": folder / "pupil.pdf",
        "pupil_letter": answer / "disclosure.pdf",
    }


@pytest.fixture(scope="module")
def specimen_pages(converted: dict[str, Path]) -> list[list[Word]]:
    return words_of(converted["specimen"])


def line_of(words: list[Word], *texts: str) -> list[Word]:
    """The words of one line of text, found in order on the same baseline."""
    for i, first in enumerate(words):
        if first.text == texts[0]:
            line = [first]
            for text in texts[1:]:
                nxt = next((w for w in words[i:] if w.text == text and abs(w.bottom - first.bottom) < 1), None)
                if nxt is None:
                    break
                line.append(nxt)
            if len(line) == len(texts):
                return line
    raise AssertionError(f"no line {' '.join(texts)!r}")


def test_recipient_lines_sit_in_the_envelope_window(specimen_pages):
    page = specimen_pages[0]
    # the specimen's address: "Anna Muster", "Lindenweg 5", "80333 München" (compose/specimen.py)
    lines = [line_of(page, "Anna", "Muster"), line_of(page, "Lindenweg"), line_of(page, "80333", "München")]
    for line in lines:
        assert all(20 <= w.x0 and w.x1 <= 105 for w in line)  # window: x 20 – 105 mm
        assert all(62.7 - 0.3 <= w.top and w.bottom <= 90 for w in line)  # recipient zone
    assert lines[0][0].x0 == pytest.approx(25, abs=1)
    assert lines[0][0].top == pytest.approx(62.7, abs=2)
    assert [line[0].top for line in lines] == sorted(line[0].top for line in lines)


def test_return_address_is_one_small_line_above_the_recipient(specimen_pages):
    page = specimen_pages[0]
    zone = [w for w in page if 45 <= w.top and w.bottom <= 62.7 + 0.3 and w.x0 < 105]
    assert zone and "Gymnasium" in {w.text for w in zone}
    assert min(w.x0 for w in zone) == pytest.approx(25, abs=1)
    assert len({round(w.bottom) for w in zone}) == 1  # one line
    assert max(w.bottom - w.top for w in zone) < 3.5  # 7 pt, not body text


def test_information_block_stands_right_of_the_window(specimen_pages):
    page = specimen_pages[0]
    label = line_of(page, "Unser", "Zeichen")[0]
    assert label.x0 == pytest.approx(125, abs=1)
    assert label.top == pytest.approx(50, abs=1.5)
    reference = next(w for w in page if w.text == "DSR-2026-0042")
    assert reference.x0 >= 125 and reference.x1 <= 190 + 0.5
    assert abs(reference.bottom - label.bottom) < 0.5  # on the label's line
    date = next(w for w in page if w.text == "Datum")
    assert date.x0 == pytest.approx(125, abs=1) and date.bottom < 98.5


def test_letterhead_above_and_subject_below_the_address_field(specimen_pages):
    page = specimen_pages[0]
    name = line_of(page, "Gymnasium", "Musterstadt")[0]  # the letterhead's first line
    assert name.top == pytest.approx(12, abs=2) and name.x0 == pytest.approx(25, abs=1)
    subject = line_of(page, "Ihre", "Auskunft")[1]
    assert 98.5 - 1 <= subject.top <= 98.5 + 3


def test_every_page_has_the_footer_and_its_number(specimen_pages):
    total = len(specimen_pages)
    assert total >= 3  # letter and copy
    for number, page in enumerate(specimen_pages, start=1):
        text = " ".join(w.text for w in page)
        assert f"Seite {number} von {total}" in text  # Word fields, computed by LibreOffice
        assert "Schulnummer 0123" in text
        assert all(w.x1 <= 190 + 1 for w in page)  # nothing runs past the right margin


def test_the_copy_prints_rows_of_events(specimen_pages):
    # a loan row: title and loan date on one line (a table row, not a card of 11 fields)
    text = [w for page in specimen_pages for w in page]
    title = line_of(text, "Die", "unendliche", "Geschichte,")
    same_line = [w for w in text if abs(w.bottom - title[0].bottom) < 0.5 and w.x0 > title[-1].x1]
    assert any(re.fullmatch(r"\d\d\.\d\d\.\d{4}(,)?", w.text) for w in same_line)


def test_the_pupils_word_letter_has_about_the_pdfs_pages(converted):
    word = len(PdfReader(converted["pupil"]).pages)
    pdf = len(PdfReader(converted["pupil_letter"]).pages)
    assert abs(word - pdf) <= max(3, 0.3 * pdf), (word, pdf)


def test_the_pupils_address_is_in_the_window(converted):
    page = words_of(converted["pupil"])[0]
    recipient = [w for w in page if 62.7 - 0.3 <= w.top and w.bottom <= 90 and w.x1 <= 105]
    assert len({round(w.bottom) for w in recipient}) >= 3  # name, street, town
    assert all(w.x0 >= 20 for w in recipient)
