"""Parents, children, a teacher with three roles, and security incidents — on real James stores.

One demo school and the vendor database are generated once per dialect (module scope) and
configured as two controllers, plus a third controller whose store is down.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from dsr import (
    Capacity,
    Descriptor,
    GuardianStatus,
    RecordAction,
    Requirement,
    ResolutionStatus,
    RestrictionDecision,
    Subject,
    WithholdingGround,
    connect,
    decide_restricted,
    gather,
    load,
    load_restriction_decisions,
    other_controllers,
    recipient_for_child,
    resolve,
    restricted_references,
    route_request,
    verify_guardian,
)
from dsr.demo import populate_school, populate_vendor
from dsr.demo.school import SchoolResult
from dsr.model import Classification, Gathering, Withholding
from dsr.pipeline.restriction import encode_restriction_decisions
from tests.databases import DIALECTS, fresh_database

# generating the stores takes ~2 s (SQLite) to ~8 s (MariaDB) per dialect, once per module
pytestmark = pytest.mark.slow

RECEIVED = dt.date(2026, 4, 9)  # the demo's "today"

CONTROLLER = """
[controllers.{key}]
name = "{name}"
kind = "{kind}"
land = "BY"
public = {public}
street = "Hauptstraße 1"
postal_code = "93047"
city = "Regensburg"
email = "post@{key}.example"
dpo = {{ name = "DSB" }}
signatory = {{ name = "Leitung" }}

[controllers.{key}.stores.{store}]
connector = "sql"
url = "{url}"
mapping = "james-{store}"
"""


class World:
    def __init__(self, settings_file: Path, school: SchoolResult, school_url: str) -> None:
        self.settings = load(settings_file)
        self.school = school
        self.key = school.tenant_key
        self.engine = sa.create_engine(school_url)
        self.connectors = {k: connect(self.settings, k) for k in (self.key, "vendor")}

    def person(self, person_id: int) -> sa.RowMapping:
        with self.engine.connect() as conn:
            return conn.execute(sa.text("SELECT * FROM person WHERE id = :i"), {"i": person_id}).mappings().one()

    def subject(self, controller: str, descriptor: Descriptor) -> Subject:
        resolution = resolve(controller, self.connectors[controller], descriptor)
        assert resolution.status is ResolutionStatus.MATCH
        assert resolution.subject is not None
        return resolution.subject

    def pupil(self, person_id: int) -> Subject:
        row = self.person(person_id)
        return self.subject(self.key, Descriptor(card_number=row["card_number"]))

    def close(self) -> None:
        for conns in self.connectors.values():
            for c in conns:
                c.close()
        self.engine.dispose()


@pytest.fixture(scope="module", params=DIALECTS)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp(request.param)
    school_dbs = fresh_database(request.param, tmp)
    vendor_dbs = fresh_database(request.param, tmp)
    school_url, vendor_url = next(school_dbs), next(vendor_dbs)
    try:
        school = populate_school(school_url, readers=30, loans_per_reader=3, seed=2)
        populate_vendor(vendor_url, [school], seed=2)
        text = '[dsr]\nsecret_key = "test"\n'
        text += CONTROLLER.format(
            key=school.tenant_key, name="Gymnasium", kind="school", public="true", store="school", url=school_url
        )
        text += CONTROLLER.format(
            key="vendor", name="Vendor GmbH", kind="vendor", public="false", store="vendor", url=vendor_url
        )
        # a controller whose store cannot be opened: a hint about it must not cost the case
        down = f"sqlite:///{tmp / 'missing' / 'nothing.db'}"
        text += CONTROLLER.format(
            key="down", name="Anderes Gymnasium", kind="school", public="true", store="school", url=down
        )
        (tmp / "dsr.toml").write_text(text, encoding="utf-8")
        w = World(tmp / "dsr.toml", school, school_url)
        yield w
        w.close()
    finally:
        for gen in (school_dbs, vendor_dbs):
            gen.close()


def _collections(g: Gathering) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in g.records:
        out[r.collection] = out.get(r.collection, 0) + 1
    return out


def _texts(g: Gathering) -> set[str]:
    return {str(f.value) for r in g.records for f in r.fields if f.value is not None}


# --------------------------------------------------------------------------- a parent of two pupils


def test_parent_asking_for_their_own_data_gets_guardian_rows_copies_and_fees(world: World) -> None:
    parent = world.school.featured["parent_two_children"]
    subject = world.subject(world.key, Descriptor(email=parent.email))
    g = gather(subject, world.connectors[world.key])
    found = _collections(g)
    assert found["guardian_of"] == 2  # one guardian row per child
    assert found["notice_cc"] >= 1
    assert found["fee_paid_for_child"] == 1
    # the parent is no reader: none of the children's own records are the parent's
    assert not {"account", "loan", "guardian_of_child"} & set(found)
    assert {r.value("email") for r in g.records if r.collection == "guardian_of"} == {parent.email}
    assert route_request(world.settings.controller(world.key), Capacity.SELF, subject, RECEIVED).needs == ()


def test_parent_asking_for_one_child_gets_that_childs_data_only(world: World) -> None:
    parent = world.school.featured["parent_two_children"]
    a_id, b_id = parent.related_ids
    child = world.pupil(a_id)
    requester = Descriptor(email=parent.email, first_name=parent.first_name, last_name=parent.last_name)

    check = verify_guardian(world.connectors[world.key], child, requester)
    assert check.status is GuardianStatus.VERIFIED
    assert check.guardians_on_file == 2  # both parents of child A; nothing of child B's rows
    recipient = recipient_for_child(check, child)
    a, b = world.person(a_id), world.person(b_id)
    assert recipient.name == f"{parent.first_name} {parent.last_name}"
    assert recipient.acting_for == f"{a['first_name']} {a['last_name']}"

    routing = route_request(world.settings.controller(world.key), Capacity.PARENT, child, RECEIVED)
    assert routing.age is not None and routing.age < 14
    assert routing.needs == (Requirement.GUARDIAN_VERIFICATION,)

    g = gather(child, world.connectors[world.key])
    assert _collections(g)["account"] == 1
    # nothing of the sibling: not their account, loans, guardian rows or identifiers
    for r in g.records:
        for f in r.fields:
            if (
                f.name in ("person_id", "student_id", "target_person_id")
                and f.classification is Classification.REFERENCE
            ):
                assert f.value != b_id, (r.collection, f.name)
    assert not {b["card_number"], b["login_name"]} & _texts(g)
    assert {r.value("student_id") for r in g.records if r.collection == "guardian_of_child"} == {a_id}


def test_parent_asking_for_a_child_of_another_family_is_refused(world: World) -> None:
    parent = world.school.featured["parent_two_children"]
    stranger = world.pupil(world.school.featured["pupil"].person_id)
    requester = Descriptor(email=parent.email, first_name=parent.first_name, last_name=parent.last_name)
    check = verify_guardian(world.connectors[world.key], stranger, requester)
    assert check.status is GuardianStatus.NOT_A_GUARDIAN
    assert check.guardian is None
    with pytest.raises(ValueError):
        recipient_for_child(check, stranger)


def test_a_name_alone_does_not_verify_a_parent(world: World) -> None:
    parent = world.school.featured["parent_two_children"]
    child = world.pupil(parent.related_ids[0])
    check = verify_guardian(
        world.connectors[world.key], child, Descriptor(first_name=parent.first_name, last_name=parent.last_name)
    )
    assert check.status is GuardianStatus.NAME_ONLY
    assert not check.verified


# --------------------------------------------------------------------------- a teacher with three roles


def test_teacher_who_is_class_teacher_guardian_and_customer_contact(world: World) -> None:
    teacher = world.school.featured["teacher_guardian_contact"]
    at_school = world.subject(world.key, Descriptor(card_number=teacher.card_number))
    at_vendor = world.subject("vendor", Descriptor(email=teacher.email))

    school_answer = gather(at_school, world.connectors[world.key])
    vendor_answer = gather(at_vendor, world.connectors["vendor"])
    assert school_answer.complete and vendor_answer.complete
    assert {r.store for r in school_answer.records} == {"school"}
    assert {r.store for r in vendor_answer.records} == {"vendor"}
    assert "account" in _collections(school_answer) and "guardian_of" in _collections(school_answer)
    assert vendor_answer.records  # the contact's entries at the vendor
    # the school's answer holds nothing of the vendor's stores, and the other way round
    assert not {c.store for c in school_answer.collections} - {"school"}
    assert not {c.store for c in vendor_answer.collections} - {"vendor"}

    # each case page names the other controller, without its data; the broken one is reported
    here = other_controllers(world.settings, world.key, at_school)
    assert here.found == ("vendor",)
    assert [(u.controller, u.store) for u in here.unreachable] == [("down", "school")]
    there = other_controllers(world.settings, "vendor", at_vendor)
    assert there.found == (world.key,)

    # as a parent, the teacher is recognised by their own account on the child's guardian row
    child = world.pupil(teacher.related_ids[0])
    check = verify_guardian(world.connectors[world.key], child, Descriptor(), requester_subject=at_school)
    assert check.status is GuardianStatus.VERIFIED


def test_a_pupil_without_email_is_never_linked_to_another_controller(world: World) -> None:
    # logins and cards repeat across schools: only an e-mail address may link controllers
    with world.engine.connect() as conn:
        pid = conn.execute(sa.text("SELECT MIN(id) FROM person WHERE kind = 'student' AND email IS NULL")).scalar_one()
    result = other_controllers(world.settings, world.key, world.pupil(pid))
    assert result.found == () and result.unreachable == ()


# --------------------------------------------------------------------------- security incidents


def test_incident_target_gets_the_incident_with_the_suspect_as_third_party(world: World) -> None:
    target = world.pupil(world.school.featured["incident_target"].person_id)
    suspect_id = world.school.featured["incident_suspect"].person_id
    g = gather(target, world.connectors[world.key])
    incidents = [r for r in g.records if r.collection == "incident_target"]
    assert len(incidents) == 1 and not incidents[0].restricted
    field = next(f for f in incidents[0].fields if f.name == "suspected_person_id")
    assert field.classification is Classification.REFERENCE and not field.is_subject
    assert field.value == suspect_id  # a key: the letter prints the role "suspect", never a name
    # the attacker's address, browser, the authority's reference: restricted fields for an officer
    [record] = restricted_references(g).values()
    assert record.collection == "incident_target" and not record.restricted
    assert set(record.restricted_fields) == {"ip_address", "user_agent", "authority_reference", "evidence"}


def test_reported_suspect_record_is_withheld_until_an_officer_decides(world: World, tmp_path: Path) -> None:
    suspect = world.pupil(world.school.featured["incident_suspect"].person_id)
    g = gather(suspect, world.connectors[world.key])
    secret = world.settings.dsr.secret_key.encode()
    refs = restricted_references(g, secret)
    assert len(refs) == 1
    [(ref, record)] = refs.items()
    assert record.collection == "incident_suspect"

    undecided = decide_restricted(g, {}, secret)
    assert record not in undecided.gathering.records
    assert undecided.withholdings == (Withholding("record", 1, "bdsg-34"),)
    assert undecided.undecided == (ref,)
    assert len(undecided.gathering.records) == len(g.records) - 1

    # the officer's decision, written to and read back from the decisions file
    decisions_file = tmp_path / "decisions.json"
    for action, ground, kept, counted in [
        (RecordAction.DISCLOSE, WithholdingGround.BDSG_34, True, ()),
        (RecordAction.WITHHOLD, WithholdingGround.LAND_LAW, False, (Withholding("record", 1, "land-law"),)),
        (RecordAction.WITHHOLD_SILENTLY, WithholdingGround.BDSG_34, False, ()),
    ]:
        decision = RestrictionDecision(decision=action, ground=ground, decider="Frau Roth")
        decisions_file.write_text(json.dumps({"decisions": [], **encode_restriction_decisions({ref: decision})}))
        result = decide_restricted(g, load_restriction_decisions(decisions_file), secret)
        assert (record in result.gathering.records) is kept
        assert result.withholdings == counted
        assert result.undecided == ()
