"""The erasure plan (issue #14, "Erasure plan first"): every record of the subject gets an action;
what blocks its erasure is a hold with the law and the date it ends; the plan names the recipients
to tell, has an id its content gives, and reads as a PDF in German.

Expected dates are worked out here from the law, not from the planner: an invoice of 2024 is kept
for eight years from the end of 2024 (§ 147 Abs. 3 AO as amended from 2025), so until 31.12.2032.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

import dsr
from dsr import Classification, Descriptor, Field, Record, resolve
from dsr.config import Contact, ControllerSettings, connect
from dsr.demo.summary import DemoSummary
from dsr.model import CollectionSpec, FieldSpec, Join, Subject
from dsr.pipeline import register
from dsr.pipeline.erasure import (
    ErasurePlan,
    Hold,
    HoldKind,
    LegalClaim,
    PlannedAction,
    PlannedOutcome,
    Recipient,
    plan_erasure,
    plan_from_json,
    plan_id,
    plan_json,
    plan_pdf,
)
from dsr.pipeline.gather import gather
from dsr.testing import FakeConnector, FakePerson, FakeWriter
from dsr.writing import Erase, EraseAction, HoldRule, StoreWriter, Target, WriteRules

TODAY = dt.date(2026, 3, 2)
NOW = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)  # 2 March 2026, 00:30 in Berlin
SCHOOL = ControllerSettings(
    key="gym",
    name="Gymnasium Musterstadt",
    kind="school",
    land="BY",
    public=True,
    street="Schulstraße 1",
    postal_code="90402",
    city="Nürnberg",
    email="datenschutz@gym.example",
    dpo=Contact(name="DSB"),
    signatory=Contact(name="Leitung"),
)
VENDOR = ControllerSettings(
    key="vendor",
    name="DS-Software-Lösungen GmbH",
    kind="vendor",
    land="NW",
    public=False,
    street="Hafenstraße 12",
    postal_code="48153",
    city="Münster",
    email="datenschutz@ds-software.example",
    dpo=Contact(name="DSB"),
    signatory=Contact(name="GF"),
)
PUPIL = FakePerson(key="7", first_name="Lena", last_name="Vogt", card="C7", role="student")


def _f(name: str, value: object, classification: Classification = Classification.OWN) -> Field:
    return Field(name, value, classification)  # type: ignore[arg-type]


def _spec(name: str, activity: str, title: str, *fields: FieldSpec, store: str = "school") -> CollectionSpec:
    return CollectionSpec(
        store=store,
        name=name,
        title={"de": title, "en": title},
        activity=activity,
        category=name,
        fields=fields,
    )


def _fs(name: str, joins: Join | None = None) -> FieldSpec:
    return FieldSpec(name=name, classification=Classification.OWN, label={"de": name, "en": name}, joins=joins)


SPECS = (
    _spec("account", "library-accounts", "Leserkonto", _fs("last_name")),
    _spec("loan", "circulation", "Ausleihen", _fs("returned_at")),
    _spec("fee", "fees", "Gebühren", _fs("paid_at"), _fs("loan_id", Join(collection="loan", column="id", show=()))),
    _spec("review", "reviews", "Rezensionen", _fs("text")),
    _spec("incident_suspect", "it-security", "Sicherheitsvorfälle", _fs("detected_at")),
    _spec("notice", "notices", "Benachrichtigungen", _fs("sent_at")),
)
RULES = {
    "account": WriteRules(
        store="school",
        collection="account",
        # the row stays (loans and fees point at it): its personal columns are overwritten
        erase=Erase(action=EraseAction.OVERWRITE, columns={"last_name": "gelöscht"}),
    ),
    "loan": WriteRules(
        store="school",
        collection="loan",
        erase=Erase(action=EraseAction.ANONYMISE, columns={"reader_id": None}),
        holds=(HoldRule(kind="open_loan", when={"returned_at": "null"}),),
    ),
    "fee": WriteRules(
        store="school",
        collection="fee",
        erase=Erase(action=EraseAction.DELETE),
        holds=(HoldRule(kind="unpaid_fee", when={"paid_at": "null"}),),
    ),
    "review": WriteRules(store="school", collection="review", erase=Erase(action=EraseAction.DELETE)),
    "incident_suspect": WriteRules(
        store="school", collection="incident_suspect", erase=Erase(action=EraseAction.DELETE)
    ),
    # "notice" has no rules: the plan keeps it and says the plan is incomplete there
}


def _record(collection: str, key: str, *fields: Field, restricted: bool = False, store: str = "school") -> Record:
    return Record(store=store, collection=collection, key=key, fields=fields, restricted=restricted)


def _left_school() -> list[Record]:
    """A pupil who left: everything returned and paid, a review, and a recent loan (returned a
    month ago: the school's own six months do not keep it from an erasure request)."""
    return [
        _record("account", "7", _f("last_name", "Vogt")),
        _record("loan", "L1", _f("returned_at", dt.date(2025, 6, 1))),
        _record("loan", "L2", _f("returned_at", dt.date(2026, 2, 1))),
        _record("fee", "F1", _f("paid_at", dt.date(2025, 7, 1)), _f("loan_id", "L1")),
        _record("review", "R1", _f("text", "Spannend!")),
    ]


def _plan(
    records: Sequence[Record],
    *,
    held: Mapping[str, Sequence[str]] | None = None,
    claims: Sequence[LegalClaim] = (),
    with_writer: bool = True,
    now: dt.datetime = NOW,
    rules: Mapping[str, WriteRules] = RULES,
) -> ErasurePlan:
    school = FakeConnector("school", people=[PUPIL], records={"7": list(records)}, collections=SPECS, controller="gym")
    subject = resolve("gym", [school], Descriptor(card_number="C7")).matched()
    writers: dict[str, StoreWriter] = {"school": FakeWriter(school, rules, held=held)} if with_writer else {}
    return plan_erasure(
        gather(subject, [school]),
        writers,
        register.load("james-school"),
        today=TODAY,
        legal_claims=claims,
        now=now,
    )


def test_a_pupil_who_left_is_erased_completely() -> None:
    plan = _plan(_left_school())
    assert {a.target.key: a.outcome for a in plan.actions} == dict.fromkeys(
        ("7", "L1", "L2", "F1", "R1"), PlannedOutcome.ERASE
    )
    assert all(not a.holds and a.erase_on is None for a in plan.actions)
    erase = {a.target.key: a.erase for a in plan.actions}
    assert erase == {
        "7": EraseAction.OVERWRITE,
        "L1": EraseAction.ANONYMISE,
        "L2": EraseAction.ANONYMISE,
        "F1": EraseAction.DELETE,
        "R1": EraseAction.DELETE,
    }
    assert plan.incomplete == ()
    assert plan.controller == "gym" and plan.subject.startswith("P-")


def test_an_open_loan_restricts_the_loan_until_it_is_returned() -> None:
    records = [*_left_school(), _record("loan", "L3", _f("returned_at", None))]
    plan = _plan(records, held={"L3": ["open_loan"]})
    actions = {a.target.key: a for a in plan.actions}
    loan = actions["L3"]
    assert loan.outcome is PlannedOutcome.RESTRICT
    assert [(h.kind, h.until) for h in loan.holds] == [(HoldKind.OPEN_LOAN, None)]
    assert loan.erase_on is None  # a condition: no date
    assert "Rückgabe" in loan.holds[0].reason["de"]
    # the account is overwritten, not deleted: its row stays for the loan to point at
    assert actions["7"].outcome is PlannedOutcome.ERASE
    assert {k for k, a in actions.items() if a.outcome is PlannedOutcome.ERASE} == {"7", "L1", "L2", "F1", "R1"}


def test_a_loan_an_unpaid_fee_is_for_stays_with_the_fee() -> None:
    records = [
        _record("account", "7", _f("last_name", "Vogt")),
        _record("loan", "L1", _f("returned_at", dt.date(2025, 6, 1))),
        _record("fee", "F2", _f("paid_at", None), _f("loan_id", "L1")),
    ]
    plan = _plan(records, held={"F2": ["unpaid_fee"]})
    actions = {a.target.key: a for a in plan.actions}
    assert [h.kind for h in actions["F2"].holds] == [HoldKind.UNPAID_FEE]
    loan = actions["L1"]
    assert loan.outcome is PlannedOutcome.RESTRICT
    assert [(h.kind, h.kept_with) for h in loan.holds] == [(HoldKind.REFERENCED, Target("school", "fee", "F2"))]
    assert loan.erase_on is None
    assert actions["7"].outcome is PlannedOutcome.ERASE


def test_a_deleted_account_stays_while_a_held_record_points_at_it() -> None:
    deleted = WriteRules(store="school", collection="account", erase=Erase(action=EraseAction.DELETE))
    records = [*_left_school(), _record("loan", "L3", _f("returned_at", None))]
    plan = _plan(records, held={"L3": ["open_loan"]}, rules={**RULES, "account": deleted})
    account = next(a for a in plan.actions if a.target.collection == "account")
    assert account.outcome is PlannedOutcome.RESTRICT
    assert [(h.kind, h.kept_with) for h in account.holds] == [(HoldKind.REFERENCED, Target("school", "loan", "L3"))]


def test_a_security_record_is_restricted_until_an_officer_decides() -> None:
    records = [*_left_school(), _record("incident_suspect", "S1", _f("detected_at", TODAY), restricted=True)]
    incident = next(a for a in _plan(records).actions if a.target.key == "S1")
    assert incident.outcome is PlannedOutcome.RESTRICT
    assert [(h.kind, h.until) for h in incident.holds] == [(HoldKind.SECURITY, None)]
    assert incident.erase_on is None


def test_a_legal_claim_restricts_until_its_date() -> None:
    claim = LegalClaim(target=Target("school", "review", "R1"), until=dt.date(2027, 6, 30), reason="Klage angekündigt")
    plan = _plan(_left_school(), claims=[claim])
    review = next(a for a in plan.actions if a.target.key == "R1")
    assert review.outcome is PlannedOutcome.RESTRICT
    assert [(h.kind, h.until) for h in review.holds] == [(HoldKind.LEGAL_CLAIM, dt.date(2027, 6, 30))]
    assert review.holds[0].reason["de"] == "Klage angekündigt"
    assert review.erase_on == dt.date(2027, 6, 30)  # erased once the claim's day has passed
    # a claim on a collection holds every record of it
    loans = _plan(_left_school(), claims=[LegalClaim(collection="loan", until=dt.date(2026, 12, 31), reason="x")])
    assert {a.target.key for a in loans.actions if a.outcome is PlannedOutcome.RESTRICT} == {"L1", "L2"}
    with pytest.raises(ValueError):
        LegalClaim(until=dt.date(2027, 1, 1), reason="names nothing")


def test_a_store_without_write_side_is_kept_and_the_plan_incomplete() -> None:
    plan = _plan(_left_school(), with_writer=False)
    assert {a.outcome for a in plan.actions} == {PlannedOutcome.KEEP}
    assert all("Löschweg" in a.reason["de"] for a in plan.actions)
    assert plan.incomplete == ("school",)
    assert plan.recipients == ()  # nothing erased or restricted: nobody to tell
    # a collection without rules in a store that has them: kept, incomplete
    notice = _plan([*_left_school(), _record("notice", "N1", _f("sent_at", dt.date(2026, 1, 5)))])
    assert next(a for a in notice.actions if a.target.key == "N1").outcome is PlannedOutcome.KEEP
    assert notice.incomplete == ("school",)


class _Logs(FakeConnector):
    """Web logs: lines found by the subject's addresses, not by a person key."""

    def records(self, subject: Subject) -> Iterator[Record]:
        yield from self.records_["7"]


def test_web_logs_expire_by_rotation_and_a_store_that_is_down_makes_the_plan_incomplete() -> None:
    school = FakeConnector("school", people=[PUPIL], records={"7": _left_school()}, collections=SPECS)
    log_spec = _spec("access", "web-logs", "Webserver-Protokolle", _fs("time"), store="weblog")
    lines = [
        _record("access", "a1", _f("time", dt.datetime(2026, 2, 25, 23, 30, tzinfo=dt.UTC)), store="weblog"),
        _record("access", "a2", _f("path", "/katalog"), store="weblog"),  # no date: from today
    ]
    logs = _Logs("weblog", records={"7": lines}, collections=[log_spec])
    rotation = WriteRules(
        store="weblog", collection="access", erase=Erase(action=EraseAction.EXPIRES, expires_after_days=14)
    )
    down = FakeConnector("vendor", fail=True)
    subject = resolve("gym", [school], Descriptor(card_number="C7")).matched()
    plan = plan_erasure(
        gather(subject, [school, logs, down]),
        {"school": FakeWriter(school, RULES), "weblog": FakeWriter(logs, {"access": rotation})},
        register.load("james-school"),
        today=TODAY,
        now=NOW,
    )
    logged = {a.target.key: a for a in plan.actions if a.target.store == "weblog"}
    # 25 February 23:30 UTC is 26 February in Berlin; fourteen days later the line is rotated away
    assert logged["a1"].outcome is PlannedOutcome.EXPIRES and logged["a1"].erase_on == dt.date(2026, 3, 12)
    assert [(h.kind, h.until) for h in logged["a1"].holds] == [(HoldKind.ROTATION, dt.date(2026, 3, 12))]
    assert logged["a2"].erase_on == TODAY + dt.timedelta(days=14)
    assert plan.incomplete == ("vendor",)
    # the web logs' recipients are not told: nothing was erased or restricted there
    assert "web-logs" not in {r.activity for r in plan.recipients}


def test_the_same_data_gives_the_same_id() -> None:
    first = _plan(_left_school())
    again = _plan(_left_school(), now=NOW + dt.timedelta(hours=5))
    assert first.id == again.id and first.created != again.created
    assert first.id.startswith("E-") and len(first.id) == 14
    assert int(first.id[2:], 16) >= 0
    changed = _plan([*_left_school()[:-1], _record("review", "R2", _f("text", "Gut"))])
    held = _plan(_left_school(), held={"L1": ["open_loan"]})
    assert len({first.id, changed.id, held.id}) == 3


def test_json_round_trip_keeps_the_plan_and_its_id() -> None:
    records = [*_left_school(), _record("loan", "L3", _f("returned_at", None))]
    claim = LegalClaim(collection="review", until=dt.date(2027, 6, 30), reason="Klage")
    plan = _plan(records, held={"L3": ["open_loan"]}, claims=[claim])
    content = plan_json(plan)
    assert plan_json(plan) == content  # stable bytes
    back = plan_from_json(content)
    assert back == plan
    assert plan_id(back) == plan.id
    assert b'"outcome": "restrict"' in content and b'"until": "2027-06-30"' in content


def test_recipients_of_each_affected_activity_are_listed() -> None:
    records = [*_left_school(), _record("notice", "N1", _f("sent_at", dt.date(2026, 1, 5)))]
    plan = _plan(records)
    told = {(r.activity, r.name["de"]) for r in plan.recipients}
    # from the built-in school register: the processor serves every activity; the fees' cash office
    assert told == {
        ("library-accounts", "DS-Software-Lösungen GmbH"),
        ("circulation", "DS-Software-Lösungen GmbH"),
        ("fees", "DS-Software-Lösungen GmbH"),
        ("fees", "Kasse des Schulträgers"),
        ("reviews", "DS-Software-Lösungen GmbH"),
    }  # not "notices": its record is kept, nothing happens to it
    assert next(r for r in plan.recipients if r.activity == "fees").activity_name["de"] == "Gebühren und Mahnwesen"


def test_the_recipients_the_records_say_the_data_went_to_are_told_too() -> None:
    """Art. 19 names the actual recipients: a review shown in the public catalogue went to its
    readers (the register's ``disclosed_to``); a review never shown went to nobody."""
    shown = _record("review", "R2", _f("text", "Gut"), _f("visible", True))
    hidden = _record("review", "R3", _f("text", "Naja"), _f("visible", False))
    told = {(r.activity, r.name["de"], r.name["en"]) for r in _plan([*_left_school(), shown]).recipients}
    assert ("reviews", "Leserinnen und Leser des Online-Katalogs", "readers of the online catalogue") in told
    untold = {r.name["de"] for r in _plan([*_left_school(), hidden]).recipients}
    assert "Leserinnen und Leser des Online-Katalogs" not in untold


# ------------------------------------------------------------------ the vendor: invoices kept

VENDOR_SPECS = (
    _spec("customer", "customer-management", "Sie als Ansprechpartner/in", _fs("email"), store="vendor"),
    _spec("invoice", "invoicing", "Rechnungen an Sie", _fs("invoice_date"), store="vendor"),
    _spec("contract_signed", "contracts", "Von Ihnen unterschriebene Verträge", _fs("end_date"), store="vendor"),
    _spec("support_ticket", "support", "Ihre Support-Anfragen", _fs("closed_at"), store="vendor"),
)
VENDOR_RULES = {
    "customer": WriteRules(
        store="vendor", collection="customer", erase=Erase(action=EraseAction.OVERWRITE, columns={"email": None})
    ),
    "invoice": WriteRules(
        store="vendor", collection="invoice", erase=Erase(action=EraseAction.OVERWRITE, columns={"billing_name": None})
    ),
    "contract_signed": WriteRules(
        store="vendor",
        collection="contract_signed",
        erase=Erase(action=EraseAction.OVERWRITE, columns={"signed_by_name": None}),
    ),
    "support_ticket": WriteRules(store="vendor", collection="support_ticket", erase=Erase(action=EraseAction.DELETE)),
}


def _vendor_plan(claims: Sequence[LegalClaim] = ()) -> ErasurePlan:
    contact = FakePerson(key="c1", first_name="Jonas", last_name="Brandt", email="j.brandt@schule.example")
    records = [
        _record("customer", "c1", _f("email", "j.brandt@schule.example"), store="vendor"),
        _record("invoice", "2024-0117", _f("invoice_date", dt.date(2024, 5, 10)), store="vendor"),
        _record("invoice", "2015-0003", _f("invoice_date", dt.date(2015, 3, 1)), store="vendor"),
        _record("contract_signed", "K-9", _f("end_date", dt.date(2023, 7, 31)), store="vendor"),
        _record("contract_signed", "K-12", _f("end_date", None), store="vendor"),  # still running
        _record("support_ticket", "T-4", _f("closed_at", dt.datetime(2025, 11, 3, 9, 0)), store="vendor"),
    ]
    vendor = FakeConnector("vendor", people=[contact], records={"c1": records}, collections=VENDOR_SPECS)
    subject = resolve("vendor", [vendor], Descriptor(email="j.brandt@schule.example")).matched()
    return plan_erasure(
        gather(subject, [vendor]),
        {"vendor": FakeWriter(vendor, VENDOR_RULES)},
        register.load("james-vendor"),
        today=TODAY,
        legal_claims=claims,
        now=NOW,
    )


def test_an_invoice_of_2024_is_kept_eight_years_from_the_end_of_2024() -> None:
    actions = {a.target.key: a for a in _vendor_plan().actions}
    invoice = actions["2024-0117"]
    # § 147 Abs. 3 AO (from 2025: eight years for booking vouchers), from the end of the year issued
    last_day = dt.date(2024, 12, 31).replace(year=2024 + 8)
    assert last_day == dt.date(2032, 12, 31)
    assert invoice.outcome is PlannedOutcome.RESTRICT
    assert [(h.kind, h.until) for h in invoice.holds] == [(HoldKind.RETENTION, last_day)]
    assert "§ 147" in invoice.holds[0].law and "AO" in invoice.holds[0].law and "§ 14b" in invoice.holds[0].law
    assert invoice.erase_on == last_day
    # an invoice of 2015 is past its period (end of 2023 even under the old ten years): erased
    assert actions["2015-0003"].outcome is PlannedOutcome.ERASE
    # a contract that ended in 2023 is a business letter: six years from the end of 2023 (§ 257 HGB)
    contract = actions["K-9"]
    assert [(h.kind, h.until) for h in contract.holds] == [(HoldKind.RETENTION, dt.date(2029, 12, 31))]
    assert "§ 257" in contract.holds[0].law
    # a contract still running: its period has not begun, it is kept without a date
    running = actions["K-12"]
    assert running.outcome is PlannedOutcome.RESTRICT and running.erase_on is None
    assert [(h.kind, h.until) for h in running.holds] == [(HoldKind.RETENTION, None)]
    # the support ticket's two years are the vendor's own period, no duty: erased now
    assert actions["T-4"].outcome is PlannedOutcome.ERASE
    assert actions["c1"].outcome is PlannedOutcome.ERASE


def test_the_vendor_plan_tells_the_invoices_recipients() -> None:
    names = {(r.activity, r.name["de"]) for r in _vendor_plan().recipients}
    assert ("invoicing", "Kramer & Oltmanns Steuerberatungsgesellschaft mbH") in names
    assert ("invoicing", "Bankhaus Hafenblick AG") in names


# ------------------------------------------------------------------ the PDF


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(content)).pages)


def test_plan_pdf_names_each_hold_and_date_in_german() -> None:
    records = [
        *_left_school(),
        _record("loan", "L3", _f("returned_at", None)),
        _record("incident_suspect", "S1", _f("detected_at", TODAY), restricted=True),
        _record("notice", "N1", _f("sent_at", dt.date(2026, 1, 5))),
    ]
    claim = LegalClaim(target=Target("school", "review", "R1"), until=dt.date(2027, 6, 30), reason="Klage angekündigt")
    plan = _plan(records, held={"L3": ["open_loan"]}, claims=[claim])
    content = plan_pdf(plan, SCHOOL, "de", ZoneInfo("Europe/Berlin"))
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    for words in (
        f"Löschplan {plan.id}",
        "Gymnasium Musterstadt",
        plan.subject,
        "02.03.2026, 00:30 Uhr",  # the time in Berlin, not UTC
        "Bibliotheksdatenbank der Schule",
        "Offene Ausleihe",
        "bis zur Rückgabe",
        "Rechtsanspruch",
        "Klage angekündigt",
        "30.06.2027",
        "Art. 17 Abs. 3 lit. e DSGVO",
        "Sicherheitsvorfall",
        "bis zur Entscheidung",
        "Benachrichtigungen",  # the kept notice, with why
        "kein Löschweg",
        "Unvollständig",
        "DS-Software-Lösungen GmbH",
        "Kasse des Schulträgers",
    ):
        assert words in text, words
    assert "4 Datensätze werden jetzt gelöscht, 3 gesperrt bis längstens 30.06.2027" in text


def test_vendor_plan_pdf_shows_the_retention_period_in_german_and_english() -> None:
    plan = _vendor_plan()
    german = pdf_text(plan_pdf(plan, VENDOR, "de", ZoneInfo("Europe/Berlin")))
    assert "Aufbewahrungspflicht" in german and "31.12.2032" in german and "31.12.2029" in german
    assert "§ 147 Abs. 1 Nr. 4, Abs. 3 AO" in german and "§ 14b Abs. 1 UStG" in german
    assert "gesperrt bis längstens 31.12.2032" in german
    assert "Kramer & Oltmanns" in german
    english = pdf_text(plan_pdf(plan, VENDOR, "en", ZoneInfo("Europe/Berlin")))
    assert f"Erasure plan {plan.id}" in english and "Retention duty" in english and "2032-12-31" in english
    assert "restricted until 2032-12-31 at the latest" in english


def test_every_field_of_plan_json_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "erasure.md").read_text(encoding="utf-8")
    section = doc.split("## What the plan contains", 1)[1].split("\n## ", 1)[0]
    for struct in (ErasurePlan, PlannedAction, Hold, Recipient, Target):
        missing = [f for f in struct.__struct_fields__ if f"`{f}`" not in section]
        assert not missing, f"{struct.__name__}: {missing}"


# ------------------------------------------------------------------ the demo, end to end


def test_demo_vendor_contact_keeps_the_invoices_until_their_periods_end(demo: DemoSummary) -> None:
    """The demo's vendor contact, through the real SQL store and its write side: every invoice
    is kept until eight years from the end of the year it was issued, and the tax advisers and the
    bank are to be told."""
    settings = dsr.load(demo.config)
    contact = demo.featured("vendor", "customer_contact")
    connectors = connect(settings, "vendor")
    subject = resolve("vendor", connectors, Descriptor(email=contact.email), secret=settings.secret).matched()
    gathering = gather(subject, connectors)
    writers = {c.name: w for c in connectors if (w := c.writer()) is not None}
    assert "vendor" in writers, "the SQL store has a write side"
    today = demo.today or dt.date.today()
    plan = plan_erasure(gathering, writers, register.load("james-vendor"), today=today, now=NOW)

    invoices = [r for r in gathering.records if r.collection == "invoice"]
    assert invoices
    actions = {(a.target.collection, a.target.key): a for a in plan.actions}
    for r in invoices:
        issued = r.value("invoice_date")
        assert isinstance(issued, dt.date)
        last_day = dt.date(issued.year + 8, 12, 31)  # § 147 Abs. 3 AO: from the end of the year
        action = actions[("invoice", r.key)]
        if last_day >= today:
            assert action.outcome is PlannedOutcome.RESTRICT, r.key
            assert [(h.kind, h.until) for h in action.holds] == [(HoldKind.RETENTION, last_day)]
            assert "§ 147" in action.holds[0].law
        else:
            assert action.outcome is PlannedOutcome.ERASE, r.key
    assert any(a.outcome is PlannedOutcome.RESTRICT for a in actions.values() if a.target.collection == "invoice")
    assert ("invoicing", "Kramer & Oltmanns Steuerberatungsgesellschaft mbH") in {
        (r.activity, r.name["de"]) for r in plan.recipients
    }
    text = pdf_text(plan_pdf(plan, settings.controller("vendor"), "de", settings.zone))
    assert "Aufbewahrungspflicht" in text and "§ 147 Abs. 1 Nr. 4, Abs. 3 AO" in text
