"""Who asks for whose data: the requester's capacity, and what the case needs before an answer.

A parent may ask for their own data, or — as the legal representative — for their child's. The
parent is checked against the guardian rows the school keeps for that child (never against
a sibling's), and the letter goes to the parent "for" the child. From the Land's age of
consent on, a pupil acts alone, so a parent then needs the pupil's consent; below it, the
pupil's own request goes to the guardians. Anyone else acting for the subject needs a
written authorisation. Everything here is plain computation except :func:`verify_guardian`,
which asks the connectors for the child's guardian rows.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence

import msgspec

from dsr.config import ControllerSettings
from dsr.connector import Connector
from dsr.model import Descriptor, Identifier, IdentifierKind, KnownPerson, Subject
from dsr.pipeline.compose.request import Recipient
from dsr.pipeline.identify import descriptor_identifiers

#: full age (BGB §2): parental custody, and with it legal representation, ends
ADULTHOOD = 18


class Capacity(enum.StrEnum):
    """In what capacity the requester asks (same values as ``dsr.casefile.states.Acting``)."""

    SELF = "self"
    PARENT = "parent"  #: a parent or legal guardian, for their child
    REPRESENTATIVE = "representative"  #: anybody else authorised by the subject


class Requirement(enum.StrEnum):
    """What must be on the case before the subject's data may be disclosed to the requester."""

    #: the requester is checked against the child's guardian rows (:func:`verify_guardian`)
    GUARDIAN_VERIFICATION = "guardian_verification"
    #: staff recorded that the pupil (old enough to act alone) agrees to the parent's request
    PUPIL_CONSENT = "pupil_consent"
    #: an officer examined the subject's written authorisation (an upload alone never meets it)
    WRITTEN_AUTHORISATION = "written_authorisation"
    #: a child below the age of consent cannot authorise anybody: an officer examined the custody,
    #: court or authority document that makes the requester the child's legal representative
    LEGAL_REPRESENTATION = "legal_representation"
    #: the representative themselves is verified (in person with an ID document, or by post)
    REPRESENTATIVE_VERIFIED = "representative_verified"


class Routing(msgspec.Struct, frozen=True, kw_only=True):
    """What a request in ``capacity`` needs, given the subject's age on the day it was received."""

    capacity: Capacity
    age: int | None  #: the subject's age on the day of receipt; None when no date of birth is known
    age_of_consent: int
    needs: tuple[Requirement, ...]

    @property
    def to_guardians(self) -> bool:
        """A pupil below the age of consent asked: the answer goes to a verified guardian."""
        return self.capacity is Capacity.SELF and Requirement.GUARDIAN_VERIFICATION in self.needs


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Completed years on ``day`` (someone born on 29 February turns a year older on 1 March)."""
    years = day.year - date_of_birth.year
    return years - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def route(capacity: Capacity, date_of_birth: dt.date | None, received: dt.date, age_of_consent: int = 14) -> Routing:
    """What a request in ``capacity`` needs. An unknown age is treated as the stricter case."""
    capacity = Capacity(capacity)
    if isinstance(received, dt.datetime):
        received = received.date()
    age = age_on(date_of_birth, received) if date_of_birth else None
    needs: tuple[Requirement, ...]
    if capacity is Capacity.REPRESENTATIVE:
        if age is not None and age < age_of_consent:
            needs = (Requirement.LEGAL_REPRESENTATION, Requirement.REPRESENTATIVE_VERIFIED)
        else:
            needs = (Requirement.WRITTEN_AUTHORISATION, Requirement.REPRESENTATIVE_VERIFIED)
    elif capacity is Capacity.PARENT:
        if age is not None and age >= ADULTHOOD:
            # a parent of an adult is nobody's representative without the adult's authorisation
            needs = (Requirement.WRITTEN_AUTHORISATION, Requirement.REPRESENTATIVE_VERIFIED)
        elif age is not None and age < age_of_consent:
            needs = (Requirement.GUARDIAN_VERIFICATION,)
        else:
            needs = (Requirement.GUARDIAN_VERIFICATION, Requirement.PUPIL_CONSENT)
    else:
        # staff and adults often have no date of birth on file: they act alone
        needs = (Requirement.GUARDIAN_VERIFICATION,) if age is not None and age < age_of_consent else ()
    return Routing(capacity=capacity, age=age, age_of_consent=age_of_consent, needs=needs)


def route_request(settings: ControllerSettings, capacity: Capacity, subject: Subject, received: dt.date) -> Routing:
    """:func:`route` with the controller's age of consent and the subject's date of birth."""
    return route(capacity, subject.profile.date_of_birth, received, settings.pupil_age_of_consent)


# --------------------------------------------------------------------------- guardians


class GuardianStatus(enum.StrEnum):
    VERIFIED = "verified"  #: the requester's e-mail or account is on one of the child's guardian rows
    NAME_ONLY = "name_only"  #: only a name matches: staff must check identity another way
    NOT_A_GUARDIAN = "not_a_guardian"  #: nobody on the child's guardian rows: refuse


class GuardianCheck(msgspec.Struct, frozen=True, kw_only=True):
    """Result of checking a requester against a child's guardian rows. ``guardian`` is personal data."""

    status: GuardianStatus
    guardians_on_file: int
    guardian: KnownPerson | None = None  #: the matching guardian row: the letter's addressee

    @property
    def verified(self) -> bool:
        return self.status is GuardianStatus.VERIFIED


def verify_guardian(
    connectors: Sequence[Connector],
    child: Subject,
    requester: Descriptor,
    requester_subject: Subject | None = None,
) -> GuardianCheck:
    """Check ``requester`` against the guardian rows of ``child`` in one controller's stores.

    Strong evidence is an e-mail address on a guardian row, or — when the requester was
    identified as a person of the store (a teacher who is a parent) — that person's key on it.
    A name alone is never enough. Store errors propagate: a store that cannot be asked must
    not turn into a refusal or a verification.
    """
    guardians: list[KnownPerson] = []
    for connector in connectors:
        guardians.extend(connector.guardians(child))
    asked = descriptor_identifiers(requester)
    strong: set[Identifier] = {i for i in asked if i.kind is IdentifierKind.EMAIL}
    if requester_subject is not None:
        strong |= {i for i in requester_subject.identifiers if i.kind in (IdentifierKind.EMAIL, IdentifierKind.KEY)}
    names = {i for i in asked if i.kind is IdentifierKind.NAME}
    by_strong = [g for g in guardians if strong & g.identifiers]
    by_name = [g for g in guardians if names & g.identifiers]
    if by_strong:
        # parents sharing a family address: prefer the row that also carries the requester's name
        best = sorted(by_strong, key=lambda g: (not (names & g.identifiers), g.key))[0]
        return GuardianCheck(status=GuardianStatus.VERIFIED, guardians_on_file=len(guardians), guardian=best)
    if by_name:
        return GuardianCheck(status=GuardianStatus.NAME_ONLY, guardians_on_file=len(guardians), guardian=by_name[0])
    return GuardianCheck(status=GuardianStatus.NOT_A_GUARDIAN, guardians_on_file=len(guardians))


def recipient_for_child(check: GuardianCheck, child: Subject) -> Recipient:
    """The letter's addressee: the verified parent, "for" the child."""
    if not check.verified or check.guardian is None:
        raise ValueError("only a verified guardian can be addressed for a child")
    return guardian_recipient(check.guardian, child)


def guardian_recipient(g: KnownPerson, child: Subject) -> Recipient:
    """A guardian row as the letter's addressee "for" the child: the address on file, never a typed one."""
    return Recipient(
        name=g.name or "—",
        street=g.street,
        postal_code=g.postal_code,
        city=g.city,
        acting_for=child.profile.name or None,
    )
