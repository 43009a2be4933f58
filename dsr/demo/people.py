"""Fake German people: names, logins, library cards, addresses, phone numbers, e-mail addresses.

Name pools come from Faker's de_DE lists and are drawn with our own seeded ``random.Random``:
that keeps a demo deterministic for a seed and fast enough for 100 000 readers.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
import zlib
from dataclasses import dataclass, field

from faker import Faker
from faker.providers.person.de_DE import Provider as _Names

FIRST_FEMALE: tuple[str, ...] = tuple(_Names.first_names_female)
FIRST_MALE: tuple[str, ...] = tuple(_Names.first_names_male)
LAST: tuple[str, ...] = tuple(_Names.last_names)
#: only fake domains (RFC 2606 style); never a real mail provider
MAIL_DOMAINS = ("example.org", "example.net", "example.com", "mail.example", "post.example")
#: one in this many people with an umlaut in their surname has a cousin of the same name stored
#: without umlauts ("Lukas Müller", "Lukas Mueller"): records imported from an older system
COUSIN_EVERY = 4
#: German mobile prefixes whose 8-digit subscriber numbers ``phonenumbers`` accepts
MOBILE_PREFIXES = ("0151", "0152", "0160", "0162", "0170", "0171", "0172", "0176", "0157", "0179")


@dataclass(frozen=True, slots=True)
class Town:
    city: str
    land: str
    postal_prefix: str  #: first three digits of the town's postcodes
    area_code: str  #: with leading 0
    school: str  #: full school name
    tenant_key: str


TOWNS: tuple[Town, ...] = (
    Town("Regensburg", "BY", "930", "0941", "Goethe-Gymnasium Regensburg", "gym-regensburg"),
    Town("Bielefeld", "NW", "336", "0521", "Realschule am Sparrenberg Bielefeld", "rs-bielefeld"),
    Town("Kassel", "HE", "341", "0561", "Brüder-Grimm-Schule Kassel", "bgs-kassel"),
    Town("Freiburg im Breisgau", "BW", "791", "0761", "Droste-Hülshoff-Gymnasium Freiburg", "dhg-freiburg"),
    Town("Potsdam", "BB", "144", "0331", "Gesamtschule Am Neuen Garten Potsdam", "gs-potsdam"),
    Town("Lübeck", "SH", "235", "0451", "Thomas-Mann-Schule Lübeck", "tms-luebeck"),
    Town("Erfurt", "TH", "990", "0361", "Albert-Schweitzer-Gymnasium Erfurt", "asg-erfurt"),
    Town("Leipzig", "SN", "041", "0341", "Oberschule Leipzig-Gohlis", "os-leipzig"),
    Town("Rostock", "MV", "180", "0381", "Erasmus-Gymnasium Rostock", "eg-rostock"),
    Town("Oldenburg", "NI", "261", "0441", "Herbartgymnasium Oldenburg", "hg-oldenburg"),
    Town("Trier", "RP", "542", "0651", "Max-Planck-Gymnasium Trier", "mpg-trier"),
    Town("Magdeburg", "ST", "391", "0391", "Editha-Gymnasium Magdeburg", "edg-magdeburg"),
)


def town(index: int) -> Town:
    """The index-th school town; past the list, numbered copies keep tenant keys unique."""
    base = TOWNS[index % len(TOWNS)]
    if index < len(TOWNS):
        return base
    n = index // len(TOWNS) + 1
    return Town(
        base.city, base.land, base.postal_prefix, base.area_code, f"{base.school} {n}", f"{base.tenant_key}-{n}"
    )


def without_umlauts(name: str) -> str:
    """``Müller`` → ``Mueller``, ``Weiß`` → ``Weiss``: how systems without umlauts store a name."""
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ß", "ss")):
        name = name.replace(a, b)
    return name


def spelling_cousin(first: str, last: str) -> str | None:
    """The full name of the cousin stored without umlauts that a person of this name has in the
    demo ("Lukas Müller" → "Lukas Mueller"), decided by the name itself so that every part of
    the generator agrees; ``None`` for most names."""
    plain = without_umlauts(last)
    if plain == last or zlib.crc32(f"{first} {last}".encode()) % COUSIN_EVERY:
        return None
    return f"{first} {plain}"


def ascii_slug(text: str) -> str:
    """``Jürgen Groß-Weber`` → ``juergen.gross-weber`` style (for logins and e-mail addresses)."""
    text = text.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), (" ", "-")):
        text = text.replace(a, b)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in text if c.isalnum() or c in "-.")


@dataclass(slots=True)
class Person:
    """A row of the school's ``person`` table while it is being built."""

    id: int
    kind: str  # student | teacher | staff | guest
    first_name: str
    last_name: str
    gender: str
    date_of_birth: dt.date | None
    street: str
    postal_code: str
    city: str
    phone: str | None = None
    email: str | None = None
    card_number: str | None = None
    login_name: str | None = None
    roles: str | None = None
    class_name: str | None = None
    school_year: str | None = None
    class_teacher_id: int | None = None
    keep_loan_history: bool = False
    consent_given_at: dt.datetime | None = None
    consent_version: str | None = None
    created_at: dt.datetime = dt.datetime(2019, 9, 1, 8, 0)
    left_at: dt.date | None = None
    locked_at: dt.datetime | None = None
    lock_reason: str | None = None
    staff_note: str | None = None
    #: not a column: where this reader goes online from home (one reader per address)
    home_ip: str | None = None
    home_host: str | None = None
    household: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def active(self) -> bool:
        return self.left_at is None


@dataclass(slots=True)
class Guardian:
    id: int
    student_id: int
    name: str
    first_name: str
    last_name: str
    gender: str
    relation: str
    email: str | None
    phone: str | None
    street: str
    postal_code: str
    city: str
    person_id: int | None = None


class PeoplePool:
    """Draws names and contact details; hands out unique logins, cards and home addresses."""

    def __init__(self, rng: random.Random, town: Town, faker_seed: int) -> None:
        self.rng = rng
        self.town = town
        fake = Faker("de_DE")
        fake.seed_instance(faker_seed)
        # a town's worth of street names, drawn once: Faker per row would be too slow at scale
        self.streets = tuple(dict.fromkeys(fake.street_name() for _ in range(300)))
        self._logins: set[str] = set()
        self._emails: set[str] = set()
        self._next_card = 4711 + rng.randrange(0, 200)
        self._ips: set[str] = set()
        # spelling cousins still to be born: first name → surname without umlauts; handed to
        # the next person drawn with a first name of that gender (see spelling_cousin)
        self._cousins: dict[str, str] = {}
        self._cousined: set[str] = set()
        self._cousin_last: str | None = None

    def gender(self) -> str:
        r = self.rng.random()
        return "f" if r < 0.49 else "m" if r < 0.98 else "d"

    def first_name(self, gender: str) -> str:
        pool = (
            FIRST_FEMALE
            if gender == "f"
            else FIRST_MALE
            if gender == "m"
            else self.rng.choice((FIRST_FEMALE, FIRST_MALE))
        )
        drawn = self.rng.choice(pool)  # drawn even when a cousin takes the name: the rest stays as it was
        self._cousin_last = None
        for first, last in self._cousins.items():
            if first in pool:
                self._cousin_last = last  # the next surname drawn completes the cousin's name
                return first
        return drawn

    def last_name(self) -> str:
        drawn = self.rng.choice(LAST)
        last, self._cousin_last = self._cousin_last, None
        return last or drawn

    def address(self) -> tuple[str, str, str]:
        street = f"{self.rng.choice(self.streets)} {self.rng.randint(1, 120)}{self.rng.choice(('', '', '', 'a', 'b'))}"
        return street, f"{self.town.postal_prefix}{self.rng.randint(10, 99)}", self.town.city

    def landline(self) -> str:
        return f"{self.town.area_code} {self.rng.randint(100000, 9999999)}"

    def mobile(self) -> str:
        return f"{self.rng.choice(MOBILE_PREFIXES)} {self.rng.randint(10000000, 99999999)}"

    def private_email(self, first: str, last: str) -> str:
        style = self.rng.randrange(4)
        local = (f"{first}.{last}", f"{first[0]}.{last}", f"{last}{self.rng.randint(1, 99)}", f"{first}{last}")[style]
        domain = self.rng.choice(MAIL_DOMAINS)
        address, n = f"{ascii_slug(local)}@{domain}", 1
        while address in self._emails:  # "Lukas Müller" and "Lukas Mueller" do not share a mailbox
            n += 1
            address = f"{ascii_slug(local)}{n}@{domain}"
        self._emails.add(address)
        return address

    def login(self, first: str, last: str) -> str:
        """``vorname.nachname``; a digit is added for the second and later people of that name.

        Every person of the school gets a login: this is where the pool learns whose spelling
        cousin is still to come and whose has arrived."""
        if self._cousins.get(first) == last:
            del self._cousins[first]
        elif (cousin := spelling_cousin(first, last)) is not None and cousin not in self._cousined:
            self._cousined.add(cousin)
            self._cousins.setdefault(first, without_umlauts(last))
        base = ascii_slug(f"{first}.{last}")[:45]
        name, n = base, 1
        while name in self._logins:
            n += 1
            name = f"{base}{n}"
        self._logins.add(name)
        return name

    def card(self) -> str:
        self._next_card += 1
        return f"L{self._next_card:07d}"

    def home_address(self) -> tuple[str, str]:
        """A home internet address used by exactly one reader, and how the log shows it."""
        while True:
            if self.rng.random() < 0.35:
                ip = f"2001:db8:{self.rng.randrange(0x10000):x}:{self.rng.randrange(0x10000):x}::{self.rng.randrange(1, 0xFFFF):x}"
                host = ip
            else:
                octets = (
                    self.rng.choice((91, 84, 79, 87, 217, 93)),
                    self.rng.randrange(256),
                    self.rng.randrange(256),
                    self.rng.randrange(1, 255),
                )
                ip = ".".join(map(str, octets))
                host = ip
                r = self.rng.random()
                if r < 0.3:  # reverse lookups switched on: the provider shows in the log
                    host = "p{:02x}{:02x}{:02x}{:02x}.dip0.t-ipconnect.de".format(*octets)
                elif r < 0.4:
                    host = "ip-{}-{}-{}-{}.hsi.kabel-dsl.example".format(*octets)
            if ip not in self._ips:
                self._ips.add(ip)
                return ip, host
