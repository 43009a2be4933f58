"""Cue words: a capitalised word after "Frau", "Herr", "Mutter", "mit", "with" … is probably a
person. A name the stores know after a title is redacted ("Frau Schulz", Schulz known); any other
capitalised word after a cue is a review item, unless it is a common noun (German capitalises
nouns) or the subject's own name.

The cue words are keys of the gazetteer's automaton (:data:`CUE_KEYS`), so finding them costs
nothing extra; :func:`cue_hit` looks at the words after one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from typing import Protocol

from dsr.pipeline.redact.fold import fold
from dsr.pipeline.redact.spans import Hit, Kind, Tier


# What the cues read of the gazetteer, as protocols: the gazetteer's index imports CUE_KEYS from
# here, so importing the Gazetteer class back would close an import cycle.
class _Surnames(Protocol):
    @property
    def token_of(self) -> Mapping[str, int]: ...  # folded token → token id

    @property
    def first_owner(self) -> Mapping[int, int]: ...  # token id → a person with that first name

    @property
    def last_owner(self) -> Mapping[int, int]: ...  # token id → a person with that surname


class _Own(Protocol):
    @property
    def words(self) -> Set[str]: ...  # the subject's name tokens, folded


class Gazetteer(Protocol):
    """The part of :class:`dsr.pipeline.redact.gazetteer.Gazetteer` the cues use."""

    @property
    def index(self) -> _Surnames: ...

    @property
    def subject(self) -> _Own: ...


# Words after which a capitalised word is probably a person. Titles make it near certain.
# Titles count only as written (capitalised); the other cue words in any case.
TITLES = frozenset("Frau Herr Herrn Fr. Hr. Mr Mr. Mrs Mrs. Ms Ms. Miss Dr. Prof.".split())
OTHER_CUES = frozenset(
    """
    mutter vater mama papa oma opa bruder schwester tante onkel sohn tochter mit von bei für
    mitschüler mitschülerin schüler schülerin lehrer lehrerin kollege kollegin freund freundin
    mother father mum mom dad brother sister aunt uncle son daughter with from by teacher classmate friend
    """.split()
)
# Roles people are named by in correspondence ("our principal Waltrud Zirme", "Schulleiterin
# Anna Berg"). Such a person is often in none of this controller's stores (a pupil or head of
# a customer school is only in the school's own database), so the cue is the only signal.
ROLE_CUES = frozenset(
    """
    schulleiter schulleiterin schulleitung rektor rektorin konrektor konrektorin direktor direktorin
    stellvertreter stellvertreterin ansprechpartner ansprechpartnerin kontaktperson sekretär sekretärin
    hausmeister hausmeisterin klassenlehrer klassenlehrerin lehrkraft referendar referendarin bibliothekar
    bibliothekarin erzieher erzieherin betreuer betreuerin mitarbeiter mitarbeiterin nachbar nachbarin
    elternteil erziehungsberechtigte erziehungsberechtigter
    principal headteacher headmaster headmistress deputy colleague coworker contact pupil student parent
    guardian librarian secretary caretaker janitor neighbour neighbor coordinator assistant
    """.split()
)
OTHER_CUES = OTHER_CUES | ROLE_CUES
#: every cue word as the gazetteer's automaton finds it (folded)
CUE_KEYS = frozenset({t.lower() for t in TITLES} | OTHER_CUES)
_NAME = r"[A-ZÄÖÜ][a-zäöüßéèáàç]+(?:-[A-ZÄÖÜ][a-zäöüßéèáàç]+)?"
_NAME_AFTER = re.compile(r"[ \t]+(" + _NAME + r"(?:[ \t]" + _NAME + r"){0,2})")  # up to 3 words: "Anna Grein Groth"

# Capitalised words that follow "mit", "von", "Frau" ... without being names. German nouns are
# capitalised, so the cue rule needs this list to keep review work bearable.
_NOT_NAMES = frozenset(
    """
    Frau Herr Herrn Herren Damen Eltern Mutter Vater Kind Kinder Klasse Klassen Schule Schulen Schüler Schülerin
    Schülern Lehrer Lehrerin Lehrkraft Lehrkräfte Bibliothek Bücherei Buch Bücher Büchern Ausweis Ausweisen
    Leseausweis Karte Medien Medium Mahnung Mahnungen Gebühr Gebühren Rückgabe Ausleihe Verlängerung Vormerkung
    Reservierung Warteschlange Hilfe Ausnahme Erlaubnis Zustimmung Einverständnis Beginn Anfang Ende Jahr Jahren
    Monat Monaten Woche Wochen Tag Tagen Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag Januar Februar
    März April Mai Juni Juli August September Oktober November Dezember Ferien Pause Unterricht Stunde Stunden
    Team Bibliotheksteam Schulleitung Sekretariat Verwaltung Datenschutz Polizei Anzeige Hinweis Hinweisen
    Problem Problemen Grund Gründen Freunden Freund Freundin Freundinnen Geschwistern Familie Kollegen Kollegin
    Absprache Rücksprache Genehmigung Bitte Entschuldigung Schaden Schäden Wasserschaden Verlust Ersatz Kosten Euro
    Bargeld Überweisung Rechnung Quittung Zahlung Konto Mail Post Brief Telefon Handy Anruf Termin Nachricht
    Zeit Zeitraum Stand Seite Seiten Kapitel Band Heft Zeitschrift Zeitung Roman Romanen Comic Comics Sachbuch
    Lexikon Atlas Laptop Tablet Computer Rechner Drucker Kopierer Tasche Rucksack Schulranzen Schreibtisch Regal
    Deutsch Englisch Mathe Mathematik Biologie Geschichte Physik Chemie Kunst Musik Sport Religion Ethik Latein
    Französisch Spanisch Informatik Erdkunde Politik Projekt Referat Hausaufgabe Hausaufgaben Test Klausur Prüfung
    Ausflug Klassenfahrt Veranstaltung Lesung Wettbewerb Preis Preisen Gruppe Gruppen Kurs Kursen Leistungskurs
    Nachmittag Vormittag Morgen Abend Mittag Vertretung Aufsicht Konferenz Elternabend Sprechstunde Amt Behörde
    Vertrag Verträgen Auftrag Support Ticket Kunde Kunden Kundin Firma Anbieter Hersteller Server Login Passwort
    Zugang Zugangsdaten Konto Benutzer Benutzerkonto Daten Dateien Datei Liste Listen Bericht Protokoll Vorfall
    Sicherheit Hause Haus Zuhause Arzt Ärztin Krankheit Attest Heute Gestern Sommer Winter Herbst Frühling Weihnachten
    Ostern Anfrage Antwort Frage Fragen Info Information Informationen Auskunft Dank Danke Gruß Grüßen Bezug
    Schuljahr Halbjahr Stufe Jahrgang Oberstufe Unterstufe Mittelstufe Grundschule Gymnasium Realschule
    """.split()
)


RULE_TITLE_KNOWN = "title-known-surname"
RULE_CUE = "cue-unknown-name"
RULE_REPEAT = "cue-name-repeated"
RULE_GIVEN_UNKNOWN = "known-first-name-unknown-surname"

_WORD = re.compile(_NAME)


def name_after(text: str, end: int) -> int | None:
    """End of a capitalised word right after ``text[:end]`` ("Anna| Zirme"): a surname nobody in
    the stores has, or ``None`` when the next word is no name (lower case, a common noun)."""
    m = _NAME_AFTER.match(text, end)
    if m is None:
        return None
    word = _WORD.match(text, m.start(1))
    assert word is not None
    if word.group() in _NOT_NAMES:
        return None
    return word.end()


def repeated(text: str, hits: list[Hit], kept: list[Hit], g: Gazetteer) -> list[Hit]:
    """Other places in ``text`` where a word of a cue-found unknown name (``hits``) appears
    again ("von Daniela Zirme (Daniela ist in der 7b)"): the cue was the only signal, the
    repeat has none. Names inside an allow-listed phrase of ``kept`` ("von Michael Ende") and
    the subject's own name words are not followed."""
    me = g.subject
    words: set[str] = set()
    for h in hits:
        if h.rule == RULE_CUE and not any(k.start <= h.start and h.end <= k.end for k in kept):
            words.update(
                w
                for w in text[h.start : h.end].split()
                if len(w) >= 3 and w not in _NOT_NAMES and fold(w) not in me.words
            )
    out: list[Hit] = []
    n = len(text)
    for w in words:  # str.find, not a regex: a pattern per name would be compiled per text
        i = text.find(w)
        while i >= 0:
            j = i + len(w)
            if (
                (i == 0 or not _joins(text[i - 1]))
                and (j >= n or not _joins(text[j]))
                and not any(h.start <= i < h.end for h in hits)
            ):
                out.append(Hit(i, j, Kind.NAME, Tier.REVIEW, RULE_REPEAT))
            i = text.find(w, j)
    return out


def _joins(c: str) -> bool:
    return c.isalnum() or c in "-_"


def cue_hit(text: str, start: int, end: int, g: Gazetteer, out: list[Hit]) -> None:
    """The name after the cue word ``text[start:end]``, if any, as a hit in ``out``."""
    cue = text[start:end]
    title = cue in TITLES
    if not title and cue.lower() not in OTHER_CUES:
        return  # "frau", "MIT": not written as a cue
    m = _NAME_AFTER.match(text, end)
    if m is None:
        return
    name = m.group(1)
    words = name.split()
    if words[0] in _NOT_NAMES:
        return
    for k in range(1, len(words)):
        if words[k] in _NOT_NAMES:  # "mit Anna Bescheid geben": the name ends before the noun
            words = words[:k]
            name = " ".join(words)
            break
    begin = m.start(1)
    x, me = g.index, g.subject
    folded = [fold(w) for w in words]
    if all(w in me.words for w in folded):
        return  # "Frau Müller" when the subject is a Müller: their own name
    surname = x.token_of.get(folded[-1])
    owner = x.last_owner.get(surname) if surname is not None else None
    if title and owner is not None and folded[-1] not in me.words:
        out.append(Hit(begin, begin + len(name), Kind.NAME, Tier.REDACT, RULE_TITLE_KNOWN, owner))
        return
    person = -1
    for w in folded:
        t = x.token_of.get(w)
        if t is not None:
            p = x.last_owner.get(t, x.first_owner.get(t))
            if p is not None:
                person = p
                break
    out.append(Hit(begin, begin + len(name), Kind.NAME, Tier.REVIEW, RULE_CUE, person))
