"""Properties of text redaction over generated texts (hypothesis)."""

from __future__ import annotations

import string
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dsr.model import (
    Classification,
    Field,
    Gathering,
    Identifier,
    IdentifierKind,
    KnownPerson,
    Profile,
    Record,
    Subject,
)
from dsr.pipeline.redact import MARKERS, Gazetteer, redact
from dsr.pipeline.redact.spans import Hit, Kind, Tier
from dsr.pipeline.redact.stage import apply

SUBJECT = Subject(
    controller="c",
    reference="r",
    identifiers=frozenset(
        {
            Identifier(IdentifierKind.KEY, "1", "school"),
            Identifier(IdentifierKind.EMAIL, "anna.mueller@schule-musterstadt.de"),
            Identifier(IdentifierKind.CARD, "L0000001"),
            Identifier(IdentifierKind.LOGIN, "amueller7"),
            Identifier(IdentifierKind.PHONE, "+4917112345678"),
            Identifier(IdentifierKind.IP, "10.1.2.3"),
        }
    ),
    profile=Profile(first_name="Anna", last_name="Müller", street="Lindenweg 4", postal_code="80331", city="München"),
)
PEOPLE = [
    KnownPerson(store="school", key="1", identifiers=frozenset(), first_name="Anna", last_name="Müller"),
    KnownPerson(
        store="school",
        key="2",
        first_name="Ben",
        last_name="Schulze",
        street="Lindenweg 4",  # sibling
        identifiers=frozenset({Identifier(IdentifierKind.EMAIL, "ben.schulze@gmx.de")}),
    ),
    KnownPerson(
        store="school",
        key="3",
        first_name="Anna",
        last_name="Schmidt",
        identifiers=frozenset({Identifier(IdentifierKind.EMAIL, "a.schmidt@web.de")}),
    ),
    KnownPerson(store="school", key="4", first_name="Lena", last_name="Vogel", identifiers=frozenset()),
]
GAZETTEER = Gazetteer.build(PEOPLE, SUBJECT)

WORDS = [
    "Buch",
    "zurück",
    "mit",
    "Frau",
    "heute",
    "the",
    "book",
    "Ben",
    "Schulze",
    "Lena",
    "Vogel",
    "ben.schulze@gmx.de",
    "Anna",
    "Schmidt",
    "0171 9876543",
    "DE89 3704 0044 0532 0130 00",
    "192.168.1.20",
    "Mutter",
    "Herr",
    "L0000002",
    "Müllers",
    "Straße",
    "Lindenweg 4",
]
PUNCT = " \t\n.,;:!?()[]{}<>\"'/\\|-_+*&%$#=~^`"


def _redact(text: str, language: str = "de"):
    record = Record(store="school", collection="note", key="1", fields=(Field("text", text, Classification.FREE_TEXT),))
    gathering = Gathering(subject=SUBJECT, records=(record,), collections=(), reports=())
    result = redact(gathering, GAZETTEER, secret=b"k", language=language)
    return result.gathering.records[0].value("text"), result


texts = st.lists(
    st.one_of(
        st.sampled_from(WORDS),
        st.text(alphabet=string.ascii_letters + "äöüßÄÖÜ@.-", max_size=8),
        st.text(alphabet=PUNCT, min_size=1, max_size=3),
    ),
    max_size=25,
).map(" ".join)


def printed(text: str, spans: list[tuple[int, int, Kind]], language: str) -> str:
    """The oracle, independent of ``apply``: walk the original character by character, copy each
    one outside the spans, and write a span's marker (from the table) where the span starts."""
    starts = {start: (end, kind) for start, end, kind in spans}
    out, i = [], 0
    while i < len(text):
        if i in starts:
            end, kind = starts[i]
            out.append(MARKERS[language][kind])
            i = end
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.sampled_from(["de", "en"]))
def test_text_outside_redacted_spans_is_unchanged(text, language):
    out, result = _redact(text, language)
    removed = [(e.start, e.end, Kind(e.kind)) for e in result.log if e.outcome != "kept"]
    assert all(0 <= a[0] < a[1] <= b[0] < b[1] <= len(text) for a, b in pairwise(removed))  # disjoint, in order
    assert out == printed(text, removed, language)


@st.composite
def text_and_spans(draw):
    """Any text and any disjoint, non-empty spans of it, with a kind each."""
    text = draw(st.text(max_size=60))
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=8)))
    pairs = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if a < b]
    return text, [(a, b, draw(st.sampled_from(list(Kind)))) for a, b in pairs]


@settings(max_examples=300, deadline=None)
@given(text_and_spans(), st.sampled_from(["de", "en"]))
def test_apply_changes_nothing_but_the_spans(case, language):
    text, spans = case
    hits = [Hit(start, end, kind, Tier.REDACT, "any") for start, end, kind in spans]
    assert apply(text, hits, language) == printed(text, spans, language)


SUBJECT_VALUES = [
    "anna.mueller@schule-musterstadt.de",
    "ANNA.MUELLER@Schule-Musterstadt.DE",
    "Anna Müller",
    "Müller, Anna",
    "Anna",
    "Müller",
    "L0000001",
    "amueller7",
    "0171 12345678",
    "+49 171 12345678",
    "10.1.2.3",
    "Lindenweg 4",
    "80331 München",
    "A. Müller",
]
FILLER = ["Buch", "heute", "zurückgegeben", "the", "book", "mit", "war", "da", "Bibliothek", "und"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(SUBJECT_VALUES),
            st.text(alphabet=PUNCT, max_size=3),
            st.text(alphabet=PUNCT, max_size=3),
            st.sampled_from(FILLER),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_subject_own_identifiers_are_never_redacted(parts):
    text = " ".join(f"{filler} {before}{value}{after} " for value, before, after, filler in parts)
    out, result = _redact(text)
    for value, *_ in parts:
        assert value in out
    assert not [e for e in result.log if e.outcome != "kept"]


local = st.from_regex(r"[a-z0-9]{1,8}([._-][a-z0-9]{1,8}){0,2}", fullmatch=True)
domain = st.from_regex(r"[a-z0-9]{2,10}(-[a-z0-9]{1,5})?\.(de|org|com|net|schule)", fullmatch=True)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(local, domain, st.data(), st.text(alphabet=PUNCT, max_size=4), st.text(alphabet=PUNCT, max_size=4))
def test_known_third_party_email_is_always_redacted(user, host, data, before, after):
    email = f"{user}@{host}"
    person = KnownPerson(
        store="school",
        key="9",
        first_name="Zora",
        last_name="Quast",
        identifiers=frozenset({Identifier(IdentifierKind.EMAIL, email)}),
    )
    gazetteer = Gazetteer.build([*PEOPLE, person], SUBJECT)
    cased = "".join(c.upper() if data.draw(st.booleans()) else c for c in email)
    text = f"Bitte an{before}{cased}{after}schreiben."
    record = Record(store="school", collection="note", key="1", fields=(Field("t", text, Classification.FREE_TEXT),))
    result = redact(Gathering(subject=SUBJECT, records=(record,), collections=(), reports=()), gazetteer)
    out = result.gathering.records[0].value("t")
    assert email not in out.lower()
    assert "[E-Mail entfernt]" in out or "[Name entfernt]" in out


@pytest.mark.parametrize("text", ["Buch ::0171 12345678_ ", "Buch L0000001;:: ", "Tel. +49 (171) 1234-5678::1"])
def test_generic_patterns_never_cut_into_the_subjects_own_values(text):
    # found by hypothesis: "::0171" looks like an IPv6 address and ate the subject's phone number
    out, result = _redact(text)
    assert out == text
    assert not [e for e in result.log if e.outcome != "kept"]


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_one_pass_folding_equals_folding_then_preparing(text):
    from dsr.pipeline.redact.fold import fold, fold_for_scan, scan_text

    assert fold_for_scan(text) == scan_text(fold(text))


@settings(max_examples=300, deadline=None)
@given(text_and_spans(), st.data(), st.sampled_from(["de", "en"]))
def test_the_review_sentence_is_a_piece_of_the_letter_for_either_decision(case, data, language):
    from dsr.pipeline.redact.review import sentence_around

    text, spans = case
    assume(spans)
    item = data.draw(st.sampled_from(spans))
    groups = [data.draw(st.sampled_from(["same", "other"])) if s != item else "same" for s in spans]
    hits = [(Hit(start, end, kind, Tier.REVIEW, "any"), g) for (start, end, kind), g in zip(spans, groups, strict=True)]
    sentence = sentence_around(text, Hit(*item, Tier.REVIEW, "any"), "same", hits, language)

    def piece(s: str) -> str:
        return s.removeprefix("…").removesuffix("…")

    # as printed when the item (and every identical one) is redacted, and when they are kept
    assert piece(sentence.redacted) in printed(text, spans, language)
    kept = [s for s, g in zip(spans, groups, strict=True) if g != "same"]
    assert piece(sentence.kept) in printed(text, kept, language)
    assert sentence.kept == sentence.before + text[item[0] : item[1]] + sentence.after
    assert MARKERS[language][item[2]] in sentence.redacted
