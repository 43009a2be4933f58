"""A made-up school, reader and request: for tests, benchmarks and demonstrations of the letter.

Everybody in here is invented. ``gathering(n)`` scales the loan history to ``n`` records.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dsr.config import Contact, ControllerSettings
from dsr.model import (
    Classification as C,
)
from dsr.model import (
    CollectionSpec,
    Field,
    FieldSpec,
    Gathering,
    Identifier,
    IdentifierKind,
    Record,
    StoreReport,
    StoreState,
    Subject,
)
from dsr.pipeline.compose.request import Recipient, Request

SCHOOL = ControllerSettings(
    key="gym-musterstadt",
    name="Gymnasium Musterstadt",
    kind="school",
    land="BY",
    public=True,
    street="Schulstraße 1",
    postal_code="80331",
    city="München",
    email="bibliothek@gym-musterstadt.example",
    phone="+49 89 1234567",
    website="https://gym-musterstadt.example",
    legal_details=["Staatliches Gymnasium", "Schulnummer 0123"],
    dpo=Contact(name="Datenschutzbeauftragte der Schule", email="datenschutz@gym-musterstadt.example"),
    signatory=Contact(name="Dr. Erika Beispiel", role="Schulleiterin"),
    register="james-school",
)

PERSON = CollectionSpec(
    store="school",
    name="person",
    title={"de": "Leserkonto", "en": "Reader account"},
    activity="library-accounts",
    category="master_data",
    fields=(
        FieldSpec(name="first_name", classification=C.OWN, label={"de": "Vorname", "en": "First name"}),
        FieldSpec(name="last_name", classification=C.OWN, label={"de": "Nachname", "en": "Last name"}),
        FieldSpec(name="card_number", classification=C.OWN, label={"de": "Ausweisnummer", "en": "Card number"}),
        FieldSpec(
            name="date_of_birth", classification=C.OWN, kind="date", label={"de": "Geburtsdatum", "en": "Date of birth"}
        ),
        FieldSpec(
            name="class_teacher_id",
            classification=C.REFERENCE,
            role="class_teacher",
            label={"de": "Klassenlehrkraft", "en": "Class teacher"},
        ),
        FieldSpec(name="password_hash", classification=C.SECRET, label={"de": "Passwort", "en": "Password"}),
    ),
)

LOAN = CollectionSpec(
    store="school",
    name="loan",
    title={"de": "Ausleihen", "en": "Loans"},
    activity="circulation",
    category="loans",
    order_by="loaned_at",
    fields=(
        FieldSpec(name="title", classification=C.OWN, label={"de": "Titel", "en": "Title"}),
        FieldSpec(
            name="loaned_at", classification=C.OWN, kind="datetime", label={"de": "Ausgeliehen am", "en": "Borrowed"}
        ),
        FieldSpec(name="due_on", classification=C.OWN, kind="date", label={"de": "Fällig am", "en": "Due"}),
        FieldSpec(
            name="issued_by_id",
            classification=C.REFERENCE,
            role="library_staff",
            label={"de": "Ausgegeben von", "en": "Issued by"},
        ),
        FieldSpec(name="note", classification=C.FREE_TEXT, label={"de": "Notiz", "en": "Note"}),
    ),
)

FEE = CollectionSpec(
    store="school",
    name="fee",
    title={"de": "Gebühren", "en": "Fees"},
    activity="fees",
    category="fees",
    fields=(
        FieldSpec(name="amount", classification=C.OWN, kind="money", label={"de": "Betrag", "en": "Amount"}),
        FieldSpec(
            name="dunning_level",
            classification=C.SYSTEM,
            kind="code",
            label={"de": "Mahnstufe", "en": "Dunning level"},
            codes={
                "0": {"de": "keine Mahnung", "en": "no reminder"},
                "1": {"de": "Erinnerung", "en": "reminder"},
                "2": {"de": "2. Mahnung", "en": "2nd reminder"},
                "3": {"de": "3. Mahnung", "en": "3rd reminder"},
            },
        ),
        FieldSpec(name="paid", classification=C.OWN, kind="bool", label={"de": "Bezahlt", "en": "Paid"}),
        FieldSpec(
            name="payer_name", classification=C.REFERENCE, role="payer", label={"de": "Bezahlt von", "en": "Paid by"}
        ),
    ),
)

COLLECTIONS = (PERSON, LOAN, FEE)

#: names that appear only in REFERENCE values: they must never reach a letter
OTHER_PEOPLE = ("Hildegard Lehrerin", "Bruno Helfer", "Paula Zahlerin")


def subject() -> Subject:
    return Subject(
        controller="gym-musterstadt",
        reference="S-7Q2K",
        identifiers=frozenset(
            {Identifier(IdentifierKind.KEY, "17", "school"), Identifier(IdentifierKind.CARD, "L-0017")}
        ),
    )


def records(loans: int = 3) -> tuple[Record, ...]:
    out = [
        Record(
            store="school",
            collection="person",
            key="17",
            fields=(
                Field("first_name", "Anna", C.OWN),
                Field("last_name", "Muster", C.OWN),
                Field("card_number", "L-0017", C.OWN),
                Field("date_of_birth", dt.date(2011, 3, 4), C.OWN),
                Field("class_teacher_id", OTHER_PEOPLE[0], C.REFERENCE),
                Field("password_hash", "$argon2id$v=19$secret", C.SECRET),
            ),
        ),
        Record(
            store="school",
            collection="fee",
            key="5",
            fields=(
                Field("amount", Decimal("3.50"), C.OWN),
                Field("dunning_level", 2, C.SYSTEM),
                Field("paid", True, C.OWN),
                Field("payer_name", OTHER_PEOPLE[2], C.REFERENCE),
            ),
        ),
    ]
    start = dt.datetime(2025, 9, 15, 10, 30)
    for i in range(loans):
        out.append(
            Record(
                store="school",
                collection="loan",
                key=str(1000 + i),
                fields=(
                    Field("title", f"Die unendliche Geschichte, Band {i + 1}", C.OWN),
                    Field("loaned_at", start + dt.timedelta(hours=7 * i), C.OWN),
                    Field("due_on", (start + dt.timedelta(hours=7 * i, days=21)).date(), C.OWN),
                    Field("issued_by_id", OTHER_PEOPLE[1], C.REFERENCE),
                    Field(
                        "note",
                        "Umschlag leicht beschädigt, gemeldet von [Name entfernt]" if i % 5 == 0 else None,
                        C.FREE_TEXT,
                    ),
                ),
            )
        )
    return tuple(out)


def gathering(loans: int = 3, empty: bool = False) -> Gathering:
    found = () if empty else records(loans)
    return Gathering(
        subject=subject(),
        records=found,
        collections=COLLECTIONS,
        reports=(StoreReport(store="school", state=StoreState.OK, records=len(found)),),
    )


def request(language: str = "de", acting_for: str | None = None) -> Request:
    return Request(
        case_reference="DSR-2026-0042",
        received_at=dt.datetime(2026, 11, 2, 9, 15),
        channel="portal",
        identity_check="email_code",
        language=language,  # type: ignore[arg-type]
        recipient=Recipient(
            name="Anna Muster",
            street="Lindenweg 5",
            postal_code="80333",
            city="München",
            form="frau",
            acting_for=acting_for,
        ),
        letter_date=dt.date(2026, 11, 25),
    )
