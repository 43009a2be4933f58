"""Validated patterns for identifiers of people who may be in no store.

Each pattern is a cheap, precompiled regular expression that proposes a candidate; a real
validator then confirms it (email-validator's syntax rules, phonenumbers, the IBAN checksum
of python-stdnum, :mod:`ipaddress`). A candidate that fails validation is not a hit. Every
hit carries its *normalised* value so that the gazetteer can tell whose it is. Phone numbers,
IP addresses and street addresses have modules of their own (:mod:`.phones`, :mod:`.ips`,
:mod:`.addresses`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Container, Iterable, Iterator

from email_validator import EmailNotValidError, validate_email
from stdnum import iban as stdnum_iban

from dsr.pipeline.redact.addresses import DIGIT_LED_REST, addresses
from dsr.pipeline.redact.case_numbers import case_numbers
from dsr.pipeline.redact.found import Found, Grade
from dsr.pipeline.redact.hostnames import hostnames
from dsr.pipeline.redact.ips import IPV4_REST, ip_key, ips, ipv4_found, ipv6s
from dsr.pipeline.redact.phones import NUMBER_REST, normalise_phone, phones
from dsr.pipeline.redact.presence import CASE_NUMBER, LOCAL_PHONE, STREET, possible_rules
from dsr.pipeline.redact.spans import Kind

__all__ = [
    "AnyOf",
    "Found",
    "Grade",
    "addresses",
    "cards",
    "emails",
    "find_all",
    "ibans",
    "ips",
    "normalise_ip",
    "normalise_phone",
    "phones",
    "valid_iban",
]


# One scan over a text's digit runs serves four validators: every IPv4 address, phone number,
# postcode, number-first street and IBAN starts at one (each pass over a text costs about as much
# as the Python work on its finds). At a candidate the forms are tried in this order; a form
# matches only what its validator can take or nobody else would: an IPv4 address is checked
# octet by octet, a phone number never starts "(" before an IPv4 address. The first three never
# follow a letter or digit (checked once for all three), an IBAN's check digits always follow its
# country code: at one place only one of them can match. The IBAN is read in a lookahead, so the
# scan goes on inside it as it went on before (a phone number or postcode is never cut short by
# an IBAN the validator rejects).
_IBAN_REST = r"\d(?: ?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])"  # after the first check digit
_DIGIT_LED = re.compile(
    r"[+(\d](?:(?<![\w].)"  # NUMBER_START, and any digit for an IBAN
    rf"(?:(?P<ipv4>{IPV4_REST})|(?P<phone>(?!(?<=\()\d{{1,3}}(?:\.\d{{1,3}}){{3}}(?![\d.])){NUMBER_REST})"
    rf"|(?<=[0-9])(?P<place>{DIGIT_LED_REST}))"
    rf"|(?<=(?<!\w)[A-Za-z]{{2}}\d)(?=(?P<iban>{_IBAN_REST})))"
)
_PLACE = re.compile("[0-9]" + DIGIT_LED_REST)
_EMAIL = re.compile(r"[^\W_][\w.%+'-]*@[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)+")
# an IBAN is found from its check digits (digits are rarer than letters); the match starts two
# characters before them, at the country code
_IBAN_START = re.compile(r"\d(?<=(?<!\w)[A-Za-z]{2}\d)")
_IBAN = re.compile(_IBAN_START.pattern + _IBAN_REST)


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


def ibans(
    text: str, known: Container[str] = (), candidates: Iterable[tuple[int, int]] | None = None
) -> Iterator[Found]:
    """IBANs in ``text``. ``candidates``: the spans (from the check digits) where
    :data:`_IBAN` matches, when a shared scan found them already; overlapping ones are read as
    ``finditer`` reads them, the first of two."""
    spans = (m.span() for m in _IBAN.finditer(text)) if candidates is None else _apart(candidates)
    for at, end in spans:
        start = at - 2  # the country code before the check digits
        raw = text[start:end]
        compact = raw.replace(" ", "").upper()
        if compact in known or valid_iban(compact):
            yield Found(start, end, Kind.IBAN, compact)
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


def _apart(spans: Iterable[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The spans that start after the one taken before them, in order."""
    taken = 0
    for start, end in sorted(spans):
        if start >= taken:
            taken = end
            yield start, end


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


def normalise_ip(raw: str) -> str | None:
    """The canonical form of a stored IP address (see :func:`.ips.ip_key`)."""
    return ip_key(raw)


def cards(text: str, pattern: re.Pattern[str] | None) -> Iterator[Found]:
    if pattern is None:
        return
    for m in pattern.finditer(text):
        yield Found(m.start(), m.end(), Kind.CARD, m.group().upper())


class AnyOf:
    """Membership in any of several tables: a number is known when it is a known person's, the
    subject's own or the controller's published one."""

    __slots__ = ("tables",)

    def __init__(self, *tables: Container[str]) -> None:
        self.tables = tables

    def __contains__(self, value: object) -> bool:
        return any(value in t for t in self.tables)


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
    # each finder below is skipped where it can find nothing: a call costs as much as a short
    # text's scan
    if "@" in text:
        out.extend(emails(text, known_emails))
    if _has_digit(text):
        numbers: list[re.Match[str]] = []
        places: list[re.Match[str]] = []
        iban_spans: list[tuple[int, int]] = []
        for m in _DIGIT_LED.finditer(text):
            if m.start("ipv4") >= 0:
                f = ipv4_found(text, m)
                if f is not None:
                    out.append(f)
            elif m.start("iban") >= 0:
                iban_spans.append((m.start(), m.end("iban")))
            else:
                (numbers if m.start("phone") >= 0 else places).append(m)
                if m.end() - m.start() > 3:
                    _ibans_inside(text, m, iban_spans)
        rules = possible_rules(text.lower())  # which of the cue- and word-led rules can match
        if numbers or rules & LOCAL_PHONE:
            found = list(phones(text, known_phones, numbers, local_cue=bool(rules & LOCAL_PHONE)))
            out += found
            if len(found) < len(numbers):  # a rejected number may hide a postcode ("Weg 200-202 1010 Wien")
                places = _places_behind(text, numbers, {f.start for f in found}, places)
        if iban_spans:
            out.extend(ibans(text, known_ibans, iban_spans))
        out.extend(ipv6s(text))
        out += addresses(text, places, street_word=bool(rules & STREET))
        if card_pattern is not None:
            out.extend(cards(text, card_pattern))
        if rules & CASE_NUMBER:
            out.extend(case_numbers(text))  # an authority's reference: an officer decides
    elif ":" in text:
        out.extend(ipv6s(text))  # "fe80::abcd" has no digit
    out.extend(hostnames(text))  # a provider's name for a customer's address is the address
    return out


def _ibans_inside(text: str, m: re.Match[str], spans: list[tuple[int, int]]) -> None:
    """IBAN candidates whose check digits the scan passed over inside ``m`` (a town word or a
    phone extension takes letters: "10115 DE89 …", "DW12 …")."""
    at = _IBAN_START.search(text, m.start() + 1, m.end())
    while at is not None:
        iban = _IBAN.match(text, at.start())
        if iban is not None:
            spans.append(iban.span())
        at = _IBAN_START.search(text, at.start() + 1, m.end())


def _places_behind(
    text: str, numbers: list[re.Match[str]], accepted: set[int], places: list[re.Match[str]]
) -> list[re.Match[str]]:
    """``places`` with the postcodes and number-first streets that start inside a candidate the
    phone validator did not take."""
    more = list(places)
    for m in numbers:
        if m.start() not in accepted:
            p = _PLACE.search(text, m.start() + 1)
            while p is not None and p.start() < m.end():
                more.append(p)
                p = _PLACE.search(text, p.end())
    return sorted(more, key=lambda p: p.start()) if len(more) > len(places) else places


_DIGIT = re.compile(r"\d")


def _has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None
