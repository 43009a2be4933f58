"""Names in free text: namesakes by spelling, family members, typos, particles, possessives, names
that are also words, abbreviations and pronouns after cue words (issue 12)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dsr.model import Identifier, IdentifierKind, KnownPerson, Profile, Subject
from dsr.pipeline.redact import Gazetteer, Tier, find
from dsr.pipeline.redact.fold import fold, fold_for_scan, scan_text
from dsr.pipeline.redact.typos import one_edit


def person(key: str, first: str, last: str | None = None, full: str | None = None, **kw) -> KnownPerson:
    return KnownPerson(
        store=kw.pop("store", "s"),
        key=key,
        identifiers=frozenset(kw.pop("identifiers", ())),
        first_name=first or None,
        last_name=last,
        full_name=full,
        **kw,
    )


def subject(key: str, first: str, last: str) -> Subject:
    return Subject(
        controller="c",
        reference="r",
        identifiers=frozenset({Identifier(IdentifierKind.KEY, key, "s")}),
        profile=Profile(first_name=first, last_name=last),
    )


PEOPLE = [
    person("1", "Lukas", "Müller"),
    person("2", "Lukas", "Mueller"),
    person("3", "Sabine", "Müller"),
    person("4", "Lena", "Sommer"),
    person("5", "Thomas", "Berg"),
    person("6", "Hendrik", "van der Berg"),
    person("7", "", full="Clara von Hagen"),
    person("8", "Anna", "König"),
    person("9", "Ernst", "Wolf"),
    person("10", "Jonas", "Koch"),
    person("11", "Will", "Parker"),
    person("12", "Rose", "Keller"),
    person("13", "Marlene", "Möller"),
]
LUKAS = Gazetteer.build(PEOPLE, subject("1", "Lukas", "Müller"))
CLARA = Gazetteer.build(PEOPLE, subject("4", "Lena", "Sommer"))


def hits(text: str, g: Gazetteer = LUKAS) -> list[tuple[str, Tier, str]]:
    return [(text[h.start : h.end], h.tier, h.rule) for h in find(text, g)]


def whose(text: str, g: Gazetteer = LUKAS) -> list[tuple[str, Tier, str | None]]:
    people = g.people
    out = []
    for h in find(text, g):
        p = people[h.person] if h.person > 0 else None
        out.append((text[h.start : h.end], h.tier, p.key if p else None))
    return out


# ------------------------------------------------------------------ a spelling that is exactly someone's


def test_a_spelling_that_is_exactly_another_persons_name_is_that_person() -> None:
    # Lukas Müller asks; another pupil is stored as "Lukas Mueller"
    assert whose("Geht so. Mein Cousin Lukas Mueller aus der 9a fand es gut.") == [("Lukas Mueller", Tier.REDACT, "2")]
    assert hits("Lukas Müller hat es gelesen.") == []  # the requester's own spelling
    assert whose("Mueller, Lukas kam.") == [("Mueller, Lukas", Tier.REDACT, "2")]


def test_the_other_namesake_sees_the_requesters_spelling_removed() -> None:
    g = Gazetteer.build(PEOPLE, subject("2", "Lukas", "Mueller"))
    assert whose("Mein Cousin Lukas Müller aus der 9a.", g) == [("Lukas Müller", Tier.REDACT, "1")]
    assert hits("Lukas Mueller hat es gelesen.", g) == []


def test_a_transliteration_nobody_else_has_stays_the_requesters() -> None:
    g = Gazetteer.build([p for p in PEOPLE if p.key != "2"], subject("1", "Lukas", "Müller"))
    assert hits("Lukas Mueller hat es gelesen.", g) == []


def test_the_requester_stored_in_both_spellings_keeps_both() -> None:
    mail = Identifier(IdentifierKind.EMAIL, "lukas@example.org")
    people = [
        person("1", "Lukas", "Müller", identifiers=[mail]),
        person("x", "Lukas", "Mueller", identifiers=[mail], store="library"),
    ]
    s = Subject(
        controller="c",
        reference="r",
        identifiers=frozenset({Identifier(IdentifierKind.KEY, "1", "s"), mail}),
        profile=Profile(first_name="Lukas", last_name="Müller"),
    )
    g = Gazetteer.build(people, s)
    assert hits("Lukas Mueller und Lukas Müller.", g) == []


# ------------------------------------------------------------------ family members


@pytest.mark.parametrize("text", ["Thomas Müller hat angerufen.", "Müller, Thomas hat angerufen.", "Müller Thomas"])
def test_the_requesters_surname_with_another_first_name_is_someone_else(text: str) -> None:
    found = hits(text)
    assert [(t, tier) for t, tier, _ in found] == [(text.split(" hat")[0], Tier.REVIEW)]


def test_a_family_member_the_stores_know_is_redacted() -> None:
    assert whose("Abgeholt von Sabine Müller.") == [("Sabine Müller", Tier.REDACT, "3")]


def test_the_requesters_own_first_name_with_their_surname_stays() -> None:
    assert hits("Lukas Müller, Müller Lukas, Müller.") == []


# ------------------------------------------------------------------ case


@pytest.mark.parametrize("text", ["lena sommer", "LENA SOMMER", "sommer, lena", "Lena SOMMER"])
def test_full_names_in_any_case(text: str) -> None:
    assert hits(f"Rückgabe durch {text} am Montag.") == [(text, Tier.REDACT, "known-full-name")]


@pytest.mark.parametrize("text", ["im sommer ist zu", "eine rose", "ernst gemeint"])
def test_bare_lower_case_words_stay_words(text: str) -> None:
    assert hits(text) == []


# ------------------------------------------------------------------ typos


@pytest.mark.parametrize(
    "typo", ["Lnea Sommer", "Lena Somer", "Lena Sommmer", "Lena Smomer", "Sommer, Lnea", "Lena Sommre"]
)
def test_a_known_full_name_with_one_typo_goes_to_review(typo: str) -> None:
    assert whose(f"Rückgabe durch {typo} am Montag.") == [(typo, Tier.REVIEW, "4")]


def test_the_requesters_own_name_misspelt_stays_theirs() -> None:
    assert hits("Lukas Mülller hat es gelesen. Lkuas Müller auch.") == []
    assert hits("Frau Mülller hat angerufen.") == []  # the requester's family, misspelt


def test_a_title_with_a_misspelt_known_surname_suggests_the_person() -> None:
    assert whose("Frau Somer hat angerufen.") == [("Somer", Tier.REVIEW, "4")]


def test_a_title_with_a_surname_one_letter_from_the_requesters_goes_to_review() -> None:
    # "Frau Möller" in a Müller's records: a known Möller, or the requester's mother misspelt
    assert [(t, tier) for t, tier, _ in hits("Frau Möller hat angerufen.")] == [("Möller", Tier.REVIEW)]
    assert hits("Frau Möller hat angerufen.", CLARA) == [("Möller", Tier.REDACT, "title-known-surname")]


# ------------------------------------------------------------------ particles


@pytest.mark.parametrize(
    ("text", "name", "tier"),
    [
        ("Hendrik van der Berg kam.", "Hendrik van der Berg", Tier.REDACT),
        ("Herr van der Berg kam.", "van der Berg", Tier.REDACT),
        ("Herr Van der Berg kam.", "Van der Berg", Tier.REDACT),
        ("Clara von Hagen kam.", "Clara von Hagen", Tier.REDACT),  # stored as one full-name field
        ("Mit Frau von Hagen besprochen.", "von Hagen", Tier.REDACT),
        ("von Hagen, Clara kam.", "von Hagen, Clara", Tier.REDACT),
        ("Laut von Hagen ist es weg.", "von Hagen", Tier.REVIEW),
    ],
)
def test_name_particles_belong_to_the_surname(text: str, name: str, tier: Tier) -> None:
    assert [(t, ti) for t, ti, _ in hits(text)] == [(name, tier)]


def test_a_particle_is_no_first_name() -> None:
    assert hits("Von Montag bis Mittwoch geschlossen. Van Gogh.") == []
    assert hits("Ausleihe mit den Kindern der Klasse.") == []


# ------------------------------------------------------------------ English possessives


@pytest.mark.parametrize(
    ("text", "name", "tier"),
    [
        ("Lena Sommer's card was found.", "Lena Sommer", Tier.REDACT),
        ("Lena Sommer’s card was found.", "Lena Sommer", Tier.REDACT),
        ("It is Sabine's card.", "Sabine", Tier.REVIEW),
        ("Mrs Sommer's card was found.", "Sommer", Tier.REDACT),
        ("Thomas Berg' card", "Thomas Berg", Tier.REDACT),
    ],
)
def test_english_possessives(text: str, name: str, tier: Tier) -> None:
    assert [(t, ti) for t, ti, _ in hits(text)] == [(name, tier)]


def test_the_requesters_possessive_stays() -> None:
    assert hits("Lukas's card, Lukas Müller's book.") == []


# ------------------------------------------------------------------ names that are also words


@pytest.mark.parametrize(
    "text",
    [
        "Der König kam zu spät.",
        "Das Buch lag im Keller.",
        "Das kostet 5 Mark.",
        "Einen Roman über einen Wolf ausgeliehen.",
        "Der Koch der Mensa hat gekocht.",
        "Bitte mit Ernst bei der Sache sein.",  # a cue word, then a noun: still after "mit"? see below
        "Hope you are well. Will you come?",
        "We met in May and again on 3 May.",
    ],
)
def test_a_name_that_is_also_a_word_is_the_word_out_of_name_position(text: str) -> None:
    found = [(t, tier) for t, tier, rule in hits(text) if rule != "cue-unknown-name"]
    assert found == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Herr König hat angerufen.", [("König", Tier.REDACT)]),
        ("Frau Keller hat angerufen.", [("Keller", Tier.REDACT)]),
        ("Anna König hat angerufen.", [("Anna König", Tier.REDACT)]),
        ("Ernst Wolf hat angerufen.", [("Ernst Wolf", Tier.REDACT)]),
        ("König hat angerufen.", [("König", Tier.REVIEW)]),  # the start of a sentence
        ("Gestern kamen Anna und Koch.", [("Anna", Tier.REVIEW), ("Koch", Tier.REVIEW)]),
        ("I met Will yesterday.", [("Will", Tier.REVIEW)]),
    ],
)
def test_a_name_that_is_also_a_word_in_name_position(text: str, expected) -> None:
    assert [(t, ti) for t, ti, _ in hits(text, CLARA)] == expected


# ------------------------------------------------------------------ abbreviations and pronouns


@pytest.mark.parametrize(
    "text",
    [
        "Hr. Mediennr. 123 fehlt.",
        "Mr. Nr. 5 is missing.",
        "Rücksprache mit Hr. Müller.",  # the requester's family
        "Kontakt mit Tel. und Fax.",
        "Ausleihe von Bd. 3 bis Bd. 5.",
        "max. 3 Bücher, Max. 3 Bücher",
    ],
)
def test_abbreviations_after_cues_are_no_names(text: str) -> None:
    assert hits(text) == []


def test_a_title_abbreviation_after_a_cue_leads_to_the_name() -> None:
    assert hits("Absprache mit Hr. Koch.") == [("Koch", Tier.REDACT, "title-known-surname")]


@pytest.mark.parametrize(
    "text",
    [
        "Ihre Vormerkung liegt für Sie an der Ausleihe bereit.",
        "Sie finden sie im Katalog.",
        "Wir melden uns bei Ihnen. Mit Ihnen, für Ihr Kind, von Ihrer Tochter.",
        "Du hast mit Dir selbst gesprochen. Für Dich, mit Euch.",
        "Thank you, with You and for Your class.",
    ],
)
def test_pronouns_are_never_names(text: str) -> None:
    assert hits(text) == []


# ------------------------------------------------------------------ properties

# An independent oracle for "one edit": the optimal string alignment distance by dynamic programming.


def osa(a: str, b: str) -> int:
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


@given(st.text("abcdeü", max_size=8), st.text("abcdeü", max_size=8))
@settings(max_examples=400, deadline=None)
def test_one_edit_agrees_with_the_distance(a: str, b: str) -> None:
    assert one_edit(a, b) == (osa(a, b) == 1)


LETTERS = "abcdefghijklmnopqrstuvwxyzäöüß"
NAME = st.text(LETTERS, min_size=5, max_size=9).map(str.capitalize)


@st.composite
def typo(draw: st.DrawFn, word: str) -> str:
    word = word.lower()
    kind = draw(st.sampled_from(["delete", "insert", "replace", "swap"]))
    i = draw(st.integers(0, len(word) - 1))
    c = draw(st.sampled_from(LETTERS))
    if kind == "delete":
        out = word[:i] + word[i + 1 :]
    elif kind == "insert":
        out = word[:i] + c + word[i:]
    elif kind == "replace":
        out = word[:i] + c + word[i + 1 :]
    else:
        out = word[:i] + word[i + 1 : i + 2] + word[i] + word[i + 2 :] if i + 1 < len(word) else word
    return out.capitalize()


@given(
    first=NAME,
    last=NAME,
    data=st.data(),
    in_first=st.booleans(),
    order=st.sampled_from(["{f} {l}", "{l} {f}", "{l}, {f}"]),
)
@settings(max_examples=200, deadline=None)
def test_a_full_name_with_one_typo_is_found_for_review(
    first: str, last: str, data: st.DataObject, in_first: bool, order: str
) -> None:
    g = Gazetteer.build([person("2", first, last), person("1", "Quirin", "Zabel")], subject("1", "Quirin", "Zabel"))
    written = data.draw(typo(first if in_first else last))
    assume(osa(written.lower(), (first if in_first else last).lower()) == 1 and written.isalpha())
    assume(written.lower() not in (first.lower(), last.lower()) and first.lower() != last.lower())
    name = order.format(f=written, l=last) if in_first else order.format(f=first, l=written)
    text = f"Rückgabe durch {name} am Montag."
    found = [(text[h.start : h.end], h.tier) for h in find(text, g)]
    assert (name, Tier.REVIEW) in found


CASINGS = st.sampled_from([str.lower, str.upper, str.title, lambda s: s])


@given(first=NAME, last=NAME, case=CASINGS, reverse=st.booleans())
@settings(max_examples=150, deadline=None)
def test_a_known_full_name_is_redacted_in_any_case(first: str, last: str, case, reverse: bool) -> None:
    g = Gazetteer.build([person("2", first, last), person("1", "Quirin", "Zabel")], subject("1", "Quirin", "Zabel"))
    name = case(f"{last}, {first}" if reverse else f"{first} {last}")
    text = f"Abgegeben von {name} am Montag."
    start = len("Abgegeben von ")
    found = [(h.start, h.end, h.tier) for h in find(text, g)]
    assert (start, start + len(name), Tier.REDACT) in found


UMLAUT_SURNAME = st.builds(
    lambda a, u, b: (a + u + b).capitalize(),
    st.text("bcdfghklmnprstwz", min_size=1, max_size=3),
    st.sampled_from("äöü"),
    st.text("bcdfghklmnprstwz", min_size=2, max_size=4),
)


@given(first=NAME, last=UMLAUT_SURNAME, requester_plain=st.booleans())
@settings(max_examples=100, deadline=None)
def test_namesakes_by_spelling(first: str, last: str, requester_plain: bool) -> None:
    plain = last.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    mine, theirs = (plain, last) if requester_plain else (last, plain)
    g = Gazetteer.build([person("1", first, mine), person("2", first, theirs)], subject("1", first, mine))
    other = f"{first} {theirs}"
    text = f"Mein Cousin {other} aus der 9a. Ich bin {first} {mine}."
    found = [(text[h.start : h.end], h.tier) for h in find(text, g)]
    assert found == [(other, Tier.REDACT)]


PRONOUNS = st.sampled_from(["Sie", "Ihnen", "Ihr", "Ihre", "Du", "Dir", "Dich", "Euch", "You", "Your"])
CUES = st.sampled_from(["für", "mit", "von", "bei", "Frau", "Herr", "with", "for", "Mutter", "Schulleiterin"])


@given(cue=CUES, pronoun=PRONOUNS, tail=st.sampled_from([".", " bereit.", " Kind.", ", danke."]))
@settings(max_examples=100, deadline=None)
def test_a_pronoun_after_a_cue_is_never_a_name(cue: str, pronoun: str, tail: str) -> None:
    assert hits(f"Liegt {cue} {pronoun}{tail}") == []


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_folding_for_the_scan_in_one_pass_equals_the_two_steps(text: str) -> None:
    assert fold_for_scan(text) == scan_text(fold(text))
