"""A labelled development corpus for redaction: generated people, and German and English notes,
reviews, notices and log lines with ground-truth spans of the subject's data and of
third-party data. Used by ``benchmarks/redaction_quality.py`` and by tests; never by the
pipeline itself.

Generated, not collected: every person is invented (faker name lists). Templates are written
to vary the way people write (name orders, umlaut spellings, casing, phone formats); a
separate, unseen corpus checks the rules, so nothing here is a rule's test case.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from faker import Faker
from stdnum import iban as stdnum_iban

from dsr.model import Identifier, IdentifierKind, KnownPerson, Profile, Subject
from dsr.pipeline.redact.gazetteer import AllowList


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    owner: str  #: subject | third
    kind: str  #: name | email | phone | iban | ip | card | login | address
    known: bool = True  #: the person is in the stores (False: only patterns/cues can find it)
    full: bool = False  #: a full name (first and last)


@dataclass
class Doc:
    text: str
    language: str
    spans: list[Span] = field(default_factory=list)


@dataclass
class Corpus:
    people: list[KnownPerson]
    subject: Subject
    allow: AllowList
    docs: list[Doc]


@dataclass
class _P:
    first: str
    last: str
    email: str
    card: str
    login: str
    phone: str  #: E.164
    street: str
    postcode: str
    city: str
    ip: str
    iban: str


BOOKS = [
    ("Michael Ende", "Momo"),
    ("Cornelia Funke", "Tintenherz"),
    ("Paul Maar", "Das Sams"),
    ("Kirsten Boie", "Seeräubermoses"),
    ("Erich Kästner", "Emil und die Detektive"),
    ("J. K. Rowling", "Harry Potter und der Stein der Weisen"),
    ("Astrid Lindgren", "Ronja Räubertochter"),
    ("Otfried Preußler", "Krabat"),
    ("Roald Dahl", "Matilda"),
    ("Jeff Kinney", "Gregs Tagebuch"),
]

# {S..} subject, {T..} a known third party, {U..} a person in no store; {BOOK}/{AUTHOR} catalogue.
TEMPLATES_DE = [
    "{T_FULL} hat das Buch für {S_FIRST} ausgegeben.",
    "Rückgabe durch {T_FULL}, Einband beschädigt. Rücksprache mit {S_FULL} am Montag.",
    "Mutter von {T_FIRST} ({T_EMAIL}) hat angerufen, Rückruf unter {T_PHONE}.",
    "Gebühr bezahlt von {T_FULL_LF} per Überweisung, IBAN {T_IBAN}.",
    "Ausweis {T_CARD} gehört nicht {S_FIRST}, sondern {T_FULL}.",
    'Frau {U_LAST} aus der 7b hat das Buch "{BOOK}" von {AUTHOR} vorgemerkt.',
    "{S_FULL} wohnt {S_ADDR}; Post bitte nicht an {T_ADDR} schicken.",
    "Login {T_LOGIN} von IP {T_IP} gesperrt, Hinweis an {S_EMAIL}.",
    "Laut {T_FULL} war {U_FULL} beim Vorfall dabei.",
    "Unsere Schulleiterin {U_FULL} bittet um eine Kopie des Vertrags. Gruß, {S_FULL}",
    'Info an {S_EMAIL}: Das Buch "{BOOK}" ist da.',
    "{T_FIRST} und {S_FIRST} haben zusammen ein Referat über {AUTHOR} gehalten.",
    "Herr {T_LAST} (Klassenlehrer) bittet um Verlängerung für {S_FULL}.",
    "Telefonnummer des Vaters: {U_PHONE}, E-Mail {U_EMAIL}.",
    "Bitte {S_CARD} sperren, Ersatzausweis beantragt.",
    "Zahlung über {U_IBAN} eingegangen.",
    "Mit {U_FIRST} {U_LAST} gesprochen, Schaden wird ersetzt.",
    "Vormerkung: {S_FULL} steht an Position 2, davor {T_FULL}.",
    "{T_FULL_COMMA} hat bei {S_FIRST} geklingelt.",
]
TEMPLATES_EN = [
    "Great book! My friend {T_FULL} recommended it. - {S_FIRST}",
    "Hello, our principal {U_FULL} asks for a copy of the processing agreement. Regards, {S_FULL}",
    '{S_FULL} returned "{BOOK}" late; {T_FIRST} said it was lost at home.',
    "Contact {T_EMAIL} or call {T_PHONE} about the fee paid by {T_FULL}.",
    "Mrs {U_LAST} from the parents' council asked about {S_FIRST}'s card {S_CARD}.",
    "Admin {T_LOGIN} changed permissions for {S_EMAIL} from {T_IP}.",
    "I read {AUTHOR} with {U_FIRST} last summer.",
    "Suspect: {T_FULL}, seen at {T_ADDR} with {U_FULL}.",
    "Refund to {T_IBAN} for {T_FULL_LF}.",
]
# Sentences that name nobody: real notes are mostly these.
NEUTRAL_DE = [
    "Das Buch wurde mit leichtem Wasserschaden zurückgegeben.",
    "Verlängerung um zwei Wochen gewährt.",
    "Mahnung am 12.03.2025 verschickt, Gebühr 2,50 Euro.",
    "Bitte beim nächsten Besuch den Ausweis mitbringen.",
    "Die Klasse 7b hat am Dienstag eine Führung durch die Bibliothek.",
    "Ersatzexemplar bestellt, Lieferung in 5 Tagen.",
    "Ausleihe nur mit Einverständnis der Eltern.",
    "Medium im Regal Sachbuch 3 eingestellt.",
    "Rückgabe am Freitag nach der 6. Stunde.",
    "Mit Erlaubnis der Schulleitung ausgeliehen.",
    "Von Montag bis Mittwoch geschlossen wegen Inventur.",
    "Sehr spannend, ich habe es in zwei Tagen gelesen!",
]
NEUTRAL_EN = [
    "The book was returned with a torn cover.",
    "Loan extended by two weeks.",
    "Great story, highly recommended!",
    "Fee of 2.50 EUR paid in cash on 12 March 2025.",
    "Please bring your card next time.",
    "Reserved copy is waiting at the desk.",
    "Library closed on Monday for stocktaking.",
]

LOG_LINE = (
    '{IP} - {LOGIN} [12/Mar/2025:10:{MM}:01 +0100] "GET /opac/gym/search?q={Q} HTTP/1.1" 200 512 "-" "Mozilla/5.0"'
)


def _translit(s: str) -> str:
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue")):
        s = s.replace(a, b)
    return s


def _iban(rnd: random.Random) -> str:
    bban = f"{rnd.randrange(10**7, 10**8)}{rnd.randrange(10**9, 10**10)}"
    check = stdnum_iban.calc_check_digits("DEXX" + bban)
    return f"DE{check}{bban}"


def _phone_text(e164: str, rnd: random.Random) -> str:
    national = "0" + e164[3:]
    style = rnd.randrange(4)
    if style == 0:
        return f"{national[:4]} {national[4:]}"
    if style == 1:
        return f"{national[:4]}/{national[4:]}"
    if style == 2:
        return f"+49 {e164[3:6]} {e164[6:]}"
    return national


def _iban_text(iban: str, rnd: random.Random) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)) if rnd.random() < 0.7 else iban


def make_people(n: int, seed: int = 1) -> list[_P]:
    rnd = random.Random(seed)
    fakers = [Faker("de_DE"), Faker("en_GB"), Faker("tr_TR"), Faker("pl_PL")]
    for i, f in enumerate(fakers):
        f.seed_instance(seed + i)
    firsts = sorted({fakers[i % 4].first_name() for i in range(1200)})
    lasts = sorted({fakers[i % 4].last_name() for i in range(2500)})
    streets = sorted({fakers[0].street_name() for _ in range(400)})
    cities = [(fakers[0].postcode(), fakers[0].city()) for _ in range(200)]
    out = []
    for i in range(n):
        first, last = rnd.choice(firsts), rnd.choice(lasts)
        plain = _translit(f"{first}.{last}").lower().replace(" ", "")
        postcode, city = rnd.choice(cities)
        out.append(
            _P(
                first=first,
                last=last,
                email=f"{re.sub(r'[^a-z.]', '', plain)}{i}@{rnd.choice(['web.de', 'gmx.de', 'gmail.com', 't-online.de'])}",
                card=f"L{i + 1:07d}",
                login=f"{re.sub(r'[^a-z]', '', plain)[:6]}{i}",
                phone=f"+49{rnd.choice(['151', '160', '171', '176', '89', '30', '221'])}{rnd.randrange(10**6, 10**8)}",
                street=f"{rnd.choice(streets)} {rnd.randrange(1, 120)}",
                postcode=postcode,
                city=city,
                ip=f"{rnd.choice([10, 84, 91, 178, 192])}.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}",
                iban=_iban(rnd),
            )
        )
    return out


def known(p: _P, key: int, store: str = "school") -> KnownPerson:
    return KnownPerson(
        store=store,
        key=str(key),
        first_name=p.first,
        last_name=p.last,
        street=p.street,
        postal_code=p.postcode,
        city=p.city,
        role="student",
        identifiers=frozenset(
            {
                Identifier(IdentifierKind.KEY, str(key), store),
                Identifier(IdentifierKind.EMAIL, p.email.lower()),
                Identifier(IdentifierKind.CARD, p.card),
                Identifier(IdentifierKind.LOGIN, p.login),
                Identifier(IdentifierKind.PHONE, p.phone),
                Identifier(IdentifierKind.IP, p.ip),
                Identifier(IdentifierKind.IBAN, p.iban),
            }
        ),
    )


class _Filler:
    def __init__(self, rnd: random.Random, subject: _P, people: list[_P], strangers: list[_P]):
        self.rnd, self.s, self.people, self.strangers = rnd, subject, people, strangers

    def value(self, slot: str, doc_language: str) -> tuple[str, Span | None]:
        rnd = self.rnd
        who, _, what = slot.partition("_")
        if slot == "BOOK":
            return rnd.choice(BOOKS)[1], None
        if slot == "AUTHOR":
            return rnd.choice(BOOKS)[0], None
        p = self.s if who == "S" else rnd.choice(self.people if who == "T" else self.strangers)
        owner = "subject" if who == "S" else "third"
        first, last = p.first, p.last
        if rnd.random() < 0.15:
            first, last = _translit(first), _translit(last)
        text, kind, full = {
            "FULL": (f"{first} {last}", "name", True),
            "FULL_LF": (f"{last} {first}", "name", True),
            "FULL_COMMA": (f"{last}, {first}", "name", True),
            "FIRST": (first, "name", False),
            "LAST": (last, "name", False),
            "EMAIL": (p.email if rnd.random() < 0.7 else p.email.upper(), "email", False),
            "PHONE": (_phone_text(p.phone, rnd), "phone", False),
            "IBAN": (_iban_text(p.iban, rnd), "iban", False),
            "IP": (p.ip, "ip", False),
            "CARD": (p.card, "card", False),
            "LOGIN": (p.login, "login", False),
            "ADDR": (f"{p.street}, {p.postcode} {p.city}", "address", False),
        }[what]
        return text, Span(0, 0, owner, kind, known=who != "U", full=full)


def _fill(template: str, filler: _Filler, language: str) -> Doc:
    doc = Doc("", language)
    pos = 0
    parts = []
    length = 0
    for m in re.finditer(r"\{([A-Z_]+)\}", template):
        literal = template[pos : m.start()]
        parts.append(literal)
        length += len(literal)
        value, span = filler.value(m.group(1), language)
        if span is not None:
            doc.spans.append(Span(length, length + len(value), span.owner, span.kind, span.known, span.full))
        parts.append(value)
        length += len(value)
        pos = m.end()
    parts.append(template[pos:])
    doc.text = "".join(parts)
    return doc


def generate(n_people: int = 2000, n_docs: int = 1000, seed: int = 7) -> Corpus:
    """People (index 0 is the subject), a gazetteer-ready list of them, and labelled documents."""
    rnd = random.Random(seed)
    everyone = make_people(n_people + 200, seed)
    subject_p, people, strangers = everyone[0], everyone[1:n_people], everyone[n_people:]
    filler = _Filler(rnd, subject_p, people, strangers)
    docs: list[Doc] = []
    for i in range(n_docs):
        kind = rnd.random()
        if kind < 0.15:
            p = rnd.choice([subject_p, *rnd.sample(people, 3)])
            line = LOG_LINE.format(IP=p.ip, LOGIN=p.login, MM=f"{i % 60:02d}", Q=rnd.choice(BOOKS)[1].replace(" ", "+"))
            owner = "subject" if p is subject_p else "third"
            doc = Doc(
                line,
                "en",
                [Span(0, len(p.ip), owner, "ip"), Span(len(p.ip) + 3, len(p.ip) + 3 + len(p.login), owner, "login")],
            )
        else:
            language = "de" if kind < 0.75 else "en"
            neutral = NEUTRAL_DE if language == "de" else NEUTRAL_EN
            before = " ".join(rnd.sample(neutral, rnd.randrange(0, 3)))
            after = " ".join(rnd.sample(neutral, rnd.randrange(0, 3)))
            template = rnd.choice(TEMPLATES_DE if language == "de" else TEMPLATES_EN)
            doc = _fill(" ".join(x for x in (before, template, after) if x), filler, language)
        docs.append(doc)
    subject = Subject(
        controller="gym",
        reference="subject",
        identifiers=known(subject_p, 0).identifiers,
        profile=Profile(
            first_name=subject_p.first,
            last_name=subject_p.last,
            email=subject_p.email,
            street=subject_p.street,
            postal_code=subject_p.postcode,
            city=subject_p.city,
        ),
    )
    persons = [known(p, k) for k, p in enumerate([subject_p, *people])]
    allow = AllowList(terms=tuple(x for pair in BOOKS for x in pair))
    return Corpus(people=persons, subject=subject, allow=allow, docs=docs)
