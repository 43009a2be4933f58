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

from dsr.pipeline.redact.fold import fold_word
from dsr.pipeline.redact.spans import Hit, Kind, Tier
from dsr.pipeline.redact.typos import one_edit
from dsr.pipeline.redact.words import FUNCTION_WORDS, HOMONYMS, NEVER, abbreviation, before, looks_english


# What the cues read of the gazetteer, as protocols: the gazetteer's index imports CUE_KEYS from
# here, so importing the Gazetteer class back would close an import cycle.
class _Surnames(Protocol):
    @property
    def token_of(self) -> Mapping[str, int]: ...  # folded token → token id

    @property
    def first_owner(self) -> Mapping[int, int]: ...  # token id → a person with that first name

    @property
    def last_owner(self) -> Mapping[int, int]: ...  # token id → a person with that surname

    @property
    def typos(self) -> _Typos: ...


class _Typos(Protocol):
    def near(self, word: str, min_length: int = ...) -> frozenset[str]: ...  # name spellings one edit from word


class _Own(Protocol):
    @property
    def words(self) -> Set[str]: ...  # the subject's name tokens, folded

    @property
    def tokens(self) -> Set[int]: ...  # the subject's name token ids


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
    hallo hi hello dear liebe lieber
    """.split()
)
#: prepositions: German nouns follow them all the time ("mit Hörbuch"), so an unknown single
#: word after one is a name only in English text (:func:`_no_person`)
WEAK_CUES = frozenset("mit von bei für with from by for".split())
# Roles people are named by in correspondence ("our principal Waltrud Zirme", "Schulleiterin
# Anna Berg"). Such a person is often in none of this controller's stores (a pupil or head of
# a customer school is only in the school's own database), so the cue is the only signal.
ROLE_CUES = frozenset(
    """
    schulleiter schulleiterin schulleitung rektor rektorin konrektor konrektorin direktor direktorin
    stellvertreter stellvertreterin ansprechpartner ansprechpartnerin kontaktperson sekretär sekretärin
    hausmeister hausmeisterin klassenlehrer klassenlehrerin lehrkraft referendar referendarin bibliothekar
    bibliothekarin erzieher erzieherin betreuer betreuerin mitarbeiter mitarbeiterin nachbar nachbarin
    elternteil erziehungsberechtigte erziehungsberechtigter absender absenderin empfänger empfängerin
    kontoinhaber kontoinhaberin einzahler einzahlerin betroffen betroffene betroffener
    principal headteacher headmaster headmistress deputy colleague coworker contact pupil student parent
    guardian librarian secretary caretaker janitor neighbour neighbor coordinator assistant sender payer
    """.split()
)
OTHER_CUES = OTHER_CUES | ROLE_CUES
#: every cue word as the gazetteer's automaton finds it (folded)
CUE_KEYS = frozenset({t.lower() for t in TITLES} | OTHER_CUES)
# a capitalised word in Latin letters ("Şevket", "Naroża", "O'Connor", "Hans-Wilhelm")
_UPPER, _LOWER = "A-ZÀ-ÖØ-Þ\u0100-\u017f", "a-zß-öø-ÿ\u0100-\u017f"
_NAME = rf"[{_UPPER}][{_LOWER}]+(?:['’][{_UPPER}][{_LOWER}]+|-[{_UPPER}][{_LOWER}]+)?"
# up to 3 words after the cue and its colon, if any: "Anna Grein Groth", "Kontakt: Anna Berg"
_NAME_AFTER = re.compile(r":?[ \t]+(" + _NAME + r"(?:[ \t]" + _NAME + r"){0,2})")
# "Frau von Hagen", "Mr van der Berg": a particle and a surname (only a known one: "mit den Kindern")
_PARTICLE_NAME_AFTER = re.compile(
    r":?[ \t]+((?i:von|van|vom|zu|zur|de|del|di|da|du|la|le|ten|ter)(?:[ \t]+(?i:der|den|dem|de|la|le))?[ \t]+"
    + _NAME
    + ")"
)
_PARTICLE_WORDS = frozenset("von van vom zu zur de del di da du la le ten ter".split())
_PARTICLES = frozenset(f"{p.capitalize()} " for p in _PARTICLE_WORDS)
_SHORT_TITLES = frozenset("Hr. Fr. Mr Mr. Mrs Mrs. Ms Ms. Dr. Prof.".split())
_LOWER_AFTER = re.compile(rf"[ \t]+([{_LOWER}]{{2,}}(?:-[{_LOWER}]+)?)(?![\w-])")

# Capitalised words that follow "mit", "von", "Frau" ... without being names. German nouns are
# capitalised, so the cue rule needs this list to keep review work bearable.
NOT_NAMES = frozenset(
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
    Grüße Leser Leserin Leserinnen Kolleginnen Schülerinnen Schülern Hilfe Bildern Büchern Kindern
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
    August September October November December Day Week Month Year Library School Class Team Office Sir Madam
    Email Mail Internet Opera Chrome Firefox Safari Edge Brave Vivaldi Windows Android Linux Ubuntu Google
    Outlook Teams Zoom
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
    if _no_name(text, word.start(), word.end()):
        return None
    return word.end()


def _no_name(text: str, start: int, end: int) -> bool:
    """A common noun, a pronoun ("für Sie") or an abbreviation ("Hr.", "Mediennr. 123")."""
    word = text[start:end]
    return word in NOT_NAMES or word in NEVER or abbreviation(text, start, end)


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
                if len(w) >= 3 and w[0].isupper() and w not in NOT_NAMES and fold_word(w) not in me.words
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
    x, me = g.index, g.subject
    found = _name_after_cue(text, end, x, cue)
    if found is None:
        return
    begin, name_end, words = found
    folded = [fold_word(w) for w in words]
    if all(w in me.words for w in folded):
        return  # "Frau Müller" when the subject is a Müller: their own name
    surname = x.token_of.get(folded[-1])
    owner = x.last_owner.get(surname) if surname is not None else None
    if title and owner is not None and folded[-1] not in me.words:
        # "Frau Möller" in a Müller's records may be their mother misspelt: an officer decides
        tier = Tier.REVIEW if any(one_edit(folded[-1], w) for w in me.words) else Tier.REDACT
        out.append(Hit(begin, name_end, Kind.NAME, tier, RULE_TITLE_KNOWN, owner))
        return
    person = -1
    for w in folded:
        t = x.token_of.get(w)
        if t is not None:
            p = x.last_owner.get(t, x.first_owner.get(t))
            if p is not None:
                person = p
                break
    weak = len(words) == 1 and cue.lower() in WEAK_CUES
    if person >= 0:
        if weak and folded[0] in HOMONYMS and _no_person(text, start, name_end, words[0]):
            return  # "Mit Fuchs und Hase durch den Wald"
    elif title or weak:
        near = {x.token_of[s] for s in x.typos.near(folded[-1], 5)}  # "Frau Somer": suggest the person
        if title and near & me.tokens:
            return  # the subject's own surname misspelt ("Frau Müller") stays theirs
        if weak and not near and _no_person(text, start, name_end, words[0]):
            return  # "mit Wasserflecken", "Mit Abstand das beste", "from Augsburg City Library"
        for t in near:
            person = x.last_owner.get(t, x.first_owner.get(t, -1))
            break
    out.append(Hit(begin, name_end, Kind.NAME, Tier.REVIEW, RULE_CUE, person))


def _name_after_cue(text: str, end: int, x: _Surnames, cue: str) -> tuple[int, int, list[str]] | None:
    """Start, end and words of the name after the cue word ``cue`` ending at ``end``."""
    title = cue in TITLES
    m = _NAME_AFTER.match(text, end)
    if m is None and cue in _SHORT_TITLES:
        # "Hr. stwora", "Mrs zimmer": after an abbreviated title even a lower-case word is a name
        low = _LOWER_AFTER.match(text, end)
        if low is not None and fold_word(low.group(1)) not in FUNCTION_WORDS and low.group(1) not in _PARTICLE_WORDS:
            return low.start(1), low.end(1), [low.group(1)]
    if (
        m is None
        or (
            text[m.start(1)] in "VZDLT"  # "Herr Van der Berg"
            and (text[m.start(1) : m.start(1) + 4] in _PARTICLES or text[m.start(1) : m.start(1) + 3] in _PARTICLES)
        )
    ):
        particle = _PARTICLE_NAME_AFTER.match(text, end)
        if particle is not None:
            surname = " ".join(particle.group(1).split())  # the particle and the surname: one token
            if _surname(x, surname):
                return particle.start(1), particle.end(1), [surname]
        if m is None:
            return None
    words = m.group(1).split()
    begin = m.start(1)
    first = words[0]
    # a title makes a known surname a name even when it is a word ("Frau Sommer")
    if (
        first in NOT_NAMES
        or first in NEVER
        or first.lower() in CUE_KEYS  # "mit Schulleiterin Anna Berg": the role word's own hit names her
        or (text.startswith(".", begin + len(first)) and abbreviation(text, begin, begin + len(first)))
    ) and not (title and _surname(x, first)):
        return None
    for k in range(1, len(words)):
        if words[k] in _PLACES:
            return None  # "from Augsburg City Library", "von Goethe Schule"
        if words[k] in NOT_NAMES or words[k] in NEVER:  # "mit Anna Bescheid geben": the name ends before the noun
            words = words[:k]
            break
    return begin, begin + len(" ".join(words)), words


# Endings of German nouns (derivations, plurals in the dative) that names seldom have
_NOUN_ENDINGS = ("ung", "heit", "keit", "schaft", "tion", "sion", "tät", "nis", "tum", "ismus", "chen", "ern", "eln")


def _noun_like(word: str) -> bool:
    """A capitalised word that is more likely a German noun than a name: a noun's ending, or a
    compound too long for a name ("Wasserflecken", "Tierfreunde")."""
    return len(word) >= 11 or word.endswith(_NOUN_ENDINGS)


# Words that make the capitalised word before them part of a place's or an organisation's name
_PLACES = frozenset(
    """
    City Library School College University Street Road Avenue Hall Park Centre Center Museum Theatre
    Club Station Airport Hospital Bank Bibliothek Stadtbibliothek Schule Gymnasium Straße Platz Bahnhof
    Verlag
    """.split()
)
_NEXT_WORD = re.compile(r"[ \t]+(\w+)")


def _no_person(text: str, cue_start: int, name_end: int, word: str) -> bool:
    """Whether an unknown single word after a preposition is no person. German capitalises
    every noun ("mit Bleistift angemalt", "Mit Abstand das beste Buch"): there it is taken for
    one; a name the stores know is found by the gazetteer anyway. In English a capitalised word
    is a name unless it looks like a German noun, opens the sentence with the preposition, or
    names a place ("from Augsburg City Library")."""
    if _noun_like(word) or not looks_english(text, cue_start) or before(text, cue_start).sentence:
        return True
    m = _NEXT_WORD.match(text, name_end)
    return m is not None and m.group(1) in _PLACES


def _surname(x: _Surnames, word: str) -> bool:
    t = x.token_of.get(fold_word(word))
    return t is not None and t in x.last_owner
