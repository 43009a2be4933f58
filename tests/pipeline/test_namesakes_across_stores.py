"""Namesakes in two stores of one controller are two humans: a request with a pupil's card number and name,
where somebody else of that name is in the vendor store, is ambiguous (the name finds the vendor's row, the
card does not) — and the vendor namesake's records never reach an answer, not even after an officer has
confirmed the pupil. Rows of two stores are one human only when they share a strong identifier
(``_linked`` in :mod:`dsr.pipeline.identify`), never because their names match.

With the in-memory fake, and with the demo's school and vendor databases joined into one controller.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from dsr import Classification, Descriptor, Field, Record, ResolutionStatus, confirm, connect, gather, load, resolve
from dsr.cli import main
from dsr.config import Settings
from dsr.connector import Connector
from dsr.demo import DemoSummary, Featured
from dsr.pipeline.answer import prepare_answer
from dsr.pipeline.identify import group_humans
from dsr.testing import FakeConnector, FakePerson

# --------------------------------------------------------------------------- the fake stores

PUPIL = FakePerson(
    key="7",
    first_name="Jonas",
    last_name="Weber",
    card="L0000042",
    login="jonas.weber",
    email="jonas.weber@schueler.example",
    date_of_birth="2012-06-01",
)
#: another Jonas Weber: a vendor customer's contact, with an e-mail address of his own
NAMESAKE = FakePerson(
    key="j.weber@firma.example", first_name="Jonas", last_name="Weber", email="j.weber@firma.example", role="contact"
)
#: the vendor's contact who *is* the pupil's teacher, linked to the school row by e-mail (the control)
TEACHER = FakePerson(key="8", first_name="Eva", last_name="Roth", card="L0000043", email="eva.roth@schule.example")
TEACHER_AT_VENDOR = FakePerson(
    key="eva.roth@schule.example", first_name="Eva", last_name="Roth", email="eva.roth@schule.example"
)


def own(store: str, collection: str, key: str, **values: str) -> Record:
    fields = tuple(Field(name, value, Classification.OWN) for name, value in values.items())
    return Record(store=store, collection=collection, key=key, fields=fields)


def stores() -> list[Connector]:
    school = FakeConnector(
        "school",
        people=[PUPIL, TEACHER],
        records={"7": [own("school", "loan", "1", title="Momo")], "8": [own("school", "loan", "2", title="Krabat")]},
        controller="gym",
    )
    vendor = FakeConnector(
        "vendor",
        people=[NAMESAKE, TEACHER_AT_VENDOR],
        records={
            NAMESAKE.key: [own("vendor", "support_ticket", "31", subject="Rechnung der Firma Weber")],
            TEACHER_AT_VENDOR.key: [own("vendor", "support_ticket", "32", subject="Katalog offline")],
        },
        controller="gym",
    )
    return [school, vendor]


@pytest.mark.parametrize(
    "asked",
    [
        Descriptor(card_number="L0000042", first_name="Jonas", last_name="Weber"),
        Descriptor(card_number="l0000042", first_name="JONAS", last_name="weber", date_of_birth=dt.date(2012, 6, 1)),
        Descriptor(login_name="Jonas.Weber", first_name="Jonas", last_name="Weber"),
    ],
    ids=["card+name", "card+name+dob", "login+name"],
)
def test_a_namesake_in_another_store_makes_the_request_ambiguous(asked: Descriptor) -> None:
    connectors = stores()
    r = resolve("gym", connectors, asked)
    assert r.status is ResolutionStatus.AMBIGUOUS and r.subject is None
    by_store = {c.store: c for c in r.candidates}
    assert set(by_store) == {"school", "vendor"} and len(r.candidates) == 2
    assert by_store["school"].strong and not by_store["vendor"].strong  # the name alone is weak evidence
    # two humans, never one: the name is all they share
    assert sorted(len(h) for h in group_humans(r.candidates)) == [1, 1]


def test_the_namesakes_records_never_appear_once_the_officer_confirms_the_pupil() -> None:
    connectors = stores()
    r = resolve("gym", connectors, Descriptor(card_number="L0000042", first_name="Jonas", last_name="Weber"))
    pupil = next(c for c in r.candidates if c.store == "school")
    subject = confirm("gym", r.candidates, pupil.reference)
    assert subject.keys("school") == ("7",) and subject.keys("vendor") == ()
    gathering = gather(subject, connectors)
    assert [(rec.store, rec.key) for rec in gathering.records] == [("school", "1")]
    # confirming the namesake instead gives his records, and none of the pupil's
    namesake = next(c for c in r.candidates if c.store == "vendor")
    other = gather(confirm("gym", r.candidates, namesake.reference), connectors)
    assert [(rec.store, rec.key) for rec in other.records] == [("vendor", "31")]


def test_the_card_alone_is_the_pupil_and_only_the_pupil() -> None:
    connectors = stores()
    r = resolve("gym", connectors, Descriptor(card_number="L0000042"))
    assert r.status is ResolutionStatus.MATCH and r.subject is not None
    assert r.subject.keys("vendor") == ()
    assert all(rec.store == "school" for rec in gather(r.subject, connectors).records)


def test_a_shared_e_mail_address_is_one_human_across_the_stores() -> None:
    # the control: the teacher who is the vendor's contact shares an e-mail address with her school row
    connectors = stores()
    r = resolve("gym", connectors, Descriptor(card_number="L0000043", first_name="Eva", last_name="Roth"))
    assert r.status is ResolutionStatus.MATCH and r.subject is not None
    assert r.subject.keys("school") == ("8",) and r.subject.keys("vendor") == (TEACHER_AT_VENDOR.key,)
    assert sorted(rec.key for rec in gather(r.subject, connectors).records) == ["2", "32"]


# --------------------------------------------------------------------------- the demo's SQL stores

NAMESAKE_EMAIL = "namensvetter@andere-firma.example"
NAMESAKE_TICKET = "Namensvetter: Lizenz verlaengern"


@pytest.fixture
def joined(demo: DemoSummary, tmp_path: Path) -> Iterator[tuple[Path, str, Featured]]:
    """The demo school's controller with the vendor database as a third store, where a ticket was opened
    by somebody else who has the featured pupil's name (copies: the session's demo is never changed)."""
    school = next(key for key, c in demo.controllers.items() if c.kind == "school")
    pupil = demo.featured(school, "pupil")
    folder = demo.config.parent
    shutil.copy(folder / demo.controllers[school].stores["school"], tmp_path / "school.db")
    shutil.copy(folder / demo.controllers["vendor"].stores["vendor"], tmp_path / "vendor.db")
    with sqlite3.connect(tmp_path / "vendor.db") as db:
        db.execute(
            "INSERT INTO support_ticket (id, customer_id, opened_at, reporter_name, reporter_email, subject, body)"
            " VALUES (9001, NULL, '2025-03-03 10:00:00', ?, ?, ?, 'Bitte um Rückruf.')",
            (f"{pupil.first_name} {pupil.last_name}", NAMESAKE_EMAIL, NAMESAKE_TICKET),
        )
    db.close()
    config = demo.config.read_text(encoding="utf-8")
    config = config.replace(f'"sqlite:///{demo.controllers[school].stores["school"]}"', '"sqlite:///school.db"')
    config = config.replace('path = "logs"', f'path = "{folder / "logs"}"')
    config += (
        f'\n[controllers.{school}.stores.vendor]\nconnector = "sql"\nurl = "sqlite:///vendor.db"\n'
        'mapping = "james-vendor"\n'
    )
    (tmp_path / "dsr.toml").write_text(config, encoding="utf-8")
    yield tmp_path / "dsr.toml", school, pupil


def test_dsr_disclose_with_card_and_name_exits_3_when_the_vendor_holds_a_namesake(
    joined: tuple[Path, str, Featured], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, school, pupil = joined
    name = f"{pupil.first_name} {pupil.last_name}"
    argv = ["disclose", "--config", str(config), "--controller", school, "--card", str(pupil.card_number)]
    assert main([*argv, "--name", name, "--out", str(tmp_path / "a")]) == 3
    err = capsys.readouterr().err
    assert len(set(re.findall(r"P-[0-9A-F]{12}", err))) == 2
    assert str(pupil.last_name) not in err and NAMESAKE_EMAIL not in err
    assert not (tmp_path / "a").exists()


def test_sql_namesakes_are_two_humans_and_the_vendor_ones_records_stay_out_of_the_answer(
    joined: tuple[Path, str, Featured],
) -> None:
    config, school, pupil = joined
    settings: Settings = load(config)
    connectors = connect(settings, school)
    try:
        asked = Descriptor(card_number=pupil.card_number, first_name=pupil.first_name, last_name=pupil.last_name)
        r = resolve(school, connectors, asked, secret=settings.dsr.secret_key.encode())
        assert r.status is ResolutionStatus.AMBIGUOUS and r.subject is None
        by_store = {c.store: c for c in r.candidates}
        assert set(by_store) == {"school", "vendor"} and len(r.candidates) == 2
        assert by_store["vendor"].key == NAMESAKE_EMAIL and not by_store["vendor"].strong
        assert sorted(len(h) for h in group_humans(r.candidates)) == [1, 1]

        # the officer confirms the pupil: the answer holds the pupil's data and nothing of the namesake's
        subject = confirm(school, r.candidates, by_store["school"].reference)
        assert subject.keys("vendor") == ()
        answer = prepare_answer(settings, school, subject, connectors, formats=("json",))
        assert answer.complete
        text = answer.documents["disclosure.json"].decode()
        assert str(pupil.card_number) in text
        assert NAMESAKE_EMAIL not in text and NAMESAKE_TICKET not in text
        data = json.loads(text)
        assert [s["records"] for s in data["searched"] if s["store"] == "vendor"] == [0]  # searched: nothing his
        assert "vendor" not in {s["store"] for s in data["stores"]}

        # the card alone: the pupil, and no row of the vendor
        alone = resolve(school, connectors, Descriptor(card_number=pupil.card_number))
        assert alone.status is ResolutionStatus.MATCH and alone.subject is not None
        assert alone.subject.keys("vendor") == ()
        assert not [rec for rec in gather(alone.subject, connectors).records if rec.store == "vendor"]
    finally:
        for c in connectors:
            c.close()


def test_sql_a_shared_e_mail_address_is_one_human_across_the_stores(
    demo: DemoSummary, joined: tuple[Path, str, Featured]
) -> None:
    # the control: the teacher who is the vendor's customer contact (the same e-mail address in both databases)
    config, school, _ = joined
    teacher = demo.featured(school, "teacher_guardian_contact")
    connectors = connect(load(config), school)
    try:
        asked = Descriptor(card_number=teacher.card_number, first_name=teacher.first_name, last_name=teacher.last_name)
        r = resolve(school, connectors, asked)
        assert r.status is ResolutionStatus.MATCH and r.subject is not None
        assert r.subject.keys("school") == (str(teacher.person_id),)
        assert r.subject.keys("vendor") == (str(teacher.email).lower(),)
    finally:
        for c in connectors:
            c.close()
