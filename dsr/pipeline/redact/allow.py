"""The allow-list: text that is never another person's data in a controller's answers, and the
loose comparison of street addresses shared by the allow-list and the gazetteer."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable
from typing import Literal

import ahocorasick
import msgspec

from dsr.pipeline.redact.fold import fold, spellings, transliterate

#: what happens to an IP address that no known person has (config: ``[controllers.K] unknown_ip``)
UnknownIp = Literal["redact", "review", "keep"]
UNKNOWN_IP_POLICIES: tuple[UnknownIp, ...] = ("redact", "review", "keep")


class AllowList(msgspec.Struct, frozen=True, kw_only=True):
    """Text that is never another person's data in this controller's answers.

    ``terms``: catalogue titles and authors, the controller's own published names, extra
    configured terms; ``emails``/``phones``/``addresses``: the controller's published contacts.
    ``unknown_ip``: the controller's policy for IP addresses no known person has — "redact"
    (default: an address identifies a device, and so a person), "review" (an officer decides)
    or "keep" (a controller whose logs show only its own infrastructure). A known person's
    address is redacted whatever the policy.
    """

    terms: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    unknown_ip: UnknownIp = "redact"

    @classmethod
    def for_controller(cls, controller: object, catalogue: Iterable[str] = (), extra: Iterable[str] = ()) -> AllowList:
        """The allow-list of a :class:`dsr.config.ControllerSettings`: its published contacts
        (controller, data protection officer, signatory), plus catalogue titles/authors and
        extra terms, and its ``unknown_ip`` policy."""
        emails: list[str] = []
        phones: list[str] = []
        addresses: list[str] = []
        terms: list[str] = [*catalogue, *extra]
        for contact in (controller, getattr(controller, "dpo", None), getattr(controller, "signatory", None)):
            if contact is None:
                continue
            for attr, bucket in (("email", emails), ("phone", phones), ("street", addresses)):
                value = getattr(contact, attr, None)
                if value:
                    bucket.append(value)
            code, city = getattr(contact, "postal_code", None), getattr(contact, "city", None)
            if code and city:
                addresses.append(f"{code} {city}")
            name = getattr(contact, "name", None)
            if name:
                terms.append(name)
        policy = getattr(controller, "unknown_ip", None) or "redact"
        if policy not in UNKNOWN_IP_POLICIES:
            raise ValueError(f"unknown_ip: must be one of {', '.join(UNKNOWN_IP_POLICIES)}, not {policy!r}")
        return cls(
            terms=tuple(t for t in terms if t),
            emails=tuple(emails),
            phones=tuple(phones),
            addresses=tuple(addresses),
            unknown_ip=policy,
        )


class Phrases:
    """Allow-listed phrases of one request, kept apart from the cached people index: the catalogue
    titles and authors in the subject's own records, which differ from subject to subject while
    the index (with the controller's allow-list) is the same for all.

    Folded and spelled exactly as :class:`~dsr.pipeline.redact.index.PeopleIndex` spells the
    allow-list's terms, and found in the same scan (:func:`dsr.pipeline.redact.scan.gazetteer_hits`
    merges :meth:`ends` into the index's matches in the automaton's own order), so a cached index
    with a request's phrases finds what an index built with them would: "Momo" stays "Momo" in
    the records of a reader who borrowed it, though a classmate is called Momo.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        keys = {s for t in terms for s in spellings(fold(t.strip())) if len(s) >= 2}
        self.automaton: ahocorasick.Automaton | None = None
        if keys:
            automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
            for s in keys:
                automaton.add_word(" " + s, len(s))
            automaton.make_automaton()
            self.automaton = automaton

    def __bool__(self) -> bool:
        return self.automaton is not None

    def ends(self, scan: str) -> list[tuple[int, int]]:
        """(end, length) of every phrase in ``scan`` (a :func:`~dsr.pipeline.redact.fold.fold_for_scan`),
        by end, the longest first at one end — the order the index's automaton reports in."""
        if self.automaton is None:
            return []
        return list(self.automaton.iter(scan))


_COUNTRY_PREFIX = re.compile(r"\A(?:d|de|a|at|ch|fl)-(?=\d)")
_NOT_KEPT = re.compile(r"[^\w/-]+|_")  # all but letters, digits, "/" and "-" ("12/3", "12-14")
_WORD_DASH = re.compile(r"(?<!\d)-|-(?!\d)")  # "Konrad-Adenauer": the dash is no part of it


@functools.lru_cache(maxsize=1 << 16)  # streets recur: households, the index and the texts
def address_key(value: str) -> str:
    """A street address or "postcode town" compared loosely: "Konrad-Adenauer-Str. 12 a" =
    "Konrad Adenauer Straße 12a" = "konrad-adenauer-strasse 12A"; "D-80331 München" = "80331
    Muenchen"; "12–14" = "12 - 14"."""
    v = fold(value.strip())
    if not v.isascii():
        v = transliterate(v)
    v = v.replace("strasse", "str").replace("str.", "str")
    if "-" in v[:4]:
        v = _COUNTRY_PREFIX.sub("", v)
    v = _NOT_KEPT.sub("", v)
    return _WORD_DASH.sub("", v) if "-" in v else v


def same_street(key: str, keys: Collection[str]) -> bool:
    """``key`` (an :func:`address_key`) is one of ``keys`` as far as a pattern can tell: equal,
    written with words before it ("Adresse Lindenweg 4" for "Lindenweg 4"), or without the
    "Am", "An der" … it is stored with ("Hohen Weg 3" for "Am Hohen Weg 3"). The house number
    is at the end of both, so it must be the same."""
    if key in keys:
        return True
    return len(key) >= 6 and any(
        len(k) >= 6 and (key.endswith(k) or k.endswith(key) and k[: len(k) - len(key)] in _LEADS) for k in keys
    )


# what leads a street name, as address keys ("An der" → "ander")
_LEADS = frozenset(
    "am an ander anden andem auf aufder aufdem aufden im in inder inden zum zur zuden unterden hinterder hinterdem"
    " hinterden vorder vordem vorden beim beider beiden ueberder ueberdem ueberden".split()
)


_LEADING_DIGITS = re.compile(r"\d+")


def own_town(town: str, postcodes: Collection[str], towns: Collection[str]) -> bool:
    """The "postcode town" part of an address is one's own: it carries one of ``postcodes``
    ("D-80331 München", "1010 Wien", "London SW1A 2AA"), or, where no postcode is known, names
    one of ``towns`` (:func:`address_key` of the town)."""
    key = address_key(town)
    digits = _LEADING_DIGITS.match(key)
    if postcodes:
        if digits is not None:
            return digits.group() in postcodes
        return any(p and address_key(p) in key for p in postcodes)
    return key[digits.end() if digits is not None else 0 :] in towns
