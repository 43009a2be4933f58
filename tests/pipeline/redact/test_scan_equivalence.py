"""Scans restructured for speed find what they found before.

The shared digit-led scan finds IBANs in the same pass as IP addresses, phone numbers and
postcodes (:mod:`dsr.pipeline.redact.patterns`): checked against a few-line reference that tries
the IBAN pattern at every position, and against the scan as it was before the fold (built here
from the same pattern pieces). The street and phone-cue scans test cheap conditions first:
checked against their earlier patterns."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dsr.pipeline.redact.addresses import _CAPITAL_LED, _HOUSE, _LEADS, _WORD_REST, DIGIT_LED_REST
from dsr.pipeline.redact.ips import IPV4_REST
from dsr.pipeline.redact.patterns import _DIGIT_LED, _IBAN, find_all, ibans
from dsr.pipeline.redact.phones import _CUED_LOCAL, _END, NUMBER_REST, NUMBER_START, _has_local_cue
from dsr.pipeline.redact.spans import Kind

# the scan before IBANs joined it
_BEFORE = re.compile(
    rf"{NUMBER_START}(?:(?P<ipv4>{IPV4_REST})|(?P<phone>(?!(?<=\()\d{{1,3}}(?:\.\d{{1,3}}){{3}}(?![\d.])){NUMBER_REST})"
    rf"|(?<=[0-9])(?P<place>{DIGIT_LED_REST}))"
)
_STREETS_BEFORE = re.compile(
    r"[A-ZÄÖÜ](?<![\w'’-].)(?:"
    rf"(?:{_LEADS})(?P<led>(?:[ \t\u00a0][A-ZÄÖÜ][\w'’-]+){{1,2}})[ \t\u00a0]{_HOUSE}"
    rf"|(?P<a>{_WORD_REST})(?:[ \t\u00a0](?P<b>[A-ZÄÖÜ]{_WORD_REST}))?(?P<dot>\.)?[ \t\u00a0]?{_HOUSE})"
)
_CUED_BEFORE = re.compile(
    r"[TtFfPpHhMmCcRr](?=[eEaAoOhHuU])(?<![\w].)(?i:(?<=t)el(?:efon(?:nummer|nr)?|ephone|\.?-?nr)?|(?<=f)(?:on|ax|estnetz)"
    r"|(?<=p)hone|(?<=h)andy(?:nummer|nr)?|(?<=m)obil(?:e|nummer|telefon)?|(?<=c)ell|(?<=r)ufnummer|(?<=t)elefax)\b"
    r"\.?[ \t]*(?:-?[Nn]r\.?)?[ \t]*:?[ \t]*(?P<n>[1-9]\d{0,3}(?:[ \t/-]?\d{1,4}){0,3})" + _END
)

VALID_IBANS = ["DE89370400440532013000", "GB82WEST12345698765432", "AT611904300234573201", "CH9300762011623852957"]
PIECES = [
    *VALID_IBANS,
    "DE89 3704 0044 0532 0130 00",
    "DE89 3704 0044 0532 0130 01",  # checksum wrong
    "DE89 3704 0044 0532 0130 00 bezahlt",
    "10115 ",
    "80331 München",
    "12345 DE89370400440532013000",  # a town word that is an IBAN
    "1010 Wien",
    "Tel. ",
    "0171 1234567",
    "089 123456 DW",
    "+49 (0)89 123456",
    "(212) 555-0123",
    "192.168.0.1",
    "Lindenweg 4",
    "221B Baker Street",
    "12.03.2024",
    "٣٤",  # digits that are no ASCII digits
    "DE",
    "AB12",
    "AB12 3456 7890 1234 5678",
    "x",
    "X12",
    " ",
    ", ",
    "\n",
    "-",
    "/",
    ".",
    "(",
    "+",
]
texts = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(alphabet="0123456789 ABDEWxz.-/(+", max_size=8)), max_size=12
).map("".join)


def reference_iban_spans(text: str) -> list[tuple[int, int]]:
    """Every place the IBAN pattern matches, left to right, none inside the one before."""
    out: list[tuple[int, int]] = []
    for at in range(len(text)):
        m = _IBAN.match(text, at)
        if m is not None and (not out or at >= out[-1][1]):
            out.append(m.span())
    return out


@settings(max_examples=600, deadline=None)
@given(texts)
def test_ibans_of_the_shared_scan_are_those_of_a_scan_of_their_own(text: str) -> None:
    expected = [(s - 2, e) for s, e in reference_iban_spans(text)]
    found = [(f.start, f.end) for f in find_all(text) if f.kind is Kind.IBAN]
    alone = [(f.start, f.end) for f in ibans(text)]
    assert found == alone
    # every candidate the reference finds is read (the validator then keeps the valid ones)
    everything = [(f.start, f.end) for f in ibans(text, _Everything())]
    assert everything == expected


@settings(max_examples=600, deadline=None)
@given(texts)
def test_the_shared_scan_finds_the_numbers_and_places_it_found_before(text: str) -> None:
    now = [(m.span(), m.lastgroup) for m in _DIGIT_LED.finditer(text) if m.start("iban") < 0]
    before = [(m.span(), m.lastgroup) for m in _BEFORE.finditer(text)]
    assert now == before


STREET_PIECES = [
    "Am Anger 3",
    "An der Alten Mühle 5",
    "Unter den Linden 7",
    "Über dem Bach 2",
    "Im Regal 4",
    "Beim Rathaus 1",
    "Zu den Eichen 9a",
    "Lindenweg 4",
    "Berliner Straße 12a",
    "Dr.-Martin-Luther-King-Ring 3-5",
    "Tel. 4711",
    "Handy: 89 12 34",
    "TELEFON 1234",
    "Fax 12/34",
    "Mobil-Nr. 1234 567",
    "Hotel 12",
    "ſtraße 5",
]
street_texts = st.lists(
    st.one_of(st.sampled_from(STREET_PIECES), st.text(alphabet="AIZUHBÄÜamnder Tel.:0123456789\n-", max_size=8)),
    max_size=10,
).map("".join)


@settings(max_examples=600, deadline=None)
@given(street_texts)
def test_the_street_and_phone_cue_scans_find_what_they_found_before(text: str) -> None:
    assert [m.span() for m in _CAPITAL_LED.finditer(text)] == [m.span() for m in _STREETS_BEFORE.finditer(text)]
    assert [m.span() for m in _CUED_LOCAL.finditer(text)] == [m.span() for m in _CUED_BEFORE.finditer(text)]


#: every cue word of the local-number scan, with the letters its case folding reads alike
CUE_WORDS = (
    "tel telefon telefonnummer telefonnr telephone tel.nr tel-nr telnr fon fax festnetz phone handy "
    "handynummer handynr mobil mobile mobilnummer mobiltelefon cell rufnummer telefax"
).split()
_ALIKE = {"s": "sSſ", "i": "iIİı", "k": "kKK"}


@settings(max_examples=800, deadline=None)
@given(
    st.sampled_from(CUE_WORDS).flatmap(
        lambda w: st.tuples(*(st.sampled_from(_ALIKE.get(c, c + c.upper())) for c in w)).map("".join)
    ),
    st.sampled_from(["", "x ", "Die ", "\n"]),
    st.sampled_from([" ", ": ", ". ", "-Nr. "]),
)
def test_the_cheap_phone_cue_test_never_skips_a_cued_number(cue: str, before: str, after: str) -> None:
    """The substring test in front of the cue scan may only skip texts the scan finds nothing in."""
    text = before + cue + after + "4711 23"
    if _CUED_LOCAL.search(text):
        assert _has_local_cue(text), text


def test_an_iban_behind_a_postcode_is_found() -> None:
    text = "Überweisung aus 12345 DE89370400440532013000 erhalten"
    assert [f.value for f in find_all(text) if f.kind is Kind.IBAN] == ["DE89370400440532013000"]


def test_an_iban_candidate_inside_another_is_not_read_again() -> None:
    text = "DE89 3704 AB12 3456 7890 1234 5678"
    assert [(f.start, f.end) for f in ibans(text, _Everything())] == [(0, len(text))]
    assert [(f.start, f.end) for f in find_all(text, known_ibans=_Everything()) if f.kind is Kind.IBAN] == [
        (0, len(text))
    ]


class _Everything:
    """A table of known IBANs that holds every candidate (the validator is not asked)."""

    def __contains__(self, value: object) -> bool:
        return True
