"""The shared state of one school while its demo data is built: clock, random source, people."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from stdnum import iban as _iban

from dsr.demo.people import Guardian, PeoplePool, Person, Town
from dsr.demo.texts import NoteWriter, Someone

#: a reference day whose two weeks of web logs cross the switch to summer time (+0100 → +0200 on
#: 29 March 2026); tests that need both offsets pass it as ``today``
SUMMER_TIME_DAY = dt.date(2026, 4, 9)
#: James went live in the demo schools at the start of school year 2019/20
LIVE_SINCE = dt.datetime(2019, 9, 2, 8, 0, 0)
#: the people are those of this school year whatever the reference day, so featured people stay the same
CURRENT_YEAR = "2025/26"
#: the earliest reference day: every current pupil must be enrolled by then
EARLIEST_DAY = dt.date(2025, 11, 1)


def demo_clock(today: dt.date | None = None) -> dt.datetime:
    """The demo's "now": noon (local wall-clock time, naive like the stores) of the reference day ``today``.

    Without ``today`` it is SUMMER_TIME_DAY, so tests get the same stores on any day; ``dsr demo-data``
    passes the current day (today_in_berlin) so a fresh demo fits letters dated today.
    """
    day = today or SUMMER_TIME_DAY
    if day < EARLIEST_DAY:
        raise ValueError(
            f"the demo's reference day must be {EARLIEST_DAY} or later (its pupils are those of {CURRENT_YEAR})"
        )
    return dt.datetime.combine(day, dt.time(12))


def today_in_berlin() -> dt.date:
    return dt.datetime.now(ZoneInfo("Europe/Berlin")).date()


def years_before(at: dt.datetime, years: int) -> dt.datetime:
    """The same wall-clock time ``years`` calendar years earlier (29 February → 28 February)."""
    try:
        return at.replace(year=at.year - years)
    except ValueError:
        return at.replace(year=at.year - years, day=28)


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
    #: the demo's "now" (see demo_clock)
    now: dt.datetime
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

    def someone(self, p: Person | Guardian) -> Someone:
        if isinstance(p, Guardian):
            if p.person_id is not None:
                return self.someone(self.people[p.person_id - 1])
            return Someone(f"{self.tenant_key}/guardian/{p.id}", p.first_name, p.last_name, p.gender, p.email, p.phone)
        return Someone(
            f"{self.tenant_key}/person/{p.id}", p.first_name, p.last_name, p.gender, p.email, p.phone, None, p.home_ip
        )

    def parent_of(self, child: Person) -> Guardian | None:
        ids = child.extra.get("guardians")
        return self.guardians[ids[0] - 1] if ids else None  # type: ignore[index]

    def with_iban(self, s: Someone) -> Someone:
        return Someone(s.key, s.first_name, s.last_name, s.gender, s.email, s.phone, new_iban(self.rng), s.ip)
