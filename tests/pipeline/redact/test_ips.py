"""IP addresses: every syntactically valid address of a known person is redacted (reserved,
private and documentation ranges included), with port, brackets and zone id; the
controller's policy decides on addresses nobody is known to have; versions, dates and
times are no addresses."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsr.model import Identifier, IdentifierKind, KnownPerson, Profile, Subject
from dsr.pipeline.redact import AllowList, Gazetteer, Kind, Tier, find

SUBJECT = Subject(
    controller="c",
    reference="r",
    identifiers=frozenset({Identifier(IdentifierKind.KEY, "1", "s"), Identifier(IdentifierKind.IP, "10.1.2.3")}),
    profile=Profile(first_name="Jonas", last_name="Keller"),
)
ME = KnownPerson(store="s", key="1", identifiers=frozenset(), first_name="Jonas", last_name="Keller")


def _gazetteer(stored: str, policy: str = "redact") -> Gazetteer:
    person = KnownPerson(
        store="s",
        key="9",
        first_name="Zora",
        last_name="Quast",
        identifiers=frozenset({Identifier(IdentifierKind.IP, stored)}),
    )
    return Gazetteer.build([ME, person], SUBJECT, allow=AllowList(unknown_ip=policy))  # type: ignore[arg-type]


def _ipv4_forms(ip: ipaddress.IPv4Address) -> list[str]:
    octets = str(ip).split(".")
    return [str(ip), ".".join(f"{int(o):03d}" for o in octets)]


def _ipv6_forms(ip: ipaddress.IPv6Address) -> list[str]:
    return [str(ip), ip.exploded, ip.exploded.upper(), str(ip).upper()]


addresses = st.one_of(
    st.ip_addresses(v=4).filter(lambda ip: not ip.is_unspecified),
    st.ip_addresses(v=6).filter(lambda ip: not ip.is_unspecified and ip.ipv4_mapped is None),
)
WRAPS = ["{}", "{}:8080", "[{}]:443", "[{}]", "{}/24", "({})", "{}."]
CONTEXTS = ["Login von {} gesperrt.", "client {} - - [12/Mar/2025:10:15:30 +0100]", "IP: {}, Port 22", "from {}"]


def _write(data: st.DataObject, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> tuple[str, str]:
    forms = _ipv4_forms(ip) if ip.version == 4 else _ipv6_forms(ip)
    form = data.draw(st.sampled_from(forms))
    # an IPv6 address takes a port only in brackets ("::1:8080" is an address of its own)
    wraps = [w for w in WRAPS if ("[" not in w if ip.version == 4 else w != "{}:8080")]
    if ip.version == 6 and ip.is_link_local:
        wraps.append("{}%eth0")
    return form, data.draw(st.sampled_from(wraps)).format(form)


def _covered(hits, start: int, end: int, tier: Tier = Tier.REDACT) -> bool:
    return any(h.kind is Kind.IP and h.tier is tier and h.start <= start and end <= h.end for h in hits)


@settings(max_examples=300, deadline=None)
@given(st.data(), addresses)
def test_a_known_persons_address_is_redacted_in_any_range_and_form(data, ip):
    stored = data.draw(st.sampled_from(_ipv4_forms(ip) if ip.version == 4 else _ipv6_forms(ip)))
    g = _gazetteer(stored, policy=data.draw(st.sampled_from(["redact", "review", "keep"])))
    form, shown = _write(data, ip)
    text = data.draw(st.sampled_from(CONTEXTS)).format(shown)
    start = text.index(form)
    hits = find(text, g)
    assert _covered(hits, start, start + len(form)), (stored, text, hits)
    assert any(h.rule == "known-ip" for h in hits)


def _may_be_a_device(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Not loopback, not "this network" (0.0.0.0/8), and no IPv6 look-alike of a ratio or a
    time ("1::2": at most two groups written, all decimal)."""
    if ip.is_loopback or ip.version == 4 and ip.packed[0] == 0:
        return False
    groups = [g for g in str(ip).split(":") if g]
    return ip.version == 4 or len(groups) > 2 or any(not g.isdigit() for g in groups)


@settings(max_examples=200, deadline=None)
@given(st.data(), addresses.filter(_may_be_a_device))
def test_unknown_addresses_follow_the_controllers_policy(data, ip):
    form, shown = _write(data, ip)
    text = f"Zugriff von {shown} blockiert."
    start = text.index(form)
    assert _covered(find(text, _gazetteer("192.0.2.99")), start, start + len(form))
    assert _covered(find(text, _gazetteer("192.0.2.99", "review")), start, start + len(form), Tier.REVIEW)
    assert [h for h in find(text, _gazetteer("192.0.2.99", "keep")) if h.kind is Kind.IP] == []


def test_the_written_address_is_redacted_with_its_port_brackets_and_zone():
    g = _gazetteer("192.0.2.99")
    text = "A 198.51.100.7:8080, B [2001:db8::1]:443, C fe80::1%eth0, D 2001:db8::2."
    spans = [text[h.start : h.end] for h in find(text, g) if h.kind is Kind.IP]
    assert spans == ["198.51.100.7:8080", "[2001:db8::1]:443", "fe80::1%eth0", "2001:db8::2"]


def test_the_subjects_own_address_stays_in_any_form():
    g = _gazetteer("192.0.2.99")
    assert find("Login von 10.1.2.3:5050 und 010.001.002.003 ok.", g) == []
    # written as an IPv6 address carrying the dotted quad: still the subject's address
    assert find("Login von ::10.1.2.3 und ::ffff:10.1.2.3 ok.", g) == []
    # the same bits written in hex are an IPv6 address of their own, redacted as unknown
    assert [h.kind for h in find("Login von ::a01:203 ok.", g)] == [Kind.IP]


@pytest.mark.parametrize(
    "text",
    [
        "Version 1.2.3.4 installiert",
        "v1.2.3.4",
        "Firmware 10.0.19041.1",
        "Kapitel 1.2.3.4 lesen",
        "am 12.03.2025 um 10:15:30 Uhr",
        "Verhältnis 1::2",
        "IP ::",
        "IP ::1",
        "IP 127.0.0.1",
        "IP 0.0.0.0",
        "1.2.3.4.5 ist eine Gliederungsnummer",
        "Zeit 10:15:30.123",
    ],
)
def test_versions_dates_times_and_addresses_of_no_device_are_not_redacted(text):
    assert [h for h in find(text, _gazetteer("192.0.2.99")) if h.kind is Kind.IP] == []


def test_the_policy_comes_from_the_controller_settings():
    class Controller:
        unknown_ip = "review"

    assert AllowList.for_controller(Controller()).unknown_ip == "review"
    assert AllowList.for_controller(object()).unknown_ip == "redact"
    Controller.unknown_ip = "hide"
    with pytest.raises(ValueError, match="unknown_ip"):
        AllowList.for_controller(Controller())
