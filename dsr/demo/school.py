"""One school's James database, filled with generated people and their library life.

``populate_school`` works on any SQLAlchemy URL or engine (tests use it on PostgreSQL and
MariaDB); ``sqlite:///`` files take a fast path through the ``sqlite3`` module.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from dsr.demo.activity import INCIDENT_COLS, LOGIN_COLS, PRIV_COLS, SEARCH_COLS, build_activity
from dsr.demo.catalogue import write_items
from dsr.demo.holds import write_reservations, write_reviews
from dsr.demo.letters import Letters
from dsr.demo.loans import write_loans
from dsr.demo.people import PeoplePool, Person, Town, town
from dsr.demo.roster import build_roster, staff_notes
from dsr.demo.sink import open_sink
from dsr.demo.summary import Featured
from dsr.demo.texts import NoteWriter
from dsr.demo.weblogs import WebEvent
from dsr.demo.world import SchoolWorld, demo_clock
from dsr_connectors.james import SCHOOL_SQL

PERSON_COLS = (
    "id",
    "kind",
    "card_number",
    "login_name",
    "password_hash",
    "roles",
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "class_name",
    "school_year",
    "email",
    "phone",
    "street",
    "postal_code",
    "city",
    "class_teacher_id",
    "keep_loan_history",
    "consent_given_at",
    "consent_version",
    "staff_note",
    "created_at",
    "created_by_id",
    "updated_at",
    "updated_by_id",
    "left_at",
    "locked_at",
    "lock_reason",
)
GUARDIAN_COLS = ("id", "student_id", "name", "relation", "email", "phone", "street", "postal_code", "city", "person_id")
SCHOOL_COLS = ("id", "name", "street", "postal_code", "city", "state_code", "email", "phone")
#: a person nobody in any demo store has (their surname is in no name list)
NOBODY = {
    "first_name": "Quirina",
    "last_name": "Zwölfaxinger",
    "email": "q.zwoelfaxinger@example.invalid",
    "date_of_birth": dt.date(2011, 2, 28),
}


@dataclass
class SchoolResult:
    """What the vendor database, the logs and the summary need to know about a generated school."""

    tenant_key: str
    town: Town
    name: str
    street: str
    postal_code: str
    email: str
    phone: str
    nat_ip: str
    counts: dict[str, int]
    featured: dict[str, Featured]
    events: list[WebEvent]
    contact: Person
    principal: Person
    teachers: list[Person]
    pupils: list[Person]


def _password_hash(rng: random.Random) -> str:
    salt = base64.b64encode(rng.randbytes(16)).decode().rstrip("=")
    digest = base64.b64encode(rng.randbytes(32)).decode().rstrip("=")
    return f"$argon2id$v=19$m=65536,t=3,p=4${salt}${digest}"


def _person_rows(w: SchoolWorld):
    rng = w.rng
    for p in w.people:
        updated = updated_by = None
        if rng.random() < 0.3:
            updated = min(w.now - dt.timedelta(hours=2), p.created_at + dt.timedelta(days=rng.randint(1, 900)))
            updated_by = p.extra.get("created_by")
        yield (
            p.id,
            p.kind,
            p.card_number,
            p.login_name,
            _password_hash(rng) if p.login_name else None,
            p.roles,
            p.first_name,
            p.last_name,
            p.date_of_birth,
            p.gender,
            p.class_name,
            p.school_year,
            p.email,
            p.phone,
            p.street,
            p.postal_code,
            p.city,
            p.class_teacher_id,
            p.keep_loan_history,
            p.consent_given_at,
            p.consent_version,
            p.staff_note,
            p.created_at,
            p.extra.get("created_by"),
            updated,
            updated_by,
            p.left_at,
            p.locked_at,
            p.lock_reason,
        )


def populate_school(
    target: str | sa.Engine | Path,
    *,
    index: int = 0,
    readers: int = 300,
    loans_per_reader: int = 40,
    seed: int = 1,
    create: bool = True,
    today: dt.date | None = None,
) -> SchoolResult:
    """Fill a school database (an SQLAlchemy URL, engine or SQLite file path) for the ``index``-th demo town.

    With ``create`` the James school DDL is loaded first; otherwise the tables must exist and be empty.
    ``today`` is the demo's reference day (see ``demo_clock``).
    """
    t = town(index)
    rng = random.Random(f"{seed}/school/{t.tenant_key}")
    w = SchoolWorld(
        t.tenant_key,
        t,
        rng,
        PeoplePool(rng, t, faker_seed=seed * 1000 + index),
        NoteWriter(rng),
        now=demo_clock(today),
        nat_ip=f"198.51.100.{10 + index % 240}",
    )
    build_roster(w, readers)
    staff_notes(w)
    activity = build_activity(w)

    street, postal, city = w.pool.address()
    school_email, school_phone = f"sekretariat@{w.domain}", w.pool.landline()
    sink = open_sink(target, SCHOOL_SQL, create=create)
    try:
        w.counts["school"] = sink.insert(
            "school", SCHOOL_COLS, [(1, t.school, street, postal, city, t.land, school_email, school_phone)]
        )
        w.counts["person"] = sink.insert("person", PERSON_COLS, _person_rows(w))
        w.counts["guardian"] = sink.insert(
            "guardian",
            GUARDIAN_COLS,
            (
                (g.id, g.student_id, g.name, g.relation, g.email, g.phone, g.street, g.postal_code, g.city, g.person_id)
                for g in w.guardians
            ),
        )
        cat = write_items(w, sink, readers)
        letters = Letters(w)
        # this school year's privacy letter is younger than the year notices are kept; the featured
        # siblings always get it, so their parent finds copies of notices (cc) in the answer
        info_day = _privacy_info_day(w.now)
        siblings = set(w.featured["siblings"]["ids"])
        for p in w.people:
            letters.welcome(p)
            if p.active and p.created_at < info_day and (rng.random() < 0.3 or p.id in siblings):
                letters.privacy_info(p, info_day + dt.timedelta(minutes=rng.randrange(300)))
        circulation = write_loans(w, sink, cat, letters, loans_per_reader)
        write_reservations(w, sink, cat, letters)
        write_reviews(w, sink, cat)
        letters.write(sink)
        w.counts["login_event"] = sink.insert("login_event", LOGIN_COLS, activity.logins)
        w.counts["search_log"] = sink.insert("search_log", SEARCH_COLS, activity.searches)
        w.counts["privilege_change"] = sink.insert("privilege_change", PRIV_COLS, activity.privileges)
        w.counts["security_incident"] = sink.insert("security_incident", INCIDENT_COLS, activity.incidents)
    finally:
        sink.close()
    contact = w.people[w.featured["contact"]["id"] - 1]
    teachers = [p for p in w.people if p.kind == "teacher"]
    principal = teachers[2]
    return SchoolResult(
        tenant_key=t.tenant_key,
        town=t,
        name=t.school,
        street=street,
        postal_code=postal,
        email=school_email,
        phone=school_phone,
        nat_ip=w.nat_ip,
        counts=dict(w.counts),
        featured=_featured(w, circulation.recent, circulation.kept),
        events=activity.events,
        contact=contact,
        principal=principal,
        teachers=teachers,
        pupils=[p for p in w.people if p.kind == "student" and p.active],
    )


def _privacy_info_day(now: dt.datetime) -> dt.datetime:
    """The last 1 October before ``now``: in the school year, after enrolment, less than a year ago."""
    day = dt.datetime(now.year, 10, 1, 7, 30)
    return day if day < now else day.replace(year=now.year - 1)


def _reader(w: SchoolWorld, role: str, pid: int, **extra: object) -> Featured:
    p = w.people[pid - 1]
    return Featured(
        role=role,
        controller=w.tenant_key,
        person_id=p.id,
        first_name=p.first_name,
        last_name=p.last_name,
        date_of_birth=p.date_of_birth,
        card_number=p.card_number,
        login_name=p.login_name,
        email=p.email,
        phone=p.phone,
        class_name=p.class_name,
        **extra,
    )  # type: ignore[arg-type]


def _featured(w: SchoolWorld, recent: dict[int, list[tuple[int, int]]], kept: dict[int, int]) -> dict[str, Featured]:
    f = w.featured
    # the pupil with the longest copy: the letter's page target is measured on them
    heaviest = max((p for p in w.people if p.kind == "student" and p.active), key=lambda p: (kept.get(p.id, 0), -p.id))
    elder_id, younger_id = f["siblings"]["ids"]
    parent = w.guardians[w.people[elder_id - 1].extra["guardians"][0] - 1]  # type: ignore[index]
    ns = f["namesakes"]["ids"]
    former = next((p for p in w.people if p.left_at and not p.keep_loan_history), None)
    out = {
        "pupil": _reader(w, "pupil", f["typical"]["id"], note=f"{len(recent.get(f['typical']['id'], []))} loans"),
        "namesakes": _reader(w, "namesakes", ns[0], related_ids=tuple(ns[1:])),
        "teacher_guardian_contact": _reader(
            w,
            "teacher_guardian_contact",
            f["contact"]["id"],
            related_ids=(f["contact"]["child_id"],),
            note=f"class teacher of {f['contact']['class_name']}; guardian of the related pupil; vendor customer contact",
        ),
        "pupil_helper": _reader(w, "pupil_helper", f["helper"]["id"]),
        "parent_two_children": Featured(
            role="parent_two_children",
            controller=w.tenant_key,
            first_name=parent.first_name,
            last_name=parent.last_name,
            email=parent.email,
            phone=parent.phone,
            related_ids=(elder_id, younger_id),
            note="paid a fee for the first child",
        ),
        "incident_target": _reader(w, "incident_target", f["incident"]["target"], related_ids=(1,)),
        "incident_suspect": _reader(w, "incident_suspect", f["incident"]["suspect"], related_ids=(1,)),
        "heavy_teacher": _reader(w, "heavy_teacher", f["heavy"]["id"], note="thousands of class-set loans"),
        "heavy_pupil": _reader(w, "heavy_pupil", heaviest.id, note="the most loans on file of any active pupil"),
        "library_staff": _reader(w, "library_staff", f["staff"]["id"]),
        "nobody": Featured(role="nobody", controller=w.tenant_key, **NOBODY),  # type: ignore[arg-type]
    }
    if former is not None:
        out["former_pupil"] = _reader(w, "former_pupil", former.id, note="left the school; returned loans anonymised")
    return out
