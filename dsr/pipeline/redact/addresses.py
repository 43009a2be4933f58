"""Street addresses in free text, found as whole addresses: street and house number, postcode
and town, and both together as one find, so that an address is either kept or removed as a
whole (the requester's own is never half-redacted; a neighbour's street is not left with the
requester's town printed after it).

Streets: a name ending in a street word ("Lindenweg", "Konrad-Adenauer-Ring", "Berliner
Straße", "Theodor-Heuss-Allee"), or led by "Am", "An der", "Auf dem" … ("Am Hohen Weg", "An
der Alten Mühle"); house numbers "12", "12a", "12 a", "12/3", "12-14", "12–14". Towns after a
postcode: "60311 Frankfurt am Main", "86150 Augsburg-Oberhausen", "06108 Halle (Saale)",
"D-80331 München"; a four-digit postcode ("1010 Wien", "CH-8001 Zürich") only with a country
prefix, after a street, or before a well-known Austrian or Swiss town. Foreign forms:
"221B Baker Street", "10 Downing St", "Flat 3", "Apt 4", "Suite 200", UK and US postcodes.

Two scans find every candidate, one from capital letters (streets), one from digit runs
(postcodes, number-first streets, UK and US postcodes; :mod:`.patterns` shares it with phone
numbers and IPv4 addresses); each starts with a character class and tells its forms apart by
lookbehinds, so the regex engine skips from candidate to candidate. Python looks only at the
few candidates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dsr.pipeline.redact.found import Found
from dsr.pipeline.redact.spans import Kind

_HOUSE = r"\d{1,4}(?:[ \t\u00a0]?[a-zA-Z](?!\w))?(?:[ \t\u00a0]?[-–/][ \t\u00a0]?\d{1,4}(?:[ \t\u00a0]?[a-zA-Z](?!\w))?)?(?!\d|[.,]\d)"
_LEADS = (  # "Am Anger 3", "An der Alten Mühle 5", "Zur Linde 2": after the first letter
    r"(?<=A)(?:m|n de[rmn]|uf de[rmn])|(?<=I)(?:m|n de[rmn])|(?<=Z)(?:um|ur|u den)|(?<=U)nter den"
    r"|(?<=H)inter de[rmn]|(?<=V)or de[rmn]|(?<=B)ei(?:m| der| den)|(?<=Ü)ber de[rmn]"
)
# the rest of a word of a street name, abbreviations inside included ("Dr.-Martin-Luther-King-Ring")
_WORD_REST = r"[\w'’-]*+(?:\.(?=-)[\w'’-]*+)*+"
# A capitalised word (or two) right before a house number ("Lindenweg 4", "Berliner Straße
# 12a"; whether it is a street is decided in Python: not "Klasse 7b"), or a street led by "Am" …
# (the first letters of the leads are checked at once before each lead is tried)
_CAPITAL_LED = re.compile(
    r"[A-ZÄÖÜ](?<![\w'’-].)(?:"
    rf"(?<=[AIZUHVBÜ])(?:{_LEADS})(?P<led>(?:[ \t\u00a0][A-ZÄÖÜ][\w'’-]+){{1,2}})[ \t\u00a0]{_HOUSE}"
    rf"|(?P<a>{_WORD_REST})(?:[ \t\u00a0](?P<b>[A-ZÄÖÜ]{_WORD_REST}))?(?P<dot>\.)?[ \t\u00a0]?{_HOUSE})"
)
_TOWN_WORD = r"(?:[A-ZÄÖÜ]\.|[A-ZÄÖÜ][\w'-]*)"  # "Main", "M." (in "Frankfurt a. M.")
_TOWN = (
    r"(?:(?:Bad|St\.|Sankt|Hansestadt|Lutherstadt|Universitätsstadt|Ostseebad|Nordseebad|Seebad|Markt)[ \t\u00a0]+)?"
    r"[A-ZÄÖÜ][\w'-]*"
    rf"(?:/{_TOWN_WORD}"
    rf"|[ \t\u00a0](?:am|an der|an dem|im|in der|ob der|vor der|v\. ?d\.|a\. ?d\.|a\.|i\.|bei|upon)[ \t\u00a0]{_TOWN_WORD}"
    r"|[ \t\u00a0]?\([A-ZÄÖÜ][\w. ]{0,20}\))?"
)
_EN_STREET_WORDS = (
    r"Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Drive|Close|Way|Place|Pl\.?|Court|Ct\.?|Crescent|Terrace"
    r"|Boulevard|Blvd\.?|Square|Sq\.?|Gardens|Grove|Row|Mews|Parkway|Hill|Walk|Highway|Hwy\.?"
)
#: From the start of a digit run, after its first digit: a postcode and town (4 or 5 digits), a
#: number-first street ("221B Baker Street"), the inward part of a UK postcode ("SW1A [2AA]"),
#: a US ZIP after its state ("IL [62704]"). The shared digit-led scan of :mod:`.patterns` reads
#: the first digit.
DIGIT_LED_REST = (
    r"(?<![\w.,/:][0-9])(?:"
    rf"(?P<nf>[0-9]{{0,4}}[A-Za-z]?(?:[-–][0-9]{{1,5}}[A-Za-z]?)?[ \t\u00a0]+(?:[A-Z][A-Za-z'’-]+[ \t\u00a0]+){{1,3}}"
    rf"(?:{_EN_STREET_WORDS})(?!\w))"
    rf"|[0-9]{{3}}(?P<five>[0-9])?[ \t\u00a0]+(?P<town>{_TOWN})"
    r"|(?<=[A-Z0-9][ \t\u00a0][0-9])(?P<uk>[A-Z]{2})(?!\w)"
    r"|(?<=[A-Z]{2}[ \t\u00a0][0-9])(?P<us>[0-9]{4}(?:-[0-9]{4})?)(?![0-9]))"
)
_DIGIT_LED = re.compile("[0-9]" + DIGIT_LED_REST)
# a street noun on its own, after the name ("Berliner Straße", "Konrad Adenauer Ring")
_STREET_NOUNS = frozenset(
    "straße strasse str. weg gasse allee platz ring damm ufer markt chaussee pfad steig kamp wall promenade anger"
    " graben berg hof".split()
)
# the end of a street name written as one word ("Lindenweg", "Sophie-Scholl-Anlage")
STREET_SUFFIXES = (
    *_STREET_NOUNS,
    *"feld garten park straat stieg twiete zeile aue brücke höhe hang winkel bogen wiese grund leite steige"
    " redder kai gässchen anlage anlagen terrasse passage deich steg brink koppel siedlung stiege hain".split(),
)
_ENDS_IN_STREET_WORD = re.compile("(?:" + "|".join(re.escape(w) for w in STREET_SUFFIXES) + r")\Z")
# the start of every street :data:`_CAPITAL_LED` finds from its lead ("Am Anger 3")
_LED = re.compile(rf"[AIZUHVBÜ](?<![\w'’-].)(?:{_LEADS})[ \t\u00a0][A-ZÄÖÜ]")
# what may lead a street name: "Am", "An der" … and adjectives ("Alte Gasse"); written in lower
# case ("wohnt am Hohen Weg 3") only before an inflected adjective
_PREFIX_BEFORE = re.compile(
    r"(?:(?<![\w'’-])(?:Am|An de[rmn]|Auf de[rmn]|Im|In de[rmn]|Zum|Zur|Zu den|Unter den|Hinter de[rmn]|Vor de[rmn]"
    r"|Beim|Bei de[rmn]|Über de[rmn]|Alte[rs]?|Neue[rs]?|Hohe[rn]?|Lange[rn]?|Große[rn]?|Kleine[rn]?|Obere[rn]?"
    r"|Untere[rn]?|Mittlere[rn]?)|(?P<low>(?<![\w'’-])(?:am|an de[rmn]|auf de[rmn]|zum|zur)))[ \t\u00a0]\Z"
)
_INFLECTED = re.compile(r"[A-ZÄÖÜ]\w*e[nr][ \t\u00a0]")
_NAME_WORD = re.compile(r"(?<![\w'’-])[A-ZÄÖÜ][\w'’-]*[ \t\u00a0]\Z")
# capitalised words that start sentences or name people, never a street's first word
_NOT_STREET_NAME = frozenset(
    """Die Der Das Den Dem Des Ein Eine Einen Wir Ich Sie Er Es Ihr Mein Meine Unser Unsere Ihre Post Adresse
    Anschrift Wohnort Frau Herr Herrn Familie Fam. Dr. Prof. Bitte Von Nach Bei Mit In An Auf Und
    Oder The A An To At In On Of From And Address My Our Your""".split()
)
# capitalised words after "Am", "Im" … that are no street ("Am Montag 3 Bücher", "Im Regal 4")
_NOT_STREET_AFTER_LEAD = frozenset(
    """Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonnabend Sonntag Wochenende Feiertag Januar Februar
    März April Mai Juni Juli August September Oktober November Dezember Jahr Jahre Tag Tage Abend Morgen Mittag
    Vormittag Nachmittag Ende Anfang Beginn Schluss Regal Raum Fach Stock Stockwerk Gebäude Haus Zimmer Klasse
    Schuljahr Halbjahr Semester Kapitel Band Teil Seite Preis Termin Moment Stand Datum Telefon Ausweis Schalter
    Eingang Ausgang Tisch Computer Rechner Bildschirm Platz Standort Lager Magazin Katalog Stunde Minute Woche
    Monat Quartal Ferien Unterricht Pause Bus Zug Gleis Lesesaal Bibliothek Ausleihe Schrank Karton Kasten Wagen
    Kurs Projekt Test Buch Heft Exemplar Medium Konto Jahrgang Alter Ergebnis Rang Glück Prinzip Schnitt
    Durchschnitt Vergleich Rahmen Auftrag Namen Fall Grunde Ganzen Voraus Anschluss Zusammenhang""".split()
)
_UNIT_AFTER = re.compile(
    r"[ \t\u00a0]*(?:Uhr|Bücher|Buch|Exemplare?|Euro|EUR|€|Tage?n?|Wochen?|Monate?n?|Jahre?n?|Stunden?|Minuten?|Mal"
    r"|%|Seiten?|Stück|Punkte?|Kinder|Schüler\w*|Personen|Leute|Medien|Titel|books?|days?|weeks?|times|pages?"
    r"|items?|copies|pupils|students|children)\b"
)
# a number that counts the noun after it ("Auf der Liste 5 Namen") is no house number
_COUNTED = re.compile(r"[ \t\u00a0]+[A-ZÄÖÜ][a-zäöüß]")
_COUNTRY_PREFIX = re.compile(r"\b(?:D|DE|A|AT|CH|FL)-\Z")
# the larger Austrian and Swiss towns: "1010 Wien" is an address, "2024 Bücher" is not
_AT_CH_TOWNS = frozenset(
    """Wien Graz Linz Salzburg Innsbruck Klagenfurt Villach Wels Dornbirn Steyr Feldkirch Bregenz Leonding Klosterneuburg
    Baden Wolfsberg Leoben Krems Traun Amstetten Lustenau Kapfenberg Mödling Hallein Kufstein Traiskirchen Schwechat
    Braunau Stockerau Saalfelden Ansfelden Tulln Hohenems Spittal Telfs Ternitz Perchtoldsdorf Feldbach Bludenz
    Eisenstadt Zürich Genf Genève Basel Bern Lausanne Winterthur Luzern Lugano Biel Thun Köniz Freiburg Fribourg
    Schaffhausen Chur Uster Sitten Sion Emmen Zug Neuenburg Neuchâtel Yverdon Dübendorf Kriens Rapperswil Montreux
    Frauenfeld Wetzikon Baar Aarau Riehen Wädenswil Allschwil Renens Kreuzlingen Horgen Wil Olten Solothurn Davos
    Vaduz Schaan""".split()
)
_UNIT = r"(?:Flat|Apt\.?|Apartment|Suite|Ste\.?|Unit|Whg\.|Wohnung)[ \t\u00a0]*#?\d{1,5}[A-Za-z]?"
_UNIT_BEFORE = re.compile(r"(?<!\w)" + _UNIT + r",?[ \t\u00a0]+\Z")
_UNIT_AFTER_STREET = re.compile(r",?[ \t\u00a0]*(?:" + _UNIT + r"|#\d{1,5}[A-Za-z]?)")
_UK_OUTWARD = re.compile(r"(?<![\w'’-])[A-Z]{1,2}\d[A-Z\d]?[ \t\u00a0]\Z")
_US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR"
    " PA RI SC SD TN TX UT VT VA WA WV WI WY DC".split()
)
_TOWN_BEFORE = re.compile(r"(?<![\w'’-])[A-Z][a-z]+(?:[ \t\u00a0][A-Z][a-z]+)?,?[ \t\u00a0]\Z")
_JOINER = re.compile(r"[ \t\u00a0]*[,;·|–-]?[ \t\u00a0]*(?:\r?\n[ \t\u00a0]*)?")


def addresses(
    text: str, digit_led: Iterable[re.Match[str]] | None = None, street_word: bool | None = None
) -> list[Found]:
    """Addresses in ``text``; a street directly followed by its postcode and town is one find
    (``parts`` = (street, town)). ``digit_led``: the postcode and number-first candidates, when
    a shared scan found them already (matches of "[0-9]" + :data:`DIGIT_LED_REST`).
    ``street_word``: whether the lower-cased text holds one of :data:`STREET_SUFFIXES`, when a
    shared pass told it already (:mod:`.presence`): without one, only a street led by "Am" …
    can be found."""
    if street_word is None or street_word or _LED.search(text) is not None:
        streets = _streets(text)
    elif isinstance(digit_led, list) and not digit_led:
        return []  # no street, no postcode
    else:
        streets = []
    towns = _digit_led(text, streets, _DIGIT_LED.finditer(text) if digit_led is None else digit_led)
    if not towns:
        return [Found(s, e, Kind.ADDRESS, text[s:e], parts=(text[s:e], "")) for s, e in _union(streets)]
    return _joined(text, _union(streets), towns)


def _streets(text: str) -> list[tuple[int, int]]:
    out = []
    m = _CAPITAL_LED.search(text)
    while m is not None:
        span = _street(text, m)
        if span is not None:
            out.append(span)
        m = _CAPITAL_LED.search(text, m.end() if span is not None else m.start() + 1)
    return out


def _street(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    if m.group("led") is not None:  # "Am Anger 3"; not "Am Montag 3 Bücher"
        if m.group("led").split()[0] in _NOT_STREET_AFTER_LEAD or _COUNTED.match(text, m.end()):
            return None
        return m.start(), m.end()
    start = _street_start(text, m)
    if start is None or _UNIT_AFTER.match(text, m.end()):
        return None
    return _with_prefix(text, start), m.end()


def _street_start(text: str, m: re.Match[str]) -> int | None:
    """Where the street name of a candidate starts, None when it is no street."""
    a = text[m.start() : m.end("a")]
    b = m.group("b")
    last, last_start = (b, m.start("b")) if b is not None else (a, m.start())
    low = last.lower() + ("." if m.group("dot") else "")
    if low in _STREET_NOUNS:  # "Berliner Straße", "Konrad Adenauer Ring": the name is before
        if b is None or a in _NOT_STREET_NAME:
            return None
        start = m.start()
        w = _NAME_WORD.search(text[max(0, start - 40) : start])
        if w is not None and w.group().strip() not in _NOT_STREET_NAME and _prefix(text, start) is None:
            start -= len(w.group())  # a third word: "Konrad Adenauer Ring 5"
        return start
    if _ENDS_IN_STREET_WORD.search(low, 1):  # "Lindenweg", "Konrad-Adenauer-Ring"
        if b is not None and a not in _NOT_STREET_NAME:
            return m.start()  # "Kaiser Wilhelmstraße", "Hermann Josef-Karz-Platz": a name in two words
        return last_start
    return None


def _with_prefix(text: str, start: int) -> int:
    """Where a street starts with its prefix: "Hohen Weg 3" → "Am Hohen Weg 3"."""
    length = _prefix(text, start)
    return start - length if length is not None else start


def _prefix(text: str, start: int) -> int | None:
    """The length of a street-name prefix ("Am ", "An der ") right before ``start``."""
    m = _PREFIX_BEFORE.search(text[max(0, start - 14) : start])
    if m is None or m.group("low") and not _INFLECTED.match(text, start):
        return None
    return m.end() - m.start()


def _digit_led(text: str, streets: list[tuple[int, int]], matches: Iterable[re.Match[str]]) -> list[tuple[int, int]]:
    """Towns (postcode and town, UK and US postcodes); number-first streets are added to
    ``streets``."""
    towns: list[tuple[int, int]] = []
    street_ends = {e for _, e in streets}
    for m in matches:
        start, end = m.span()
        if m.group("town") is not None:
            if _UNIT_AFTER.match(text, m.start("town")):
                continue  # "10000 Euro", "2024 Bücher"
            prefix = _COUNTRY_PREFIX.search(text[max(0, start - 4) : start])
            if m.group("five") is None and not (
                prefix is not None
                or _after(text, start, street_ends)
                or m.group("town").split()[0].split("-")[0] in _AT_CH_TOWNS
            ):
                continue  # "1998 Schüler", "2024 Rückgaben"
            towns.append((start - len(prefix.group()) if prefix is not None else start, end))
        elif m.group("nf") is not None:
            if text[start - 1 : start] in ("-", "–"):
                continue
            unit = _UNIT_BEFORE.search(text[max(0, start - 20) : start])
            after = _UNIT_AFTER_STREET.match(text, end)
            streets.append((start - (len(unit.group()) if unit else 0), after.end() if after else end))
            street_ends.add(streets[-1][1])
        elif m.group("uk") is not None:
            outward = _UK_OUTWARD.search(text[max(0, start - 6) : start])
            if outward is not None:
                start -= len(outward.group())
                town = _TOWN_BEFORE.search(text[max(0, start - 30) : start])
                towns.append((start - (len(town.group()) if town else 0), end))
        elif text[start - 3 : start - 1] in _US_STATES and text[start - 5 : start - 3] == ", ":
            town = _TOWN_BEFORE.search(text[max(0, start - 40) : start - 3])
            if town is not None:  # "Springfield, IL 62704"
                towns.append((start - 3 - len(town.group()), end))
    return towns


def _after(text: str, start: int, ends: set[int]) -> bool:
    """``start`` follows one of ``ends`` with only a separator between (", ", a line break)."""
    return any(start - gap in ends and _JOINER.fullmatch(text, start - gap, start) for gap in range(6))


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping candidates as their union, sorted."""
    if len(spans) < 2:
        return spans
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _joined(text: str, streets: list[tuple[int, int]], towns: list[tuple[int, int]]) -> list[Found]:
    """Streets and towns as finds; a town right after a street (", " or a line break between)
    joins it."""
    town_at = dict(_union(towns))
    out = []
    for s, e in streets:
        t = next((t for t in range(e, e + 6) if t in town_at and _JOINER.fullmatch(text, e, t)), None)
        if t is None:
            out.append(Found(s, e, Kind.ADDRESS, text[s:e], parts=(text[s:e], "")))
        else:
            out.append(
                Found(s, town_at[t], Kind.ADDRESS, text[s : town_at[t]], parts=(text[s:e], text[t : town_at[t]]))
            )
            del town_at[t]
    out.extend(Found(s, e, Kind.ADDRESS, text[s:e], parts=("", text[s:e])) for s, e in town_at.items())
    return out
