"""The letters of the demo's featured people, at the demo's full size, as issue #17 judges them.

Five readers of one school (typical pupil — who is also under 14 —, the pupil with the most
loans on file, a teacher with children, a 14-year-old incident target): each letter is measured
as its reader gets it, from ``dsr disclose``:

- page counts: a typical pupil ≤ 8 pages, the heaviest pupil ≤ 20 (the whole letter, appendix
  included); their copies still carry every record (the JSON counts agree with the database);
- every letter passes the PDF/UA check (``pdfua_check``) and ``docs/disclosure.schema.json``;
- the actual recipients the records show are named: the parent who got a copy of a notice, the
  police an incident was reported to;
- the form of address is one throughout: "du" for the under-14 pupil, the first name for the
  14-year-old, the adult teacher "Sie" with "Sehr geehrte…"; the pupil's copy says "du" in its
  own words too (titles, descriptions, labels, explanations, every heading of the PDF).
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from pathlib import Path

import jsonschema
import pikepdf
import pytest

from dsr.cli import main
from dsr.demo import DemoSummary, generate
from tests.pipeline.render import pdfua_check

SCHEMA = json.loads((Path(__file__).resolve().parents[3] / "docs" / "disclosure.schema.json").read_text())
#: featured role → the most pages its letter may have (None: no target, measured for the rest)
ROLES = {"pupil": 8, "heavy_pupil": 20, "teacher_guardian_contact": None, "incident_target": None}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary]:
    out = tmp_path_factory.mktemp("full-demo")
    # the demo's own size (300 readers, 40 loans each): the heaviest pupil has hundreds of loans
    return out, generate(out, schools=1, seed=1)


@pytest.fixture(scope="module")
def letters(demo: tuple[Path, DemoSummary], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out, summary = demo
    school = next(c for c in summary.controllers.values() if c.kind == "school")
    folders = {}
    for role in ROLES:
        person = school.featured[role]
        folder = tmp_path_factory.mktemp(role)
        code = main(
            [
                "disclose",
                "--config",
                str(out / "dsr.toml"),
                "--controller",
                school.key,
                "--card",
                person.card_number,
                "--out",
                str(folder),
                "--reference",
                "DSR-2026-TEST01",
                "--received",
                "2026-11-20T10:00",
                "--channel",
                "portal",
                "--identity-check",
                "email_code",
            ]
        )
        assert code == 0, role
        folders[role] = folder
    return folders


def _text(folder: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(folder / "disclosure.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout


def _pages(folder: Path) -> int:
    with pikepdf.open(folder / "disclosure.pdf") as pdf:
        return len(pdf.pages)


@pytest.mark.parametrize("role", ["pupil", "heavy_pupil"])
def test_the_letter_meets_its_page_target_and_keeps_every_record(letters, demo, role) -> None:
    out, summary = demo
    school = next(c for c in summary.controllers.values() if c.kind == "school")
    person = school.featured[role]
    assert _pages(letters[role]) <= ROLES[role]
    # nothing lost: every loan of the reader in the database is in the machine-readable copy
    db = next(out.glob(f"school-{school.key}.db"))
    with sqlite3.connect(db) as conn:
        (loans,) = conn.execute("SELECT count(*) FROM loan WHERE person_id = ?", (person.person_id,)).fetchone()
    data = json.loads((letters[role] / "disclosure.json").read_text())
    copied = [c for s in data["stores"] for c in s["collections"] if c["collection"] == "loan"]
    assert copied and copied[0]["count"] == len(copied[0]["records"]) == loans
    if role == "heavy_pupil":
        assert loans >= 250, "the demo's heaviest pupil has hundreds of loans"


@pytest.mark.parametrize("role", list(ROLES))
def test_the_letter_is_accessible_and_its_json_follows_the_schema(letters, role) -> None:
    pdf = (letters[role] / "disclosure.pdf").read_bytes()
    assert pdfua_check.check(pdf) == []
    errors = list(
        jsonschema.Draft202012Validator(SCHEMA).iter_errors(json.loads((letters[role] / "disclosure.json").read_text()))
    )
    assert errors == []


def test_actual_recipients_are_named(letters) -> None:
    # the police case of the incident, with the date it was reported
    incident = " ".join(_text(letters["incident_target"]).split())
    assert re.search(r"Polizei[^.]*\d\d\.\d\d\.\d{4}", incident)


def test_one_form_of_address_per_letter(letters, demo) -> None:
    _, summary = demo
    school = next(c for c in summary.controllers.values() if c.kind == "school")
    child = _text(letters["pupil"])
    body = child.split("Für Eltern und Lehrkräfte")[0]
    assert f"Hallo {school.featured['pupil'].first_name}," in body
    assert not re.search(r"\b(Sie|Ihnen|Ihre?[mnrs]?)\b", body.split("Auf einen Blick", 1)[-1]), "a child is told du"
    young = _text(letters["incident_target"])
    assert f"Hallo {school.featured['incident_target'].first_name}," in young
    assert "Sehr geehrte" not in young
    adult = _text(letters["teacher_guardian_contact"])
    assert "Sehr geehrte" in adult and not re.search(r"\b(du|dich|dir|dein)\b", adult)


_FORMAL = re.compile(r"\b(Sie|Ihnen|Ihre?[mnrs]?)\b")


def test_the_child_is_told_du_from_the_subject_to_the_closing_and_in_the_copys_own_words(letters) -> None:
    text = _text(letters["pupil"])
    letter, box = text.split("Für Eltern und Lehrkräfte: die rechtlichen Angaben", 1)
    # the whole text before the box (the subject line on, page furniture aside) says "du"
    assert not _FORMAL.search(letter), _FORMAL.findall(letter)
    assert "Deine Frage" in letter and "Viele Grüße" in letter
    # the parent who got a copy of a notice is named as the child's mother, in du, also in the box
    assert re.search(r"deine\s+Mutter", box) and not re.search(r"Ihre\s+Mutter", box)
    # the copy's own words (not the records' texts) are du too: its title, the reader, relations
    copy = box.split("Anlage 1: ", 1)[1]
    assert copy.startswith("Liste mit allen deinen Daten")
    assert "Leserin/Leser: du" in copy and "Leserin/Leser: Sie" not in copy
    assert "als deine" in copy and "als Ihre Erziehungsberechtigten" not in copy


def _headings(items) -> list[str]:
    return [h for item in items for h in (item.title, *_headings(item.children))]


def test_the_childs_copy_and_every_heading_say_du_in_their_own_words(letters) -> None:
    # the copy's own words as the typed copy holds them (what the records say is data and prints
    # as stored: "Ihre Vormerkung liegt bereit"): titles, descriptions, labels, explanations
    folder = letters["pupil"]
    data = json.loads((folder / "disclosure.json").read_text())
    collections = [c for s in data["stores"] for c in s["collections"]]
    own = [s["title"] for s in data["searched"]] + [s["title"] for s in data["stores"]]
    for c in collections:
        own += [c["title"], c["description"] or ""]
        own += [col["label"] for col in c["columns"]] + [col["explain"] or "" for col in c["columns"]]
    assert [t for t in own if _FORMAL.search(t)] == []
    # every heading of the PDF (its outline: the letter, the box, the copy's stores and sections)
    with pikepdf.open(folder / "disclosure.pdf") as pdf, pdf.open_outline() as outline:
        headings = _headings(outline.root)
    assert [h for h in headings if _FORMAL.search(h)] == []
    assert any(h.startswith("Dein Benutzerkonto (") for h in headings)
    assert any(h.startswith("Benachrichtigungen an dich (") for h in headings)
    # and the copy prints those texts: a section's description, a column's explanation
    text = " ".join(_text(folder).split())
    account = next(c for c in collections if c["collection"] == "account")
    assert account["description"] in text and "Die Angaben, mit denen die Schulbibliothek dich" in text
    password = next(col for col in account["columns"] if col["name"] == "password_hash")
    assert f"{password['label']}: {password['explain']}" in text and password["explain"].startswith("Dein Passwort")


def test_a_message_text_stands_under_its_row_across_the_page(letters) -> None:
    # the wording of each notice sent to the pupil: a line under its row at the page's width,
    # not a narrow column beside five others
    lines = _text(letters["pupil"]).splitlines()
    header = next(k for k, line in enumerate(lines) if line.startswith("Art ") and "Betreff" in line)
    assert "Text" not in lines[header]
    said = [k for k, line in enumerate(lines) if line.strip().startswith("Text: Liebe ")]
    assert said, "each message's text under its row"
    for k in said:
        assert re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d\s*$", lines[k - 1]), "right under the notice it belongs to"
    # at the width of the page: a sentence of the message on one line
    assert any(len(next(line for line in lines[k + 1 :] if line.strip()).strip()) > 80 for k in said)
