"""Validated patterns for identifiers of people who may be in no store.

Each pattern is a cheap, precompiled regular expression that proposes a candidate; a real
validator then confirms it (email-validator's syntax rules, phonenumbers for region DE, the
IBAN checksum of python-stdnum, :mod:`ipaddress`). A candidate that fails validation is not a
hit. Every hit carries its *normalised* value so that the gazetteer can tell whose it is.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Container, Iterator
from typing import NamedTuple

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum import iban as stdnum_iban

from dsr.redact.spans import Kind


class Found(NamedTuple):
    start: int
    end: int
    kind: Kind
    value: str  #: normalised: e-mail lower-cased, phone E.164, IBAN compact, IP canonical


_EMAIL = re.compile(
    r"[^\W_][\w.%+'-]*@[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)+"
)
# A phone number as people write it: starts with +, 00 or 0; digits with spaces, / - ( ) between.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00|0)[1-9](?:[ /()-]{0,2}\d){4,16}(?!\w)")
_IBAN = re.compile(r"(?<![\w])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_POSTCODE_CITY = re.compile(
    r"(?<!\w)(?:D-)?\d{5}[ \t]+[A-ZÄÖÜ][\wäöüß.-]+(?:[ \t](?:an der|am|im|bei|in der|ob der)[ \t][A-ZÄÖÜ][\wäöüß-]+|[ \t]\([A-Z][\w. ]{0,20}\))?"
)
_STREET_WORDS = r"(?:stra(?:ß|ss)e|str\.|weg|gasse|allee|platz|ring|damm|ufer|steig|pfad|chaussee|markt|graben|hof|berg|feld|garten|park|straat)"
_STREET = re.compile(
    r"(?<!\w)(?:[A-ZÄÖÜ][\wäöüß-]*" + _STREET_WORDS + r"|(?:Am|An der|An den|Im|In der|Auf der|Auf dem|Zum|Zur|Unter den|Alte|Alter|Neue|Neuer|Lange|Große|Kleine)[ \t][A-ZÄÖÜ][\wäöüß-]+"
    r"|[A-ZÄÖÜ][\wäöüß-]+[ \t](?:Stra(?:ß|ss)e|Str\.|Weg|Gasse|Allee|Platz|Ring|Damm|Ufer|Markt))[ \t]?\d{1,4}(?:[ \t]?[a-zA-Z](?![\w]))?(?:-\d{1,4})?(?!\d)"
)


def emails(text: str, known: Container[str] = ()) -> Iterator[Found]:
    if "@" not in text:
        return
    for m in _EMAIL.finditer(text):
        value = m.group()
        if value.lower() in known:
            yield Found(m.start(), m.end(), Kind.EMAIL, value.lower())
            continue
        try:
            validate_email(value, check_deliverability=False, allow_smtputf8=True)
        except EmailNotValidError:
            continue
        yield Found(m.start(), m.end(), Kind.EMAIL, value.lower())


def phones(text: str, known: Container[str] = ()) -> Iterator[Found]:
    for m in _PHONE.finditer(text):
        raw = m.group()
        quick = quick_phone(raw)
        if quick in known:
            yield Found(m.start(), m.end(), Kind.PHONE, quick)
            continue
        try:
            number = phonenumbers.parse(raw, "DE")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            yield Found(m.start(), m.end(), Kind.PHONE, normalise_phone(raw) or raw)


_E164 = re.compile(r"\+[1-9]\d{6,14}")
_NOT_DIGIT = re.compile(r"[^\d+]")


def quick_phone(raw: str) -> str:
    """The E.164 form of a German-written number without a full parse ("0171 234" → "+49171234"):
    enough to look it up among known numbers; unknown ones are validated properly."""
    digits = _NOT_DIGIT.sub("", raw)
    if digits.startswith("+"):
        return digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    return "+49" + digits[1:]


def normalise_phone(raw: str, region: str = "DE") -> str | None:
    """E.164 form of a phone number, or None when it is not a valid one."""
    if _E164.fullmatch(raw):
        return raw  # stores hand over E.164 already: skip the (slow) parse
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def ibans(text: str, known: Container[str] = ()) -> Iterator[Found]:
    for m in _IBAN.finditer(text):
        compact = m.group().replace(" ", "").upper()
        if compact in known or stdnum_iban.is_valid(compact):
            yield Found(m.start(), m.end(), Kind.IBAN, compact)
            continue
        # a trailing word may have been swallowed ("DE89 3704 … 00 bezahlt"): try shorter tails
        raw = m.group()
        cut = raw.rfind(" ")
        while cut > 15:
            raw = raw[:cut]
            compact = raw.replace(" ", "").upper()
            if stdnum_iban.is_valid(compact):
                yield Found(m.start(), m.start() + len(raw), Kind.IBAN, compact)
                break
            cut = raw.rfind(" ")


def ips(text: str) -> Iterator[Found]:
    for m in _IPV4.finditer(text):
        try:
            value = ipaddress.ip_address(m.group())
        except ValueError:
            continue
        yield Found(m.start(), m.end(), Kind.IP, str(value))
    if ":" in text:
        for m in _IPV6.finditer(text):
            try:
                value = ipaddress.ip_address(m.group())
            except ValueError:
                continue
            yield Found(m.start(), m.end(), Kind.IP, str(value))


def normalise_ip(raw: str) -> str | None:
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def addresses(text: str) -> Iterator[Found]:
    for m in _STREET.finditer(text):
        yield Found(m.start(), m.end(), Kind.ADDRESS, m.group())
    for m in _POSTCODE_CITY.finditer(text):
        yield Found(m.start(), m.end(), Kind.ADDRESS, m.group())


def cards(text: str, pattern: re.Pattern[str] | None) -> Iterator[Found]:
    if pattern is None:
        return
    for m in pattern.finditer(text):
        yield Found(m.start(), m.end(), Kind.CARD, m.group().upper())


def find_all(
    text: str,
    card_pattern: re.Pattern[str] | None = None,
    known_emails: Container[str] = (),
    known_phones: Container[str] = (),
    known_ibans: Container[str] = (),
) -> list[Found]:
    """Every validated identifier in ``text``. Cheap pre-checks skip patterns that cannot match;
    values the gazetteer knows skip the (slower) validators."""
    out: list[Found] = []
    out.extend(emails(text, known_emails))
    if _has_digit(text):
        out.extend(phones(text, known_phones))
        out.extend(ibans(text, known_ibans))
        out.extend(ips(text))
        out.extend(addresses(text))
        out.extend(cards(text, card_pattern))
    return out


_DIGIT = re.compile(r"\d")


def _has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None
