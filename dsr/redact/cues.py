"""Cue words: a capitalised word after "Frau", "Herr", "Mutter", "mit", "with" … is probably a
person. A name the stores know after a title is redacted ("Frau Schulz", Schulz known); any other
capitalised word after a cue is a review item, unless it is a common noun (German capitalises
nouns) or the subject's own name.

The cue words are keys of the gazetteer's automaton (:data:`CUE_KEYS`), so finding them costs
nothing extra; :func:`cue_hit` looks at the words after one.
"""

from __future__ import annotations

import re

from dsr.redact.fold import fold
from dsr.redact.spans import Hit, Kind, Tier

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
#: every cue word as the gazetteer's automaton finds it (folded)
CUE_KEYS = frozenset({t.lower() for t in TITLES} | OTHER_CUES)
_NAME = r"[A-ZÄÖÜ][a-zäöüßéèáàç]+(?:-[A-ZÄÖÜ][a-zäöüßéèáàç]+)?"
_NAME_AFTER = re.compile(r"[ \t]+(" + _NAME + r"(?:[ \t]" + _NAME + r")?)")

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


def cue_hit(text: str, start: int, end: int, g, out: list[Hit]) -> None:
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
    if len(words) > 1 and words[1] in _NOT_NAMES:
        words = words[:1]
        name = words[0]
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
