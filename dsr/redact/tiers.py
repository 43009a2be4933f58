"""Find everything in one text that may be another person's, and give each find a tier.

Layers, in order of trust: the gazetteer of known people (exact, knows whose), validated
patterns (certain it is an identifier, the gazetteer says whose), cue words ("Frau Schulz":
a name nobody in the stores has → review), an optional NER adapter (review only).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from dsr.redact.fold import fold, scan_text
from dsr.redact.gazetteer import Gazetteer, address_key
from dsr.redact.patterns import find_all
from dsr.redact.spans import Hit, Kind, Tier, resolve

#: an optional name finder (e.g. a spaCy/flair wrapper): text → (start, end) spans of names.
#: Its finds only ever become review items.
NameSuggester = Callable[[str], Iterable[tuple[int, int]]]

# Words after which a capitalised word is probably a person. Titles make it near certain.
_TITLE_CUES = r"Frau|Herrn?|Fr\.|Hr\.|Mr\.?|Mrs\.?|Ms\.?|Miss|Dr\.|Prof\."
_OTHER_CUES = (
    r"Mutter|Vater|Mama|Papa|Oma|Opa|Bruder|Schwester|Tante|Onkel|Sohn|Tochter|mit|von|bei|für|"
    r"Mitschüler(?:in)?|Schüler(?:in)?|Lehrer(?:in)?|Kolleg(?:e|in)|Freund(?:in)?|"
    r"mother|father|mum|mom|dad|brother|sister|aunt|uncle|son|daughter|with|from|by|teacher|classmate|friend"
)
_NAME = r"[A-ZÄÖÜ][a-zäöüßéèáàç]+(?:-[A-ZÄÖÜ][a-zäöüßéèáàç]+)?"
_CUE = re.compile(
    r"(?<![\w])(?:(?P<title>" + _TITLE_CUES + r")|(?i:" + _OTHER_CUES + r"))[ \t]+"
    r"(?=(?P<name>" + _NAME + r"(?:[ \t]" + _NAME + r")?))"
)
_CAPITAL = re.compile(r"[A-ZÄÖÜ]")

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

_RULE_TITLE_KNOWN = "title-known-surname"
_RULE_CUE = "cue-unknown-name"


def find(text: str, gazetteer: Gazetteer, suggest: NameSuggester | None = None) -> list[Hit]:
    """Non-overlapping hits in ``text`` with their final tiers (KEEP hits are dropped)."""
    hits = _gazetteer_hits(text, gazetteer)
    hits.extend(_pattern_hits(text, gazetteer))
    hits.extend(_cue_hits(text, gazetteer))
    if suggest is not None:
        for start, end in suggest(text):
            if 0 <= start < end <= len(text):
                hits.append(Hit(start, end, Kind.NAME, Tier.REVIEW, "ner-suggestion"))
    return resolve(hits)


def _gazetteer_hits(text: str, g: Gazetteer) -> list[Hit]:
    folded = fold(text)
    n = len(text)
    out: list[Hit] = []
    # the scanned text has one leading space, and every key too: offsets line up with ``text``
    for last, entry in g.automaton.iter(scan_text(folded)):
        end = last  # == last + 1 - 1 (leading space)
        start = end - entry.length
        if end < n and folded[end].isalnum() and entry.kind is not Kind.EMAIL:
            if not (entry.bare or entry.rule == "known-full-name") or not _suffix(folded, end):
                continue  # the start of a longer word ("Annabel", "Müllerstraße")
            # "Müllers", "Müllersche": the name, inflected — an officer looks at it
            tier = Tier.KEEP if entry.tier is Tier.KEEP else Tier.REVIEW
            out.append(Hit(start, end, entry.kind, tier, "inflected-name", entry.person))
            continue
        if entry.bare and not _CAPITAL.match(text, start):
            continue  # "ernst", "rose", "wolf" in lower case are words, not names
        out.append(Hit(start, end, entry.kind, entry.tier, entry.rule, entry.person))
    return out


_SUFFIXES = ("s", "sche", "schen", "scher", "sches", "schem", "'s", "ens")


def _suffix(folded: str, end: int) -> bool:
    for s in _SUFFIXES:
        e = end + len(s)
        if folded.startswith(s, end) and (e >= len(folded) or not folded[e].isalnum()):
            return True
    return False


def _pattern_hits(text: str, g: Gazetteer) -> list[Hit]:
    out: list[Hit] = []
    for f in find_all(text, g.card_pattern, g.emails, g.phones, g.ibans):
        kind = f.kind
        if kind is Kind.EMAIL:
            owner = g.emails.get(f.value)
            allowed = f.value in g.allowed_emails
        elif kind is Kind.PHONE:
            owner = g.phones.get(f.value)
            allowed = f.value in g.allowed_phones
        elif kind is Kind.IBAN:
            owner = g.ibans.get(f.value)
            allowed = False
        elif kind is Kind.IP:
            owner = g.ips.get(f.value)
            allowed = False
        elif kind is Kind.ADDRESS:
            key = address_key(f.value)
            owner = g.addresses.get(key)
            allowed = key in g.allowed_addresses
            if owner is None and key[:5].isdigit() and key[:5] in g.subject_postcodes:
                owner = 0  # the subject's own postcode and town
        elif kind is Kind.CARD:
            owner = g.cards.get(f.value)
            allowed = False
        else:
            owner, allowed = None, False
        if allowed:
            out.append(Hit(f.start, f.end, kind, Tier.KEEP, "allow-list"))
        elif owner == 0:
            out.append(Hit(f.start, f.end, kind, Tier.KEEP, "subject-own", 0))
        elif owner is not None:
            out.append(Hit(f.start, f.end, kind, Tier.REDACT, f"known-{kind.value}", owner))
        else:
            out.append(Hit(f.start, f.end, kind, Tier.REDACT, f"pattern-{kind.value}"))
    return out


def _cue_hits(text: str, g: Gazetteer) -> list[Hit]:
    out: list[Hit] = []
    for m in _CUE.finditer(text):
        name = m.group("name")
        first_word = name.split()[0]
        if first_word in _NOT_NAMES:
            continue
        start = m.start("name")
        if " " in name or "\t" in name:
            second = name.split()[1]
            if second in _NOT_NAMES:
                name = first_word
        end = start + len(name)
        words = [fold(w) for w in name.split()]
        owners = [g.surnames.get(w, g.first_names.get(w)) for w in words]
        if all(o == 0 for o in owners):
            continue  # "Frau Müller" when the subject is a Müller: their own name
        if m.group("title") and g.surnames.get(words[-1]) not in (None, 0):
            out.append(Hit(start, end, Kind.NAME, Tier.REDACT, _RULE_TITLE_KNOWN, g.surnames[words[-1]]))
        else:
            person = next((o for o in owners if o not in (None, 0)), -1)
            out.append(Hit(start, end, Kind.NAME, Tier.REVIEW, _RULE_CUE, person))
    return out
