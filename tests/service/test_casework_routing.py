"""Parents and young pupils on real demo stores: who may receive a child's data (dsr.casefile.requirements).

The demo's typical pupil is 13 on the day of these tests' requests (born 2013-10-16; the demo
stores are fixed) and has one guardian row with an e-mail address.
"""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
from pathlib import Path

import msgspec
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from dsr import casefile
from dsr.casefile.casepage import candidates_of, checks_of
from dsr.casefile.documents import latest_document_id, read_document
from dsr.casefile.schema import events, parties
from dsr.config import connect
from dsr.model import Descriptor, ResolutionStatus
from dsr.pipeline.answer import identify
from dsr.pipeline.redact import REASONS
from dsr.service import casework
from dsr.service.casework.routing import guardians_for_post
from tests.officer_world import SCHOOL, World

pytestmark = pytest.mark.slow
#: the letter's identity-check wording for "checked against the guardian records"
RECORDS_CHECKED = "Bestätigungscode an die E-Mail-Adresse, die bei uns zu den Erziehungsberechtigten gespeichert ist"


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages).split())


def guardian_row(w: World) -> tuple[str, str, str]:
    """(name, e-mail, street) of the featured pupil's guardian, as the school store keeps them."""
    db = Path(w.demo.folder) / w.demo.controllers[SCHOOL].stores["school"]
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT g.name, g.email, g.street FROM guardian g JOIN person p ON p.id = g.student_id "
            "WHERE p.card_number = ? AND g.email IS NOT NULL ORDER BY g.id",
            (w.pupil().card_number,),
        ).fetchone()
    return row[0], row[1], row[2]


def parent_case(w: World, first: str, last: str, email: str, *, verified: bool = True) -> str:
    """A parent's portal request with the pupil's correct card number; ``verified``: the code was entered."""
    parent = casefile.Party(
        descriptor=Descriptor(first_name=first, last_name=last),
        email=email,
        postal_address="Amselweg 7\n93047 Regensburg",
    )
    ref = w.open_request(w.pupil(), acting=casefile.Acting.PARENT, requester=parent, email=email)
    if verified:  # what the portal's verification step records once the mailed code was entered
        with w.engine.begin() as conn:
            conn.execute(
                sa.update(parties)
                .where(parties.c.role == "requester")
                .values(email_verified_at=dt.datetime.now(dt.UTC))
            )
    assert casework.find_candidates(w.engine, w.settings, ref, user=w.officer) is ResolutionStatus.MATCH
    strong = [c for c in candidates_of(w.engine, w.officer, ref) if c.strong]
    casefile.confirm_identity(w.engine, w.officer, ref, strong[0].reference)
    return ref


def draft_text(w: World, ref: str) -> str:
    [job] = w.run_jobs()
    assert job.state is casefile.JobState.DONE
    draft = latest_document_id(w.engine, w.officer, ref, "draft")
    assert draft is not None
    return pdf_text(read_document(w.engine, w.officer, ref, draft)[1])


def to_prepared(w: World, ref: str) -> None:
    for entry in casework.review_entries(w.engine, w.officer, ref):
        if entry.decision is None:
            casework.decide_items(w.engine, w.officer, ref, entry.id, "redact", next(iter(REASONS)), same_text=True)
    casework.render_answer(w.engine, w.settings, w.officer, ref)


def test_a_parent_on_the_guardian_rows_gets_the_letter_for_the_child(world: World) -> None:
    name, email, street = guardian_row(world)
    first, last = name.split(" ", 1)
    ref = parent_case(world, first, last, email)

    casework.start_gathering(world.engine, world.settings, world.officer, ref)
    text = draft_text(world, ref)

    # addressed to the guardian row (not the address typed into the form), for the child
    assert name in text and street in text and "Amselweg" not in text
    assert f"gesetzliche Vertretung für {world.pupil().first_name}" in text
    assert RECORDS_CHECKED in text
    # a download to the verified guardian address: the PDF itself carries the machine-readable copy
    assert "disclosure.json" in text and "Datenträger" not in text
    needs = casefile.requirements_of(world.engine, world.officer, ref)
    assert needs.routing is not None and needs.routing.guardian == "verified" and needs.open == ()
    # the audit trail names codes, never the guardian or the child
    with world.engine.connect() as conn:
        detail = conn.execute(sa.select(events.c.detail).where(events.c.action == "routing settled")).scalar_one()
    assert msgspec.json.decode(detail)["guardian_check"] == "verified"
    assert email not in detail and last not in detail and str(world.pupil().last_name) not in detail


def test_a_stranger_with_the_card_number_gets_nothing_until_staff_check_the_guardianship(world: World) -> None:
    ref = parent_case(world, "Petra", "Fremd", "petra@example.org")

    with pytest.raises(casefile.TransitionRefused) as refused:
        casework.start_gathering(world.engine, world.settings, world.officer, ref)
    assert refused.value.code == "guardian_unverified"
    # nothing was queued and nothing gathered; the library call without the case work refuses too
    assert world.run_jobs() == [] and latest_document_id(world.engine, world.officer, ref, "draft") is None
    with pytest.raises(casefile.TransitionRefused):
        casefile.start_gathering(world.engine, world.officer, ref, ["school"])
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.IDENTITY_CONFIRMED
    assert casefile.requirements_of(world.engine, world.officer, ref).routing.guardian == "not_a_guardian"

    casefile.record_identity_check(
        world.engine, world.officer, ref, casefile.CheckMethod.GUARDIAN_IN_PERSON, "Sorgerechtsbeschluss"
    )
    casework.start_gathering(world.engine, world.settings, world.officer, ref)
    text = draft_text(world, ref)
    assert "Petra Fremd" in text and "Amselweg 7" in text  # staff verified: the address the parent gave
    assert RECORDS_CHECKED not in text and "persönliche Vorsprache" in text  # says what was checked, nothing more


def test_a_typed_but_unconfirmed_guardian_address_proves_nothing(world: World) -> None:
    _, email, _ = guardian_row(world)
    ref = parent_case(world, "Petra", "Fremd", email, verified=False)
    with pytest.raises(casefile.TransitionRefused):
        casework.start_gathering(world.engine, world.settings, world.officer, ref)


def test_the_gather_job_itself_never_reads_the_stores_for_an_unverified_parent(world: World) -> None:
    ref = parent_case(world, "Petra", "Fremd", "petra@example.org")
    # a caller that skips the case work's routing: the job settles it before any store is read
    casefile.start_gathering(world.engine, world.officer, ref, casework.store_names(world.settings, SCHOOL))
    [job] = world.run_jobs()
    assert job.state is not casefile.JobState.DONE and not any(p.get("records") for p in job.progress.values())
    assert latest_document_id(world.engine, world.officer, ref, "draft") is None


def test_a_pupil_of_13_asking_alone_is_answered_through_her_guardian(world: World) -> None:
    name, _, street = guardian_row(world)
    ref = world.open_request(world.pupil(), email="hildegart@example.org")
    casework.find_candidates(world.engine, world.settings, ref, user=world.officer)
    strong = [c for c in candidates_of(world.engine, world.officer, ref) if c.strong]
    # her address is not on file: what verifies her is that the answer goes only by post to the
    # address on file (her guardians'), never to the address she typed
    casefile.record_identity_check(
        world.engine, world.officer, ref, casefile.CheckMethod.ANSWER_BY_POST, candidate=strong[0].reference
    )
    casefile.confirm_identity(world.engine, world.officer, ref, strong[0].reference)
    casework.start_gathering(world.engine, world.settings, world.officer, ref)
    text = draft_text(world, ref)
    # addressed to the guardian, for her, and it says who asked: she did, not the guardian
    pupil = f"{world.pupil().first_name} {world.pupil().last_name}"
    assert name in text and street in text and f"{pupil} hat diese Anfrage selbst gestellt" in text
    assert "gesetzliche Vertretung" not in text
    # the answer goes by post: the paper letter says how to get the electronic copy
    assert "Datenträger" in text and "disclosure.json" not in text
    to_prepared(world, ref)

    # the school's records hold her guardian with a full address, and the letter goes only there by
    # post: dsr recorded that as the guardianship with the routing; no officer's check is needed
    needs = casefile.requirements_of(world.engine, world.officer, ref)
    assert needs.routing is not None and needs.routing.guardian == "on_file" and needs.open == ()
    checks = [(k.method, k.evidence, k.performed_by) for k in checks_of(world.engine, world.officer, ref)]
    assert ("guardians_on_file", "guardian_address_on_file", None) in checks
    casefile.approve(world.engine, world.approver, ref)
    with pytest.raises(casefile.TransitionRefused) as refused:
        casefile.dispatch_by_download(world.engine, world.officer, ref)
    assert refused.value.code == "to_guardians_post"
    casefile.dispatch_by_post(world.engine, world.officer, ref, dt.date.today())
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.DISPATCHED


def test_the_guardians_on_file_are_those_the_post_can_reach(world: World) -> None:
    """What the automatic guardianship of a young pupil rests on: guardian rows with a full postal
    address in the school's own store — and for someone without any, nothing."""
    connectors = connect(world.settings, SCHOOL)
    try:
        pupil = identify(world.settings, SCHOOL, connectors, Descriptor(card_number=world.pupil().card_number))
        staff = world.demo.featured(SCHOOL, "library_staff")
        adult = identify(world.settings, SCHOOL, connectors, Descriptor(card_number=staff.card_number))
        _, _, street = guardian_row(world)
        assert guardians_for_post(connectors, pupil) == ("on_file", 1) and street
        assert guardians_for_post(connectors, adult) == ("not_on_file", 0)
    finally:
        for c in connectors:
            c.close()


def test_a_parent_of_a_pupil_old_enough_to_decide_needs_the_pupils_consent(world: World) -> None:
    # the demo has no pupil of 15 with guardian rows: a Land whose age of consent is 12 makes the
    # pupil of 13 old enough to decide, the same rule as a pupil of 15 where it is 14
    school = msgspec.structs.replace(world.settings.controllers[SCHOOL], pupil_age_of_consent=12)
    world.settings = msgspec.structs.replace(world.settings, controllers={**world.settings.controllers, SCHOOL: school})
    name, email, _ = guardian_row(world)
    ref = parent_case(world, *name.split(" ", 1), email)
    casework.start_gathering(world.engine, world.settings, world.officer, ref)
    draft_text(world, ref)
    to_prepared(world, ref)

    needs = casefile.requirements_of(world.engine, world.officer, ref)
    assert [(n.requirement, n.met) for n in needs.needs] == [("guardian_verification", True), ("pupil_consent", False)]
    with pytest.raises(casefile.TransitionRefused) as refused:
        casefile.approve(world.engine, world.approver, ref)
    assert refused.value.code == "pupil_consent_missing"
    casefile.record_identity_check(
        world.engine, world.officer, ref, casefile.CheckMethod.PUPIL_CONSENT, evidence="signed_statement"
    )
    casefile.approve(world.engine, world.approver, ref)


def test_the_sender_of_an_email_proves_no_guardianship_the_code_sent_to_it_does(world: World) -> None:
    """A parent's e-mail from the guardian row's address: a sender is trivially forged, so the
    automatic check uses the address only once the parent entered the code sent to it."""
    name, email, _ = guardian_row(world)
    first, last = name.split(" ", 1)
    secret = world.settings.dsr.secret_key.encode()

    def emailed(*, code_entered: bool) -> str:
        ref = casefile.open_case(
            world.engine,
            secret,
            casefile.Intake(
                controller=SCHOOL,
                land=world.settings.controller(SCHOOL).land,
                request_types=(casefile.RequestType.ACCESS,),
                channel=casefile.Channel.EMAIL,
                received_at=dt.datetime.now(dt.UTC),
                subject=casefile.Party(descriptor=world.pupil()),
                acting=casefile.Acting.PARENT,
                requester=casefile.Party(descriptor=Descriptor(first_name=first, last_name=last), email=email),
            ),
        ).reference
        if code_entered:
            _, issued = casefile.start_email_verification(world.engine, secret, ref)
            casefile.confirm_email(world.engine, secret, issued.link, issued.code)
        assert casework.find_candidates(world.engine, world.settings, ref, user=world.officer) is ResolutionStatus.MATCH
        [child] = candidates_of(world.engine, world.officer, ref)
        casefile.confirm_identity(world.engine, world.officer, ref, child.reference)
        return ref

    sent = emailed(code_entered=False)
    with pytest.raises(casefile.TransitionRefused) as refused:
        casework.start_gathering(world.engine, world.settings, world.officer, sent)
    assert refused.value.code == "guardian_unverified"
    assert casefile.requirements_of(world.engine, world.officer, sent).routing.guardian == "name_only"

    proven = emailed(code_entered=True)
    casework.start_gathering(world.engine, world.settings, world.officer, proven)
    needs = casefile.requirements_of(world.engine, world.officer, proven)
    assert needs.routing.guardian == "verified" and needs.open == ()

    # the first parent enters the code afterwards: the next start checks again and goes ahead
    _, issued = casefile.start_email_verification(world.engine, secret, sent)
    casefile.confirm_email(world.engine, secret, issued.link, issued.code)
    casework.start_gathering(world.engine, world.settings, world.officer, sent)
    needs = casefile.requirements_of(world.engine, world.officer, sent)
    assert needs.routing.guardian == "verified" and needs.open == ()
    assert any(e.action == "routing settled" for e in casefile.history(world.engine, sent)[-3:])
