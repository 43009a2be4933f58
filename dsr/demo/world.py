"""The shared state of one school while its demo data is built: clock, random source, people."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from stdnum import iban as _iban

from dsr.demo.people import Guardian, PeoplePool, Person, Town
from dsr.demo.texts import NoteWriter, Someone

#: the demo's "today": fixed, so a seed always gives the same stores. Chosen so the two weeks of
#: web logs before it cross the switch to summer time (+0100 → +0200 on 29 March 2026).
NOW = dt.datetime(2026, 4, 9, 12, 0, 0)
#: James went live in the demo schools at the start of school year 2019/20
LIVE_SINCE = dt.datetime(2019, 9, 2, 8, 0, 0)
CURRENT_YEAR = "2025/26"


def school_year(day: dt.date | dt.datetime) -> str:
    """'2023/24' for any day from 1 August 2023 to 31 July 2024."""
    start = day.year if day.month >= 8 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def new_iban(rng: random.Random) -> str:
    bban = f"{rng.randrange(10000000, 89999999)}{rng.randrange(10**9, 10**10)}"
    return "DE" + _iban.calc_check_digits("DE00" + bban) + bban


@dataclass
class SchoolWorld:
    tenant_key: str
    town: Town
    rng: random.Random
    pool: PeoplePool
    notes: NoteWriter
    school_id: int = 1
    nat_ip: str = "192.0.2.10"
    people: list[Person] = field(default_factory=list)
    guardians: list[Guardian] = field(default_factory=list)
    #: featured people by role (see dsr.demo.summary.Featured), filled while building
    featured: dict[str, dict[str, object]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return f"{self.tenant_key}.example"

    def by_kind(self, kind: str) -> list[Person]:
        return [p for p in self.people if p.kind == kind]

    def someone(self, p: Person | Guardian) -> Someone:
        if isinstance(p, Guardian):
            if p.person_id is not None:
                return self.someone(self.people[p.person_id - 1])
            return Someone(f"{self.tenant_key}/guardian/{p.id}", p.first_name, p.last_name, p.gender, p.email, p.phone)
        return Someone(f"{self.tenant_key}/person/{p.id}", p.first_name, p.last_name, p.gender, p.email, p.phone, None, p.home_ip)

    def parent_of(self, child: Person) -> Guardian | None:
        ids = child.extra.get("guardians")
        return self.guardians[ids[0] - 1] if ids else None  # type: ignore[index]

    def with_iban(self, s: Someone) -> Someone:
        return Someone(s.key, s.first_name, s.last_name, s.gender, s.email, s.phone, new_iban(self.rng), s.ip)
