"""No log of a rendering names the requester, and no record spans lines.

A real letter to someone whose name has characters no installed font can draw (private-use code
points) and control characters (a bell, an escape, a line feed, a Unicode line separator) is
rendered with every rendering library logging at DEBUG; the log is then searched for any piece
of the name. The same through ``dsr -v disclose``'s stderr, where a real logging handler writes
the records as an operator would read them.
"""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dsr.demo import generate
from dsr.pipeline import render
from dsr.pipeline.render.logs import RENDERING_LIBRARIES, escape_controls
from tests.pipeline.render.test_fonts_scripts import letter_for

FIRST, LAST = "Quirinus\ue000\x07", "Zwack\x1b\n\u2028hofer\U000f0001"
#: every piece a log could give the name away by: the words, the odd characters, their code points
PIECES = ("Quirinus", "Zwack", "hofer", "\ue000", "\U000f0001", "E000", "F0001", "57344", "983041")
#: characters after which a log viewer starts a new line
LINE_BREAKS = ("\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


#: every fact the letter states, so that stderr carries log records only (no "draft" warnings)
FACTS: tuple[str, ...] = ("--reference", "DSR-2026-0001", "--received", "2026-01-05", "--channel", "email")
FACTS += ("--identity-check", "email_code", "--recipient-name", "Q. Z.", "--street", "Weg 1")
FACTS += ("--postal-code", "93047", "--city", "Regensburg")


def leaks(text: str) -> list[str]:
    return [piece for piece in PIECES if piece.lower() in text.lower()]


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog at DEBUG, with the rendering libraries' own levels (dsr sets some to WARNING) lowered too."""
    for name in RENDERING_LIBRARIES | {"weasyprint.progress", "dsr"}:
        caplog.set_level(logging.DEBUG, logger=name)
    caplog.set_level(logging.DEBUG)
    yield caplog


def test_a_name_no_font_can_draw_is_not_in_the_log(everything_logged: pytest.LogCaptureFixture) -> None:
    pdf = render.pdf(letter_for(f"{FIRST} {LAST}"), attach=False)
    assert pdf.startswith(b"%PDF")
    records = everything_logged.records
    # the renderer did stumble over the characters (so the test sees what it should) ...
    missing = [r for r in records if getattr(r, "dsr_category", None) == "missing glyph"]
    assert missing and all(r.name.startswith("weasyprint") and r.levelno == logging.WARNING for r in missing)
    assert "missing glyph" in missing[0].getMessage()
    # ... but no record says which character, and none spans lines
    for record in records:
        message = record.getMessage() + (record.exc_text or "")
        assert not leaks(message), (record.name, message)
        assert not any(c in message for c in LINE_BREAKS), (record.name, message)
    assert len(everything_logged.text.splitlines()) == len(records)


def test_a_third_party_record_keeps_name_and_level_and_loses_its_text(
    everything_logged: pytest.LogCaptureFixture,
) -> None:
    try:
        raise ValueError(f"cannot parse {LAST}")
    except ValueError:
        logging.getLogger("tinycss2.parser").error("Ignored `%s` at %d:%d", FIRST, 1, 2, exc_info=True)
    logging.getLogger("PIL.Image").warning(f"Image for {FIRST} has no alt")  # pre-formatted: no args to drop
    logging.getLogger("dsr.pipeline.gather").warning("store %s answered: %s", "school", LAST)
    logging.getLogger("sqlalchemy.engine").warning("a host's record %s", "stays as it is")
    css, image, own, host = everything_logged.records
    assert (css.name, css.levelno, getattr(css, "dsr_category", None)) == (
        "tinycss2.parser",
        logging.ERROR,
        "css problem",
    )
    assert css.getMessage() == "css problem (details withheld: they may quote the letter) (ValueError)"
    assert css.exc_info is None and css.exc_text is None
    assert (image.name, getattr(image, "dsr_category", None)) == ("PIL.Image", "image problem")
    # dsr's own records keep their words, with control characters made visible
    assert own.getMessage() == "store school answered: Zwack\\x1b\\x0a\\u2028hofer\U000f0001"
    assert host.getMessage() == "a host's record stays as it is"
    assert len(everything_logged.text.splitlines()) == 4
    assert not leaks(css.getMessage() + image.getMessage())


def test_escaped_controls_read_back_as_escapes() -> None:
    assert escape_controls("a\nb\x07c\u2029d\u202ee") == "a\\x0ab\\x07c\\u2029d\\u202ee"
    assert escape_controls("Zoë Ünal 王") == "Zoë Ünal 王"


@pytest.fixture(scope="module")
def odd_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A one-school demo whose featured pupil is renamed to the name no font can draw."""
    out = tmp_path_factory.mktemp("odd-name")
    summary = generate(out, schools=1, readers_per_school=20, seed=3, loans_per_reader=2)
    pupil = summary.featured_pupil()
    with sqlite3.connect(next(out.glob("school-*.db"))) as db:
        changed = db.execute(
            "UPDATE person SET first_name = ?, last_name = ? WHERE card_number = ?", (FIRST, LAST, pupil.card_number)
        ).rowcount
    assert changed == 1
    assert pupil.card_number is not None
    return out / "dsr.toml", pupil.controller, pupil.card_number


def test_dsr_disclose_stderr_names_nobody(odd_demo: tuple[Path, str, str], tmp_path: Path) -> None:
    config, controller, card = odd_demo
    run = subprocess.run(
        [sys.executable, "-m", "dsr.cli", "-v", "disclose", "--config", str(config), "--controller", controller]
        + ["--card", card, "--out", str(tmp_path / "answer"), *FACTS],
        capture_output=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    stderr = run.stderr.decode()
    # the letter was written and WeasyPrint did warn (at WARNING, shown at -v) ...
    assert (tmp_path / "answer" / "disclosure.pdf").exists()
    warned = [line for line in stderr.splitlines() if line.startswith("WARNING weasyprint")]
    assert warned and all(
        "missing glyph: no font has a character, a .notdef box was drawn (details withheld" in line for line in warned
    ), stderr
    # ... without a piece of the name, each record on a line of its own
    assert not leaks(stderr), stderr
    assert all(line.split(" ", 1)[0] in {"DEBUG", "INFO", "WARNING", "ERROR"} for line in stderr.splitlines() if line)
