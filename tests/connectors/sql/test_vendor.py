"""The SQL connector with the built-in James vendor mapping: people are e-mail addresses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from dsr.model import Descriptor, IdentifierKind, ResolutionStatus
from dsr.pipeline.identify import resolve
from dsr_connectors.james import MAPPINGS, VENDOR_SQL, create_schema
from dsr_connectors.sql import SQLConnector
from tests.databases import insert_rows

T0 = dt.datetime(2025, 1, 10, 9, 0)


@pytest.fixture
def vendor(db_url):
    engine = sa.create_engine(db_url)
    create_schema(engine, VENDOR_SQL)
    meta = sa.MetaData()
    meta.reflect(engine)
    t = meta.tables
    with engine.begin() as conn:
        conn.execute(
            sa.insert(t["vendor_staff"]),
            [
                dict(id=1, name="Vera Vertrieb", email="vera@ds-software.example", role="account_manager"),
            ],
        )
        insert_rows(
            conn,
            t["customer"],
            [
                dict(
                    id=1,
                    school_name="Gymnasium Musterstadt",
                    school_number="BY-4711",
                    state_code="BY",
                    tenant_key="gym-musterstadt",
                    customer_since=dt.date(2020, 1, 1),
                    contact_name="Klara Kontakt",
                    contact_role="Bibliothekslehrerin",
                    contact_email="Klara.Kontakt@Gym.example",
                    principal_name="Dr. Rita Rektor",
                    created_at=T0,
                ),
                dict(
                    id=2,
                    school_name="Realschule Nord",
                    school_number="BY-0815",
                    state_code="BY",
                    tenant_key="rs-nord",
                    customer_since=dt.date(2021, 1, 1),
                    contact_name="Otto Other",
                    contact_email="otto@rs.example",
                    principal_name="Klara Kontakt",
                    created_at=T0,
                ),
            ],
        )
        conn.execute(
            sa.insert(t["contract"]),
            [
                dict(
                    id=1,
                    customer_id=1,
                    product="hosted",
                    start_date=dt.date(2020, 1, 1),
                    signed_by_name="Dr. Rita Rektor",
                    account_manager_id=1,
                    notes=None,
                ),
                dict(
                    id=2,
                    customer_id=2,
                    product="lease",
                    start_date=dt.date(2021, 1, 1),
                    signed_by_name="Klara Kontakt",
                    account_manager_id=1,
                    notes=None,
                ),
            ],
        )
        conn.execute(
            sa.insert(t["invoice"]),
            [
                dict(
                    id=1,
                    contract_id=1,
                    invoice_number="R-2025-001",
                    invoice_date=dt.date(2025, 1, 1),
                    amount=Decimal("990.00"),
                    billing_name="Klara Kontakt",
                    billing_email="klara.kontakt@gym.example",
                    dunning_level=0,
                ),
                dict(
                    id=2,
                    contract_id=2,
                    invoice_number="R-2025-002",
                    invoice_date=dt.date(2025, 1, 1),
                    amount=Decimal("490.00"),
                    billing_name="Otto Other",
                    billing_email="otto@rs.example",
                    dunning_level=2,
                ),
            ],
        )
        conn.execute(
            sa.insert(t["support_ticket"]),
            [
                dict(
                    id=1,
                    customer_id=2,
                    opened_at=T0,
                    reporter_name="Klara Kontakt",
                    reporter_email="klara.kontakt@gym.example",
                    subject="Hilfe",
                    body="Otto sagt ...",
                    handled_by_staff_id=1,
                ),
            ],
        )
        conn.execute(
            sa.insert(t["domain_order"]),
            [
                dict(
                    id=1,
                    customer_id=1,
                    domain_name="opac.gym.example",
                    provider_name="Registrar GmbH",
                    ordered_at=T0,
                    admin_c_name="Klara Kontakt",
                    admin_c_email="klara.kontakt@gym.example",
                    tech_c_staff_id=1,
                ),
            ],
        )
    connector = SQLConnector("vendor", engine, MAPPINGS["james-vendor"], controller="ds")
    yield connector
    connector.close()


def test_a_person_is_one_email_across_tables(vendor):
    [klara] = vendor.candidates(Descriptor(email="KLARA.kontakt@gym.example"))
    assert klara.key == "klara.kontakt@gym.example" and klara.strong
    ids = {(i.kind, i.value) for i in klara.identifiers}
    assert (IdentifierKind.CUSTOMER, "BY-4711") in ids and (IdentifierKind.INVOICE, "R-2025-001") in ids


def test_customer_and_invoice_numbers_are_weak_evidence(vendor):
    for descriptor in (Descriptor(customer_number="BY-4711"), Descriptor(invoice_number="R-2025-001")):
        [klara] = vendor.candidates(descriptor)
        assert klara.key == "klara.kontakt@gym.example" and not klara.strong
        assert resolve("ds", [vendor], descriptor).status is ResolutionStatus.AMBIGUOUS


def test_records_of_a_school_contact(vendor):
    [klara] = vendor.candidates(Descriptor(email="klara.kontakt@gym.example"))
    subject = resolve("ds", [vendor], Descriptor(email="klara.kontakt@gym.example")).subject
    assert subject is not None and klara.key in subject.keys("vendor")
    records = list(vendor.records(subject))
    got: dict[str, list] = {}
    for r in records:
        got.setdefault(r.collection, []).append(r)
    assert set(got) == {"customer", "contract", "contract_signed", "invoice", "support_ticket", "domain_order"}
    [customer] = got["customer"]
    assert customer.value("principal_name") is True  # the head teacher is a role here
    assert [r.key for r in got["contract"]] == ["1"]  # her own school's contract
    assert got["contract"][0].value("signed_by_name") is True
    # the other school's contract she signed, found by name only within a customer she is linked to
    [signed] = got["contract_signed"]
    assert signed.key == "2" and signed.value("signed_by_name") == "Klara Kontakt"
    assert next(f for f in signed.fields if f.name == "signed_by_name").is_subject
    [invoice] = got["invoice"]
    assert invoice.value("amount") == Decimal("990.00") and invoice.value("billing_name") == "Klara Kontakt"
    text = " ".join(str(f.value) for r in records for f in r.fields if f.classification != "free_text")
    assert "Rita" not in text and "Vera" not in text and "Otto" not in text


def test_records_of_vendor_staff(vendor):
    subject = resolve("ds", [vendor], Descriptor(email="vera@ds-software.example")).subject
    assert subject is not None
    got = {r.collection for r in vendor.records(subject)}
    assert got == {"staff_account", "contract_managed", "ticket_handled", "domain_order_technician"}
    handled = [r for r in vendor.records(subject) if r.collection == "ticket_handled"][0]
    assert handled.value("reporter_name") is True and handled.value("reporter_email") is True


def test_people_lists_contacts_principals_signatories_and_staff(vendor):
    people = list(vendor.people())
    names = {(p.role, p.full_name) for p in people}
    assert ("principal", "Dr. Rita Rektor") in names
    assert ("signatory", "Klara Kontakt") in names
    assert ("account_manager", "Vera Vertrieb") in names
    assert ("customer_contact", "Klara Kontakt") in names
    assert ("domain_contact", "Klara Kontakt") in names


def test_the_vendor_mapping_matches_the_schema(vendor):
    assert vendor.check() == []
