"""The vendor's database (DS-Software-Lösungen): schools as customers, their contact people,
contracts, invoices with IBANs, domain orders passed to a registrar, support tickets — and the
vendor web site's log lines (customer contacts logged in to the customer area)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from dsr.demo.people import TOWNS, PeoplePool, ascii_slug, town
from dsr.demo.retention import TICKET_YEARS, WEB_LOG_DAYS, first_invoice_year
from dsr.demo.school import NOBODY, SchoolResult
from dsr.demo.sink import open_sink
from dsr.demo.summary import Featured
from dsr.demo.texts import NoteWriter, Someone
from dsr.demo.weblogs import AGENTS, WebEvent
from dsr.demo.world import LIVE_SINCE, demo_clock, new_iban, years_before
from dsr_connectors.james import VENDOR_SQL

VENDOR = {
    "name": "DS-Software-Lösungen GmbH",
    "street": "Hafenstraße 12",
    "postal_code": "48153",
    "city": "Münster",
    "land": "NW",
    "email": "datenschutz@ds-software.example",
    "phone": "0251 3904410",
}
STAFF = (
    ("Tobias Brandl", "account_manager"),
    ("Sabine Okonkwo", "support"),
    ("Jannik Wessel", "technician"),
    ("Marta Lindqvist", "support"),
)
REGISTRAR = "Beispiel-Registrar GmbH"


@dataclass
class VendorResult:
    counts: dict[str, int]
    featured: dict[str, Featured]
    events: list[WebEvent]


def populate_vendor(
    target: str | sa.Engine | Path,
    schools: list[SchoolResult],
    *,
    seed: int = 1,
    extra_customers: int = 3,
    create: bool = True,
    today: dt.date | None = None,
) -> VendorResult:
    """Fill the vendor database: one customer per generated school plus a few schools without demo stores.

    ``today`` is the demo's reference day (see ``demo_clock``).
    """
    now = demo_clock(today)
    rng = random.Random(f"{seed}/vendor")
    pool = PeoplePool(rng, TOWNS[0], faker_seed=seed * 1000 + 999)
    notes = NoteWriter(rng)
    sink = open_sink(target, VENDOR_SQL, create=create)
    counts: dict[str, int] = {}
    customers, contracts, invoices, domains, tickets = [], [], [], [], []
    events: list[WebEvent] = []
    staff = [
        (i + 1, name, f"{name.split()[0].lower()}.{name.split()[1].lower()}@ds-software.example", role)
        for i, (name, role) in enumerate(STAFF)
    ]
    contacts: list[tuple[int, Someone, str]] = []  # customer id, contact, NAT address they browse from

    for i in range(len(schools) + extra_customers):
        cid = i + 1
        if i < len(schools):
            s = schools[i]
            t, name, street, postal, tenant = s.town, s.name, s.street, s.postal_code, s.tenant_key
            c = s.contact
            contact = Someone(f"{tenant}/person/{c.id}", c.first_name, c.last_name, c.gender, c.email, c.phone)
            principal = s.principal.full_name
            mate = s.pupils[rng.randrange(len(s.pupils))]
            mate_someone = Someone(
                f"{tenant}/person/{mate.id}",
                mate.first_name,
                mate.last_name,
                mate.gender,
                mate.email,
                None,
                None,
                mate.home_ip,
            )
            nat = s.nat_ip
        else:
            t = town(len(schools) + i)
            name, tenant = t.school, t.tenant_key
            street, postal, _ = pool.address()
            g = pool.gender()
            first, last = pool.first_name(g), pool.last_name()
            contact = Someone(
                f"vendor/contact/{cid}",
                first,
                last,
                g,
                f"{ascii_slug(first[0] + '.' + last)}@{tenant}.example",
                pool.landline(),
            )
            principal = f"{pool.first_name(pool.gender())} {pool.last_name()}"
            mate_someone = Someone(
                f"vendor/other/{cid}", pool.first_name("f"), pool.last_name(), "f", pool.private_email("x", "y")
            )
            nat = f"198.51.100.{200 + i % 50}"
        since = (LIVE_SINCE - dt.timedelta(days=rng.randint(30, 900))).date()
        customers.append(
            (
                cid,
                name,
                f"{rng.randint(1000, 9999)}",
                street,
                postal,
                t.city,
                t.land,
                None,
                tenant,
                since,
                contact.first_name + " " + contact.last_name,
                "Bibliotheksbeauftragte Lehrkraft",
                contact.email,
                contact.phone,
                principal,
                dt.datetime.combine(since, dt.time(10)),
            )
        )
        contacts.append((cid, contact, nat))
        product = rng.choice(("lease", "hosted")) if i else "hosted"
        k = len(contracts) + 1
        p_first, p_last = principal.split(" ", 1)
        principal_someone = Someone(f"vendor/principal/{cid}", p_first, p_last, "m", None, None, new_iban(rng))
        note = notes.write(
            "contract_notes",
            {"self": contact, "mate": principal_someone, "staff": Someone("vendor/staff/1", "Tobias", "Brandl", "m")},
            {"date": f"{since + dt.timedelta(days=400):%d.%m.%Y}"},
        ).text
        contracts.append(
            (
                k,
                cid,
                product,
                since,
                None,
                since - dt.timedelta(days=14),
                principal,
                "Schulleitung",
                since - dt.timedelta(days=10),
                1,
                note,
            )
        )
        # older invoices are past the eight years the register keeps them
        for year in range(max(since.year, first_invoice_year(now)), now.year + 1):
            day = dt.date(year, 1, 15)
            if day < since or day > now.date():
                continue
            clerk = rng.random() < 0.5
            invoices.append(
                (
                    len(invoices) + 1,
                    k,
                    f"RE-{year}-{len(invoices) + 1:05d}",
                    day,
                    Decimal(rng.choice(("480.00", "690.00", "1290.00"))),
                    f"{contact.first_name} {contact.last_name}" if clerk else f"Stadtkasse {t.city}",
                    contact.email if clerk else f"stadtkasse@{t.tenant_key}-stadt.example",
                    new_iban(rng),
                    day + dt.timedelta(days=rng.randint(5, 40)) if year < now.year or rng.random() < 0.5 else None,
                    0 if year < now.year else rng.randint(0, 1),
                )
            )
        if product == "hosted":
            ordered = dt.datetime.combine(since, dt.time(11))
            domains.append(
                (
                    len(domains) + 1,
                    cid,
                    f"bibliothek.{tenant}.example",
                    REGISTRAR,
                    ordered,
                    ordered + dt.timedelta(hours=2),
                    f"ORD-{rng.randrange(10**6, 10**7)}",
                    name,
                    f"{contact.first_name} {contact.last_name}",
                    contact.email,
                    contact.phone,
                    3,
                )
            )
        # closed tickets are kept two years after closing: none is older
        oldest = (now - years_before(now, TICKET_YEARS)).days - 10
        for _ in range(rng.randint(1, 4)):
            opened = now - dt.timedelta(days=rng.randint(1, oldest), hours=rng.randint(0, 8))
            body = notes.write(
                "ticket_body",
                {
                    "self": contact,
                    "mate": mate_someone,
                    "parent": Someone(
                        f"vendor/parent/{cid}", pool.first_name("f"), mate_someone.last_name, "f", None, pool.mobile()
                    ),
                },
            ).text
            tickets.append(
                (
                    len(tickets) + 1,
                    cid,
                    opened,
                    f"{contact.first_name} {contact.last_name}",
                    contact.email,
                    rng.choice(("Login-Problem", "Frage zur Rechnung", "Export", "Ausweisdruck")),
                    body,
                    rng.choice((2, 4)),
                    _closed(opened + dt.timedelta(days=rng.randint(0, 9)), now) if rng.random() < 0.85 else None,
                )
            )
    tickets.append(
        (
            len(tickets) + 1,
            None,
            now - dt.timedelta(days=40),
            "Interessent ohne Vertrag",
            pool.private_email("interessent", "schule"),
            "Angebot",
            "Bitte senden Sie uns ein Angebot.",
            1,
            None,
        )
    )

    try:
        counts["vendor_staff"] = sink.insert("vendor_staff", ("id", "name", "email", "role"), staff)
        counts["customer"] = sink.insert(
            "customer",
            (
                "id",
                "school_name",
                "school_number",
                "street",
                "postal_code",
                "city",
                "state_code",
                "vat_id",
                "tenant_key",
                "customer_since",
                "contact_name",
                "contact_role",
                "contact_email",
                "contact_phone",
                "principal_name",
                "created_at",
            ),
            customers,
        )
        counts["contract"] = sink.insert(
            "contract",
            (
                "id",
                "customer_id",
                "product",
                "start_date",
                "end_date",
                "signed_at",
                "signed_by_name",
                "signed_by_role",
                "dpa_signed_at",
                "account_manager_id",
                "notes",
            ),
            contracts,
        )
        counts["invoice"] = sink.insert(
            "invoice",
            (
                "id",
                "contract_id",
                "invoice_number",
                "invoice_date",
                "amount",
                "billing_name",
                "billing_email",
                "iban",
                "paid_at",
                "dunning_level",
            ),
            invoices,
        )
        counts["domain_order"] = sink.insert(
            "domain_order",
            (
                "id",
                "customer_id",
                "domain_name",
                "provider_name",
                "ordered_at",
                "transmitted_at",
                "provider_reference",
                "registrant_name",
                "admin_c_name",
                "admin_c_email",
                "admin_c_phone",
                "tech_c_staff_id",
            ),
            domains,
        )
        counts["support_ticket"] = sink.insert(
            "support_ticket",
            (
                "id",
                "customer_id",
                "opened_at",
                "reporter_name",
                "reporter_email",
                "subject",
                "body",
                "handled_by_staff_id",
                "closed_at",
            ),
            tickets,
        )
    finally:
        sink.close()

    events += _site_events(rng, contacts, now)
    cid, first, _nat = contacts[0]
    featured = {
        "customer_contact": Featured(
            role="customer_contact",
            controller="vendor",
            person_id=cid,
            first_name=first.first_name,
            last_name=first.last_name,
            email=first.email,
            phone=first.phone,
            related_ids=(cid,),
            note=f"contact of {schools[0].tenant_key if schools else 'customer 1'}; also a teacher and guardian there",
        ),
        "nobody": Featured(role="nobody", controller="vendor", **NOBODY),  # type: ignore[arg-type]
    }
    return VendorResult(counts=counts, featured=featured, events=events)


def _closed(at: dt.datetime, now: dt.datetime) -> dt.datetime | None:
    """A ticket closed after the demo's "now" is still open."""
    return at if at <= now else None


def _site_events(rng: random.Random, contacts: list[tuple[int, Someone, str]], now: dt.datetime) -> list[WebEvent]:
    """Visits to the vendor's own site: contacts in the customer area (from their school), anonymous visitors."""
    out: list[WebEvent] = []
    first_day = now.date() - dt.timedelta(days=WEB_LOG_DAYS - 1)
    for day_offset in range(WEB_LOG_DAYS):
        day = first_day + dt.timedelta(days=day_offset)
        for _ in range(rng.randint(5, 15)):
            at = dt.datetime.combine(day, dt.time(rng.randint(7, 22), rng.randrange(60), rng.randrange(60)))
            ip = (
                f"2001:db8:ff{rng.randrange(16):x}::{rng.randrange(1, 0xFFFF):x}"
                if rng.random() < 0.3
                else f"192.0.2.{rng.randrange(1, 255)}"
            )
            out.append(
                WebEvent(
                    at,
                    ip,
                    "-",
                    "GET",
                    rng.choice(("/", "/produkte/james", "/produkte/hosting", "/kontakt")),
                    200,
                    rng.randrange(3000, 60000),
                    "https://www.suche.example/",
                    rng.choice(AGENTS),
                )
            )
        for cid, c, nat in contacts:
            if rng.random() < 0.3:
                at = dt.datetime.combine(day, dt.time(rng.randint(8, 15), rng.randrange(60), rng.randrange(60)))
                if at > now:
                    continue
                agent = AGENTS[cid % len(AGENTS)]
                out.append(
                    WebEvent(
                        at,
                        nat,
                        "-",
                        "POST",
                        "/kunden/login",
                        302,
                        512,
                        "https://www.ds-software.example/kunden/",
                        agent,
                    )
                )
                for k, path in enumerate(("/kunden/uebersicht", "/kunden/rechnungen", f"/kunden/tickets?kunde={cid}")):
                    out.append(
                        WebEvent(
                            at + dt.timedelta(seconds=5 + 20 * k),
                            nat,
                            c.email or "-",
                            "GET",
                            path,
                            200,
                            rng.randrange(2000, 30000),
                            "https://www.ds-software.example/kunden/uebersicht",
                            agent,
                        )
                    )
    return out
