"""What an incident note says about the other party: a provider's host name that spells the
attacker's address is that address (redacted like it; the subject's own connection stays), and
an authority's case reference goes to an officer (Art. 15(4) GDPR, § 29 BDSG), never printed by
default."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from dsr.model import Identifier, IdentifierKind, KnownPerson, Profile, Subject
from dsr.pipeline.redact import AllowList, Gazetteer, Kind, Tier, find

OWN_IP = "84.12.3.4"
SUBJECT = Subject(
    controller="c",
    reference="r",
    identifiers=frozenset({Identifier(IdentifierKind.KEY, "1", "s"), Identifier(IdentifierKind.IP, OWN_IP)}),
    profile=Profile(first_name="Jonas", last_name="Keller"),
)
ME = KnownPerson(store="s", key="1", identifiers=frozenset(), first_name="Jonas", last_name="Keller")
G = Gazetteer.build([ME], SUBJECT, allow=AllowList())


def spelled(ip: ipaddress.IPv4Address, shape: int) -> str:
    """A provider's reverse-DNS name for ``ip``, in one of the shapes providers use (the test's
    own writer: the oracle is the address it spelled)."""
    a, b, c, d = (int(x) for x in str(ip).split("."))
    return [
        f"dsl-{a}-{b}-{c}-{d}.provider.example",
        f"p{a:02X}{b:02X}{c:02X}{d:02X}.dip0.t-ipconnect.de",
        f"dslb-{a:03d}-{b:03d}-{c:03d}-{d:03d}.pools.vodafone-ip.de",
        f"x{a:02x}{b:02x}{c:02x}{d:02x}.dyn.telefonica.de",
        f"{d}.{c}.{b}.{a}.in-addr.example.net",
        f"cpe-{a}-{b}-{c}-{d}.res.rr.example.com",
    ][shape]


@settings(max_examples=300, deadline=None)
@given(
    ip=st.ip_addresses(v=4).filter(lambda ip: str(ip) != OWN_IP),
    shape=st.integers(0, 5),
    frame=st.sampled_from(["laut Provider {}.", "Angreifer ({}) hat", "host {}, reported", "{}"]),
)
def test_a_host_name_that_spells_an_address_is_redacted_whole(
    ip: ipaddress.IPv4Address, shape: int, frame: str
) -> None:
    host = spelled(ip, shape)
    text = frame.format(host)
    start = text.index(host)
    hits = [h for h in find(text, G) if h.start < start + len(host) and start < h.end]
    assert hits, text
    assert all(h.tier is Tier.REDACT and h.kind is Kind.IP for h in hits), hits
    covered = {i for h in hits for i in range(h.start, h.end)}
    assert set(range(start, start + len(host))) <= covered, text  # no part of the name stays


def test_the_subjects_own_connection_stays() -> None:
    for shape in range(6):
        host = spelled(ipaddress.IPv4Address(OWN_IP), shape)
        assert find(f"Anmeldung von {host} erfolgreich.", G) == [], host


def test_words_versions_and_files_are_no_host_names() -> None:
    for text in [
        "Version 1.2.3.4 vom 15.01.2025",
        "siehe www.example.de und deadbeef.example.com",
        "Rechnung-2024-01-15.pdf liegt bei",
        "commit 3f9c0a1 in repo.git.example",
    ]:
        assert not [h for h in find(text, G) if h.kind is Kind.IP], text


def test_an_authority_reference_goes_to_an_officer() -> None:
    for text, number in [
        ("Anzeige erstattet, Az. 336 Js 12240/26. Betroffen: Jonas Keller.", "336 Js 12240/26"),
        ("Polizei informiert, Vorgangsnummer 2025-8152129.", "2025-8152129"),
        ("Vorgangs-Nr. BY7464-851589-25/2 am 3. März", "BY7464-851589-25/2"),
        ("reported to police, crime reference number 71/477426/25.", "71/477426/25"),
        ("case no. 2026/28910 was opened", "2026/28910"),
        ("Aktenzeichen: 12 Ds 345/25", "12 Ds 345/25"),
    ]:
        start = text.index(number)
        [hit] = [h for h in find(text, G) if h.start <= start < h.end]
        assert (hit.start, hit.end) == (start, start + len(number)), text
        assert hit.tier is Tier.REVIEW and hit.rule == "authority-reference", hit


def test_numbers_without_a_cue_or_too_short_are_no_references() -> None:
    for text in ["Vorgang 2 von 3 erledigt", "Band 336 Js ist vergriffen", "Az. 12"]:
        assert not [h for h in find(text, G) if h.rule == "authority-reference"], text
