"""A pupil below the age of consent asks for herself, and the school's records hold no guardian with
a postal address (docs/officer.md, "A child asks for herself"; demo stores, the portal database on
SQLite, PostgreSQL and MariaDB).

Before: an officer's guardianship check met the rule, and the answer was then addressed to the child
("Hallo Hildegart", her own address) and posted there. Now:

* the draft is addressed to nobody — never to the child — and says that she asked;
* a guardianship check without the guardian's address does not meet the rule: the answer is
  neither made (service and case file) nor approved, and never offered for download;
* the officer records the checked guardian's name and postal address with the check: the letter is
  addressed there "for" the child and says the child asked; the audit log gets no address;
* when the school enters a guardian with an address meanwhile, making the answer reads it and the
  letter goes to that guardian, with no officer's address needed.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import msgspec
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from dsr import casefile
from dsr.casefile.casepage import candidates_of
from dsr.casefile.documents import latest_document_id, read_document, work_case
from dsr.casefile.schema import cases, documents, events
from dsr.config import Settings, connect, load
from dsr.demo import DemoSummary
from dsr.model import Descriptor
from dsr.pipeline import compose
from dsr.pipeline.redact import REASONS
from dsr.service import casework
from dsr.service.casework.common import close_connectors, confirmed_subject
from tests.officer_world import PASSWORD, SCHOOL

pytestmark = pytest.mark.slow

#: the guardian an officer saw with ID and custody papers (not in the school's records)
PETRA = casefile.GuardianAddress(name="Petra Dippel", street="Amselweg 7", postal_code="93047", city="Regensburg")


@dataclass
class School:
    settings: Settings
    engine: sa.Engine
    store: Path  #: the copied school store, whose guardian rows the test changes
    pupil: Descriptor
    person_id: int
    officer: casefile.User
    approver: casefile.User

    def guardian_rows(self, sql: str, *args: object) -> None:
        with sqlite3.connect(self.store) as conn:
            conn.execute(sql, (*args, self.person_id))

    def run_jobs(self) -> None:
        while casefile.run_next(self.engine, casework.handlers(self.settings)) is not None:
            pass


@pytest.fixture(params=["no_row", "no_full_address"])
def school(request: pytest.FixtureRequest, demo: DemoSummary, engine: sa.Engine, tmp_path: Path) -> Iterator[School]:
    """The demo school with the featured pupil's guardian rows gone, or left without a town."""
    folder = tmp_path / "demo"
    shutil.copytree(demo.folder, folder)
    featured = demo.featured_pupil()
    store = folder / demo.controllers[SCHOOL].stores["school"]
    w = School(
        settings=load(folder / Path(demo.config).name),
        engine=engine,
        store=store,
        pupil=Descriptor(
            card_number=featured.card_number,
            date_of_birth=featured.date_of_birth,
            first_name=featured.first_name,
            last_name=featured.last_name,
        ),
        person_id=featured.person_id,
        officer=casefile.create_user(engine, "officer", PASSWORD, {SCHOOL: ["officer"]}),
        approver=casefile.create_user(engine, "approver", PASSWORD, {SCHOOL: ["officer", "approver"]}),
    )
    if request.param == "no_row":
        w.guardian_rows("DELETE FROM guardian WHERE student_id = ?")
    else:  # a name and a street, but no town: no letter can reach it
        w.guardian_rows("UPDATE guardian SET city = NULL WHERE student_id = ?")
    yield w


def gathered(w: School) -> str:
    """Her own request, identified by the answer going only by post, confirmed and gathered."""
    opened = casefile.open_case(
        w.engine,
        w.settings.dsr.secret_key.encode(),
        casefile.Intake(
            controller=SCHOOL,
            land="BY",
            request_types=(casefile.RequestType.ACCESS,),
            channel=casefile.Channel.PORTAL,
            received_at=dt.datetime.now(dt.UTC),
            subject=casefile.Party(descriptor=w.pupil, email="hildegart@example.org"),
        ),
    )
    ref = opened.reference
    casework.find_candidates(w.engine, w.settings, ref, user=w.officer)
    [strong] = [c for c in candidates_of(w.engine, w.officer, ref) if c.strong]
    casefile.record_identity_check(
        w.engine, w.officer, ref, casefile.CheckMethod.ANSWER_BY_POST, candidate=strong.reference
    )
    assert casework.confirm_and_gather(w.engine, w.settings, w.officer, ref, strong.reference) is not None
    w.run_jobs()
    for entry in casework.review_entries(w.engine, w.officer, ref):
        if entry.decision is None:
            casework.decide_items(w.engine, w.officer, ref, entry.id, "redact", next(iter(REASONS)), same_text=True)
    return ref


def addressed_to(w: School, ref: str) -> compose.Recipient | None:
    """The addressee the letter of the case gets now (what ``render_answer`` composes with)."""
    with w.engine.connect() as conn:
        case_id = conn.execute(sa.select(cases.c.id).where(cases.c.reference == ref)).scalar_one()
    case = work_case(w.engine, case_id)
    connectors = connect(w.settings, SCHOOL)
    try:
        subject = confirmed_subject(w.settings, case, connectors)
        return casework.letter_facts(w.engine, w.settings, case, subject, connectors).recipient
    finally:
        close_connectors(connectors)


def letter_text(w: School, ref: str, kind: str) -> str:
    doc = latest_document_id(w.engine, w.officer, ref, kind)
    assert doc is not None
    pages = PdfReader(io.BytesIO(read_document(w.engine, w.officer, ref, doc)[1])).pages
    return " ".join(" ".join(page.extract_text() or "" for page in pages).split())


def test_without_a_guardians_address_the_answer_is_neither_made_nor_sent(school: School) -> None:
    w = school
    ref = gathered(w)
    routing = casefile.requirements_of(w.engine, w.officer, ref).routing
    assert routing is not None and routing.to_guardians and routing.guardian == "not_on_file"

    # the draft goes to nobody yet, and never to the child: no "Hallo Hildegart", her name only as "for"
    to = addressed_to(w, ref)
    assert to is not None and (to.name, to.street, to.postal_code, to.city) == ("", None, None, None)
    assert to.acting_for == "Hildegart Dippel" and to.subject_asked
    draft = letter_text(w, ref, "draft")
    assert "Hallo Hildegart" not in draft and "Guten Tag," in draft
    assert "Hildegart Dippel hat diese Anfrage selbst gestellt" in draft
    assert "gesetzliche Vertretung" not in draft  # nobody asked for her: she asked herself

    # an officer's guardianship check alone names no address: the rule stays open
    casefile.record_identity_check(w.engine, w.officer, ref, casefile.CheckMethod.GUARDIAN_IN_PERSON)
    assert casefile.requirements_of(w.engine, w.officer, ref).open == ("guardian_verification",)
    with pytest.raises(casefile.TransitionRefused) as refused:
        casework.render_answer(w.engine, w.settings, w.officer, ref)
    assert refused.value.code == "to_guardians"
    # nor can any other caller store an answer for her (the case file's own rule)
    answer = casefile.Document(filename="a.pdf", media_type="application/pdf", content=b"%PDF-1.7 to the child")
    with pytest.raises(casefile.TransitionRefused) as stored:
        casefile.prepare(w.engine, w.officer, ref, answer, zone=w.settings.zone)
    assert stored.value.code == "to_guardians"
    assert casefile.get_case(w.engine, w.officer, ref).state is casefile.CaseState.REVIEW
    assert latest_document_id(w.engine, w.officer, ref, "answer") is None
    with pytest.raises(casefile.TransitionRefused) as download:
        casefile.decide_delivery(w.engine, w.officer, ref, "download", "address_confirmed_in_person")
    assert download.value.code == "to_guardians_post"


def test_the_guardian_the_officer_checked_gets_the_answer_for_the_child(school: School) -> None:
    w = school
    ref = gathered(w)
    casefile.record_identity_check(
        w.engine, w.officer, ref, casefile.CheckMethod.GUARDIAN_IN_PERSON, "Ausweis gesehen", guardian=PETRA
    )
    assert casefile.requirements_of(w.engine, w.officer, ref).open == ()
    assert casefile.recorded_guardian_of(w.engine, w.officer, ref) == PETRA

    casework.render_answer(w.engine, w.settings, w.officer, ref)
    text = letter_text(w, ref, "answer")
    # addressed to Petra (the window's address block), for Hildegart, who asked herself
    assert "Petra Dippel Amselweg 7 93047 Regensburg" in text
    assert "Hildegart Dippel hat diese Anfrage selbst gestellt. Die Antwort erhalten Sie als sorgeberechtigte" in text
    assert "Hallo Hildegart" not in text and "gesetzliche Vertretung" not in text
    assert "Datenträger" in text  # a paper letter: how to get the electronic copy

    casefile.approve(w.engine, w.approver, ref)
    with pytest.raises(casefile.TransitionRefused) as refused:
        casefile.dispatch_by_download(w.engine, w.officer, ref, zone=w.settings.zone)
    assert refused.value.code == "to_guardians_post"
    casefile.dispatch_by_post(w.engine, w.officer, ref, dt.date.today())
    assert casefile.get_case(w.engine, w.officer, ref).state is casefile.CaseState.DISPATCHED

    # the audit log says an address was recorded, never which
    checked = [e for e in casefile.history(w.engine, ref) if e.action == "identity checked"][-1]
    assert checked.detail["method"] == "guardian_in_person" and checked.detail["guardian_address"] is True
    with w.engine.connect() as conn:
        logged = " ".join(str(d) for d in conn.execute(sa.select(events.c.detail)).scalars())
        kinds = list(conn.execute(sa.select(documents.c.kind)).scalars())
    assert "Amselweg" not in logged and "Petra" not in logged
    assert kinds.count("guardian_address") == 1


def test_an_address_is_recorded_whole_and_only_with_a_guardianship_check(school: School) -> None:
    w = school
    ref = gathered(w)
    with pytest.raises(casefile.InputRejected) as wrong:
        casefile.record_identity_check(w.engine, w.officer, ref, casefile.CheckMethod.IN_PERSON, guardian=PETRA)
    assert wrong.value.code == "guardian_address_method"
    partial = msgspec.structs.replace(PETRA, city="  ")
    with pytest.raises(casefile.InputRejected) as incomplete:
        casefile.record_identity_check(w.engine, w.officer, ref, casefile.CheckMethod.GUARDIAN_POSTAL, guardian=partial)
    assert incomplete.value.code == "guardian_address_incomplete"
    # neither left a check nor an address behind
    assert casefile.recorded_guardian_of(w.engine, w.officer, ref) is None
    assert casefile.requirements_of(w.engine, w.officer, ref).open == ("guardian_verification",)


def test_a_guardian_the_school_enters_meanwhile_is_read_when_the_answer_is_made(school: School) -> None:
    w = school
    ref = gathered(w)
    w.guardian_rows(
        "INSERT INTO guardian (student_id, name, relation, street, postal_code, city) "
        "VALUES (?, 'Luis Dippel', 'father', 'Heintzegasse 50b', '93034', 'Regensburg')"
    )
    w.guardian_rows("DELETE FROM guardian WHERE city IS NULL AND student_id = ?")
    casework.render_answer(w.engine, w.settings, w.officer, ref)
    needs = casefile.requirements_of(w.engine, w.officer, ref)
    assert needs.routing is not None and needs.routing.guardian == "on_file" and needs.open == ()
    text = letter_text(w, ref, "answer")
    assert "Luis Dippel Heintzegasse 50b 93034 Regensburg" in text
    assert "Hildegart Dippel hat diese Anfrage selbst gestellt" in text
    casefile.approve(w.engine, w.approver, ref)
