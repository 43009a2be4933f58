"""The other rights' letters of a pupil below the age of consent who asked alone go where her access
answer goes: by post to her guardians, never to her (docs/rights.md, docs/officer.md "A child asks
for herself"; demo stores, the portal database on SQLite, PostgreSQL and MariaDB).

* the erasure confirmation and the rectification confirmation of a 12-year-old are addressed to the
  guardian the school's records hold, say that she asked herself, and are written to that adult
  ("Sie"), never to the child's own address;
* with no guardian known (none in the records, none recorded by an officer), preparing either is
  refused with the access answer's reason (``to_guardians``), and nothing is kept;
* a 15-year-old (above the age of consent) is written to herself;
* once the erasure overwrote her account (the stores no longer lead to her guardian rows), its
  confirmation still goes to the guardian the records held: dsr kept it with the case just before
  the erasure, without standing for an officer's guardianship check.

The oracle for the guardian is the school store read with SQL; the letter is read from the kept PDF
with pdftotext.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.casepage import candidates_of, checks_of
from dsr.casefile.documents import latest_document_id, read_document, work_case
from dsr.casefile.schema import cases
from dsr.config import Settings, connect, load
from dsr.demo import DemoSummary
from dsr.model import Descriptor
from dsr.pipeline.redact import REASONS
from dsr.service import casework, erasure, erasure_letter, rectification, rights_letter
from dsr.service.casework.common import close_connectors, confirmed_subject
from tests.officer_world import PASSWORD, SCHOOL
from tests.pipeline.compose.test_young_readers import pdftotext

pytestmark = pytest.mark.slow

#: what she typed as her own postal address: no letter of her case may go there
HER_ADDRESS = "Kinderweg 3, 93049 Regensburg"


@dataclass
class School:
    settings: Settings
    engine: sa.Engine
    store: Path  #: the copied school store, whose rows a test changes
    person_id: int
    first_name: str
    last_name: str
    card_number: str
    officer: casefile.User

    @property
    def child(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def sql(self, statement: str, *args: object) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.store) as conn:
            return list(conn.execute(statement, (*args, self.person_id)))

    def run_jobs(self) -> None:
        while casefile.run_next(self.engine, casework.handlers(self.settings)) is not None:
            pass


@pytest.fixture
def school(demo: DemoSummary, engine: sa.Engine, tmp_path: Path) -> Iterator[School]:
    """The demo school (a copy: tests change its rows) and the featured pupil with her guardian rows."""
    folder = tmp_path / "demo"
    shutil.copytree(demo.folder, folder)
    featured = demo.featured_pupil()
    yield School(
        settings=load(folder / Path(demo.config).name),
        engine=engine,
        store=folder / demo.controllers[SCHOOL].stores["school"],
        person_id=featured.person_id,
        first_name=featured.first_name,
        last_name=featured.last_name,
        card_number=featured.card_number,
        officer=casefile.create_user(engine, "officer", PASSWORD, {SCHOOL: ["officer", "approver"]}),
    )


def aged(w: School, years: int) -> dt.date:
    """Make her ``years`` old today (in the store): the routing reads her age from there."""
    today = dt.date.today()
    born = (
        dt.date(today.year - years, 1, 1)
        if (today.month, today.day) != (1, 1)
        else today.replace(year=today.year - years)
    )
    w.sql("UPDATE person SET date_of_birth = ? WHERE id = ?", born.isoformat())
    return born


def her_request(w: School, kind: casefile.RequestType, years: int) -> str:
    """Her own request of ``kind`` (with her own postal address), identified, gathered and reviewed:
    the routing is the one the access answer is made with."""
    born = aged(w, years)
    pupil = Descriptor(card_number=w.card_number, date_of_birth=born, first_name=w.first_name, last_name=w.last_name)
    ref = casefile.open_case(
        w.engine,
        w.settings.dsr.secret_key.encode(),
        casefile.Intake(
            controller=SCHOOL,
            land="BY",
            request_types=(kind,),
            channel=casefile.Channel.PORTAL,
            received_at=dt.datetime.now(dt.UTC),
            subject=casefile.Party(descriptor=pupil, email="pupil@example.org", postal_address=HER_ADDRESS),
        ),
    ).reference
    casework.find_candidates(w.engine, w.settings, ref, user=w.officer)
    [strong] = [c for c in candidates_of(w.engine, w.officer, ref) if c.strong]
    casefile.record_identity_check(
        w.engine, w.officer, ref, casefile.CheckMethod.IN_PERSON, evidence="id_card", candidate=strong.reference
    )
    casework.confirm_and_gather(w.engine, w.settings, w.officer, ref, strong.reference)
    w.run_jobs()
    for entry in casework.review_entries(w.engine, w.officer, ref):
        if entry.decision is None:
            casework.decide_items(w.engine, w.officer, ref, entry.id, "redact", next(iter(REASONS)), same_text=True)
    assert casefile.get_case(w.engine, w.officer, ref).state is casefile.CaseState.REVIEW
    return ref


def prepare_erasure_confirmation(w: School, ref: str) -> int:
    """The erasure confirmation of her case, from the plan made for her."""
    with w.engine.connect() as conn:
        case_id = conn.execute(sa.select(cases.c.id).where(cases.c.reference == ref)).scalar_one()
    connectors = connect(w.settings, SCHOOL)
    try:
        subject = confirmed_subject(w.settings, work_case(w.engine, case_id), connectors)
    finally:
        close_connectors(connectors)
    plan = erasure.make_plan(w.settings, SCHOOL, subject)
    return erasure_letter.prepare_confirmation(w.engine, w.settings, w.officer, ref, plan, [])


def prepare_rectification_confirmation(w: School, ref: str) -> int:
    """A correction of her class recorded as a supplementary statement, and its confirmation."""
    fields = rectification.fields_of_case(w.engine, w.settings, w.officer, ref)
    target = next(f for f in fields if f.column == "class_name").target
    change = rectification.Change(target=target, column="class_name", value="7c")
    rectification.rectify(
        w.engine, w.settings, w.officer, ref, [change], verified=False, statement="Sie ist in der 7c."
    )
    return rights_letter.prepare(w.engine, w.settings, w.officer, ref, "rectification")


PREPARE = {
    casefile.RequestType.ERASURE: prepare_erasure_confirmation,
    casefile.RequestType.RECTIFICATION: prepare_rectification_confirmation,
}


def answer_text(w: School, ref: str) -> str:
    doc = latest_document_id(w.engine, w.officer, ref, "answer")
    assert doc is not None
    return pdftotext(read_document(w.engine, w.officer, ref, doc)[1])


@pytest.mark.parametrize("kind", list(PREPARE), ids=lambda k: k.value)
def test_a_young_pupils_confirmation_goes_to_her_guardian_on_file(school: School, kind: casefile.RequestType) -> None:
    w = school
    ref = her_request(w, kind, 12)
    routing = casefile.requirements_of(w.engine, w.officer, ref).routing
    assert routing is not None and routing.to_guardians and routing.guardian == "on_file"
    # the guardian the school's records hold with a full postal address (read with SQL, not by dsr)
    name, street, postal_code, city = w.sql(
        "SELECT name, street, postal_code, city FROM guardian WHERE street IS NOT NULL AND postal_code IS NOT NULL"
        " AND city IS NOT NULL AND student_id = ? ORDER BY id"
    )[0]

    PREPARE[kind](w, ref)
    assert casefile.get_case(w.engine, w.officer, ref).state is casefile.CaseState.PREPARED
    text = answer_text(w, ref)
    assert f"{name} {street} {postal_code} {city}" in text  # the window's address block
    assert f"{w.child} hat diese Anfrage selbst gestellt. Die Antwort erhalten Sie als sorgeberechtigte" in text
    # never her own address, nor a letter written to the child
    assert "Kinderweg" not in text and f"Hallo {w.first_name}" not in text
    assert "gesetzliche Vertretung" not in text  # nobody asked for her: she asked herself
    # and never offered for download: post only, as her access answer
    with pytest.raises(casefile.TransitionRefused) as download:
        casefile.decide_delivery(w.engine, w.officer, ref, "download", "address_confirmed_in_person")
    assert download.value.code == "to_guardians_post"


@pytest.mark.parametrize("kind", list(PREPARE), ids=lambda k: k.value)
def test_with_no_guardian_known_the_confirmation_is_not_made(school: School, kind: casefile.RequestType) -> None:
    w = school
    w.sql("DELETE FROM guardian WHERE student_id = ?")
    ref = her_request(w, kind, 12)
    routing = casefile.requirements_of(w.engine, w.officer, ref).routing
    assert routing is not None and routing.to_guardians and routing.guardian == "not_on_file"

    with pytest.raises(casefile.TransitionRefused) as refused:
        PREPARE[kind](w, ref)
    assert refused.value.code == "to_guardians"  # the access answer's own refusal
    assert casefile.get_case(w.engine, w.officer, ref).state is casefile.CaseState.REVIEW
    assert latest_document_id(w.engine, w.officer, ref, "answer") is None


@pytest.mark.parametrize("kind", list(PREPARE), ids=lambda k: k.value)
def test_a_pupil_above_the_age_of_consent_gets_her_letter_herself(school: School, kind: casefile.RequestType) -> None:
    w = school
    ref = her_request(w, kind, 15)
    routing = casefile.requirements_of(w.engine, w.officer, ref).routing
    assert routing is not None and not routing.to_guardians

    casefile.decide_delivery(w.engine, w.officer, ref, "post", zone=w.settings.zone)
    PREPARE[kind](w, ref)
    text = answer_text(w, ref)
    assert f"{w.child} Kinderweg 3 93049 Regensburg" in text  # her own address block
    assert "sorgeberechtigte" not in text and "hat diese Anfrage selbst gestellt" not in text


def test_once_the_erasure_overwrote_her_account_the_confirmation_goes_to_her_guardian_on_file(school: School) -> None:
    w = school
    ref = her_request(w, casefile.RequestType.ERASURE, 12)
    # the guardian the school's records hold with a full postal address (read with SQL, not by dsr)
    name, street, postal_code, city = w.sql(
        "SELECT name, street, postal_code, city FROM guardian WHERE street IS NOT NULL AND postal_code IS NOT NULL"
        " AND city IS NOT NULL AND student_id = ? ORDER BY id"
    )[0]
    second = casefile.create_user(w.engine, "second", PASSWORD, {SCHOOL: ["officer", "approver"]})
    with w.engine.connect() as conn:
        case_id = conn.execute(sa.select(cases.c.id).where(cases.c.reference == ref)).scalar_one()
    connectors = connect(w.settings, SCHOOL)
    try:
        subject = confirmed_subject(w.settings, work_case(w.engine, case_id), connectors)
    finally:
        close_connectors(connectors)
    plan = erasure.make_plan(w.settings, SCHOOL, subject)
    erasure.propose(w.engine, plan, case_reference=ref, actor=w.officer)  # > 64 KiB: LONGTEXT on MariaDB (0012)
    erasure.approve(w.engine, plan.id, second)
    erasure.execute(w.engine, w.settings, plan.id, actor=w.officer)
    # her account is overwritten: the stores no longer find her, nor so her guardian rows (kept, restricted)
    assert w.sql("SELECT card_number, date_of_birth FROM person WHERE id = ?") == [(None, None)]
    erasure.execute(w.engine, w.settings, plan.id, actor=w.officer)  # run again: changes nothing, keeps nothing
    kept = [e for e in casefile.history(w.engine, ref) if e.action == "guardian address kept"]
    assert len(kept) == 1 and not {name, street, postal_code, city} & {str(v) for v in kept[0].detail.values()}

    # the guardian her letters went to before the erasure, without an officer's record; never her own address
    erasure_letter.prepare_confirmation(w.engine, w.settings, w.officer, ref, plan, [])
    text = answer_text(w, ref)
    assert f"{name} {street} {postal_code} {city}" in text
    assert f"{w.child} hat diese Anfrage selbst gestellt" in text and "Kinderweg" not in text
    # dsr's copy of the row is not an officer's check of the guardianship, nor shown as one
    assert casefile.recorded_guardian_of(w.engine, w.officer, ref) is None
    assert all(c.method not in ("guardian_in_person", "guardian_postal") for c in checks_of(w.engine, w.officer, ref))

    # an officer who records another guardian since (checked in person) addresses the letter made again
    casefile.send_back(w.engine, second, ref)
    petra = casefile.GuardianAddress(name="Petra Dippel", street="Amselweg 7", postal_code="93047", city="Regensburg")
    casefile.record_identity_check(
        w.engine, w.officer, ref, casefile.CheckMethod.GUARDIAN_IN_PERSON, "Ausweis gesehen", guardian=petra
    )
    erasure_letter.prepare_confirmation(w.engine, w.settings, w.officer, ref, plan, [])
    assert "Petra Dippel Amselweg 7 93047 Regensburg" in answer_text(w, ref)
