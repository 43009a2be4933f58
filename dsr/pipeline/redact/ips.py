"""IP addresses in free text: every syntactically valid IPv4 and IPv6 address, with the port,
brackets and zone id written around it ("1.2.3.4:8080", "[2001:db8::1]:443", "fe80::1%eth0").

Whose an address is, is the gazetteer's question (a known person's is always redacted,
reserved and documentation ranges included); what happens to an address nobody is known to
have is the controller's policy (:attr:`AllowList.unknown_ip`). An address that cannot point
to a device ("0.0.0.0", "::", loopback) and IPv6 look-alikes in ordinary text ("1::2", a
ratio) are :attr:`Grade.INERT`: only a known person's value makes them count. Version
numbers ("Version 1.2.3.4"), dates and times are no addresses.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterator

from dsr.pipeline.redact.found import Found, Grade
from dsr.pipeline.redact.spans import Kind

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|0\d\d|0?\d?\d)"
#: an IPv4 address after its first digit (the shared digit-led scan of :mod:`.patterns` reads
#: that digit): the rest of the first octet, then three more; every octet at most 255
IPV4_REST = (
    r"(?<![\w.][0-9])(?:(?<=2)(?:5[0-5]|[0-4]\d|\d?)|(?<=1)\d{0,2}|(?<=0)\d{0,2}|(?<=[3-9])\d?)"
    rf"(?:\.{_OCTET}){{3}}(?![\w]|\.\d)"
)
_IPV4 = re.compile("[0-9]" + IPV4_REST)
# starts with a character class, the lookbehind after it: the engine skips to candidates
_IPV6 = re.compile(
    r"[0-9A-Fa-f:](?<![\w:.].)(?:(?<=:)|[0-9A-Fa-f]{0,3}:)(?:[0-9A-Fa-f]{0,4}:){1,6}"
    r"(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{0,4})(?P<zone>%[\w.-]{1,20})?(?![\w:]|\.\d)"
)
_PORT = re.compile(r":\d{1,5}(?!\d)")
_PREFIX_LEN = re.compile(r"/\d{1,3}(?!\d)")
# "Version 1.2.3.4", "Kapitel 1.2.3.4": a dotted number that is no address
_NOT_AN_ADDRESS = frozenset(
    "version vers ver v release rel build firmware update patch revision rev stand fassung kapitel chapter"
    " abschnitt section sec ziffer nr no isbn os ios android windows app".split()
)
_CANONICAL_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)")
_HEX_LETTER = re.compile(r"[A-Fa-f]")


def ips(text: str, v4: bool = True) -> Iterator[Found]:
    """IP addresses in ``text``; ``v4=False`` skips the IPv4 scan (a text without digits has
    no IPv4 address, but may have an IPv6 one: "fe80::abcd")."""
    if v4 and "." in text:
        for m in _IPV4.finditer(text):
            f = ipv4_found(text, m)
            if f is not None:
                yield f
    yield from ipv6s(text)


def ipv4_found(text: str, m: re.Match[str]) -> Found | None:
    """The IPv4 address ``m`` matched (by :data:`IPV4_REST` after a digit), None after
    "Version" and its kin."""
    value = ipv4_key(m.group())
    if value is None or _word_before(text, m.start()) in _NOT_AN_ADDRESS:
        return None
    inert = value.startswith(("0.", "127."))
    return _with_port(text, m.start(), m.end(), value, Grade.INERT if inert else Grade.VALID, v6=False)


def ipv6s(text: str) -> Iterator[Found]:
    if "::" in text or text.count(":") >= 7:
        for m in _IPV6.finditer(text):
            raw = m.group()
            zone = m.start("zone")
            address = raw if zone < 0 else text[m.start() : zone]
            value = ip_key(address)
            if value is not None:
                yield _with_port(text, m.start(), m.end(), value, _ipv6_grade(address, value), v6=True)


def _word_before(text: str, start: int) -> str:
    words = text[max(0, start - 16) : start].rstrip(" \t:#-").rsplit(None, 1)
    return words[-1].rstrip(".").lower() if words else ""


def _ipv6_grade(written: str, value: str) -> Grade:
    """INERT for "::", "::1" and look-alikes of ratios and times ("1::2", "10::30"): at most
    two groups written, all of them decimal."""
    if value in ("::", "::1"):
        return Grade.INERT
    groups = [g for g in written.split(":") if g]
    if len(groups) <= 2 and _HEX_LETTER.search(written) is None and "." not in written:
        return Grade.INERT
    return Grade.VALID


def _with_port(text: str, start: int, end: int, value: str, grade: Grade, v6: bool) -> Found:
    """The address with what belongs to it as written: "[…]", ":port" (after an IPv6 address
    only in brackets), "/prefix length"."""
    bracketed = start > 0 and text[start - 1] == "[" and text.startswith("]", end)
    if bracketed:
        start, end = start - 1, end + 1
    m = _PORT.match(text, end) if bracketed or not v6 else None
    if m is None:
        m = _PREFIX_LEN.match(text, end)
    return Found(start, m.end() if m is not None else end, Kind.IP, value, grade)


def ipv4_key(written: str) -> str | None:
    """The canonical dotted quad ("192.168.001.010" → "192.168.1.10"), None when an octet is
    out of range."""
    if _CANONICAL_IPV4.fullmatch(written):
        return written  # the common case, without int() per octet
    octets = written.split(".")
    if len(octets) != 4 or not all(o.isdigit() and len(o) <= 3 and int(o) <= 255 for o in octets):
        return None
    return ".".join(str(int(o)) for o in octets)


def ip_key(written: str) -> str | None:
    """The canonical form of an IP address as any store or text writes it ("[2001:DB8::1]",
    "fe80::1%eth0", "::ffff:1.2.3.4" and "::1.2.3.4" → its IPv4 address), None when it is none."""
    s = written.strip().strip("[]").split("%", 1)[0]
    if ":" not in s:
        return ipv4_key(s)
    try:  # the C library's parser: an index of 50 000 people holds many IPv6 addresses
        packed = socket.inet_pton(socket.AF_INET6, s)
    except OSError:
        return None
    if packed[:12] == _MAPPED or (packed[:12] == bytes(12) and "." in s):
        # "::ffff:1.2.3.4", and the deprecated IPv4-compatible "::1.2.3.4" as written with its
        # dotted quad: whoever wrote it meant the IPv4 address
        return socket.inet_ntop(socket.AF_INET, packed[12:])
    text = socket.inet_ntop(socket.AF_INET6, packed)
    return text if "." not in text else str(ipaddress.IPv6Address(packed))  # "::1.2.3.4" → "::102:304"


_MAPPED = bytes(10) + b"\xff\xff"  # ::ffff:0:0/96
