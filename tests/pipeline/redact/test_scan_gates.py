"""The cheap tests that skip a finder (:mod:`dsr.pipeline.redact.presence`, the skips in
:func:`~dsr.pipeline.redact.patterns.find_all`, the two-step scan fold) never change a find.

Each gate is checked against the finder it guards, run without the gate: the generators write
the words the finders look for in the ways a text may case and spell them — capitals, title
case, the letters case-insensitive matching reads alike ("ſ", "İ", "ı", "K"), no-break spaces,
hyphens — between random text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dsr.pipeline.redact import addresses as addresses_module
from dsr.pipeline.redact import patterns
from dsr.pipeline.redact.addresses import STREET_SUFFIXES, _streets, addresses
from dsr.pipeline.redact.case_numbers import CUE_WORDS, case_numbers
from dsr.pipeline.redact.fold import fold, fold_for_scan, scan_text
from dsr.pipeline.redact.found import Found
from dsr.pipeline.redact.ips import ipv4_found, ipv6s
from dsr.pipeline.redact.phones import _CUED_LOCAL, _has_local_cue, phones
from dsr.pipeline.redact.presence import CASE_NUMBER, LOCAL_PHONE, STREET, possible_rules

_ALIKE = {"s": "sSſ", "i": "iIİı", "k": "kKK", "ß": "ßẞ"}


def _spelled(word: str) -> st.SearchStrategy[str]:
    """``word`` with each letter in either case or a letter that reads alike."""
    return st.tuples(*(st.sampled_from(_ALIKE.get(c, c + c.upper())) for c in word)).map("".join)


def _cased(word: str) -> st.SearchStrategy[str]:
    """``word`` as a text may write it: as is, capitalised, in capitals, in title case, or
    letter by letter in any case."""
    return st.one_of(st.sampled_from([word, word.capitalize(), word.upper(), word.title()]), _spelled(word))


_NOISE = st.text(alphabet="aAeEiIİıſKkoOsSzZ .:-/\u00a0\n\t0123456789,()Σσς", max_size=8)


def _texts(words: st.SearchStrategy[str], after: list[str]) -> st.SearchStrategy[str]:
    piece = st.one_of(words, st.sampled_from(after), _NOISE)
    return st.lists(piece, max_size=10).map("".join)


# -- the local phone number after a cue word ("Tel. 4711 23") --------------------------------

PHONE_CUES = (
    "tel telefon telefonnummer telefonnr telephone tel.nr tel-nr telnr fon fax festnetz phone handy "
    "handynummer handynr mobil mobile mobilnummer mobiltelefon cell rufnummer telefax"
).split()
phone_texts = _texts(st.sampled_from(PHONE_CUES).flatmap(_cased), [" ", ": ", ". ", "-Nr. ", "4711 23", "89 12 34"])


@settings(max_examples=1500, deadline=None)
@given(phone_texts)
def test_the_phone_cue_gate_never_skips_a_cued_local_number(text: str) -> None:
    gate = bool(possible_rules(text.lower()) & LOCAL_PHONE)
    assert gate == _has_local_cue(text)  # the same words as the substring test it replaces
    if _CUED_LOCAL.search(text):
        assert gate, text
    assert list(phones(text, (), [], local_cue=gate)) == list(phones(text, (), []))


# -- the street whose name ends in a street word ("Lindenweg 4", "Berliner Str. 5") -----------

STREET_WORDS = [*STREET_SUFFIXES, "str", "strasse"]
street_texts = _texts(
    st.tuples(
        st.sampled_from(["", "Linden", "Berliner ", "Konrad-Adenauer-", "Am ", "An der ", "Über dem ", "Im "]),
        st.sampled_from(STREET_WORDS).flatmap(_cased),
    ).map("".join),
    ["Am ", "An der ", "Unter den ", "Zu den ", "Beim ", " ", "\u00a0", ". ", "Alte ", " 4", " 12a", " 3-5", "-", "\n"],
)


@settings(max_examples=2000, deadline=None)
@given(street_texts)
def test_the_street_gate_never_skips_a_street(text: str) -> None:
    gate = bool(possible_rules(text.lower()) & STREET)
    if _streets(text) and not gate:
        assert addresses_module._LED.search(text), text  # only a street led by "Am" … gets past
    assert addresses(text, None, street_word=gate) == addresses(text)
    assert addresses(text, [], street_word=gate) == addresses(text, [])


# -- the authority's reference after a cue word ("Az. 336 Js 12240/26") -----------------------

case_texts = st.tuples(
    _NOISE,
    st.sampled_from(CUE_WORDS).flatmap(_cased),
    st.sampled_from([" ", ". ", ": ", " Nr. ", ".", "x", ""]),
    st.sampled_from(["336 Js 12240/26", "2025-8152129", "12", "71/477426/25", "AB 123"]),
    _NOISE,
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(case_texts)
def test_the_reference_gate_never_skips_a_reference(text: str) -> None:
    if list(case_numbers(text)):
        assert possible_rules(text.lower()) & CASE_NUMBER, text


# -- find_all with its skips and without ------------------------------------------------------


def _find_all_ungated(text: str) -> list[Found]:
    """find_all as it was before the skips: every finder runs on every text with a digit."""
    out: list[Found] = list(patterns.emails(text))
    if re.search(r"\d", text):
        numbers: list[re.Match[str]] = []
        places: list[re.Match[str]] = []
        iban_spans: list[tuple[int, int]] = []
        for m in patterns._DIGIT_LED.finditer(text):
            if m.start("ipv4") >= 0:
                f = ipv4_found(text, m)
                if f is not None:
                    out.append(f)
            elif m.start("iban") >= 0:
                iban_spans.append((m.start(), m.end("iban")))
            else:
                (numbers if m.start("phone") >= 0 else places).append(m)
                if m.end() - m.start() > 3:
                    patterns._ibans_inside(text, m, iban_spans)
        found = list(phones(text, (), numbers))
        out.extend(found)
        if len(found) < len(numbers):
            places = patterns._places_behind(text, numbers, {f.start for f in found}, places)
        out.extend(patterns.ibans(text, (), iban_spans))
        out.extend(ipv6s(text))
        out.extend(addresses(text, places))
        out.extend(patterns.cards(text, None))
        out.extend(case_numbers(text))
    elif ":" in text:
        out.extend(ipv6s(text))
    out.extend(patterns.hostnames(text))
    return out


mixed_texts = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "Tel. 4711 23",
                "Handy: 0171 1234567",
                "anna@example.org",
                "Lindenweg 4, 80331 München",
                "Am Anger 3",
                "Az. 336 Js 12240/26",
                "DE89 3704 0044 0532 0130 00",
                "192.168.0.1",
                "2001:db8::1",
                "dsl-84-12-3-4.provider.example",
                "+49 (0)89 123456",
                "Weg 200-202 1010 Wien",
            ]
        ),
        phone_texts,
        street_texts,
        case_texts,
    ),
    max_size=4,
).map(" ".join)


@settings(max_examples=800, deadline=None)
@given(mixed_texts)
def test_find_all_finds_what_every_finder_finds_unskipped(text: str) -> None:
    assert patterns.find_all(text) == _find_all_ungated(text)


# -- the scan fold in two steps ---------------------------------------------------------------

scan_alphabet = st.text(
    alphabet=st.one_of(
        st.sampled_from(
            list(
                "AaÄäÖöÜüßẞİıſKéÉçñ’‘`´‐‑–—\n\r\t\v\f\u00a0\u2007\u202f\u2009\u200a ()[]{}<>\"/\\|:;!?*#=~^$%§«»„“”‚'-.,ΣσςXx09"
            )
        ),
        st.characters(codec="utf-8"),
    ),
    max_size=40,
)


@settings(max_examples=1500, deadline=None)
@given(scan_alphabet)
def test_the_scan_fold_is_the_fold_with_separators_as_spaces(text: str) -> None:
    assert fold_for_scan(text) == scan_text(fold(text))
