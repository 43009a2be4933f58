"""Phone numbers in free text: every common format, known people's numbers in any format on
either side, the subject's own number in any format, and what must not become a phone.

The generator makes a valid number (phonenumbers' example number with random subscriber
digits, kept when phonenumbers calls it valid) and writes it in one of the formats people use;
the oracle is the span it wrote.
"""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dsr.model import Identifier, IdentifierKind, KnownPerson, Profile, Subject
from dsr.pipeline.redact import Gazetteer, Kind, Tier, find
from dsr.pipeline.redact.phones import phones

PNF = phonenumbers.PhoneNumberFormat
REGIONS = ("DE", "AT", "CH", "GB", "US")
TYPES = (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE)

SUBJECT = Subject(
    controller="c",
    reference="r",
    identifiers=frozenset({Identifier(IdentifierKind.KEY, "1", "s")}),
    profile=Profile(first_name="Jonas", last_name="Keller"),
)
ME = KnownPerson(store="s", key="1", identifiers=frozenset(), first_name="Jonas", last_name="Keller")
OTHER = KnownPerson(store="s", key="2", identifiers=frozenset(), first_name="Rose", last_name="Weiß")
G = Gazetteer.build([ME, OTHER], SUBJECT)


@st.composite
def numbers(draw: st.DrawFn) -> phonenumbers.PhoneNumber:
    region = draw(st.sampled_from(REGIONS))
    example = phonenumbers.example_number_for_type(region, draw(st.sampled_from(TYPES)))
    digits = str(example.national_number)
    tail = draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    number = phonenumbers.PhoneNumber(country_code=example.country_code, national_number=int(digits[:-3] + tail))
    assume(phonenumbers.is_valid_number(number))
    return number


def _groups(national: str, size: int) -> list[str]:
    return [national[i : i + size] for i in range(0, len(national), size)]


@st.composite
def written(draw: st.DrawFn, number: phonenumbers.PhoneNumber) -> str:
    """``number`` as people write it."""
    cc = str(number.country_code)
    international = phonenumbers.format_number(number, PNF.INTERNATIONAL)
    national = phonenumbers.format_number(number, PNF.NATIONAL)
    nsn = str(number.national_number)
    trunk = "0"
    area, _, rest = national.partition(" ") if cc != "1" else ("", "", "")
    styles = [
        "+" + cc + nsn,  # E.164
        international,
        international.replace(" ", draw(st.sampled_from(["-", ".", "/", " "]))),
        "00" + international[1:],
        national,
    ]
    if cc != "1":
        styles += [
            trunk + nsn,
            f"+{cc}{draw(st.sampled_from([' (0)', '(0)', ' (0) ']))}{international.split(' ', 1)[1]}",
            f"{area}{draw(st.sampled_from(['/', ' / ', '-', ' - ']))}{rest.replace(' ', '')}",
            f"({area}) {rest}",
            f"{area} {' '.join(_groups(rest.replace(' ', ''), draw(st.sampled_from([2, 3]))))}",
            ".".join([area, *_groups(rest.replace(" ", ""), 3)]),
        ]
    else:
        a, b, c = nsn[:3], nsn[3:6], nsn[6:]
        sep = draw(st.sampled_from(["-", ".", " "]))
        styles += [f"{a}{sep}{b}{sep}{c}", f"({a}) {b}-{c}", f"1-{a}-{b}-{c}"]
    out = draw(st.sampled_from(styles))
    extension = draw(st.sampled_from(["", "", " ext. 12", " x12", "x7", ", Durchwahl 12", " Durchwahl 314"]))
    return out + extension


CUES = ["Tel.", "Telefon:", "Handy", "Rückruf unter", "call", "phone:", "Mobil:", "Fax", "erreichbar unter", "", ""]
ENDS = [".", ",", "", " bitte", " danke.", ")", ";"]


def _covered(hits, start: int, end: int, tier: Tier = Tier.REDACT) -> bool:
    return any(h.kind is Kind.PHONE and h.tier is tier and h.start <= start and end <= h.end for h in hits)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.data(), numbers(), st.sampled_from(CUES), st.sampled_from(ENDS), st.sampled_from(["de", "en"]))
def test_a_valid_number_in_any_format_is_redacted(data, number, cue, end, language):
    text_number = data.draw(written(number))
    before = ("Bitte " if language == "de" else "Please ") + (cue + " " if cue else "")
    text = f"{before}{text_number}{end} Das Buch ist da."
    hits = find(text, G)
    assert _covered(hits, len(before), len(before) + len(text_number)), (text, hits)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.data(), numbers())
def test_a_known_persons_number_is_theirs_whatever_the_format_on_either_side(data, number):
    stored = data.draw(written(number).filter(lambda s: "x" not in s and "Durchwahl" not in s and "ext" not in s))
    person = KnownPerson(
        store="s",
        key="9",
        first_name="Zora",
        last_name="Quast",
        identifiers=frozenset({Identifier(IdentifierKind.PHONE, stored)}),
    )
    g = Gazetteer.build([ME, OTHER, person], SUBJECT)
    shown = data.draw(written(number))
    text = f"Rückruf unter {shown} erbeten."
    hits = find(text, g)
    assert _covered(hits, 14, 14 + len(shown)), (stored, text, hits)
    assert any(h.rule == "known-phone" and g.people[h.person] == person for h in hits), (stored, text, hits)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.data(), numbers())
def test_the_subjects_own_number_stays_in_any_format(data, number):
    stored = data.draw(written(number).filter(lambda s: "x" not in s and "Durchwahl" not in s and "ext" not in s))
    me = KnownPerson(
        store="s",
        key="1",
        first_name="Jonas",
        last_name="Keller",
        identifiers=frozenset({Identifier(IdentifierKind.PHONE, stored)}),
    )
    g = Gazetteer.build([me, OTHER], SUBJECT)
    shown = data.draw(written(number))
    text = f"Meine Nummer: {shown}. Tel. {shown}"
    assert [h for h in find(text, g) if h.kind is Kind.PHONE] == [], (stored, text)


# --- what is no phone number --------------------------------------------------------------

days, months = st.integers(1, 28), st.integers(1, 12)
years = st.integers(1990, 2030)


@st.composite
def not_phones(draw: st.DrawFn) -> str:
    d, m, y = draw(days), draw(months), draw(years)
    hh, mm, ss = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    digits = draw(st.text(alphabet="0123456789", min_size=7, max_size=12))
    cents = draw(st.integers(0, 99_999))
    return draw(
        st.sampled_from(
            [
                f"am {d:02d}.{m:02d}.{y}",
                f"am {d:02d}.{m:02d}.{y % 100:02d}",
                f"am {d}.{m}.{y}",
                f"on {d:02d}/{m:02d}/{y}",
                f"on {y}-{m:02d}-{d:02d}",
                f"am {d:02d}.{m:02d}.{y} um {hh:02d}:{mm:02d}",
                f"um {hh:02d}:{mm:02d}:{ss:02d} Uhr",
                f"um {hh:02d}.{mm:02d} Uhr",
                f"{cents // 100},{cents % 100:02d} €",
                f"EUR {cents // 100}.{cents % 100:02d}",
                f"Rechnung Nr. 0{digits}",
                f"Rechnungsnummer 0{digits[:4]}-{digits[4:]}",
                f"Mediennr. 0{digits}",
                f"Kundennummer: 0{digits}",
                f"Invoice no. 0{digits}",
                f"Ausweis L0{digits[:6]}",
                f"ISBN 0-{digits[:3]}-{digits[3:6]}-X",
                f"ISBN 978-3-{digits[:2]}-{digits[2:6]}-{digits[6]}",
                f"Karte 4{digits[:3]} {digits[3:6]}0 {digits[:4]} {digits[2:6]}",
                f"PLZ 0{digits[:4]} Dresden",
                "IBAN DE89 3704 0044 0532 0130 00",
                "IBAN GB82 WEST 1234 5698 7654 32",
                "Version 1.2.3.4",
            ]
        )
    )


@settings(max_examples=400, deadline=None)
@given(not_phones())
def test_dates_times_amounts_and_labelled_numbers_are_no_phones(text):
    assert [h for h in find(f"Notiz: {text}. Danke.", G) if h.kind is Kind.PHONE] == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Tel. 4711", "4711"),
        ("Handy: 89 12 34", "89 12 34"),
        ("Festnetz: 32 61 00 3.", "32 61 00 3"),
        ("phone 555-0123", "555-0123"),
    ],
)
def test_short_local_numbers_after_a_phone_cue_go_to_review(text, number):
    hits = find(text, G)
    start = text.index(number)
    assert _covered(hits, start, start + len(number), Tier.REVIEW), hits


@pytest.mark.parametrize(
    "text", ["Wir waren 4711 Mal da.", "Seite 89 12 34", "Telefonat am 12.03. geführt", "Tel. 2025"]
)
def test_short_numbers_without_a_cue_are_no_phones(text):
    assert [h for h in find(text, G) if h.kind is Kind.PHONE] == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Wien, Tel. 01 234567", "+431234567"),  # valid in Vienna only
        ("Büro in Zürich: 044 668 18 00", "+41446681800"),
        ("Tel. 089 123456", "+4989123456"),  # Germany by default
        ("UK office: 020 7946 0958", "+442079460958"),
        ("Tel. +49 0171 1234567", "+491711234567"),  # the national 0 written after the country code
    ],
)
def test_the_region_of_a_national_number_is_guessed_from_its_context(text, value):
    assert [f.value for f in phones(text)] == [value]


def test_the_whole_written_number_is_one_span_with_its_extension():
    text = "Tel.: +49 (0)89 123456-12 ist falsch; besser 0171 / 123 45 67 x12 oder 089 123456, Durchwahl 3."
    spans = [text[f.start : f.end] for f in phones(text)]
    assert spans == ["+49 (0)89 123456-12", "0171 / 123 45 67 x12", "089 123456, Durchwahl 3"]


def test_a_number_after_a_phone_cue_counts_even_when_the_numbering_plan_does_not_know_it():
    text = "Tel. (0115) 4960914, sonst (0115) 4960914 ist kaputt."
    hits = [(text[h.start : h.end], h.tier) for h in find(text, G) if h.kind is Kind.PHONE]
    assert hits == [("(0115) 4960914", Tier.REDACT)]


def test_the_subjects_own_number_written_without_its_area_code_stays():
    me = KnownPerson(
        store="s",
        key="1",
        first_name="Jonas",
        last_name="Keller",
        identifiers=frozenset({Identifier(IdentifierKind.PHONE, "+49 89 1234711")}),
    )
    g = Gazetteer.build([me, OTHER], SUBJECT)
    assert find("Tel. 1234711", g) == []
    assert [h.tier for h in find("Tel. 7654321", g)] == [Tier.REVIEW]
