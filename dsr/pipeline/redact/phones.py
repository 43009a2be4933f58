"""Phone numbers in free text: the common ways of writing one, known people's numbers matched
whatever the format on either side, unknown ones validated by phonenumbers.

A candidate is what people write as a number: ``+49 (0)89 123456``, ``0049 89 123456``,
``(089) 123456-12``, ``0171/1234567``, ``089.123.456``, ``+1 212 555 0123 x12``,
``(212) 555-0123``; "Durchwahl", "ext." and "x" extensions belong to it. :func:`phone_keys`
turns a written number into the E.164 numbers it may stand for (a national number may be
German, Austrian, Swiss or British), so a stored ``0171 1234567`` and a written
``+49 171 123 45 67`` meet. An unknown number must be valid in a region guessed from its
context (a country code or place nearby, the text's language; Germany by default). A number
too short to carry an area code counts only right after a phone cue ("Tel. 4711") and goes
to review. Dates, times, IBAN and card blocks and numbers labelled as something else
("Rechnung", "Mediennr.", "ISBN") are no phones.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Container, Iterable, Iterator

import phonenumbers

from dsr.pipeline.redact.found import Found, Grade
from dsr.pipeline.redact.ips import ipv4_key
from dsr.pipeline.redact.spans import Kind

_SP = "[ \t\u00a0\u202f]"  # a space, also the no-break ones numbers are often copied with
# Between two digits: a space or two, a slash or dash (spaced or not), a dot, "(0)", a bracket.
_SEP = rf"(?:{_SP}?[/–-]{_SP}?|{_SP}{{1,2}}|\.(?=\d)|{_SP}?[/–-]?{_SP}?\(0\){_SP}?[/–-]?{_SP}?|\){_SP}?|{_SP}?\((?=\d))"
_EXT_WORD = rf"{_SP}*,?{_SP}*(?:[Dd]urchwahl|DW|Dw\.|[Nn]ebenstelle|[Aa]pp\.|[Ee]xt\.?|[Ee]xtension|x|X)"
_EXT = rf"(?P<ext>{_EXT_WORD}[ \t.:]*\d{{1,5}})?"
_END = r"(?!\w|[./:,–-]\d)"  # not inside a longer number, date or time
#: A number as written, after its first character: with a prefix (+CC, (+CC), 00CC, 0
#: national, (0 …), or North American ((212) 555-0123, 212-555-0123, 1-212-555-0123). The
#: pattern starts with a character class (:data:`NUMBER_START`) and checks what stands before
#: it with lookbehinds placed after it: the regex engine then jumps from candidate to
#: candidate. Never inside a word or right after a digit block ("DE89 3704 0044 …").
NUMBER_REST = (
    r"(?<![\w+].)(?<!\d[ \t./,:-].)(?:"
    rf"(?:(?<=\+){_SP}?[1-9]|(?<=\()(?:\+{_SP}?[1-9]\d{{0,2}}\)?|0[1-9])|(?<=0)(?:0{_SP}?[1-9]|[1-9]))"
    rf"(?:{_SEP}?\d){{4,15}}"
    r"|(?P<nanp>(?<![.,/:-].)(?:(?:(?<=1)[ .-]\(?[2-9]\d\d\)?|(?<=\()[2-9]\d\d\))[ .-]?\d{3}[ .-]\d{4}"
    # without brackets the separators agree ("212-555-0123", "212 555-0123"; not "201-203 1010",
    # a house number range and a postcode)
    r"|(?<=[2-9])\d\d(?:-\d{3}-|\.\d{3}\.| \d{3}[ -]|\d{3}-)\d{4}"
    r"|(?<=[2-9])\d{9}(?!\d)))"
    r")" + _EXT + _END
)
#: where :data:`NUMBER_REST` starts (the shared digit-led scan of :mod:`.patterns` starts at
#: these and at every other digit)
NUMBER_START = "[+(0-9]"
_NUMBER = re.compile(NUMBER_START + NUMBER_REST)
# "Tel. 4711", "Handy: 89 12 34": a number without area code, found only from the cue before it.
# Starts with a character class (the engine skips to candidates), then checks the start of a word
# (most letters are inside one) and the second letter; the lookbehinds after it say which cue word begins there.
_CUED_LOCAL = re.compile(
    r"[TtFfPpHhMmCcRr](?<![\w].)(?=[eEaAoOhHuU])(?i:(?<=t)el(?:efon(?:nummer|nr)?|ephone|\.?-?nr)?|(?<=f)(?:on|ax|estnetz)"
    r"|(?<=p)hone|(?<=h)andy(?:nummer|nr)?|(?<=m)obil(?:e|nummer|telefon)?|(?<=c)ell|(?<=r)ufnummer|(?<=t)elefax)\b"
    r"\.?[ \t]*(?:-?[Nn]r\.?)?[ \t]*:?[ \t]*(?P<n>[1-9]\d{0,3}(?:[ \t/-]?\d{1,4}){0,3})" + _END
)
# the words right before a number say what it is: a phone cue ("Tel.-Nr.:", "call", "Rückruf
# unter") or a label of something else ("Rechnung", "Mediennr.", "ISBN", "Kundennummer")
_CUE_STEMS = (
    "tel", "fon", "phone", "handy", "mobil", "fax", "cell", "festnetz", "ruf", "call", "anruf", "rückruf",
    "erreichbar", "reachable", "whatsapp", "sms", "durchwahl", "hotline", "contact", "kontakt",
)  # fmt: skip
_LABEL_STEMS = (
    "rechnung", "invoice", "order", "bestell", "auftrag", "vorgang", "ticket", "kunde", "customer", "mitglied",
    "member", "ausweis", "karte", "card", "medien", "medium", "exemplar", "barcode", "signatur", "inventar",
    "isbn", "issn", "ean", "konto", "account", "steuer", "referenz", "reference", "verwendungszweck", "buchung",
    "transaktion", "transaction", "beleg", "quittung", "receipt", "serien", "serial", "aktenzeichen", "akte",
    "vertrag", "contract", "sendung", "tracking", "paket", "postleitzahl", "betrag", "preis", "summe", "version",
)  # fmt: skip
_LABEL_WORDS = frozenset(
    "rg re nr no nummer number num id plz zip pin tan code az case fall ref blz bic iban ust eur euro chf gbp usd"
    " ver v".split()
)
_WORD = re.compile(r"[^\W\d_]+|\d")
_DAY, _MONTH = r"(?:0?[1-9]|[12]\d|3[01])", r"(?:0?[1-9]|1[0-2])"
_DATE_FORMS = rf"(?:{_DAY}[./-]{_MONTH}[./-](?:\d{{4}}|\d\d)|{_MONTH}/{_DAY}/\d{{4}}|\d{{4}}-{_MONTH}-{_DAY}|{_DAY}\.{_MONTH}\.)(?!\d)"
_DATE = re.compile(_DATE_FORMS)
_DATE_INSIDE = re.compile(r"[ \t]+" + _DATE_FORMS)
_DOTTED_QUAD = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")
# a country named near a national number: where to read it first
_REGION_CUES = (
    ("AT", ("+43", "0043", "österreich", "austria", "wien", "vienna", "graz", "linz", "salzburg", "innsbruck")),
    ("CH", ("+41", "0041", "schweiz", "switzerland", "suisse", "zürich", "zurich", "bern", "basel", "genf", "geneva")),
    ("GB", ("+44", "0044", " uk", "united kingdom", "england", "london", "manchester", "scotland", "britain")),
    ("US", ("usa", "u.s.", "united states", "america", "canada", "(us)", " us ")),
)
_REGION_OF = {n: (region, order) for order, (region, needles) in enumerate(_REGION_CUES) for n in needles}
_REGION_NEEDLE = re.compile("|".join(re.escape(n) for n in sorted(_REGION_OF, key=len, reverse=True)))
# an English text: a national number is read as British before German
_ENGLISH = frozenset("the and please call phone you your our my at from with is was".split())
#: where a national number ("0…") may be from, in the order of :func:`phone_keys`
NATIONAL_REGIONS = ("DE", "AT", "CH", "GB")
_NATIONAL_CC = tuple(str(phonenumbers.country_code_for_region(r)) for r in NATIONAL_REGIONS)
_TRUNK = re.compile(r"\(0\)")
_NOT_DIGIT = re.compile(r"\D")
_EXT_AT = re.compile(r"(?:[Dd]urchwahl|DW|Dw\.|[Nn]ebenstelle|[Aa]pp\.|[Ee]xt\.?|[Ee]xtension|x|X)")
_LAST_GROUP = re.compile(r"[ \t]?[-–][ \t]?\d{1,5}\Z")
_CC = phonenumbers.COUNTRY_CODE_TO_REGION_CODE
_ZERO_KEPT = frozenset({39, 378, 379})  # Italy, San Marino, Vatican: the 0 belongs to the number


def phones(
    text: str,
    known: Container[str] = (),
    numbers: Iterable[re.Match[str]] | None = None,
    local_cue: bool | None = None,
) -> Iterator[Found]:
    """Phone numbers in ``text``. ``known``: E.164 numbers of known people (and the subject):
    a candidate that reads as one of them needs no validation, and its value is that number.
    ``numbers``: the candidates, when a shared scan found them already (matches of
    :data:`NUMBER_START` + :data:`NUMBER_REST`). ``local_cue``: whether the text holds one of
    :data:`LOCAL_CUE_PIECES`, when a shared pass told it already (:mod:`.presence`)."""
    taken: list[tuple[int, int]] = []
    for m in _NUMBER.finditer(text) if numbers is None else numbers:
        f = _candidate(text, m, known, national=m.start("nanp") < 0)
        if f is not None:
            taken.append((f.start, f.end))
            yield f
    if not (_has_local_cue(text) if local_cue is None else local_cue):
        return
    for m in _CUED_LOCAL.finditer(text):
        start, end = m.span("n")
        written = m.group("n")
        digits = _NOT_DIGIT.sub("", written)
        if len(digits) < 4 or _overlaps(start, end, taken) or _is_date_or_year(written):
            continue
        nanp = nanp_keys(digits)  # "Tel. 2125550123": a North American number, unseparated
        hit = next((k for k in (*local_keys(digits), *nanp) if k in known), None)
        if hit is None and nanp and is_valid(nanp[0]):
            hit = nanp[0]
        yield Found(start, end, Kind.PHONE, hit or digits, Grade.VALID if hit else Grade.CUED)


#: a piece of every cue word of :data:`_CUED_LOCAL`, as ``str.lower`` writes it however the word
#: was cased: pieces without "s" and "i", which the regex's case folding also matches as "ſ" and
#: "İ" — a cheap substring test spares the regex on most texts (it is tried at many letters)
LOCAL_CUE_PIECES = ("tel", "fon", "fax", "tnetz", "phone", "handy", "mob", "cell", "rufnummer")


def _has_local_cue(text: str) -> bool:
    low = text.lower()
    return any(p in low for p in LOCAL_CUE_PIECES)


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in taken)


def _candidate(text: str, m: re.Match[str], known: Container[str], national: bool) -> Found | None:
    start, end = m.span()
    ext = m.start("ext")
    number = text[start:ext] if ext >= 0 else m.group()
    core = number.lstrip("(")
    if _DATE.match(core) or core.startswith("0.") or _is_ipv4(core):
        return None
    cut = _DATE_INSIDE.search(number)
    if cut is not None:  # "089 1234 01.03.25": the date is no part of the number
        number = number[: cut.start()]
        end = start + len(number)
    keys = phone_keys(text[start:end], trailing_group=True) if national else nanp_keys(number)
    for k in keys:
        if k in known:
            return Found(start, end, Kind.PHONE, k)
    cued, labelled = _context(text, start)
    if labelled and not cued:
        return None
    if number.isdigit() and not national and not cued and _region(text, start, end) != "US":
        return None  # ten digits in a row are a North American number only where the text says so
    value = _valid_key(text, start, end, number, keys, national)
    if value is not None:
        return Found(start, end, Kind.PHONE, value)
    if cued and len(_NOT_DIGIT.sub("", number)) >= 6:
        # after "Tel.", a number with an area code is a phone number even when the numbering
        # plan does not know it; anything else is for an officer
        possible = next((k for k in keys if is_possible(k)), None)
        return Found(start, end, Kind.PHONE, possible or number, Grade.VALID if possible else Grade.CUED)
    return None


def _context(text: str, start: int) -> tuple[bool, bool]:
    """(a phone cue, a label of something else) among the words right before ``start``, after
    the last number there ("Nr. 5, Tel. 0171 …": the cue counts, the label does not)."""
    words = _WORD.findall(text, max(0, start - 32), start)
    tail: list[str] = []
    for w in reversed(words):
        if w.isdigit() or len(tail) == 3:
            break
        tail.append(w.lower())
    cued = any(w.startswith(_CUE_STEMS) for w in tail)
    last = tail[0] if tail else ""
    return cued, last in _LABEL_WORDS or last.startswith(_LABEL_STEMS)


def _valid_key(text: str, start: int, end: int, number: str, keys: tuple[str, ...], national: bool) -> str | None:
    """The E.164 form of the first reading that is a valid number, in the region the context
    suggests first (a written country code needs no guess)."""
    if not keys:
        return None
    if not national:
        return next((k for k in keys if is_valid(k)), None)
    lead = number.lstrip("( \t")
    if lead.startswith("+") or lead.startswith("00"):
        if is_valid(keys[0]) or is_possible(keys[0]):  # "+49 …" is a phone number
            return keys[0]
        return next((k for k in keys[1:] if is_valid(k)), None)
    n = len(NATIONAL_REGIONS)
    if is_valid(keys[0]):  # a German reading, unless the context names another country
        region = _region(text, start, end)
        if region is None:
            return keys[0]
    else:
        region = _region(text, start, end)
    readings = dict(zip(NATIONAL_REGIONS, keys[:n], strict=False))
    first = readings.pop(region, None) if region else None
    for k in (first, *readings.values()):
        if k is not None and is_valid(k):
            return k
    return next((k for k in keys[n:] if is_valid(k)), None)  # "089 123456-12": an extension


def _region(text: str, start: int, end: int) -> str | None:
    """The country named nearest to a national number ("Wien", "+43", "UK", "USA"), or Britain
    for a number in an English text; None: Germany."""
    lo = max(0, start - 100)
    window = text[lo : end + 40].lower()
    at, after = start - lo, end - lo
    nearest, distance, rank = None, len(window), len(_REGION_CUES)
    for m in _REGION_NEEDLE.finditer(window):  # one pass for every country's words
        if m.end() <= at:
            d = at - m.start()
        elif m.start() >= after:
            d = m.start() - after
        else:
            continue  # the number itself
        region, order = _REGION_OF[m.group()]
        if d < distance or (d == distance and order < rank):
            nearest, distance, rank = region, d, order
    if nearest is None and len(_ENGLISH.intersection(window.split())) >= 2:
        return "GB"
    return nearest


def phone_keys(written: str, trailing_group: bool = False) -> tuple[str, ...]:
    """The E.164 numbers a written phone number may stand for, most likely first.

    "+49 (0)89 123456", "0049 89 123456" → ("+4989123456",); a national "089 123456" → its
    German, Austrian, Swiss and British readings (:data:`NATIONAL_REGIONS`, in that order);
    "(212) 555-0123" → ("+12125550123",). With ``trailing_group`` the readings without a
    last group after a dash ("089 123456-12", a direct dial) follow."""
    text = written.strip()
    if text.startswith("+") and text[1:].isdigit():
        return _international(text[1:])  # the stored form: fast path
    ext = _EXT_AT.search(text)
    if ext is not None:
        text = text[: ext.start()]
    text = _TRUNK.sub("", text)
    digits = _NOT_DIGIT.sub("", text)
    lead = text.lstrip("( \t")
    if lead.startswith("+"):
        out = _international(digits)
    elif lead.startswith("00"):
        out = _international(digits[2:])
    elif lead.startswith("0"):
        out = tuple(f"+{cc}{digits[1:]}" for cc in _NATIONAL_CC) if len(digits) > 1 else ()
    else:
        out = nanp_keys(text)
    if trailing_group and ext is None:
        m = _LAST_GROUP.search(text)
        if m is not None and len(_NOT_DIGIT.sub("", text[: m.start()])) >= 6:
            out += phone_keys(text[: m.start()])
    return out


def _international(digits: str) -> tuple[str, ...]:
    """E.164 of "+49 0171 …", written with the national 0 kept: drop it where no number has one."""
    for n in (1, 2, 3):
        cc = int(digits[:n]) if digits[:n].isdigit() else 0
        if cc in _CC:
            national = digits[n:]
            if national.startswith("0") and cc not in _ZERO_KEPT:
                national = national[1:]
            return (f"+{cc}{national}",) if national else ()
    return ()


def nanp_keys(written: str) -> tuple[str, ...]:
    """The E.164 number of a North American number written without "+1"."""
    digits = _NOT_DIGIT.sub("", _EXT_AT.split(written)[0])
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return ("+1" + digits,) if len(digits) == 10 else ()


def local_keys(digits: str) -> tuple[str, ...]:
    """A number written with its area code but without the national 0 ("Tel. 89 4711 23")
    in the neighbouring countries' readings."""
    return tuple(f"+{cc}{digits}" for cc in _NATIONAL_CC)


def stored_phone_keys(stored: str) -> tuple[str, ...]:
    """Every E.164 number a stored phone number may be: one for an international number, its
    readings in the neighbouring countries for a national one (a German school's store may
    hold an Austrian number without its country code). Empty when it is no number."""
    return tuple(k for k in phone_keys(stored) if is_possible(k))


def normalise_phone(stored: str, region: str = "DE") -> str | None:
    """The E.164 form of a phone number in any format (a national one read in ``region``),
    or None when it is none."""
    keys = stored_phone_keys(stored)
    if len(keys) > 1:
        cc = f"+{phonenumbers.country_code_for_region(region)}"
        keys = tuple(k for k in keys if k.startswith(cc)) or keys
    return keys[0] if keys else None


@functools.lru_cache(maxsize=16384)
def is_valid(e164: str) -> bool:
    """phonenumbers' validity (the numbering plan of the country); cached: the same numbers
    recur in a controller's texts, and validation is the slow part."""
    number = _number(e164)
    return number is not None and phonenumbers.is_valid_number(number)


@functools.lru_cache(maxsize=16384)
def is_possible(e164: str) -> bool:
    number = _number(e164)
    return number is not None and phonenumbers.is_possible_number(number)


def _number(e164: str) -> phonenumbers.PhoneNumber | None:
    digits = e164[1:]
    for n in (1, 2, 3):
        cc = int(digits[:n]) if digits[:n].isdigit() else 0
        if cc in _CC:
            national = digits[n:]
            if not national.isdigit() or len(national) > 17:
                return None
            return phonenumbers.PhoneNumber(
                country_code=cc, national_number=int(national), italian_leading_zero=national.startswith("0") or None
            )
    return None


def _is_ipv4(number: str) -> bool:
    m = _DOTTED_QUAD.match(number)
    return m is not None and ipv4_key(m.group()) is not None


def _is_date_or_year(written: str) -> bool:
    if _DATE.fullmatch(written) is not None:
        return True
    return len(written) == 4 and written.isdigit() and written[:2] in ("19", "20")
