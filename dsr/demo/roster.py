"""Who is in a school: staff, teachers, pupils (current and former), guests, guardians.

Also plants the hard cases the pipeline must get right: namesakes in one class, a teacher who
is class teacher, guardian of a pupil and the vendor's customer contact, pupil helpers, and a
parent with two children at the school.
"""

from __future__ import annotations

import datetime as dt
import math

from dsr.demo.people import Guardian, Person
from dsr.demo.world import CURRENT_YEAR, LIVE_SINCE, SchoolWorld

GRADES = range(5, 13)


def _classes(n: int) -> list[str]:
    """5a, 6a, … 12a, 5b, 6b, …; huge benchmark schools go on with 5a2, 6a2, …"""
    names = []
    for i in range(n):
        k = i // len(GRADES)
        names.append(f"{GRADES[i % len(GRADES)]}{'abcdefghijklmnopqrstuvwxyz'[k % 26]}{k // 26 + 1 if k >= 26 else ''}")
    return names


def grade_of(class_name: str | None) -> int:
    """'10b' → 10."""
    digits = "".join(c for c in class_name or "" if c.isdigit())
    return int(digits[:2] if digits.startswith(("10", "11", "12", "13")) else digits[:1] or 0)


def _dob(w: SchoolWorld, age_on_1_sept: int, year: int) -> dt.date:
    born = dt.date(year - age_on_1_sept - 1, 9, 1) + dt.timedelta(days=w.rng.randrange(365))
    return born


def _new(
    w: SchoolWorld, kind: str, *, gender: str | None = None, first: str | None = None, last: str | None = None
) -> Person:
    g = gender or w.pool.gender()
    street, postal, city = w.pool.address()
    p = Person(
        id=len(w.people) + 1,
        kind=kind,
        gender=g,
        first_name=first or w.pool.first_name(g),
        last_name=last or w.pool.last_name(),
        date_of_birth=None,
        street=street,
        postal_code=postal,
        city=city,
    )
    p.login_name = w.pool.login(p.first_name, p.last_name)
    p.card_number = w.pool.card()
    p.keep_loan_history = w.rng.random() < 0.7
    if w.rng.random() < 0.45:
        p.home_ip, p.home_host = w.pool.home_address()
    w.people.append(p)
    return p


def _adult(w: SchoolWorld, p: Person) -> None:
    p.date_of_birth = _dob(w, w.rng.randint(27, 63), 2025)
    p.email = f"{p.login_name}@{w.domain}"
    p.phone = w.pool.landline() if w.rng.random() < 0.5 else w.pool.mobile()
    p.school_year = CURRENT_YEAR
    p.created_at = LIVE_SINCE + dt.timedelta(days=w.rng.randrange(0, 5 * 365), hours=w.rng.randrange(9))
    p.created_at = min(p.created_at, w.now - dt.timedelta(days=30))


def _guardian(
    w: SchoolWorld,
    child: Person,
    *,
    parent: Person | None = None,
    relation: str | None = None,
    same_household_as: Guardian | None = None,
) -> Guardian:
    if same_household_as is not None:
        g0 = same_household_as
        g = Guardian(
            len(w.guardians) + 1,
            child.id,
            g0.name,
            g0.first_name,
            g0.last_name,
            g0.gender,
            g0.relation,
            g0.email,
            g0.phone,
            g0.street,
            g0.postal_code,
            g0.city,
            g0.person_id,
        )
    elif parent is not None:
        g = Guardian(
            len(w.guardians) + 1,
            child.id,
            parent.full_name,
            parent.first_name,
            parent.last_name,
            parent.gender,
            "mother" if parent.gender == "f" else "father",
            parent.email,
            parent.phone,
            child.street,
            child.postal_code,
            child.city,
            parent.id,
        )
    else:
        gender = "f" if relation == "mother" else "m" if relation == "father" else w.pool.gender()
        first = w.pool.first_name(gender)
        last = child.last_name if w.rng.random() < 0.85 else w.pool.last_name()
        email = w.pool.private_email(first, last) if w.rng.random() < 0.85 else None
        g = Guardian(
            len(w.guardians) + 1,
            child.id,
            f"{first} {last}",
            first,
            last,
            gender,
            relation or ("legal_guardian" if w.rng.random() < 0.03 else "mother" if gender == "f" else "father"),
            email,
            w.pool.mobile(),
            child.street,
            child.postal_code,
            child.city,
        )
    w.guardians.append(g)
    child.extra.setdefault("guardians", []).append(g.id)  # type: ignore[union-attr]
    return g


def _pupil(
    w: SchoolWorld,
    class_name: str,
    *,
    first: str | None = None,
    last: str | None = None,
    gender: str | None = None,
    sibling_of: Person | None = None,
) -> Person:
    if sibling_of is not None:
        last = sibling_of.last_name
    p = _new(w, "student", gender=gender, first=first, last=last)
    grade = grade_of(class_name)
    p.class_name, p.school_year = class_name, CURRENT_YEAR
    p.date_of_birth = _dob(w, grade + 5, 2025)
    enrolled = dt.datetime(2025 - (grade - 5), 9, 8, 8, 0) + dt.timedelta(minutes=w.rng.randrange(600))
    p.created_at = max(enrolled, LIVE_SINCE + dt.timedelta(minutes=w.rng.randrange(6000)))
    r = w.rng.random()
    if r < 0.3:
        p.email = f"{p.login_name}@schueler.{w.domain}"
    elif r < 0.55:
        p.email = w.pool.private_email(p.first_name, p.last_name)
    if grade >= 8 and w.rng.random() < 0.4:
        p.phone = w.pool.mobile()
    if sibling_of is not None:
        p.street, p.postal_code, p.city = sibling_of.street, sibling_of.postal_code, sibling_of.city
        for gid in sibling_of.extra.get("guardians", []):  # type: ignore[union-attr]
            _guardian(w, p, same_household_as=w.guardians[gid - 1])
    elif p.date_of_birth > dt.date(2007, 4, 9) or w.rng.random() < 0.5:  # minors (and some adults) have guardians
        _guardian(w, p)
        if w.rng.random() < 0.6:
            _guardian(w, p, relation="father" if w.guardians[-1].relation == "mother" else "mother")
    if p.date_of_birth <= dt.date(2011, 4, 9) or w.rng.random() < 0.2:
        p.consent_given_at = p.created_at + dt.timedelta(days=w.rng.randrange(1, 20))
        p.consent_version = "2019-08" if p.consent_given_at < dt.datetime(2023, 8, 1) else "2023-07"
    return p


def build_roster(w: SchoolWorld, readers: int) -> None:
    """Fill ``w.people`` and ``w.guardians`` for about ``readers`` people."""
    rng = w.rng
    n_staff = max(2, readers // 150)
    n_teachers = max(5, readers // 14)
    n_guests = max(1, readers // 60)
    n_pupils = max(12, readers - n_staff - n_teachers - n_guests)
    n_former = n_pupils * 15 // 100
    n_current = n_pupils - n_former

    staff = [_new(w, "staff") for _ in range(n_staff)]
    for i, s in enumerate(staff):
        _adult(w, s)
        s.roles = "circulation,cataloguing,admin" if i == 0 else "circulation,cataloguing"
    staff[0].created_at = LIVE_SINCE
    teachers = [_new(w, "teacher") for _ in range(n_teachers)]
    for t in teachers:
        _adult(w, t)
        if rng.random() < 0.15:
            t.roles = "circulation"

    classes = _classes(max(2, math.ceil(n_current / 26)))
    class_teacher = {c: teachers[i % len(teachers)] for i, c in enumerate(classes)}

    # the librarian teacher: class teacher, guardian of a pupil here, the vendor's customer contact
    contact = teachers[0]
    contact.roles = "cataloguing,admin"
    contact_class = classes[0]
    heavy = teachers[1]
    heavy.keep_loan_history = True  # otherwise the class-set history would be anonymised away

    pupils: list[Person] = []
    # hard cases first, so they exist at every size
    featured_class = classes[min(2, len(classes) - 1)]
    gender = rng.choice("fm")
    first, last = w.pool.first_name(gender), w.pool.last_name()
    namesakes = [_pupil(w, featured_class, first=first, last=last, gender=gender) for _ in range(2)]
    child_of_contact = _pupil(w, classes[min(3, len(classes) - 1)], last=contact.last_name)
    child_of_contact.street, child_of_contact.postal_code, child_of_contact.city = (
        contact.street,
        contact.postal_code,
        contact.city,
    )
    for gid in child_of_contact.extra.get("guardians", []):  # type: ignore[union-attr]
        w.guardians[gid - 1].relation = "father" if contact.gender == "f" else "mother"
    _guardian(w, child_of_contact, parent=contact)
    elder = _pupil(w, classes[-1])
    if not elder.extra.get("guardians"):
        _guardian(w, elder, relation="mother")
    parent = w.guardians[elder.extra["guardians"][0] - 1]  # type: ignore[index]
    parent.email = parent.email or w.pool.private_email(parent.first_name, parent.last_name)
    younger = _pupil(w, classes[0], sibling_of=elder)
    target, suspect = _pupil(w, featured_class), _pupil(w, featured_class)
    typical = _pupil(w, featured_class)
    typical.keep_loan_history = True
    if not typical.email:
        typical.email = f"{typical.login_name}@schueler.{w.domain}"
    pupils += [*namesakes, child_of_contact, elder, younger, target, suspect, typical]

    while len(pupils) < n_current:
        c = classes[len(pupils) % len(classes)]
        sibling = rng.choice(pupils) if rng.random() < 0.1 else None
        pupils.append(_pupil(w, c, sibling_of=sibling))
    for p in pupils:
        p.class_teacher_id = class_teacher[p.class_name].id  # type: ignore[index]

    helpers = [p for p in pupils[8:] if grade_of(p.class_name) >= 8][: max(1, len(pupils) // 60)]  # type: ignore[index]
    helpers = helpers or [pupils[-1]]  # tiny schools: any pupil helps
    for h in helpers:
        h.roles = "circulation"

    for _ in range(n_former):
        left_year = rng.randint(2020, 2025)
        grade = rng.choice((10, 12, 12, 13, rng.randint(5, 12)))
        p = _pupil(w, f"{min(grade, 12)}{rng.choice('abcd')}")
        p.school_year = f"{left_year - 1}/{left_year % 100:02d}"
        p.date_of_birth = _dob(w, grade + 5, left_year - 1)
        p.left_at = dt.date(left_year, 7, rng.randint(20, 31))
        p.created_at = max(LIVE_SINCE, dt.datetime(left_year - 1 - min(grade - 5, 8), 9, 8, 8, 0)) + dt.timedelta(
            minutes=rng.randrange(600)
        )
        p.class_teacher_id = rng.choice(teachers).id
        p.home_ip = p.home_host = None

    for _ in range(n_guests):
        g = _new(w, "guest")
        _adult(w, g)
        g.email = w.pool.private_email(g.first_name, g.last_name) if rng.random() < 0.7 else None
        g.roles = None

    for p in w.people:
        if p is not staff[0]:
            p.extra["created_by"] = staff[0].id if rng.random() < 0.6 else rng.choice(staff).id
        p.extra.setdefault("guardians", [])

    # someone who left keeps nothing but loan history; some readers got locked for unpaid fees
    for p in rng.sample(pupils[8:], k=min(len(pupils) - 8, max(1, len(pupils) // 100))):
        p.locked_at = w.now - dt.timedelta(days=rng.randint(3, 200))
        p.lock_reason = "Gebühren offen" if rng.random() < 0.7 else "Ausweis verloren gemeldet"

    w.featured.update(
        {
            "contact": {"id": contact.id, "class_name": contact_class, "child_id": child_of_contact.id},
            "heavy": {"id": heavy.id},
            "namesakes": {"ids": [n.id for n in namesakes]},
            "siblings": {"ids": [elder.id, younger.id]},
            "incident": {"target": target.id, "suspect": suspect.id},
            "typical": {"id": typical.id},
            "helper": {"id": helpers[0].id},
            "staff": {"id": staff[0].id},
        }
    )
    class_teacher[contact_class] = contact
    for p in pupils:
        if p.class_name == contact_class:
            p.class_teacher_id = contact.id


def staff_notes(w: SchoolWorld) -> None:
    """Some readers get a staff note that names classmates, parents' phones and e-mails."""
    pupils = [p for p in w.people if p.kind == "student"]
    suspect = w.featured["incident"]["suspect"]
    for p in w.people:
        if w.rng.random() > 0.08 and p.id not in (
            w.featured["typical"]["id"],
            w.featured["incident"]["target"],
            suspect,
        ):
            continue
        # the incident suspect's note names another pupil by first name alone: a review item in their answer
        mate = w.rng.choice([q for q in pupils if q is not p] if p.id == suspect else pupils)
        people = {"self": w.someone(p), "mate": w.someone(mate)}
        parent = w.parent_of(p)
        if parent is not None:
            people["parent"] = w.someone(parent)
        if p.class_teacher_id:
            people["teacher"] = w.someone(w.people[p.class_teacher_id - 1])
        p.staff_note = (
            w.notes.write(
                "staff_note",
                people,
                {"date": (w.now - dt.timedelta(days=w.rng.randrange(400))).strftime("%d.%m.%Y")},
                mentioning="{mate.first}" if p.id == suspect else None,
            ).text
            or None
        )
