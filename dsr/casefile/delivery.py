"""Delivery: where the answer may go, following what verified the requester.

An answer goes electronically (a download link by e-mail) only to an address that was verified
by a code *and* is on file for the subject — or for the child's guardian whose row carries it.
Otherwise it goes by post to the address on file. An officer may decide otherwise only with a
coded reason, and a second person approves that decision before any link is sent.

The plan (:func:`plan_in`) is computed from the recorded facts; an officer's decision is a row of
``deliveries``. A contact address that is not on file is a warning on the case page and blocks
"zur Freigabe" (``prepare``) until an officer decided.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import sqlalchemy as sa

from dsr.casefile import audit, clock
from dsr.casefile.checks import CheckMethod, contact, methods_for
from dsr.casefile.errors import InputRejected, TransitionRefused
from dsr.casefile.permission import load_case
from dsr.casefile.requirements import routing_in
from dsr.casefile.schema import candidates, deliveries, parties
from dsr.casefile.users import User
from dsr.config import DEFAULT_ZONE
from dsr.pipeline.deadlines import receipt_day
from dsr.pipeline.representation import Capacity, route


class Route(enum.StrEnum):
    DOWNLOAD = "download"  #: a download link to the verified address on file
    POST = "post"  #: a letter to the postal address on file


class Basis(enum.StrEnum):
    EMAIL_ON_FILE = "email_on_file"  #: the code went to an address on file for the subject
    GUARDIAN_EMAIL_ON_FILE = "guardian_email_on_file"  #: … on file on the child's guardian row
    POSTAL_ON_FILE = "postal_on_file"  #: the postal address on file
    OFFICER_DECISION = "officer_decision"  #: an officer's coded decision, approved by a second person


#: the grounds on which an officer may send an answer electronically to an address not on file
REASONS = (
    "authorisation_names_address",  #: the examined authorisation names the representative's address
    "address_confirmed_in_person",  #: the person, seen with an ID document, gave the address
    "address_changed_proven",  #: the address on file is outdated; the new one was proven by post
    "no_postal_address",  #: nothing on file can be reached by post; verified in person
)


class DeliveryPlan(msgspec.Struct, frozen=True, kw_only=True):
    """Where the answer goes and why; ``undecided``: an officer must decide before "zur Freigabe"."""

    route: Route | None
    basis: Basis | None
    reason: str | None = None
    decided_by: int | None = None
    approved_by: int | None = None
    #: the contact address is not on file for the subject (nor verified on a guardian row)
    address_not_on_file: bool = False
    undecided: bool = False
    #: a child below the age of consent asked for themselves: the answer goes by post to a guardian,
    #: whatever anyone decided (no download, not even one an officer chose)
    to_guardians: bool = False

    @property
    def awaiting_approval(self) -> bool:
        return self.basis is Basis.OFFICER_DECISION and self.approved_by is None

    @property
    def electronic(self) -> bool:
        """A download link may be sent (for an officer's decision: once a second person approved)."""
        return self.route is Route.DOWNLOAD and not self.awaiting_approval and not self.to_guardians


def _email_on_file(conn: sa.Connection, case: Any) -> bool:
    """The contact address was verified by a code and is on file for the confirmed subject."""
    party = contact(conn, case.id)
    if party is None or party.email_verified_at is None or case.subject_reference is None:
        return False
    row = conn.execute(
        sa.select(candidates.c.email_on_file).where(
            candidates.c.case_id == case.id, candidates.c.reference == case.subject_reference
        )
    ).first()
    return bool(row and row.email_on_file)


def child_asked(conn: sa.Connection, case: Any, zone: ZoneInfo = DEFAULT_ZONE) -> int | None:
    """The age of consent, if a child below it asked for themselves (else None): by the routing once
    it is recorded, before that by the date of birth the request gave (with the default age of
    consent; the routing carries the controller's own), the age taken on the day of receipt in
    ``zone`` (``Settings.zone``) as the routing takes it."""
    routing = routing_in(conn, case.id, case.subject_reference)
    if routing is not None:
        return routing.age_of_consent if routing.to_guardians else None
    if case.acting != "self":
        return None
    given = conn.execute(
        sa.select(parties.c.descriptor).where(parties.c.case_id == case.id, parties.c.role == "subject")
    ).scalar()
    born = (given or {}).get("date_of_birth")
    if not isinstance(born, str):
        return None
    routed = route(Capacity.SELF, dt.date.fromisoformat(born), receipt_day(case.received_at, zone))
    return routed.age_of_consent if routed.to_guardians else None


def _refuse_download(age_of_consent: int) -> TransitionRefused:
    return TransitionRefused(
        "a pupil below the age of consent asked: the answer goes by post to a guardian, never as a download",
        code="to_guardians_post",
        age_of_consent=age_of_consent,
    )


def computed_plan(conn: sa.Connection, case: Any, *, zone: ZoneInfo = DEFAULT_ZONE) -> DeliveryPlan:
    """The plan from the recorded facts alone (no officer decision); ``zone``: :func:`child_asked`."""
    party = contact(conn, case.id)
    has_email = bool(party is not None and party.email)
    methods = set(methods_for(conn, case.id, case.subject_reference))
    if child_asked(conn, case, zone) is not None:
        return DeliveryPlan(route=Route.POST, basis=Basis.POSTAL_ON_FILE, to_guardians=True)
    if case.acting == "parent" and CheckMethod.GUARDIAN_RECORDS.value in methods:
        return DeliveryPlan(route=Route.DOWNLOAD, basis=Basis.GUARDIAN_EMAIL_ON_FILE)
    if case.acting == "self" and CheckMethod.ANSWER_BY_POST.value in methods:
        # verified on the very condition that the answer goes only to the postal address on file
        on_file = _email_on_file(conn, case)
        return DeliveryPlan(route=Route.POST, basis=Basis.POSTAL_ON_FILE, address_not_on_file=has_email and not on_file)
    if case.acting == "self" and _email_on_file(conn, case):
        return DeliveryPlan(route=Route.DOWNLOAD, basis=Basis.EMAIL_ON_FILE)
    if case.acting == "self" and not has_email:
        return DeliveryPlan(route=Route.POST, basis=Basis.POSTAL_ON_FILE)
    # an address that is not on file, or somebody acting for the subject: an officer decides
    return DeliveryPlan(route=None, basis=None, address_not_on_file=has_email, undecided=True)


def _latest_decision(conn: sa.Connection, case_id: int) -> sa.Row[Any] | None:
    """The officer's latest delivery decision for the case (a later one replaces an earlier)."""
    return conn.execute(
        sa.select(deliveries).where(deliveries.c.case_id == case_id).order_by(deliveries.c.id.desc()).limit(1)
    ).first()


def plan_in(conn: sa.Connection, case: Any, *, zone: ZoneInfo = DEFAULT_ZONE) -> DeliveryPlan:
    """The case's delivery: the latest officer decision, else the computed plan (``zone``:
    ``Settings.zone``, the clock of a child's age before the routing is recorded)."""
    row = _latest_decision(conn, case.id)
    computed = computed_plan(conn, case, zone=zone)
    if row is None or computed.to_guardians:
        return computed  # a child's answer goes by post to a guardian, whatever was decided
    return DeliveryPlan(
        route=Route(row.route),
        basis=Basis(row.basis),
        reason=row.reason,
        decided_by=row.decided_by,
        approved_by=row.approved_by,
        address_not_on_file=computed.address_not_on_file,
    )


def plan_of(engine: sa.Engine, user: User, reference: str, *, zone: ZoneInfo = DEFAULT_ZONE) -> DeliveryPlan:
    with engine.connect() as conn:
        return plan_in(conn, load_case(conn, user, reference), zone=zone)


_SETTLED = frozenset({"approved", "dispatched", "closed", "refused", "withdrawn"})


def decide_delivery(
    engine: sa.Engine,
    user: User,
    reference: str,
    route: Route | str,
    reason: str | None = None,
    *,
    now: dt.datetime | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> None:
    """An officer decides the delivery: by post to the address on file, or — with a coded reason,
    and a second person's approval (:func:`approve_delivery`) — electronically to the contact address.
    ``zone`` (``Settings.zone``): the day of receipt on which a child's age is taken."""
    route = Route(route)
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        if case.state in _SETTLED:
            # the approver approved the answer with its delivery: a change goes back to review first
            raise TransitionRefused(
                f"the delivery can no longer be changed in state {case.state}", code="delivery_settled"
            )
        basis: Basis | None
        if route is Route.DOWNLOAD and (age := child_asked(conn, case, zone)) is not None:
            raise _refuse_download(age)
        if route is Route.POST:
            basis, reason = Basis.POSTAL_ON_FILE, None
        else:
            computed = computed_plan(conn, case, zone=zone)
            if computed.route is Route.DOWNLOAD:
                basis, reason = computed.basis, None  # nothing to decide: the address is on file
            else:
                if reason not in REASONS:
                    raise InputRejected(
                        f"an electronic delivery to an address not on file needs a ground: one of {', '.join(REASONS)}",
                        code="delivery_reason",
                    )
                basis = Basis.OFFICER_DECISION
        assert basis is not None
        conn.execute(
            sa.insert(deliveries).values(
                case_id=case.id, route=route.value, basis=basis.value, reason=reason, decided_by=user.id, decided_at=now
            )
        )
        audit.append(
            conn,
            "delivery decided",
            actor=user.actor,
            case_ref=reference,
            now=now,
            detail={"route": route.value, "basis": basis.value, "reason": reason},
        )


def approve_delivery(engine: sa.Engine, user: User, reference: str, *, now: dt.datetime | None = None) -> None:
    """A second person approves an officer's decision to deliver electronically."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference, role="approver")
        row = _latest_decision(conn, case.id)
        if row is None or row.basis != Basis.OFFICER_DECISION.value or row.approved_by is not None:
            raise TransitionRefused("no delivery decision waits for approval", code="no_delivery_decision")
        if row.decided_by == user.id:
            raise TransitionRefused("a second person approves a delivery decision", code="four_eyes")
        conn.execute(
            sa.update(deliveries).where(deliveries.c.id == row.id).values(approved_by=user.id, approved_at=now)
        )
        audit.append(
            conn, "delivery approved", actor=user.actor, case_ref=reference, now=now, detail={"delivery": row.id}
        )


def ensure_decided(conn: sa.Connection, case: Any, *, zone: ZoneInfo = DEFAULT_ZONE) -> None:
    """Refuse "zur Freigabe" while nobody decided where the answer goes."""
    if plan_in(conn, case, zone=zone).undecided:
        raise TransitionRefused(
            "the contact address is not on file for this person: decide the delivery first",
            code="delivery_undecided",
        )


def ensure_electronic(conn: sa.Connection, case: Any, *, zone: ZoneInfo = DEFAULT_ZONE) -> None:
    """Refuse a download link unless the plan allows an electronic delivery."""
    plan = plan_in(conn, case, zone=zone)
    if plan.to_guardians and (age := child_asked(conn, case, zone)) is not None:
        raise _refuse_download(age)
    if plan.awaiting_approval:
        raise TransitionRefused("a second person must approve the delivery decision", code="delivery_unapproved")
    if not plan.electronic:
        raise TransitionRefused(
            "the answer goes by post to the address on file: the contact address is not verified as on file",
            code="delivery_by_post",
        )
