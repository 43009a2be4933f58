"""The SQL connector with the built-in James school mapping, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from dsr.errors import ConnectorError
from dsr.model import Classification, Descriptor, IdentifierKind, Record, ResolutionStatus, Subject
from dsr.pipeline.identify import resolve
from dsr_connectors.james import MAPPINGS, SCHOOL_SQL, create_schema
from dsr_connectors.sql import SQLConnector
from tests.databases import insert_rows

T0 = dt.datetime(2025, 9, 1, 8, 0)
ANNA_DOB = dt.date(2011, 3, 4)


def person(id, first, last, **kw):
    row = dict(id=id, kind="student", first_name=first, last_name=last, created_at=T0, keep_loan_history=False)
    row.update(kw)
    return row


def build_school(url: str) -> sa.Engine:
    engine = sa.create_engine(url)
    create_schema(engine, SCHOOL_SQL)
    meta = sa.MetaData()
    meta.reflect(engine)
    t = meta.tables
    rows = {
        "person": [
            person(
                1,
                "Tobias",
                "Lehrer",
                kind="teacher",
                login_name="t.lehrer",
                roles="circulation,admin",
                email="tobias.lehrer@schule.de",
                date_of_birth=dt.date(1980, 1, 1),
            ),
            person(
                2,
                "Anna",
                "Schmidt",
                card_number="L0004711",
                login_name="anna.s",
                email="anna@example.org",
                date_of_birth=ANNA_DOB,
                class_name="7b",
                class_teacher_id=1,
                password_hash="$argon2id$secret",
                staff_note="hat Buch verloren",
                street="Hauptstr. 1",
                postal_code="12345",
                city="Musterstadt",
                gender="f",
            ),
            person(
                3, "Anna", "Schmidt", card_number="L0004712", login_name="anna.s2", date_of_birth=dt.date(2012, 5, 6)
            ),
            person(
                4,
                "Ben",
                "Helfer",
                card_number="L0000004",
                login_name="ben.h",
                roles="circulation",
                date_of_birth=dt.date(2010, 2, 2),
            ),
        ],
        "guardian": [
            dict(
                id=1,
                student_id=2,
                name="Petra Schmidt",
                relation="mother",
                email="petra@eltern.example",
                phone="0170 1234567",
                street="Hauptstr. 1",
                postal_code="12345",
                city="Musterstadt",
            ),
            dict(
                id=2,
                student_id=4,
                name="Tobias Lehrer",
                relation="father",
                email="tobias.lehrer@schule.de",
                person_id=1,
            ),
        ],
        "item": [
            dict(
                id=1,
                barcode="M1",
                title="Momo",
                author="Michael Ende",
                media_type="book",
                status="on_loan",
                last_borrower_id=2,
                previous_borrower_id=3,
                created_at=T0,
            ),
            dict(
                id=2,
                barcode="M2",
                title="Emil",
                media_type="book",
                status="available",
                last_borrower_id=3,
                created_at=T0,
            ),
            dict(id=3, barcode="M3", title="Krabat", media_type="book", status="on_loan", created_at=T0),
            dict(id=4, barcode="M4", title="Nobody's", media_type="dvd", status="available", created_at=T0),
        ],
        "loan": [
            dict(id=1, item_id=1, person_id=2, issued_at=T0, due_at=dt.date(2025, 9, 29), issued_by_id=4, renewals=0),
            dict(
                id=2,
                item_id=2,
                person_id=2,
                issued_at=T0,
                due_at=dt.date(2025, 9, 29),
                issued_by_id=1,
                returned_at=T0 + dt.timedelta(days=10),
                renewals=1,
            ),
            dict(
                id=3,
                item_id=4,
                person_id=None,
                issued_at=T0,
                due_at=dt.date(2025, 9, 29),
                issued_by_id=1,
                renewals=0,
                anonymized_at=T0,
            ),
        ],
        "reservation": [
            dict(id=1, item_id=3, person_id=3, placed_at=T0, queue_position=1, status="waiting"),
            dict(id=2, item_id=3, person_id=2, placed_at=T0, queue_position=2, status="waiting", placed_by_id=4),
        ],
        "fee": [
            dict(
                id=1,
                person_id=2,
                loan_id=1,
                kind="overdue",
                amount=Decimal("2.50"),
                created_at=T0,
                dunning_level=2,
                payer_name="Petra Schmidt",
                paid_at=T0,
                cashier_id=4,
            ),
            dict(
                id=2,
                person_id=2,
                kind="card_replacement",
                amount=Decimal("1.00"),
                created_at=T0,
                dunning_level=0,
                payer_name="Oma Erna",
            ),
            dict(
                id=3,
                person_id=3,
                kind="overdue",
                amount=Decimal("1.00"),
                created_at=T0,
                dunning_level=0,
                payer_name="Petra Schmidt",
            ),
        ],
        "notice": [
            dict(
                id=1,
                person_id=2,
                kind="dunning",
                channel="email",
                to_address="anna@example.org",
                cc_address="Petra@Eltern.example",
                subject="Mahnung",
                body="Liebe Anna, ...",
                fee_id=1,
                created_at=T0,
            ),
            dict(id=2, person_id=2, kind="welcome", channel="print", created_at=T0),
            dict(id=3, person_id=3, kind="welcome", channel="email", cc_address="petra@eltern.example", created_at=T0),
        ],
        "review": [
            dict(id=1, item_id=1, person_id=2, rating=5, text="Toll", created_at=T0, visible=True, approved_by_id=1)
        ],
        "login_event": [
            dict(id=1, person_id=2, login_name="anna.s", occurred_at=T0, ip_address="10.0.0.5", outcome="success"),
            dict(id=2, person_id=2, login_name="anna.s", occurred_at=T0, ip_address="192.0.2.1", outcome="success"),
            dict(id=3, person_id=4, login_name="ben.h", occurred_at=T0, ip_address="192.0.2.1", outcome="success"),
            dict(
                id=4, person_id=None, login_name="annna", occurred_at=T0, ip_address="10.0.0.9", outcome="unknown_user"
            ),
            dict(id=5, person_id=2, login_name="anna.s", occurred_at=T0, ip_address="10.0.0.9", outcome="bad_password"),
        ],
        "search_log": [dict(id=1, person_id=2, occurred_at=T0, ip_address="10.0.0.5", query="Drachen", result_count=3)],
        "privilege_change": [
            dict(
                id=1,
                changed_at=T0,
                target_person_id=4,
                actor_person_id=1,
                old_roles="",
                new_roles="circulation",
                reason="Helfer",
            ),
        ],
        "security_incident": [
            dict(
                id=1,
                detected_at=T0,
                kind="brute_force",
                target_person_id=2,
                suspected_person_id=4,
                action_taken="reported",
                reported_to_authority_at=T0,
                authority_reference="AZ 1",
            ),
            dict(id=2, detected_at=T0, kind="other", target_person_id=1, suspected_person_id=4, action_taken="none"),
        ],
    }
    with engine.begin() as conn:
        for table, values in rows.items():
            insert_rows(conn, t[table], values)
    return engine


@pytest.fixture
def school(db_url):
    engine = build_school(db_url)
    connector = SQLConnector("school", engine, MAPPINGS["james-school"], controller="gym")
    yield connector
    connector.close()


def subject_of(connector: SQLConnector, descriptor: Descriptor) -> Subject:
    resolution = resolve("gym", [connector], descriptor)
    assert resolution.status is ResolutionStatus.MATCH, resolution
    assert resolution.subject is not None
    return resolution.subject.with_identifiers(connector.identifiers(resolution.subject))


def by_collection(records: list[Record]) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = {}
    for r in records:
        out.setdefault(r.collection, []).append(r)
    return out


def field(record: Record, name: str):
    return next(f for f in record.fields if f.name == name)


# ------------------------------------------------------------------ identify


def test_identify_by_strong_identifiers_and_name_with_date_of_birth(school):
    for descriptor in (
        Descriptor(card_number=" l0004711 "),
        Descriptor(login_name="ANNA.S"),
        Descriptor(email="Anna@Example.org"),
        Descriptor(first_name="anna", last_name="SCHMIDT", date_of_birth=ANNA_DOB),
    ):
        found = school.candidates(descriptor)
        assert [c.key for c in found] == ["2"], descriptor
        assert found[0].strong
    [anna] = school.candidates(Descriptor(card_number="L0004711"))
    assert anna.profile.first_name == "Anna" and anna.profile.city == "Musterstadt"
    assert anna.profile.date_of_birth == ANNA_DOB
    kinds = {i.kind for i in anna.identifiers}
    assert {
        IdentifierKind.KEY,
        IdentifierKind.CARD,
        IdentifierKind.LOGIN,
        IdentifierKind.EMAIL,
        IdentifierKind.NAME,
        IdentifierKind.DATE_OF_BIRTH,
    } <= kinds


def test_namesakes_are_two_weak_candidates_never_merged(school):
    found = school.candidates(Descriptor(first_name="Anna", last_name="Schmidt"))
    assert sorted(c.key for c in found) == ["2", "3"]
    assert not any(c.strong for c in found)
    assert (
        resolve("gym", [school], Descriptor(first_name="Anna", last_name="Schmidt")).status
        is ResolutionStatus.AMBIGUOUS
    )


def test_conflicting_date_of_birth_is_never_a_match(school):
    [anna] = school.candidates(Descriptor(card_number="L0004711", date_of_birth=dt.date(2012, 5, 6)))
    assert anna.conflicts == (IdentifierKind.DATE_OF_BIRTH,)
    assert not anna.strong
    assert (
        resolve("gym", [school], Descriptor(card_number="L0004711", date_of_birth=dt.date(2012, 5, 6))).status
        is ResolutionStatus.AMBIGUOUS
    )


def test_parent_without_account_is_found_by_guardian_email(school):
    [petra] = school.candidates(Descriptor(email="petra@eltern.example"))
    assert petra.key == "guardian:petra@eltern.example" and petra.strong
    assert petra.profile.display_name == "Petra Schmidt"
    # a guardian who has an account here is found as that person, once
    assert [c.key for c in school.candidates(Descriptor(email="tobias.lehrer@schule.de"))] == ["1"]


def test_contributed_identifiers_mark_only_unshared_addresses_exclusive(school):
    anna = subject_of(school, Descriptor(card_number="L0004711"))
    # 10.0.0.9 saw only a failed attempt on her account: anybody may have typed it (the mapping's
    # ip_addresses.where counts successful logins only)
    assert set(anna.values(IdentifierKind.IP)) == {"10.0.0.5", "192.0.2.1"}
    # 192.0.2.1 is shared with another reader
    assert anna.values(IdentifierKind.IP_EXCLUSIVE) == ("10.0.0.5",)
    assert anna.values(IdentifierKind.LOGIN) == ("anna.s",)
    assert {IdentifierKind.IP, IdentifierKind.IP_EXCLUSIVE, IdentifierKind.LOGIN} <= school.contributes


# ------------------------------------------------------------------ records


def test_records_of_a_pupil(school):
    anna = subject_of(school, Descriptor(card_number="L0004711"))
    records = list(school.records(anna))
    got = by_collection(records)
    assert set(got) == {
        "account",
        "guardian_of_child",
        "loan",
        "reservation",
        "review",
        "item",
        "fee",
        "notice",
        "login_event",
        "search_log",
        "incident_target",
    }
    [account] = got["account"]
    assert field(account, "password_hash").value is True  # exists, never the hash
    assert field(account, "class_teacher_id").classification is Classification.REFERENCE
    assert not field(account, "class_teacher_id").is_subject
    assert field(account, "date_of_birth").value == ANNA_DOB
    assert field(account, "keep_loan_history").value is False
    assert field(account, "staff_note").classification is Classification.FREE_TEXT
    assert sorted(r.key for r in got["loan"]) == ["1", "2"]  # not the anonymised loan
    loan = next(r for r in got["loan"] if r.key == "1")
    assert field(loan, "person_id").is_subject and not field(loan, "issued_by_id").is_subject
    assert isinstance(loan.value("issued_at"), dt.datetime) and loan.value("due_at") == dt.date(2025, 9, 29)
    items = {r.key: r for r in got["item"]}
    assert set(items) == {"1", "2", "3"}  # via loans, reservation and review, each once
    assert items["1"].relation == "loan 1" and items["3"].relation == "reservation 2"
    assert field(items["1"], "last_borrower_id").is_subject
    assert not field(items["1"], "previous_borrower_id").is_subject
    assert [r.key for r in got["reservation"]] == ["2"]  # not the other reader waiting first
    assert got["reservation"][0].value("queue_position") == 2
    fees = {r.key: r for r in got["fee"]}
    assert fees["1"].value("amount") == Decimal("2.50") and fees["1"].value("dunning_level") == 2
    assert fees["1"].value("payer_name") is True  # the parent who paid is a role, never a name
    [guardian] = got["guardian_of_child"]
    assert all(guardian.value(c) is True for c in ("name", "email", "phone", "street"))
    assert guardian.value("relation") == "mother" and field(guardian, "student_id").is_subject
    notice = next(r for r in got["notice"] if r.key == "1")
    assert notice.value("cc_address") is True and notice.value("to_address") == "anna@example.org"
    [incident] = got["incident_target"]
    assert not incident.restricted and not field(incident, "suspected_person_id").is_subject


def test_references_never_carry_another_persons_name_or_address(school):
    anna = subject_of(school, Descriptor(card_number="L0004711"))
    text = " ".join(str(f.value) for r in school.records(anna) for f in r.fields)
    for other in ("Petra", "petra@", "0170", "Ben", "Tobias", "Oma Erna", "tobias.lehrer"):
        assert other not in text


def test_records_of_a_parent_without_account(school):
    petra = subject_of(school, Descriptor(email="petra@eltern.example"))
    got = by_collection(list(school.records(petra)))
    assert set(got) == {"guardian_of", "fee_paid_for_child", "notice_cc"}
    [guardian] = got["guardian_of"]
    assert guardian.value("name") == "Petra Schmidt" and guardian.value("phone") == "0170 1234567"
    assert not field(guardian, "student_id").is_subject
    # only her child's fee she paid herself: not the one grandma paid, not the namesake child's
    [fee] = got["fee_paid_for_child"]
    assert fee.key == "1" and fee.relation == "guardian_of 1"
    assert field(fee, "payer_name").is_subject and fee.value("payer_name") == "Petra Schmidt"
    assert not field(fee, "person_id").is_subject
    # the copy of her child's letter (cc spelled in other case), not the namesake child's
    [notice] = got["notice_cc"]
    assert notice.key == "1" and field(notice, "cc_address").is_subject
    assert notice.value("to_address") is True  # the child's address is the child's


def test_records_of_a_pupil_helper_and_a_teacher(school):
    ben = subject_of(school, Descriptor(login_name="ben.h"))
    got = by_collection(list(school.records(ben)))
    assert [r.key for r in got["loan_issued"]] == ["1"]
    issued = got["loan_issued"][0]
    assert field(issued, "issued_by_id").is_subject and not field(issued, "person_id").is_subject
    assert {r.key: r.restricted for r in got["incident_suspect"]} == {"1": True, "2": False}
    assert [r.key for r in got["privilege_change_target"]] == ["1"]
    [child_side] = got["guardian_of_child"]
    assert child_side.value("person_id") == 1 and not field(child_side, "person_id").is_subject

    teacher = subject_of(school, Descriptor(login_name="t.lehrer"))
    got = by_collection(list(school.records(teacher)))
    assert [r.key for r in got["privilege_change_actor"]] == ["1"]
    [own] = got["guardian_of"]
    assert own.value("name") == "Tobias Lehrer" and field(own, "person_id").is_subject
    assert sorted(r.key for r in got["loan_issued"]) == ["2", "3"]
    assert [r.key for r in got["incident_target"]] == ["2"]


def test_loans_issued_are_not_searched_for_plain_readers(school):
    statements: list[str] = []
    sa.event.listen(school.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    anna = subject_of(school, Descriptor(card_number="L0004711"))
    statements.clear()
    list(school.records(anna))
    assert not any("issued_by_id IN" in s.replace('"', "").replace("`", "") for s in statements)


def test_people_lists_readers_guardians_and_payers(school):
    people = list(school.people())
    roles = {(p.key, p.role) for p in people}
    assert ("2", "student") in roles and ("1", "teacher") in roles
    guardians = [p for p in people if p.role == "guardian"]
    assert {p.full_name for p in guardians} == {"Petra Schmidt", "Tobias Lehrer"}
    petra = next(p for p in guardians if p.full_name == "Petra Schmidt")
    assert petra.city == "Musterstadt"
    assert any(i.kind is IdentifierKind.PHONE and i.value == "+491701234567" for i in petra.identifiers)
    assert {p.full_name for p in people if p.role == "payer"} == {"Petra Schmidt", "Oma Erna"}


# ------------------------------------------------------------------ batching and failures


@pytest.mark.slow
def test_a_long_loan_history_takes_a_constant_number_of_statements(db_url):
    engine = build_school(db_url)
    meta = sa.MetaData()
    meta.reflect(engine, only=["item", "loan"])
    with engine.begin() as conn:
        conn.execute(
            sa.insert(meta.tables["item"]),
            [
                dict(id=100 + i, barcode=f"X{i}", title=f"T{i}", media_type="book", status="available", created_at=T0)
                for i in range(1200)
            ],
        )
        conn.execute(
            sa.insert(meta.tables["loan"]),
            [
                dict(id=100 + i, item_id=100 + i, person_id=2, issued_at=T0, due_at=dt.date(2025, 9, 29), renewals=0)
                for i in range(1200)
            ],
        )
    school = SQLConnector("school", engine, MAPPINGS["james-school"], controller="gym")
    anna = subject_of(school, Descriptor(card_number="L0004711"))
    list(school.records(anna))  # the first call reflects the schema
    count = 0

    def on_execute(*args):
        nonlocal count
        count += 1

    sa.event.listen(engine, "before_cursor_execute", on_execute)
    got = by_collection(list(school.records(anna)))
    assert len(got["loan"]) == 1202 and len(got["item"]) == 1203
    # one statement per mapped alternative, items in chunks of 500: never one per loan
    assert count <= 30
    school.close()


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2", "sqlite:////nonexistent-dir/school.db"],
)
def test_a_store_that_is_down_raises_connector_error_without_personal_data(url):
    school = SQLConnector("school", url, MAPPINGS["james-school"], controller="gym")
    subject = Subject(controller="gym", reference="P-1", identifiers=frozenset())
    descriptor = Descriptor(email="anna.geheim@example.org", first_name="Anna", last_name="Geheim")
    for call in (
        lambda: school.candidates(descriptor),
        lambda: list(school.records(subject)),
        lambda: list(school.people()),
    ):
        with pytest.raises(ConnectorError) as info:
            call()
        assert info.value.store == "school"
        assert "Geheim" not in str(info.value) and "anna" not in str(info.value).lower()
        assert info.value.__cause__ is None and info.value.__suppress_context__
    assert school.check()  # reported as a problem, not raised


def test_a_query_error_names_no_parameter(sqlite_url):
    engine = build_school(sqlite_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE person RENAME COLUMN card_number TO card_no")
    school = SQLConnector("school", engine, MAPPINGS["james-school"], controller="gym")
    with pytest.raises(ConnectorError) as info:
        school.candidates(Descriptor(card_number="L0004711", last_name="Schmidt"))
    assert "L0004711" not in str(info.value) and "Schmidt" not in str(info.value)
