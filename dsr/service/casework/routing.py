"""Who may receive the subject's data: :mod:`dsr.pipeline.representation` applied to a case.

:func:`start_gathering` is the officer's "gather" click: it settles the routing (capacity, the
subject's age on the day of receipt, the controller's age of consent) and, for a parent, checks
the requester against the child's guardian rows before the case may move on. The ``gather`` job
calls :func:`settle_routing` again before it reads any store, so no path gathers without it.
:func:`addressee` gives the letter's addressee: the verified parent (or, for a young pupil who
asked alone, the guardians on file) "for" the child.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import msgspec
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.documents import WorkCase
from dsr.casefile.requirements import RoutingRecord, record_routing, routing_in
from dsr.config import Settings, connect
from dsr.connector import Connector
from dsr.model import Descriptor, Subject
from dsr.pipeline import compose
from dsr.pipeline.deadlines import BERLIN
from dsr.pipeline.representation import (
    Capacity,
    GuardianCheck,
    GuardianStatus,
    Requirement,
    guardian_recipient,
    recipient_for_child,
    route_request,
    verify_guardian,
)
from dsr.service.casework.common import (
    ConnectorsOf,
    case_by_reference,
    close_connectors,
    confirmed_subject,
    store_names,
)

log = logging.getLogger("dsr.service.casework")


def requester_descriptor(engine: sa.Engine, case: WorkCase) -> Descriptor | None:
    """The requester as the guardian check sees them: names, and the e-mail address only when it is proven.

    Proven: the requester entered the code sent to it. An address typed into a form, or the sender
    of an e-mail (trivially forged), proves nothing: staff verify such a parent by post or in person."""
    if case.requester is None:
        return None
    from dsr.casefile.schema import parties

    with engine.connect() as conn:
        verified = conn.execute(
            sa.select(parties.c.email_verified_at).where(parties.c.case_id == case.id, parties.c.role == "requester")
        ).scalar_one_or_none()
    proven = verified is not None
    d = case.requester.descriptor
    return Descriptor(
        first_name=d.first_name, last_name=d.last_name, email=(case.requester.email or d.email) if proven else None
    )


def guardian_check(
    engine: sa.Engine, case: WorkCase, subject: Subject, connectors: Sequence[Connector]
) -> GuardianCheck | None:
    """For a parent: the requester against the child's guardian rows (store errors propagate)."""
    if case.acting is not casefile.Acting.PARENT:
        return None
    asking = requester_descriptor(engine, case)
    if asking is None:
        return GuardianCheck(status=GuardianStatus.NOT_A_GUARDIAN, guardians_on_file=0)
    return verify_guardian(connectors, subject, asking)


def settle_routing(
    engine: sa.Engine,
    settings: Settings,
    case: WorkCase,
    subject: Subject,
    connectors: Sequence[Connector],
    *,
    actor: str = "system",
) -> RoutingRecord:
    """The case's routing for its confirmed subject, computed and recorded once (audited, codes only)."""
    assert case.subject_reference is not None
    with engine.connect() as conn:
        kept = routing_in(conn, case.id, case.subject_reference)
    if kept is not None:
        return _rechecked(engine, case, subject, connectors, kept, actor)
    received = case.received_at.astimezone(BERLIN).date()
    routing = route_request(settings.controller(case.controller), Capacity(case.acting.value), subject, received)
    check = (
        guardian_check(engine, case, subject, connectors)
        if Requirement.GUARDIAN_VERIFICATION in routing.needs
        else None
    )
    record = RoutingRecord(
        subject=case.subject_reference,
        capacity=routing.capacity.value,
        age=routing.age,
        age_of_consent=routing.age_of_consent,
        needs=tuple(n.value for n in routing.needs),
        to_guardians=routing.to_guardians,
        guardian=check.status.value if check else None,
        guardians_on_file=check.guardians_on_file if check else None,
    )
    record_routing(engine, case.reference, record, actor=actor)
    log.info("routing settled for %s: %s needs %s", case.reference, record.capacity, ",".join(record.needs) or "-")
    return record


def _rechecked(
    engine: sa.Engine,
    case: WorkCase,
    subject: Subject,
    connectors: Sequence[Connector],
    kept: RoutingRecord,
    actor: str,
) -> RoutingRecord:
    """A parent whose guardian check failed may have proven their e-mail address since (the
    automatic check compares a proven address only): check again, keep the new result."""
    if kept.guardian not in ("name_only", "not_a_guardian"):
        return kept
    asking = requester_descriptor(engine, case)
    if asking is None or asking.email is None:
        return kept
    check = verify_guardian(connectors, subject, asking)
    if check.status.value == kept.guardian:
        return kept
    record = msgspec.structs.replace(kept, guardian=check.status.value, guardians_on_file=check.guardians_on_file)
    record_routing(engine, case.reference, record, actor=actor)
    return record


def start_gathering(
    engine: sa.Engine, settings: Settings, user: casefile.User, reference: str, *, connectors_of: ConnectorsOf = connect
) -> int:
    """The officer starts gathering: routing first; a parent not verified as guardian is refused here."""
    casefile.get_case(engine, user, reference)  # membership first: no store is asked for someone else's case
    case = case_by_reference(engine, reference)
    if case.state is casefile.CaseState.IDENTITY_CONFIRMED and case.subject_reference is not None:
        connectors = connectors_of(settings, case.controller)
        try:
            settle_routing(
                engine, settings, case, confirmed_subject(settings, case, connectors), connectors, actor=user.actor
            )
        finally:
            close_connectors(connectors)
    return casefile.start_gathering(engine, user, reference, store_names(settings, case.controller))


def addressee(
    engine: sa.Engine, case: WorkCase, subject: Subject, routing: RoutingRecord | None, connectors: Sequence[Connector]
) -> compose.Recipient | None:
    """The letter's addressee when it is not the subject: the verified parent, or a young pupil's guardians.

    None: the letter goes to the subject (or, for a representative, :func:`facts_of` addresses the requester)."""
    if routing is None:
        return None
    if case.acting is casefile.Acting.PARENT and Requirement.GUARDIAN_VERIFICATION.value in routing.needs:
        check = guardian_check(engine, case, subject, connectors)
        if check is not None and check.verified:
            return recipient_for_child(check, subject)
        if check is not None and check.guardian is not None:
            # verified by staff; the post goes to the guardian row's address on file, not a typed one
            return guardian_recipient(check.guardian, subject)
        return None  # no guardian row names the requester: the address the requester gave
    if routing.to_guardians:
        guardians = sorted((g for c in connectors for g in c.guardians(subject)), key=lambda g: g.key)
        if not guardians:
            return None
        names = [g.full_name or " ".join(p for p in (g.first_name, g.last_name) if p) for g in guardians]
        first = next((g for g in guardians if g.street), guardians[0])
        return compose.Recipient(
            name=" / ".join(dict.fromkeys(n for n in names if n)) or "—",
            street=first.street,
            postal_code=first.postal_code,
            city=first.city,
            acting_for=subject.profile.name or None,
        )
    return None
