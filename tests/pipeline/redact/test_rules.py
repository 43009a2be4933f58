"""Single rules of text redaction, on a small gazetteer."""

from __future__ import annotations

import pytest

from dsr.model import Identifier, IdentifierKind, KnownPerson, Profile, Subject
from dsr.pipeline.redact import AllowList, Gazetteer, Tier, find

SUBJECT = Subject(
    controller="c",
    reference="r",
    identifiers=frozenset({Identifier(IdentifierKind.KEY, "1", "s")}),
    profile=Profile(first_name="Jonas", last_name="Keller"),
)
PEOPLE = [
    KnownPerson(store="s", key="1", identifiers=frozenset(), first_name="Jonas", last_name="Keller"),
    KnownPerson(store="s", key="2", identifiers=frozenset(), first_name="Jürgen", last_name="Müller", role="teacher"),
    KnownPerson(store="s", key="3", identifiers=frozenset(), first_name="Rose", last_name="Weiß"),
]
G = Gazetteer.build(PEOPLE, SUBJECT)


def tiers(text: str) -> list[tuple[str, Tier]]:
    return [(text[h.start : h.end], h.tier) for h in find(text, G)]


@pytest.mark.parametrize("text", ["Juergen Mueller kam.", "MÜLLER, JÜRGEN kam.", "J. Müller kam.", "Rose Weiss kam."])
def test_full_name_variants_are_redacted(text):
    assert [t for _, t in tiers(text)] == [Tier.REDACT]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Müllers Tasche lag da.", [("Müller", Tier.REVIEW)]),  # inflected: review, not redact
        ("Die Müllerstraße ist gesperrt.", []),  # part of a compound
        ("eine rose im garten", []),  # lower case: a word, not a name
        ("Rose hat angerufen.", [("Rose", Tier.REVIEW)]),  # bare first name: review
        ("Jonas hat es zurückgebracht.", []),  # the subject's own first name
        ("Herr Müller hat es gesehen.", [("Müller", Tier.REDACT)]),  # title + known surname
        ("Mit Ausnahme der Ferien.", []),  # capitalised noun after a cue word
    ],
)
def test_tiers(text, expected):
    assert tiers(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "IBAN DE89 3704 0044 0532 0130 01",  # wrong checksum
        "IP 999.10.1.1",
        "Signatur 12.03.2025",
        "ISBN 978-3-16-148410-0",
    ],
)
def test_invalid_identifiers_are_not_redacted(text):
    assert tiers(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Konto DE89 3704 0044 0532 0130 00",
        "IP 2001:db8::1",
        "Tel. +49 30 1234567",
        "x@example.org",
    ],
)
def test_valid_identifiers_of_unknown_people_are_redacted(text):
    assert [t for _, t in tiers(text)] == [Tier.REDACT]


@pytest.mark.parametrize("text", ["IP ::", "IP ::1", "IP 127.0.0.1", "Verhältnis 1::2", "IP 0.0.0.0"])
def test_addresses_that_identify_no_device_are_not_redacted(text):
    assert tiers(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jürgen Müllers Tasche", [("Jürgen Müller", Tier.REVIEW)]),  # inflected full name
        ("Weiß, Rose kam.", [("Weiß, Rose", Tier.REDACT)]),
        ("J.Müller kam.", [("J.Müller", Tier.REDACT)]),
        ("Jürgen M. kam.", [("Jürgen M.", Tier.REVIEW)]),  # the initial may be anybody's
        ("Jonas Keller und Jonas K. kamen.", []),  # the subject's own name, in every form
    ],
)
def test_name_forms(text, expected):
    assert tiers(text) == expected


# People a controller's stores do not know (a pupil of a customer school, in the vendor's
# support ticket): only the words around them can send them to review.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, our principal Waltrud Zirme asks for a copy.", [("Waltrud Zirme", Tier.REVIEW)]),
        ("Unsere Schulleiterin Waltrud Zirme bittet um Rückruf.", [("Waltrud Zirme", Tier.REVIEW)]),
        ("Ansprechpartner Hannchen Grein Groth ist neu.", [("Hannchen Grein Groth", Tier.REVIEW)]),  # three words
        ("Termin mit Schulleiterin Hanna Rücksprache halten.", [("Hanna", Tier.REVIEW)]),  # ends before a noun
        # after a German preposition a single unknown word is a noun as often as a name
        ("Termin mit Hanna Rücksprache halten.", []),
        ("Das Buch ist mit Bleistift angemalt.", []),
        ("I read it with Hanna last summer.", [("Hanna", Tier.REVIEW)]),
        ("Mit Hanna Zirme gesprochen.", [("Hanna Zirme", Tier.REVIEW)]),
        # the cue found the name once; its words elsewhere in the text have no cue
        (
            "Der Ausweis von Daniela Zirme (Daniela ist in der 7b) fehlt.",
            [("Daniela Zirme", Tier.REVIEW), ("Daniela", Tier.REVIEW)],
        ),
        # a known first name with an unknown surname: the item is the whole name, not "Rose" alone
        ("Rose Zirme hat angerufen.", [("Rose Zirme", Tier.REVIEW)]),
        ("Rose Bitte beachten.", [("Rose", Tier.REVIEW)]),
        # precision: the subject's own name and a known name keep their rules
        ("Unsere Schulleiterin Frau Müller lässt grüßen, Jonas Keller", [("Müller", Tier.REDACT)]),
        ("Contact Jonas Keller for details.", []),
        (
            "Von Jonas Zirme, Jonas war da.",
            [("Jonas Zirme", Tier.REVIEW)],
        ),  # another Jonas; the subject's "Jonas" stays
    ],
)
def test_unknown_names_after_role_cues_go_to_review(text, expected):
    assert tiers(text) == expected


def test_a_catalogue_author_after_a_cue_stays_and_is_not_followed():
    g = Gazetteer.build(PEOPLE, SUBJECT, allow=AllowList(terms=("Michael Ende",)))
    text = "Das Buch von Michael Ende gelesen. Michael sagt, das Ende ist traurig."
    assert find(text, g) == []


def test_organisations_in_a_name_column_are_no_persons_names():
    """A domain registrant is the school, a payer may be "Stadtkasse Regensburg": the town is
    no surname, and the requester's school is not redacted as a person."""
    orgs = [
        KnownPerson(store="v", key=f"o{i}", identifiers=frozenset(), full_name=name, role="registrant")
        for i, name in enumerate(("Goethe-Gymnasium Regensburg", "Stadtkasse Regensburg", "Muster AG"))
    ]
    g = Gazetteer.build([*PEOPLE, *orgs], SUBJECT)
    text = "Das Goethe-Gymnasium Regensburg zahlt über die Stadtkasse Regensburg; Rose Weiß hilft."
    assert [(text[h.start : h.end], h.tier) for h in find(text, g)] == [("Rose Weiß", Tier.REDACT)]
    assert find("Wir sind in Regensburg.", g) == []
