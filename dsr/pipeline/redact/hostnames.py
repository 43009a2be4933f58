"""Host names that spell an IP address: the reverse-DNS name an access provider gives a
customer's connection ("dsl-84-12-3-4.provider.example", "p5B0A1C2D.dip0.t-ipconnect.de",
"4.3.12.84.dynamic.isp.example.net"). Such a name identifies the connection as well as the
address it spells, so it is an IP address for redaction: whose it is follows from the address
(the subject's own, a known person's, or nobody's under the controller's ``unknown_ip`` policy).

Found from its dots, grown to the whole name; only a name of three labels or more that ends in
a letters-only top-level label counts, and only when it spells an address (four decimal octets
joined by "-" or ".", or eight hex digits in one label).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dsr.pipeline.redact.found import Found
from dsr.pipeline.redact.ips import ipv4_key
from dsr.pipeline.redact.spans import Kind

# four decimal octets joined by "-" or "." (inside one label; starts with a character class:
# the engine skips quickly to candidates)
_DECIMAL = re.compile(r"[0-9](?<![0-9][0-9])[0-9]{0,2}[-.][0-9]{1,3}[-.][0-9]{1,3}[-.][0-9]{1,3}(?![0-9])")
# a cheap test first: two dots with a label between them ("….dip0.t-ipconnect.de")
_JOINER = re.compile(r"[-.]")
_DOMAIN = re.compile(r"\.[A-Za-z0-9][A-Za-z0-9-]*\.[A-Za-z]")
_NAME_RUN = re.compile(r"[A-Za-z0-9.-]*")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\Z")
_TLD = re.compile(r"[A-Za-z]{2,24}\Z")
_HEX_LABEL = re.compile(r"[A-Za-z]{0,6}([0-9A-Fa-f]{8})\Z")


def hostnames(text: str) -> Iterator[Found]:
    """Host names in ``text`` that spell an IPv4 address; the value is that address. Found from
    their dots (rarer than digits and letters): each name is looked at once, whole."""
    done = 0  # the end of the last name looked at
    for m in _DOMAIN.finditer(text):
        if m.start() < done:
            continue
        start, done = _grow(text, m.start(), m.end())
        value = _address(text[start:done])
        if value is not None:
            yield Found(start, done, Kind.IP, value)


def _grow(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and text[start - 1] in _NAME_CHARS:
        start -= 1
    end = _NAME_RUN.match(text, end).end()  # type: ignore[union-attr]  # matches the empty string
    while end > start and text[end - 1] in ".-":  # the sentence's full stop is not the name's
        end -= 1
    while start < end and text[start] in ".-":
        start += 1
    return start, end


def _address(name: str) -> str | None:
    """The IPv4 address the host name spells, or None when it is no such name."""
    labels = name.split(".")
    if len(labels) < 3 or not _TLD.match(labels[-1]) or not all(_LABEL.match(label) for label in labels):
        return None
    # four decimal labels in a row, then the provider's domain (at its start: in-addr style,
    # the address reversed)
    for i in range(len(labels) - 5):
        four = labels[i : i + 4]
        if all(label.isdigit() and len(label) <= 3 for label in four):
            return ipv4_key(".".join(reversed(four) if i == 0 else four))
    for label in labels[:-2]:  # octets joined by "-" in one label ("dsl-84-12-3-4")
        for m in _DECIMAL.finditer(label):
            value = ipv4_key(_JOINER.sub(".", m.group()))
            if value is not None:
                return value
        h = _HEX_LABEL.search(label)
        if h is not None and not label.isdigit():
            digits = h.group(1)
            if h.start(1) == 0 and digits.isalpha() and digits.islower():
                continue  # "deadbeef.example.com": a word, not an address
            return ".".join(str(int(digits[k : k + 2], 16)) for k in range(0, 8, 2))
    return None
