"""The people of the corpus: a crowd the stores know, requesters with their households (guardians
and siblings share their surname and address), a known person whose stored name is exactly the
umlaut transliteration of a requester's ("Lukas Mueller" beside "Lukas Müller"), and strangers
no store knows."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from dsr.demo.redaction_corpus.names import (
    NOUN_FIRSTS,
    NOUN_SURNAMES,
    PARTICLE_SURNAMES,
    NamePools,
    plain,
    translit,
)
from dsr.demo.redaction_corpus.numbers import iban, ipv4, ipv6, phone_number
from dsr.demo.redaction_corpus.places import Address, house_number, street_names, town
from dsr.model import Identifier, IdentifierKind, KnownPerson, Profile, Subject


@dataclass
class Person:
    first: str
    last: str
    gender: str  #: f | m
    email: str
    card: str
    login: str
    phone: str  #: E.164, as stored
    phone_country: str
    address: Address
    ip: str  #: IPv4
    ip6: str
    iban: str
    role: str = "student"
    relation: str = ""  #: guardian | sibling | cousin — of the household's subject
    known: bool = True  #: in the stores (False: a stranger)

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class Household:
    """A requester and the family the stores know: guardians and siblings (same surname and
    address), and perhaps a cousin whose stored name is the requester's, transliterated."""

    subject: Person
    guardians: list[Person]
    siblings: list[Person]
    twin: Person | None = None

    @property
    def family(self) -> list[Person]:
        return [*self.guardians, *self.siblings]


_DOMAINS = ["web.de", "gmx.de", "gmail.com", "t-online.de", "outlook.com", "posteo.de", "icloud.com", "gmx.at"]
_DOMAINS += ["bluewin.ch", "yahoo.co.uk", "freenet.de", "mailbox.org"]
_ASCII = re.compile(r"[^a-z0-9]")
_LATIN = str.maketrans({"ł": "l", "ı": "i", "ø": "o", "đ": "d", "æ": "ae", "œ": "oe"})


def ascii_word(name: str) -> str:
    """A name as it goes into an e-mail address or login: "Şevket" → "sevket", "Müller" →
    "mueller"."""
    decomposed = unicodedata.normalize("NFKD", translit(name).lower().translate(_LATIN))
    return _ASCII.sub("", "".join(c for c in decomposed if not unicodedata.combining(c)))


@dataclass
class Population:
    """Draws people with identifiers unique across the whole corpus."""

    rnd: random.Random
    pools: NamePools
    streets: list[str]
    _emails: set[str] = field(default_factory=set)
    _ips: set[str] = field(default_factory=set)
    _count: int = 0
    _households: int = 0

    @classmethod
    def new(cls, seed: int) -> Population:
        rnd = random.Random(seed)
        pools = NamePools(seed)
        return cls(rnd, pools, street_names(pools.faker_de, rnd, 500))

    def person(
        self,
        first: str | None = None,
        last: str | None = None,
        gender: str | None = None,
        address: Address | None = None,
        home: str | None = None,
        role: str = "student",
    ) -> Person:
        rnd = self.rnd
        self._count += 1
        i = self._count
        gender = gender or rnd.choice("fm")
        first = first or self.pools.first(rnd, gender)
        last = last or rnd.choice(self.pools.lasts)
        if address is None:
            country = home or rnd.choices(["DE", "AT", "CH"], [90, 5, 5])[0]
            postcode, city = town(rnd, country)
            address = Address(rnd.choice(self.streets), house_number(rnd), postcode, city, country)
        phone_country = address.country if address.country != "DE" else rnd.choices(["DE", "GB", "US"], [96, 2, 2])[0]
        return Person(
            first=first,
            last=last,
            gender=gender,
            email=self._email(first, last),
            card=f"L{i:07d}",
            login=f"{ascii_word(first)[:3]}{ascii_word(last)[:4]}{i}",
            phone=phone_number(rnd, phone_country),
            phone_country=phone_country,
            address=address,
            ip=self._unique_ip(ipv4),
            ip6=self._unique_ip(ipv6),
            iban=iban(rnd, rnd.choices(["DE", "AT", "CH", "NL"], [88, 4, 4, 4])[0]),
            role=role,
        )

    def stranger(self) -> Person:
        """Somebody no store knows, from anywhere."""
        p = self.person(home=self.rnd.choices(["DE", "AT", "CH"], [70, 15, 15])[0])
        country = self.rnd.choices(["DE", "AT", "CH", "GB", "US"], [55, 10, 10, 12, 13])[0]
        return replace(p, phone=phone_number(self.rnd, country), phone_country=country, known=False)

    def _email(self, first: str, last: str) -> str:
        f, la = (ascii_word(x.split()[-1]) for x in (first, last))
        rnd = self.rnd
        local = rnd.choice([f"{f}.{la}", f"{f[:1]}.{la}", f"{la}.{f}", f"{f}{la}", f"{f}_{la}", f"{f}.{la}"])
        if rnd.random() < 0.4:
            local += str(rnd.randrange(1, 99))
        email = f"{local}@{rnd.choice(_DOMAINS)}"
        while email in self._emails:
            email = f"{local}{rnd.randrange(100, 9999)}@{rnd.choice(_DOMAINS)}"
        self._emails.add(email)
        return email

    def _unique_ip(self, draw: Callable[[random.Random], tuple[str, str]]) -> str:
        while True:
            ip, _ = draw(self.rnd)
            if ip not in self._ips:
                self._ips.add(ip)
                return ip

    def crowd(self, n: int, reserved: set[tuple[str, str]]) -> list[Person]:
        """``n`` known people; the first ones carry surnames and first names that are also
        ordinary words, and surnames with particles, so every corpus has them. Nobody is named
        exactly like a requester or their cousin (``reserved``, see :func:`plain_name`)."""
        out = []
        specials: list[tuple[str | None, str | None]] = [(None, s) for s in NOUN_SURNAMES + PARTICLE_SURNAMES]
        specials += [(f, None) for g in NOUN_FIRSTS for f in NOUN_FIRSTS[g]]
        for k in range(n):
            first, last = specials[k] if k < len(specials) else (None, None)
            gender = next((g for g, names in NOUN_FIRSTS.items() if first in names), None)
            role = self.rnd.choices(["student", "teacher", "guardian"], [70, 10, 20])[0]
            p = self.person(first=first, last=last, gender=gender, role=role)
            while plain_name(p) in reserved:
                p = self.person(first=first, role=role)
            out.append(p)
        return out

    def strangers(self, n: int, reserved: set[tuple[str, str]]) -> list[Person]:
        out: list[Person] = []
        while len(out) < n:
            p = self.stranger()
            if plain_name(p) not in reserved:
                out.append(p)
        return out

    def household(self) -> Household:
        """A requester (a pupil; every other one with an umlaut or ß in the surname), one or two
        guardians and up to two siblings at the same address, and — for every other name with
        an umlaut — a cousin stored under its transliteration ("Lukas Mueller")."""
        rnd = self.rnd
        self._households += 1
        umlaut = self._households % 2 == 1
        last = rnd.choice(self.pools.umlaut_lasts if umlaut else self.pools.lasts)
        subject = self.person(last=last)
        home = subject.address
        taken = {subject.first}

        def relative(relation: str, gender: str, role: str) -> Person:
            while (first := self.pools.first(rnd, gender)) in taken:
                pass
            taken.add(first)
            return replace(self.person(first, last, gender, home, role=role), relation=relation)

        guardians = [relative("guardian", g, "guardian") for g in rnd.sample("fm", rnd.choice([1, 2]))]
        siblings = [relative("sibling", rnd.choice("fm"), "student") for _ in range(rnd.choice([0, 1, 1, 2]))]
        twin = None
        if umlaut and self._households % 4 == 1:
            twin = self.person(translit(subject.first), translit(last), subject.gender)
            twin = replace(twin, relation="cousin")
        return Household(subject, guardians, siblings, twin)


def plain_name(p: Person) -> tuple[str, str]:
    """First and last name lower-cased and transliterated: "Müller" and "mueller" are one."""
    return plain(p.first), plain(p.last)


def known(p: Person, key: int, store: str = "school") -> KnownPerson:
    """``p`` as the school's database holds them (the gazetteer's input)."""
    K = IdentifierKind
    return KnownPerson(
        store=store,
        key=str(key),
        first_name=p.first,
        last_name=p.last,
        street=p.address.street,
        postal_code=p.address.postcode,
        city=p.address.city,
        role=p.role,
        identifiers=frozenset(
            {
                Identifier(K.KEY, str(key), store),
                Identifier(K.EMAIL, p.email.lower()),
                Identifier(K.CARD, p.card),
                Identifier(K.LOGIN, p.login),
                Identifier(K.PHONE, p.phone),
                Identifier(K.IP, p.ip),
                Identifier(K.IP, p.ip6),
                Identifier(K.IBAN, p.iban),
            }
        ),
    )


def subject_of(p: Person, key: int, controller: str = "gym") -> Subject:
    """The resolved requester: their store row's identifiers and profile."""
    return Subject(
        controller=controller,
        reference=f"subject-{key}",
        identifiers=known(p, key).identifiers,
        profile=Profile(
            first_name=p.first,
            last_name=p.last,
            email=p.email,
            street=p.address.street,
            postal_code=p.address.postcode,
            city=p.address.city,
        ),
    )
