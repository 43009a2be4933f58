"""Validated patterns for identifiers of people who may be in no store.

Each pattern is a cheap, precompiled regular expression that proposes a candidate; a real
validator then confirms it (email-validator's syntax rules, phonenumbers for region DE, the
IBAN checksum of python-stdnum, :mod:`ipaddress`). A candidate that fails validation is not a
hit. Every hit carries its *normalised* value so that the gazetteer can tell whose it is.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Container, Iterator
from typing import NamedTuple

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum import iban as stdnum_iban

from dsr.pipeline.redact.spans import Kind


class Found(NamedTuple):
    start: int
    end: int
    kind: Kind
    value: str  #: normalised: e-mail lower-cased, phone E.164, IBAN compact, IP canonical


_EMAIL = re.compile(r"[^\W_][\w.%+'-]*@[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)+")
# A phone number as people write it: starts with +, 00 or 0; digits with spaces, / - ( ) between.
# (written to start with a character class, the lookbehind after it: the regex engine then
# skips quickly to candidate positions instead of trying the lookbehind everywhere)
_PHONE = re.compile(r"[+0](?<![\w+].)0?[1-9](?:[ /()-]{0,2}\d){4,16}(?!\w)")
# an IBAN is found from its check digits (digits are rarer than letters); the match starts two
# characters before them, at the country code
_IBAN = re.compile(r"\d(?<=(?<!\w)[A-Za-z]{2}\d)\d(?: ?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])")
_IPV4 = re.compile(r"\d(?<![\w.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
# Patterns start with a character class and check the character before it with a lookbehind
# placed after it: the regex engine then jumps from candidate to candidate (a leading
# lookbehind makes it try every position of the text).
_POSTCODE_CITY = re.compile(
    r"\d(?<!\w\d)\d{4}[ \t]+[A-ZÄÖÜ][\wäöüß.-]+"
    r"(?:[ \t](?:an der|am|im|bei|in der|ob der)[ \t][A-ZÄÖÜ][\wäöüß-]+|[ \t]\([A-Z][\w. ]{0,20}\))?"
)
_STREET_WORDS = r"(?:stra(?:ß|ss)e|str\.|weg|gasse|allee|platz|ring|damm|ufer|steig|pfad|chaussee|markt|graben|hof|berg|feld|garten|park|straat)"
_HOUSE_NUMBER = r"[ \t]?\d{1,4}(?:[ \t]?[a-zA-Z](?![\w]))?(?:-\d{1,4})?(?!\d)"
# A capitalised word (or two) right before a house number; whether it is a street is decided
# in Python on these few candidates ("Lindenweg 4", "Berliner Straße 12a"; not "Klasse 7b")
_STREET = re.compile(r"(?P<a>[A-ZÄÖÜ](?<!\w.)[\wäöüß-]*+)(?:[ \t](?P<b>[A-ZÄÖÜ][\wäöüß-]*+))?\.?" + _HOUSE_NUMBER)
_ENDS_IN_STREET_WORD = re.compile(_STREET_WORDS + r"\Z")
_STREET_NOUNS = frozenset("Straße Strasse Str. Weg Gasse Allee Platz Ring Damm Ufer Markt".split())
_STREET_PREFIXED = re.compile(  # "Am Anger 3", "In der Aue 7", "Alte Gasse 2"
    r"(?:A(?<!\wA)(?:m|n der|n den|uf der|uf dem|lter?)|I(?<!\wI)(?:m|n der)|Z(?<!\wZ)u[mr]|U(?<!\wU)nter den"
    r"|N(?<!\wN)euer?|L(?<!\wL)ange|G(?<!\wG)roße|K(?<!\wK)leine)[ \t][A-ZÄÖÜ][\wäöüß-]+" + _HOUSE_NUMBER
)


_LOCAL_RUN = re.compile(r"[\w.%+'-]{1,64}\Z")
# the common, plain-ASCII address: accepted as email-validator would; anything else goes to it
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9%+'_-]+(?:\.[A-Za-z0-9%+'_-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
)
_SPECIAL_USE = ("arpa", "invalid", "local", "localhost", "onion", "test")


def emails(text: str, known: Container[str] = ()) -> Iterator[Found]:
    """E-mail addresses, found from their "@" outwards (a regex tried at every word start
    costs more than the rest of the text redaction together)."""
    pos = 0
    at = text.find("@")
    while at != -1:
        run = _LOCAL_RUN.search(text, max(pos, at - 64), at) if at > pos else None
        m = None
        if run is not None:
            start = run.start()
            while start < at and not (text[start].isalnum()):
                start += 1
            m = _EMAIL.match(text, start)
        if m is not None:
            value = m.group()
            low = value.lower()
            if low in known or _valid_email(value):
                yield Found(m.start(), m.end(), Kind.EMAIL, low)
            else:  # "an..anna@x.de_" is no address, but it holds a known one
                inner = _known_inside(low, known)
                if inner is not None:
                    yield Found(m.start() + inner[0], m.start() + inner[1], Kind.EMAIL, low[inner[0] : inner[1]])
            pos = m.end()
            at = text.find("@", max(pos, at + 1))
        else:
            at = text.find("@", at + 1)


def _known_inside(low: str, known: Container[str]) -> tuple[int, int] | None:
    """The longest known address inside an invalid one (only invalid matches get here)."""
    at = low.index("@")
    for j in range(at):
        for k in range(len(low), at + 1, -1):
            if low[j:k] in known:
                return j, k
    return None


def _valid_email(value: str) -> bool:
    if len(value) <= 254 and _PLAIN_EMAIL.fullmatch(value) and value.index("@") <= 64:
        domain = value[value.index("@") + 1 :].lower()
        return not any(domain == s or domain.endswith("." + s) for s in _SPECIAL_USE)
    try:
        validate_email(value, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        return False
    return True


def phones(text: str, known: Container[str] = ()) -> Iterator[Found]:
    for m in _PHONE.finditer(text):
        raw = m.group()
        quick = quick_phone(raw)
        if quick in known:
            yield Found(m.start(), m.end(), Kind.PHONE, quick)
            continue
        value = _valid_phone(raw, quick)
        if value is not None:
            yield Found(m.start(), m.end(), Kind.PHONE, value)


def _valid_phone(raw: str, quick: str) -> str | None:
    """E.164 of a valid number. German numbers (most of them) skip the parse, the slow half of
    phonenumbers: their country code and national number are plain to see."""
    if quick.startswith("+49") and quick[3:4] not in ("", "0") and quick[1:].isdigit() and "(" not in raw:
        number = phonenumbers.PhoneNumber(country_code=49, national_number=int(quick[3:]))
        return quick if phonenumbers.is_valid_number(number) else None
    try:
        number = phonenumbers.parse(raw, "DE")
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(number):
        return normalise_phone(raw) or raw
    return None


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
        start = m.start() - 2  # the country code before the check digits
        raw = text[start : m.end()]
        compact = raw.replace(" ", "").upper()
        if compact in known or valid_iban(compact):
            yield Found(start, m.end(), Kind.IBAN, compact)
            continue
        # a trailing word may have been swallowed ("DE89 3704 … 00 bezahlt"): try shorter tails
        cut = raw.rfind(" ")
        while cut > 15:
            raw = raw[:cut]
            compact = raw.replace(" ", "").upper()
            if valid_iban(compact):
                yield Found(start, start + len(raw), Kind.IBAN, compact)
                break
            cut = raw.rfind(" ")


def valid_iban(compact: str) -> bool:
    """python-stdnum's IBAN check (checksum, the country's BBAN structure, a country module if
    any) with its per-country look-ups done once per country instead of once per candidate."""
    if len(compact) < 15 or not compact[:2].isalpha() or not compact[2:4].isdigit() or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    if int("".join(c if c.isdigit() else str(ord(c) - 55) for c in rearranged)) % 97 != 1:
        return False
    check = _country_check(compact[:2])
    return check(compact) if check is not None else stdnum_iban.is_valid(compact)


@functools.cache
def _country_check(cc: str) -> Callable[[str], bool] | None:
    try:  # stdnum's internals; any change there falls back to its public is_valid
        info = stdnum_iban._ibandb.info(cc + "00")
        if not info[0][1]:
            return lambda _: False  # no such IBAN country
        structure = stdnum_iban._struct_to_re(info[0][1].get("bban", ""))
        module = stdnum_iban._get_cc_module(cc)
    except (AttributeError, IndexError, TypeError):
        return None
    if module is not None:
        return stdnum_iban.is_valid
    return lambda compact: structure.match(compact[4:]) is not None


_CANONICAL_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)")


def ips(text: str) -> Iterator[Found]:
    if "." in text:
        for m in _IPV4.finditer(text):
            value = _address(m.group())
            if value is not None:
                yield Found(m.start(), m.end(), Kind.IP, value)
    if "::" in text or text.count(":") >= 7:
        for m in _IPV6.finditer(text):
            value = _address(m.group())
            if value is not None:
                yield Found(m.start(), m.end(), Kind.IP, value)


def _address(raw: str) -> str | None:
    """The canonical form of an IP address that can point to a device, else None: "::",
    loopback, multicast and reserved ranges ("::171", "1::2" — ratios and times look like
    that) never identify anybody."""
    if _CANONICAL_IPV4.fullmatch(raw):  # the common case, without ipaddress objects
        first = int(raw[: raw.index(".")])
        if first == 127 or first >= 224 or raw == "0.0.0.0":  # loopback, multicast, reserved
            return None
        return raw
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    if ip.is_unspecified or ip.is_loopback or ip.is_multicast or ip.is_reserved:
        return None
    return str(ip)


def normalise_ip(raw: str) -> str | None:
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def addresses(text: str) -> Iterator[Found]:
    for m in _STREET.finditer(text):
        start = _street_start(text, m)
        if start is not None:
            yield Found(start, m.end(), Kind.ADDRESS, text[start : m.end()])
    for m in _STREET_PREFIXED.finditer(text):
        yield Found(m.start(), m.end(), Kind.ADDRESS, m.group())
    for m in _POSTCODE_CITY.finditer(text):
        start = m.start()
        if text.startswith("D-", start - 2) and (start == 2 or not text[start - 3].isalnum()):
            start -= 2  # "D-80331 München"
        yield Found(start, m.end(), Kind.ADDRESS, text[start : m.end()])


def _street_start(text: str, m: re.Match[str]) -> int | None:
    """Where the street name of a candidate starts, None when it is no street."""
    a_end, b_start = m.end("a"), m.start("b")
    dot = "." if text.startswith(".", m.end("b") if b_start >= 0 else a_end) else ""
    if b_start >= 0:
        b = m.group("b") + dot
        if b in _STREET_NOUNS:  # "Berliner Straße"
            return m.start("a")
        return b_start if _ENDS_IN_STREET_WORD.search(b, 1) else None  # "… Lindenweg"
    return m.start("a") if _ENDS_IN_STREET_WORD.search(m.group("a") + dot, 1) else None


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
