"""Street addresses: stored the way a school's database has them, written the many ways people
write them (house numbers "12/3", "12 a", "12–14"; "Str." for "Straße"; hyphenated and prefixed
street names; multi-word towns; number-first foreign addresses)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from faker import Faker

#: (postcode, town) — real places, multi-word and hyphenated ones among them
TOWNS_DE = [
    ("93047", "Regensburg"),
    ("93053", "Regensburg"),
    ("86150", "Augsburg"),
    ("86154", "Augsburg-Oberhausen"),
    ("60311", "Frankfurt am Main"),
    ("15230", "Frankfurt (Oder)"),
    ("06108", "Halle (Saale)"),
    ("79098", "Freiburg im Breisgau"),
    ("67433", "Neustadt an der Weinstraße"),
    ("45468", "Mülheim an der Ruhr"),
    ("92637", "Weiden in der Oberpfalz"),
    ("87435", "Kempten (Allgäu)"),
    ("63065", "Offenbach am Main"),
    ("80331", "München"),
    ("81369", "München-Sendling"),
    ("10115", "Berlin"),
    ("20095", "Hamburg"),
    ("50667", "Köln"),
    ("01067", "Dresden"),
    ("04109", "Leipzig"),
    ("90402", "Nürnberg"),
    ("70173", "Stuttgart"),
    ("53111", "Bonn"),
    ("97070", "Würzburg"),
    ("94032", "Passau"),
    ("84028", "Landshut"),
    ("93413", "Cham"),
    ("89073", "Ulm"),
    ("35390", "Gießen"),
    ("37073", "Göttingen"),
    ("24103", "Kiel"),
    ("99084", "Erfurt"),
    ("30159", "Hannover"),
    ("66111", "Saarbrücken"),
    ("55116", "Mainz"),
    ("68159", "Mannheim"),
    ("69117", "Heidelberg"),
    ("83022", "Rosenheim"),
    ("82319", "Starnberg"),
    ("85049", "Ingolstadt"),
]
TOWNS_AT = [
    ("1010", "Wien"),
    ("1100", "Wien"),
    ("8010", "Graz"),
    ("4020", "Linz"),
    ("5020", "Salzburg"),
    ("6020", "Innsbruck"),
    ("9020", "Klagenfurt am Wörthersee"),
    ("3100", "St. Pölten"),
]
TOWNS_CH = [
    ("8001", "Zürich"),
    ("3011", "Bern"),
    ("4051", "Basel"),
    ("6003", "Luzern"),
    ("9000", "St. Gallen"),
    ("8400", "Winterthur"),
]
_COUNTRY_PREFIX = {"DE": "D-", "AT": "A-", "CH": "CH-"}

# street names built the ways German streets are named
_HONOURED = [
    "Konrad-Adenauer",
    "Theodor-Heuss",
    "Friedrich-Ebert",
    "Max-Planck",
    "Albert-Schweitzer",
    "Sophie-Scholl",
    "Käthe-Kollwitz",
    "Willy-Brandt",
    "Robert-Koch",
    "Geschwister-Scholl",
    "Otto-Hahn",
    "Carl-von-Ossietzky",
    "Bertha-von-Suttner",
    "Dr.-Martin-Luther-King",
]
_HYPHEN_SUFFIXES = ["-Straße", "-Str.", "-Ring", "-Allee", "-Weg", "-Platz", "-Damm", "-Ufer", "-Gasse", "-Anlage"]
_STEMS = ["Linden", "Birken", "Eichen", "Bahnhof", "Schul", "Kirch", "Garten", "Mühl", "Rosen", "Tannen", "Wiesen"]
_STEMS += ["Sonnen", "Burg", "Kloster", "Brunnen", "Ahorn", "Kastanien", "Holunder", "Hafen", "Schloss", "Weiher"]
_COMPOUND_SUFFIXES = ["straße", "str.", "weg", "gasse", "allee", "ring", "platz", "steig", "pfad", "graben"]
_PREFIXED = [
    "Am Hohen Weg",
    "An der Alten Mühle",
    "Am Anger",
    "Im Winkel",
    "Zum Sportplatz",
    "Auf dem Kreuz",
    "Hinter der Kirche",
    "Unter den Linden",
    "In den Gärten",
    "Am Alten Wasserwerk",
    "An den Eichen",
    "Zur Mühle",
    "Auf der Höhe",
    "Alter Markt",
    "Neuer Weg",
    "Hohe Straße",
    "Lange Gasse",
    "Obere Bachgasse",
    "Unterer Graben",
    "Kleine Gasse",
    "Großer Hof",
]
_ADJECTIVAL = ["Berliner Straße", "Regensburger Str.", "Münchner Allee", "Alte Landstraße", "Nürnberger Ring"]
_ADJECTIVAL += ["Mariahilfer Straße", "Wiener Straße", "Frankfurter Allee", "Kölner Weg"]


def street_names(faker: Faker, rnd: random.Random, n: int) -> list[str]:
    """``n`` street names (without number): faker's, and built ones of every shape."""
    out = {faker.street_name() for _ in range(n // 2)}
    while len(out) < n:
        shape = rnd.random()
        if shape < 0.3:
            out.add(rnd.choice(_HONOURED) + rnd.choice(_HYPHEN_SUFFIXES))
        elif shape < 0.6:
            out.add(rnd.choice(_STEMS) + rnd.choice(_COMPOUND_SUFFIXES))
        elif shape < 0.85:
            out.add(rnd.choice(_PREFIXED))
        else:
            out.add(rnd.choice(_ADJECTIVAL))
    return sorted(out)


def house_number(rnd: random.Random) -> str:
    """A house number as a database may hold it: "12", "12a", "12 a", "12/3", "12-14"."""
    n = rnd.randrange(1, 140)
    shape = rnd.random()
    if shape < 0.55:
        return str(n)
    if shape < 0.75:
        return f"{n}{rnd.choice('abcd')}"
    if shape < 0.83:
        return f"{n} {rnd.choice('abc')}"
    if shape < 0.91:
        return f"{n}/{rnd.randrange(1, 12)}"
    return f"{n}-{n + 2}"


def town(rnd: random.Random, country: str) -> tuple[str, str]:
    return rnd.choice({"DE": TOWNS_DE, "AT": TOWNS_AT, "CH": TOWNS_CH}[country])


@dataclass(frozen=True)
class Address:
    street_name: str  #: "Konrad-Adenauer-Ring"
    number: str  #: as stored: "5a", "5 a", "12/3", "12-14"
    postcode: str
    city: str
    country: str  #: DE | AT | CH

    @property
    def street(self) -> str:
        """As the database holds it: "Konrad-Adenauer-Ring 5a"."""
        return f"{self.street_name} {self.number}"


_STRASSE = {"straße": ["str.", "strasse"], "Straße": ["Str.", "Strasse"], "str.": ["straße"], "Str.": ["Straße"]}


def written_street(a: Address, rnd: random.Random) -> tuple[str, str]:
    """The street and number not as stored: "Str." for "Straße" (and back), "5 a" for "5a",
    "12–14" for "12-14"; and the form."""
    name, number, forms = a.street_name, a.number, []
    for long, shorts in _STRASSE.items():
        if name.endswith(long) and rnd.random() < 0.7:
            name = name[: -len(long)] + rnd.choice(shorts)
            forms.append("str")
            break
    if number[-1].isalpha():
        digits = number.rstrip("abcdABCD ").rstrip()
        letter = number[-1]
        number = rnd.choice([f"{digits}{letter}", f"{digits} {letter}", f"{digits}{letter.upper()}"])
        forms.append("letter")
    elif "-" in number:
        number = number.replace("-", rnd.choice(["–", " - ", "-"]))
        forms.append("range")
    return f"{name} {number}", " ".join(forms) or "as-stored"


def written_address(a: Address, rnd: random.Random, vary: bool = True, lines: bool = False) -> tuple[str, str]:
    """The address as text: street (as stored, or as :func:`written_street` varies it),
    postcode and town (sometimes "D-"/"A-"/"CH-" before the postcode), on one line or two;
    and the form."""
    street, form = written_street(a, rnd) if vary and rnd.random() < 0.5 else (a.street, "as-stored")
    if rnd.random() < 0.25 and not lines:
        return street, f"street {form}"
    prefix = _COUNTRY_PREFIX[a.country] if rnd.random() < 0.15 else ""
    sep = "\n" if lines else ", "
    return f"{street}{sep}{prefix}{a.postcode} {a.city}", f"{'lines' if lines else 'full'} {form}"


_EN_SUFFIXES = ["Street", "St", "St.", "Road", "Rd", "Avenue", "Ave.", "Lane", "Drive", "Close", "Way"]
_EN_UNITS = ["Apt 4", "Apt. 12", "Suite 200", "Flat 3", "Unit 7"]
_EN_TOWNS = ["London NW1 6XE", "Leeds LS1 4AP", "Bristol BS1 5TR", "Springfield, IL 62704", "Boston, MA 02118"]
_EN_TOWNS += ["Austin, TX 78701", "Manchester M1 1AE", "Portland, OR 97205"]


def foreign_address(faker_en: Faker, rnd: random.Random) -> tuple[str, str]:
    """A number-first English-language address: "221B Baker Street", "10 Downing St, Apt 4",
    "123 Main St., Suite 200, Springfield, IL 62704"."""
    number = str(rnd.randrange(1, 400)) + (rnd.choice("AB") if rnd.random() < 0.15 else "")
    text = f"{number} {faker_en.last_name()} {rnd.choice(_EN_SUFFIXES)}"
    form = "foreign"
    if rnd.random() < 0.5:
        text += f", {rnd.choice(_EN_UNITS)}"
        form += " unit"
    if rnd.random() < 0.5:
        text += f", {rnd.choice(_EN_TOWNS)}"
        form += " town"
    return text, form
