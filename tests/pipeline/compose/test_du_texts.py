"""A pupil's letter in "du" takes the mapping's and the register's ``du`` texts: every heading,
description, label and explanation of the copy and every register text of section 2 speaks to the
child as "du" ("Dein Benutzerkonto", "Damit du Medien … ausleihen kannst"); an adult's letter keeps
"Sie". ``dsr check`` warns for a school's text in "Sie" without a ``du`` text.

Checked on the composed, typed letter (not the PDF), so that what the records themselves say
(a notice's text as sent) cannot hide or fake a finding; the featured letters test reads the PDF.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import msgspec

from dsr.model import (
    Classification,
    CollectionSpec,
    Field,
    FieldSpec,
    Gathering,
    Record,
    StoreReport,
    StoreState,
    Value,
)
from dsr.pipeline import compose, register
from dsr.pipeline.check import warnings
from dsr.pipeline.compose import specimen
from dsr.pipeline.compose.du_texts import mapping_without_du, register_without_du
from dsr.pipeline.compose.letter import Disclosure
from dsr_connectors.sql.mapping import load_mapping
from dsr_connectors.weblog import specs as weblog

JAMES = Path(__file__).resolve().parents[3] / "dsr_connectors" / "james"
POLITE = re.compile(r"\b(Sie|Ihnen|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres)\b")
LETTER_DATE = specimen.request("de").letter_date


def _specs() -> list[CollectionSpec]:
    return [*load_mapping(JAMES / "school.toml").specs("school"), *weblog.specs("weblog", "catalogue", 14, True)]


def _value(f: FieldSpec) -> Value:
    if f.codes:
        return next(iter(f.codes))
    values: dict[str, Value] = {
        "int": 1,
        "date": dt.date(2026, 3, 2),
        "datetime": dt.datetime(2026, 3, 2, 10, 0),
        "money": Decimal("2.50"),
        "bool": True,
    }
    return values.get(f.kind, "Eintrag")


def _gathering(specs: list[CollectionSpec]) -> Gathering:
    """One record of every collection a pupil's letter can hold, every field filled."""
    records = tuple(
        Record(
            store=s.store,
            collection=s.name,
            key="1",
            fields=tuple(
                Field(f.name, _value(f), f.classification, is_subject=f.classification is Classification.REFERENCE)
                for f in s.fields
            ),
        )
        for s in specs
    )
    return Gathering(
        subject=specimen.subject(),
        records=records,
        collections=tuple(specs),
        reports=tuple(StoreReport(store=s, state=StoreState.OK, records=1) for s in ("school", "weblog")),
    )


def _letter(born: dt.date) -> Disclosure:
    r = specimen.request("de")
    request = msgspec.structs.replace(r, recipient=msgspec.structs.replace(r.recipient, date_of_birth=born))
    return compose.disclosure(specimen.SCHOOL, _gathering(_specs()), request, register=register.load("james-school"))


def _own_words(letter: Disclosure) -> list[str]:
    """Every text of the letter that is not a stored value: headings, descriptions, labels,
    explanations, code texts, relations, glance lines and section 2's register texts."""
    texts: list[str] = [g.label for g in letter.glance]
    for s in letter.sections:
        texts += [s.title, s.description, *(c.label for c in s.columns), *(c.explain for c in s.columns)]
        texts += [n.column for n in s.codes] + [text for n in s.codes for _, text in n.codes]
        texts += [r.relation for r in s.rows]
        if s.table is not None:
            texts += [*s.table.labels, *s.table.notes, *(label for label, _ in s.table.constants)]
    for a in letter.activities:
        texts += [a.name, a.purpose, a.legal_basis, a.retention, a.source, a.transfers, a.automated, a.rights]
        texts += [*a.categories, *(r.name for r in a.recipients), *(r.role for r in a.recipients)]
    if letter.common is not None:
        texts += [letter.common.source, letter.common.transfers, letter.common.automated]
    return [t for t in texts if t]


def test_a_pupils_letter_says_du_in_every_heading_label_and_register_text() -> None:
    child = _letter(dt.date(LETTER_DATE.year - 11, 5, 1))
    assert child.address == "child"
    words = _own_words(child)
    assert [t for t in words if POLITE.search(t)] == []
    titles = {s.collection: s.title for s in child.sections}
    assert titles["account"] == "Dein Benutzerkonto" and titles["notice"] == "Benachrichtigungen an dich"
    purposes = {a.key: a.purpose for a in child.activities}
    assert purposes["library-accounts"].startswith("Damit du Medien der Schulbibliothek")


def test_an_adults_letter_keeps_sie() -> None:
    adult = _letter(dt.date(LETTER_DATE.year - 40, 5, 1))
    titles = {s.collection: s.title for s in adult.sections}
    assert titles["account"] == "Ihr Benutzerkonto" and titles["notice"] == "Benachrichtigungen an Sie"
    assert any(POLITE.search(t) for t in _own_words(adult))


def test_every_sie_text_of_the_school_mapping_and_register_has_a_du_text_in_du() -> None:
    assert mapping_without_du(_specs(), JAMES / "school.toml", "") == []
    assert register_without_du(register.load("james-school")) == []
    # and a du text says du: no polite form slipped into it
    for spec in _specs():
        for text in (spec.title, spec.description, *(f.label for f in spec.fields), *(f.explain for f in spec.fields)):
            assert not POLITE.search(text.get("du", "")), text


def _config(tmp_path: Path, mapping: str, register_file: str) -> Path:
    config = tmp_path / "dsr.toml"
    config.write_text(
        f"""[dsr]
secret_key = "{"ab" * 32}"

[controllers.school]
name = "Schule"
kind = "school"
land = "BY"
public = true
street = "Weg 1"
postal_code = "93047"
city = "Regensburg"
email = "schule@example.org"
register = "{register_file}"
dpo = {{ name = "DSB", email = "dsb@example.org" }}
signatory = {{ name = "Leitung", role = "Schulleitung" }}

[controllers.school.stores.school]
connector = "sql"
url = "sqlite:///school.db"
mapping = "{mapping}"
""",
        encoding="utf-8",
    )
    return config


def test_dsr_check_warns_for_a_schools_sie_text_without_du(tmp_path: Path) -> None:
    mapping = (JAMES / "school.toml").read_text(encoding="utf-8")
    mapping = mapping.replace('de = "Ihr Benutzerkonto", du = "Dein Benutzerkonto", ', 'de = "Ihr Benutzerkonto", ', 1)
    (tmp_path / "school.toml").write_text(mapping, encoding="utf-8")
    reg = (JAMES / "register-school.toml").read_text(encoding="utf-8")
    reg = re.sub(r'(purpose = \{ de = "Führen Ihres[^"]*"), du = "[^"]*"', r"\1", reg)
    (tmp_path / "register.toml").write_text(reg, encoding="utf-8")
    found = [str(w) for w in warnings(_config(tmp_path, "school.toml", "register.toml"))]
    du = [w for w in found if "`du`" in w]
    assert len(du) == 2, found
    assert any("collections.account.title" in w and "school.toml" in w for w in du)
    assert any("activities.library-accounts.purpose" in w and "register.toml" in w for w in du)


def test_a_vendor_is_not_asked_for_du(tmp_path: Path) -> None:
    # its readers are the schools' staff: its mapping's "Sie" texts (vendor.toml) are no finding
    config = _config(tmp_path, str(JAMES / "vendor.toml"), "james-vendor")
    config.write_text(config.read_text(encoding="utf-8").replace('kind = "school"', 'kind = "vendor"'))
    assert [w for w in map(str, warnings(config)) if "`du`" in w] == []
