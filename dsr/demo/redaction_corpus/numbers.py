"""Numbers that identify people, stored canonically and written as people write them: phone
numbers of five countries in national, international, E.164, "(0)"-trunk, slash, dot and dash
notation with extensions; IPv4 and IPv6 addresses of every range, with ports, brackets and
zones; IBANs; a provider's host name for an IP; an authority's case number."""

from __future__ import annotations

import ipaddress
import random
import re

import phonenumbers
from stdnum import iban as stdnum_iban

# E.164 prefixes and the number of digits after them (validated by phonenumbers when drawn)
_PHONE_PLANS = {
    "DE": [("+49151", 8), ("+49160", 7), ("+49171", 7), ("+49176", 8), ("+49157", 8), ("+4930", 8), ("+4989", 7)],
    "AT": [("+43664", 7), ("+43676", 7), ("+43650", 7), ("+431", 7), ("+43316", 6)],
    "CH": [("+4179", 7), ("+4178", 7), ("+4144", 7), ("+4131", 7), ("+4161", 7)],
    "US": [("+1212", 7), ("+1415", 7), ("+1617", 7), ("+1312", 7)],
    "GB": [("+4420", 8), ("+447911", 6), ("+447700", 6), ("+44161", 7)],
}
_PHONE_PLANS["DE"] += [("+49941", 6), ("+49941", 7), ("+49821", 6), ("+49221", 7), ("+4940", 8), ("+49911", 7)]
#: the country's name as a writer adds it to a national-format number of another country
COUNTRY_WORDS = {
    "de": {"AT": "Österreich", "CH": "Schweiz", "US": "USA", "GB": "UK"},
    "en": {"AT": "Austria", "CH": "Switzerland", "US": "US", "GB": "UK", "DE": "Germany"},
}


def phone_number(rnd: random.Random, country: str) -> str:
    """A valid E.164 number of ``country``."""
    while True:
        prefix, digits = rnd.choice(_PHONE_PLANS[country])
        first = rnd.randrange(2, 10)  # subscriber numbers rarely start with 0 or 1
        number = f"{prefix}{first}{rnd.randrange(10 ** (digits - 1)):0{digits - 1}d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(number)):
            return number


def _groups(e164: str) -> tuple[str, str, list[str]]:
    """Country code, national (trunk-prefixed) area code and the subscriber groups."""
    n = phonenumbers.parse(e164)
    national = phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.NATIONAL)
    groups = re.findall(r"\d+", national)
    return str(n.country_code), groups[0], groups[1:]


def written_phone(e164: str, rnd: random.Random, international: bool | None = None) -> tuple[str, str]:
    """``e164`` as somebody writes it, and the form ("national-slash", "intl-trunk", …).
    ``international``: force (True) or forbid (False) an international form."""
    n = phonenumbers.parse(e164)
    cc, area, rest = _groups(e164)
    sub = "".join(rest)
    trunk = area.startswith("0")
    intl = rnd.random() < 0.45 if international is None else international
    if intl:
        bare = area[1:] if trunk else area
        forms = {
            "intl": phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
            "e164": e164,
            "intl-00": "00" + phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.INTERNATIONAL)[1:],
            "intl-dash": f"+{cc}-{bare}-{sub}",
            "intl-slash": f"+{cc} {bare}/{sub}",
            "intl-dots": f"+{cc}.{bare}.{'.'.join(rest)}",
        }
        if trunk:
            forms["intl-trunk"] = f"+{cc} (0){bare} {sub}"
            forms["intl-trunk-spaced"] = f"+{cc} (0) {bare} / {sub}"
        if cc == "1":
            forms["intl-paren"] = f"+1 ({area}) {'-'.join(rest)}"
    else:
        forms = {
            "national": phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.NATIONAL),
            "national-compact": area + sub,
            "national-dash": f"{area}-{sub}",
            "national-dots": ".".join([area, *rest]),
        }
        if cc == "1":
            forms["national-dash"] = "-".join([area, *rest])
            forms["national-1"] = "1-" + "-".join([area, *rest])
        else:
            forms["national-slash"] = f"{area}/{sub}"
            forms["national-slash-spaced"] = f"{area} / {sub}"
            forms["national-paren"] = f"({area}) {sub}"
            pairs = " ".join(sub[i : i + 2] for i in range(len(sub) % 2, len(sub), 2))
            forms["national-pairs"] = f"{area} {sub[: len(sub) % 2]}{' ' if len(sub) % 2 else ''}{pairs}"
    form = rnd.choice(sorted(forms))
    return forms[form], form


def extension(rnd: random.Random, language: str, country: str, joined_ok: bool = True) -> tuple[str, str, bool]:
    """An extension written after a number: (text, form, part of the number's span). "-12"
    joined to a German number dials the extension directly and belongs to it."""
    ext = str(rnd.randrange(10, 400))
    if joined_ok and country in ("DE", "AT", "CH") and rnd.random() < 0.5:
        return f"-{ext}", "ext-dash", True
    if language == "de":
        return rnd.choice([f", Durchwahl {ext}", f" (Durchwahl {ext})", f", DW {ext}"]), "ext-word", False
    return rnd.choice([f" ext. {ext}", f" x{ext}", f", extension {ext}"]), "ext-word", False


def short_local(rnd: random.Random) -> str:
    """A local number without area code: "12 34 56", "812345"."""
    digits = str(rnd.randrange(2, 10)) + "".join(str(rnd.randrange(10)) for _ in range(rnd.randrange(4, 7)))
    if rnd.random() < 0.5:
        return " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))
    return digits


# -------------------------------------------------------------------------------------- IPs

_PUBLIC_V4 = [2, 31, 46, 77, 79, 84, 87, 91, 93, 95, 109, 178, 188, 212, 217]
_V6_PREFIXES = ["2a02:8070:", "2003:e1:", "2a01:c22:", "2001:16b8:", "2a00:20:", "2001:db8:", "fd00:", "fe80::"]
_V6_PREFIXES += ["2a02:8070:", "2003:e1:", "3fff:", "100:"]  # 3fff::/20 documentation (RFC 9637), 100::/64 discard


def ipv4(rnd: random.Random) -> tuple[str, str]:
    """An IPv4 address of a person's device and its range: public mostly, private, carrier-grade
    NAT and documentation ranges too (a school's or test system's logs hold them)."""
    r = rnd.random()
    if r < 0.6:
        first = rnd.choice(_PUBLIC_V4)
        return f"{first}.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}", "public"
    if r < 0.7:
        return f"10.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}", "private"
    if r < 0.78:
        return f"192.168.{rnd.randrange(256)}.{rnd.randrange(1, 255)}", "private"
    if r < 0.83:
        return f"172.{rnd.randrange(16, 32)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}", "private"
    if r < 0.87:
        return f"100.{rnd.randrange(64, 128)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}", "cgnat"
    if r < 0.9:  # reserved (240/4): a test network or a misconfigured router hands them out too
        return (
            f"{rnd.randrange(240, 255)}.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}",
            "reserved",
        )
    net = rnd.choice(["192.0.2", "198.51.100", "203.0.113"])
    return f"{net}.{rnd.randrange(1, 255)}", "documentation"


def ipv6(rnd: random.Random) -> tuple[str, str]:
    prefix = rnd.choice(_V6_PREFIXES)
    if prefix == "fe80::":
        groups = [f"{rnd.randrange(65536):x}" for _ in range(4)]
        return str(ipaddress.IPv6Address("fe80::" + ":".join(groups))), "link-local"
    width = 8 - prefix.count(":")
    groups = [f"{rnd.randrange(65536):x}" for _ in range(width)]
    if rnd.random() < 0.5:  # runs of zero groups, as assigned prefixes have them
        at = rnd.randrange(width - 2)
        groups[at : at + 2] = ["0", "0"]
    value = str(ipaddress.IPv6Address(prefix + ":".join(groups)))
    ranges = {"2001:db8:": "documentation", "3fff:": "documentation", "fd00:": "unique-local", "100:": "reserved"}
    return value, ranges.get(prefix, "public")


def written_ip(ip: str, rnd: random.Random, port_ok: bool = True) -> tuple[str, str, str, str]:
    """(before, the address as written, after, form): the span is the middle part only;
    brackets, ports and zones around it are written but are no part of the address."""
    address = ipaddress.ip_address(ip)
    if address.version == 4:
        if port_ok and rnd.random() < 0.2:
            return "", ip, f":{rnd.choice([443, 8080, 8443, 51234, 3128])}", "v4 port"
        if rnd.random() < 0.05:  # the IPv6 notation of an IPv4 address: the IPv4 part says who
            return "::ffff:", ip, "", "v4-mapped"
        return "", ip, "", "v4"
    text, form = ip, "v6"
    r = rnd.random()
    if r < 0.15:
        text, form = address.exploded, "v6 full"
    elif r < 0.25:
        text, form = ip.upper(), "v6 upper"
    if address.is_link_local and rnd.random() < 0.5:
        return "", text, f"%{rnd.choice(['eth0', 'wlan0', 'en0', '12'])}", form + " zone"
    if port_ok and rnd.random() < 0.25:
        return "[", text, f"]:{rnd.choice([443, 8443, 993])}", form + " brackets-port"
    return "", text, "", form


def provider_host(ip: str, rnd: random.Random) -> str:
    """The reverse-DNS name an access provider gives a customer's IP."""
    a, b, c, d = (int(x) for x in ip.split("."))
    shapes = [
        f"dsl-{a}-{b}-{c}-{d}.provider.example",
        f"p{a:02X}{b:02X}{c:02X}{d:02X}.dip0.t-ipconnect.de",
        f"ip-{a}-{b}-{c}-{d}.hsi.kabel-badenwuerttemberg.de",
        f"dslb-{a:03d}-{b:03d}-{c:03d}-{d:03d}.{a:03d}.{b:03d}.pools.vodafone-ip.de",
        f"x{a:02x}{b:02x}{c:02x}{d:02x}.dyn.telefonica.de",
        f"host-{a}-{b}-{c}-{d}.customer.m-online.net",
        f"{d}.{c}.{b}.{a}.dynamic.isp.example.net",
    ]
    return rnd.choice(shapes)


def case_number(rnd: random.Random, language: str) -> tuple[str, str, str]:
    """(cue, number, form): an authority's reference for a complaint ("Az. 123 Js 4567/25")."""
    year = rnd.choice(["24", "25", "26"])
    if language == "de":
        shapes = [
            ("Az. ", f"{rnd.randrange(100, 999)} Js {rnd.randrange(1000, 99999)}/{year}", "js"),
            ("Aktenzeichen ", f"{rnd.randrange(1, 20)} Ds {rnd.randrange(10, 999)}/{year}", "ds"),
            ("Vorgangsnummer ", f"20{year}-{rnd.randrange(10**6, 10**7)}", "vorgang"),
            (
                "Vorgangs-Nr. ",
                f"BY{rnd.randrange(1000, 9999)}-{rnd.randrange(10**5, 10**6)}-{year}/{rnd.randrange(1, 9)}",
                "vorgang",
            ),
            ("Tagebuchnummer ", f"{rnd.randrange(100, 9999)}/{year}", "tgb"),
        ]
    else:
        shapes = [
            ("case no. ", f"20{year}/{rnd.randrange(10000, 99999)}", "case"),
            (
                "crime reference number ",
                f"{rnd.randrange(1, 99):02d}/{rnd.randrange(10**5, 10**6)}/{year}",
                "crime-ref",
            ),
            ("police reference ", f"{rnd.randrange(100, 999)} Js {rnd.randrange(1000, 99999)}/{year}", "js"),
        ]
    return rnd.choice(shapes)


# ------------------------------------------------------------------------------------ IBANs


def iban(rnd: random.Random, country: str = "DE") -> str:
    digits = {"DE": 18, "AT": 16, "CH": 17}.get(country)
    if digits is not None:
        bban = "".join(str(rnd.randrange(10)) for _ in range(digits))
    else:
        bban = rnd.choice(["ABNA", "INGB", "RABO", "TRIO"]) + "".join(str(rnd.randrange(10)) for _ in range(10))
    compact = country + stdnum_iban.calc_check_digits(country + "XX" + bban) + bban
    assert stdnum_iban.is_valid(compact)
    return compact


def written_iban(compact: str, rnd: random.Random) -> tuple[str, str]:
    if rnd.random() < 0.7:
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4)), "grouped"
    return compact, "compact"
