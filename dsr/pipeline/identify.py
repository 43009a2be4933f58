"""Identify stage: a requester's descriptor → candidates with evidence → one subject, or not.

The rule that protects against disclosing to the wrong person: exactly one human, found by a
strong identifier (card number, login name, e-mail on file, or name together with date of
birth) and contradicted by nothing the requester said, is a match. Everything else is
*ambiguous* (a human decides) or *unknown*; a name another way spelt (:mod:`dsr.pipeline.names`)
is ambiguous, never unknown, and so is the name right with another date of birth (a typo in the
date must not become "we hold nothing"). Names are folded the same way on both sides: a match on
name and date of birth is ambiguous when the same name folded ("Müller" for "Mueller") names
somebody else not born on another day. Two rows are the same human only when they share
a strong identifier inside one controller's stores — never because names match.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from dsr.connector import Connector
from dsr.model import (
    STRONG_KINDS,
    Candidate,
    Descriptor,
    Identifier,
    IdentifierKind,
    Resolution,
    ResolutionStatus,
    Subject,
)
from dsr.pipeline.names import same

if TYPE_CHECKING:
    from dsr.config import Settings


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_name(first: str | None, last: str | None) -> str:
    """Case-folded, whitespace-collapsed "first last" (NFC), for weak name evidence."""
    text = " ".join(p.strip() for p in (first, last) if p and p.strip())
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def normalise_code(value: str) -> str:
    """Card numbers, logins, customer and invoice numbers: trimmed; logins compare case-insensitively."""
    return value.strip()


def descriptor_identifiers(descriptor: Descriptor) -> frozenset[Identifier]:
    """The identifiers a descriptor asks about, normalised like the stores' values."""
    ids: set[Identifier] = set()
    if descriptor.card_number:
        ids.add(Identifier(IdentifierKind.CARD, normalise_code(descriptor.card_number).upper()))
    if descriptor.login_name:
        ids.add(Identifier(IdentifierKind.LOGIN, normalise_code(descriptor.login_name).lower()))
    if descriptor.email:
        ids.add(Identifier(IdentifierKind.EMAIL, normalise_email(descriptor.email)))
    if descriptor.first_name or descriptor.last_name:
        ids.add(Identifier(IdentifierKind.NAME, normalise_name(descriptor.first_name, descriptor.last_name)))
    if descriptor.date_of_birth:
        ids.add(Identifier(IdentifierKind.DATE_OF_BIRTH, descriptor.date_of_birth.isoformat()))
    if descriptor.customer_number:
        ids.add(Identifier(IdentifierKind.CUSTOMER, normalise_code(descriptor.customer_number)))
    if descriptor.invoice_number:
        ids.add(Identifier(IdentifierKind.INVOICE, normalise_code(descriptor.invoice_number)))
    return frozenset(ids)


def candidate_reference(controller: str, store: str, key: str, secret: bytes = b"") -> str:
    """An opaque, stable reference to a person row: safe to print, log and show to officers."""
    h = hashlib.blake2b(f"{controller}\x1f{store}\x1f{key}".encode(), digest_size=6, key=secret[:64])
    return "P-" + h.hexdigest().upper()


def _linked(a: Candidate, b: Candidate) -> bool:
    """Same human: rows in different stores that share a strong identifier."""
    if a.store == b.store:
        return False  # two rows of one store are two people (namesakes!)
    strong_a = {i for i in a.identifiers if i.kind in STRONG_KINDS}
    return bool(strong_a & b.identifiers)


def group_humans(candidates: Sequence[Candidate]) -> list[list[Candidate]]:
    """Group candidates of several stores into humans, linked only by strong identifiers."""
    groups: list[list[Candidate]] = []
    for c in candidates:
        joined = [g for g in groups if any(_linked(c, other) for other in g)]
        merged = [c]
        for g in joined:
            merged.extend(g)
            groups.remove(g)
        # a merged group may hold at most one row per store; otherwise the link is not trustworthy
        groups.append(merged)
    return groups


def resolve(
    controller: str,
    connectors: Sequence[Connector],
    descriptor: Descriptor,
    secret: bytes | None = None,
    *,
    settings: Settings | None = None,
) -> Resolution:
    """Resolve ``descriptor`` within one controller's stores. Store errors propagate.

    ``secret`` defaults to ``settings``' secret key. (Nothing is keyed with it today: the
    candidates' references are the connectors' stable hashes, :func:`candidate_reference`, which
    the case file records; the parameter stays so that callers need not change when that does.)
    ``resolution.matched()`` gives the subject of a match (typed), or raises why there is none.

    A store that cannot be asked must not silently turn an ambiguous case into a match, so
    :class:`~dsr.errors.ConnectorError` is not caught here.
    """
    if descriptor.is_empty():
        return Resolution(status=ResolutionStatus.UNKNOWN, candidates=())
    candidates: list[Candidate] = []
    for connector in connectors:
        candidates.extend(connector.candidates(descriptor))
    if not candidates:
        # nobody matched exactly: a near miss of the name ("Mueller" for "Müller") goes to an officer,
        # because the negative answer would tell a person the stores hold that they hold nothing
        near = [c for connector in connectors for c in connector.near_candidates(descriptor)]
        if near:
            return Resolution(
                status=ResolutionStatus.AMBIGUOUS, candidates=tuple(sorted(near, key=lambda c: c.reference))
            )
        return Resolution(status=ResolutionStatus.UNKNOWN, candidates=())
    humans = group_humans(candidates)
    ordered = tuple(sorted(candidates, key=lambda c: c.reference))
    strong_humans = [h for h in humans if any(c.strong for c in h)]
    one_row_per_store = all(len({c.store for c in h}) == len(h) for h in humans)
    if len(humans) == 1 and len(strong_humans) == 1 and one_row_per_store:
        others = _same_name_spelt_otherwise(connectors, descriptor, humans[0])
        if others:
            return Resolution(
                status=ResolutionStatus.AMBIGUOUS,
                candidates=tuple(sorted([*ordered, *others], key=lambda c: c.reference)),
            )
        return Resolution(status=ResolutionStatus.MATCH, candidates=ordered, subject=subject_of(controller, humans[0]))
    return Resolution(status=ResolutionStatus.AMBIGUOUS, candidates=ordered)


def _same_name_spelt_otherwise(
    connectors: Sequence[Connector], descriptor: Descriptor, human: Sequence[Candidate]
) -> list[Candidate]:
    """For a match that rests on name and date of birth alone: other people whose stored name is the typed
    one folded ("Anna Müller" for "Anna Mueller") and who are not born on another day. The lookup compares
    names exactly, so they were not found; the same folding on both sides makes them namesakes, and
    namesakes are ambiguous."""
    if any(e.strong for c in human for e in c.evidence):
        return []  # a card, login or e-mail singles the human out, whatever the names
    out = []
    for connector in connectors:
        for c in connector.near_candidates(descriptor):
            if IdentifierKind.DATE_OF_BIRTH in c.conflicts or any(
                (c.store, c.key) == (h.store, h.key) or _linked(c, h) for h in human
            ):
                continue
            stored = (c.profile.first_name, c.profile.last_name)
            if not any(stored):
                stored = (c.profile.display_name, None)
            if same(descriptor.first_name, descriptor.last_name, *stored):
                out.append(c)
    return out


def subject_of(controller: str, human: Sequence[Candidate]) -> Subject:
    """The subject made of one human's candidate rows (the strongest row gives the profile)."""
    primary = sorted(human, key=lambda c: (not c.strong, c.store, c.reference))[0]
    identifiers: set[Identifier] = set()
    for c in human:
        identifiers |= c.identifiers
    return Subject(
        controller=controller,
        reference=primary.reference,
        identifiers=frozenset(identifiers),
        profile=primary.profile,
    )


def confirm(controller: str, candidates: Sequence[Candidate], reference: str) -> Subject:
    """An officer confirms which candidate is the requester (after checking identity).

    All candidate rows linked to the chosen one by strong identifiers come along.
    """
    chosen = [c for c in candidates if c.reference == reference]
    if not chosen:
        raise KeyError(reference)
    for human in group_humans(candidates):
        if chosen[0] in human:
            return subject_of(controller, human)
    raise AssertionError("unreachable")
