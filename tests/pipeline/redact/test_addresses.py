"""Street addresses: German streets in their many shapes, house numbers with letters, slashes
and ranges, towns after a postcode, common foreign forms; the requester's own household
address stays whole in any of its written variants, another person's goes whole.

The generator writes an address from parts; the oracle is the span it wrote.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsr.model import Identifier, IdentifierKind, KnownPerson, Profile, Subject
from dsr.pipeline.redact import Gazetteer, Kind, Tier, find


def _subject(street: str = "Lindenweg 4", postcode: str | None = "80331", city: str = "München") -> Gazetteer:
    subject = Subject(
        controller="c",
        reference="r",
        identifiers=frozenset({Identifier(IdentifierKind.KEY, "1", "s")}),
        profile=Profile(first_name="Jonas", last_name="Keller", street=street, postal_code=postcode, city=city),
    )
    me = KnownPerson(store="s", key="1", identifiers=frozenset(), first_name="Jonas", last_name="Keller")
    other = KnownPerson(store="s", key="2", identifiers=frozenset(), first_name="Rose", last_name="Weiß")
    return Gazetteer.build([me, other], subject)


G = _subject()

STEMS = ["Linden", "Bahnhof", "Haupt", "Schiller", "Kirch", "Mühlen", "Eichen", "Rosen", "Garten", "Wiesen"]
SUFFIXES = ["straße", "str.", "strasse", "weg", "gasse", "allee", "platz", "ring", "damm"]
NAMES = [
    "Konrad-Adenauer",
    "Theodor-Heuss",
    "Max-Planck",
    "Bertha-von-Suttner",
    "Karl-Marx",
    "Hans-Böckler",
    "Dr.-Martin-Luther-King",
    "St.-Anna",
]
NOUNS = ["Straße", "Str.", "Weg", "Allee", "Ring", "Platz", "Gasse"]
HYPHEN_NOUNS = [*NOUNS, "Anlage", "Ufer", "Damm", "Terrasse"]
ADJECTIVES = ["Berliner", "Kölner", "Alte", "Neue", "Frankfurter", "Lange"]
LED = ["Am Hohen Weg", "An der Alten Mühle", "Auf dem Berg", "Im Winkel", "Zur Linde", "Am Anger", "In der Aue"]
TOWNS_DE = [
    "München",
    "Frankfurt am Main",
    "Augsburg-Oberhausen",
    "Halle (Saale)",
    "Bad Homburg vor der Höhe",
    "Freiburg im Breisgau",
    "Frankfurt/Oder",
    "Mülheim an der Ruhr",
]
TOWNS_AT_CH = ["Wien", "Graz", "Zürich", "Bern", "Innsbruck", "Hintertux", "Oberwil"]


@st.composite
def streets(draw: st.DrawFn) -> str:
    shape = draw(st.sampled_from(["compound", "hyphenated", "two words", "led"]))
    if shape == "compound":
        name = draw(st.sampled_from(STEMS)) + draw(st.sampled_from(SUFFIXES))
    elif shape == "hyphenated":
        name = draw(st.sampled_from(NAMES)) + "-" + draw(st.sampled_from(HYPHEN_NOUNS))
    elif shape == "two words":
        name = draw(st.sampled_from(ADJECTIVES)) + " " + draw(st.sampled_from(NOUNS))
    else:
        name = draw(st.sampled_from(LED))
    n = draw(st.integers(1, 240))
    number = draw(st.sampled_from([f"{n}", f"{n}a", f"{n} b", f"{n}/3", f"{n}-{n + 2}", f"{n}–{n + 2}", f"{n}B"]))
    return f"{name} {number}"


@st.composite
def german_addresses(draw: st.DrawFn) -> str:
    street = draw(streets())
    town = draw(
        st.one_of(
            st.just(""),
            st.builds(lambda c, t: f"{c:05d} {t}", st.integers(1067, 99998), st.sampled_from(TOWNS_DE)),
            st.builds(lambda c, t: f"{c} {t}", st.integers(1010, 9992), st.sampled_from(TOWNS_AT_CH)),
            st.builds(lambda c, t: f"D-{c:05d} {t}", st.integers(1067, 99998), st.sampled_from(TOWNS_DE)),
        )
    )
    if not town:
        return street
    return street + draw(st.sampled_from([", ", "\n", " ", " · ", ",\u00a0"])) + town


@st.composite
def foreign_addresses(draw: st.DrawFn) -> str:
    number = draw(st.sampled_from(["10", "221B", "1600", "12-14", "7a"]))
    name = draw(st.sampled_from(["Baker", "Downing", "Pennsylvania", "High", "Church", "Old Kent", "O'Neill"]))
    suffix = draw(st.sampled_from(["Street", "St", "St.", "Road", "Rd", "Avenue", "Ave", "Lane", "Drive", "Close"]))
    street = f"{number} {name} {suffix}"
    unit = draw(st.sampled_from(["", "Flat 3, ", "Apt 4B ", "Suite 200, "]))
    after = draw(st.sampled_from(["", ", Apt 4", ", Suite 200", " #5"])) if not unit else ""
    town = draw(st.sampled_from(["", ", London SW1A 2AA", ", Manchester M1 1AE", ", Springfield, IL 62704"]))
    return unit + street + after + town


CONTEXTS = [
    "Neue Adresse: {}.",
    "Sie wohnt jetzt {} (seit März).",
    "Post bitte an {} schicken",
    "Anschrift:\n{}\nDanke",
]


def _covered(hits, start: int, end: int) -> bool:
    return any(h.kind is Kind.ADDRESS and h.tier is Tier.REDACT and h.start <= start and end <= h.end for h in hits)


@settings(max_examples=400, deadline=None)
@given(st.one_of(german_addresses(), foreign_addresses()), st.sampled_from(CONTEXTS))
def test_another_persons_address_is_redacted_whole(address, context):
    text = context.format(address)
    start = text.index(address)
    hits = find(text, G)
    assert _covered(hits, start, start + len(address)), (text, [(text[h.start : h.end], h.rule) for h in hits])


def _variants(street: str) -> st.SearchStrategy[str]:
    """``street`` as people write it: "Str."/"Straße"/"strasse", hyphens or spaces, "12a"/"12 a"/"12A",
    umlauts written out."""
    forms = {street}
    for a, b in (("Straße", "Str."), ("straße", "str."), ("Straße", "Strasse"), ("straße", "strasse")):
        forms |= {f.replace(a, b) for f in forms}
    forms |= {f.replace("-", " ") for f in forms}
    forms |= {f.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae") for f in forms}
    forms |= {f[:-1] + " " + f[-1] for f in forms if f[-1].isalpha() and f[-2].isdigit()}
    forms |= {f[:-1] + f[-1].upper() for f in forms if f[-1].isalpha()}
    return st.sampled_from(sorted(forms))


OWN = ["Konrad-Adenauer-Straße 12a", "Am Hohen Weg 3", "An der Alten Mühle 5", "Berliner Straße 7", "Lindenweg 4"]


@settings(max_examples=300, deadline=None)
@given(st.data(), st.sampled_from(OWN), st.booleans(), st.sampled_from(CONTEXTS))
def test_the_requesters_own_address_stays_whole_in_any_variant(data, own, with_postcode, context):
    g = _subject(own, "60311" if with_postcode else None, "Frankfurt am Main")
    street = data.draw(_variants(own))
    town = data.draw(
        st.sampled_from(["", ", 60311 Frankfurt am Main", "\nD-60311 Frankfurt a. M.", " 60311 Frankfurt"])
    )
    text = context.format(street + town)
    assert [h for h in find(text, g) if h.kind is Kind.ADDRESS] == [], text


def test_the_requesters_postcode_alone_stays_but_a_neighbours_street_takes_it_along():
    g = _subject("Lindenweg 4", "80331", "München")
    assert find("Wir wohnen in 80331 München.", g) == []
    text = "Post bitte nicht an Rosenstraße 9, 80331 München schicken."
    hits = [(text[h.start : h.end], h.tier) for h in find(text, g)]
    assert hits == [("Rosenstraße 9, 80331 München", Tier.REDACT)]


@pytest.mark.parametrize(
    "text",
    [
        "Am Montag 3 Bücher zurückgegeben.",
        "Im Jahr 2024 kamen 12 Kinder.",
        "Die Klasse 7b hat am Dienstag eine Führung.",
        "Von Seite 12 bis 30 fehlen Seiten.",
        "2024 Bücher wurden ausgeliehen.",
        "Medium im Regal Sachbuch 3 eingestellt.",
        "Zimmer 12, Raum 3a, Kapitel 12, Band 3.",
        "Rückgabe am Freitag nach der 6. Stunde.",
        "Mahnung am 12.03.2025 verschickt, Gebühr 2,50 Euro.",
        "Harry Potter 7 ist wieder da.",
        "Zum Glück 3 Exemplare übrig.",
        "Auf der Liste 5 Namen.",
        "In 1500 Metern links.",
        "Spende über 10000 Euro erhalten.",
        "Siehe Anlage 3.",
    ],
)
def test_numbers_after_capitalised_words_are_no_addresses(text):
    assert [h for h in find(text, G) if h.kind is Kind.ADDRESS] == []


def test_the_requesters_town_stays_when_no_postcode_of_theirs_is_stored():
    g = _subject("Lindenweg 4", None, "Frankfurt am Main")
    assert find("Umzug nach 60311 Frankfurt am Main geplant.", g) == []
    text = "Umzug nach 80331 München geplant."
    assert [(text[h.start : h.end], h.tier) for h in find(text, g)] == [("80331 München", Tier.REDACT)]
