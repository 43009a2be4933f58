"""Who may receive the subject's data: :mod:`dsr.pipeline.representation` applied to a case.

:func:`start_gathering` is the officer's "gather" click: it settles the routing (capacity, the
subject's age on the day of receipt, the controller's age of consent) and, for a parent, checks
the requester against the child's guardian rows before the case may move on. The ``gather`` job
calls :func:`settle_routing` again before it reads any store, so no path gathers without it.
:func:`addressee` gives the letter's addressee: the verified parent (or, for a young pupil who
asked alone, the guardians on file, else the guardian an officer checked and recorded with their
address: :func:`guardian_addressee`) "for" the child; for that pupil the routing records whether the
school's records hold a guardian the answer can be posted to (:func:`guardians_for_post`).
:func:`letter_addressee` applies the same rule to every other letter of the case (the erasure,
restriction, rectification, objection and portability confirmations, the lift notice), and
:func:`ensure_guardian_addressed` refuses any of them, the answer included, that has no guardian to go to.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

import msgspec
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.documents import WorkCase
from dsr.casefile.permission import load_case
from dsr.casefile.requirements import (
    NOT_ON_FILE,
    ON_FILE,
    RoutingRecord,
    ensure_may_gather,
    record_routing,
    record_routing_in,
    routing_in,
)
from dsr.config import Settings, connect
from dsr.connector import Connector
from dsr.errors import DSRError
from dsr.model import Descriptor, Subject
from dsr.pipeline import compose
from dsr.pipeline.deadlines import receipt_day
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
    CaseworkError,
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
    record = new_routing(engine, settings, case, subject, connectors)
    record_routing(engine, case.reference, record, actor=actor)
    log.info("routing settled for %s: %s needs %s", case.reference, record.capacity, ",".join(record.needs) or "-")
    return record


def new_routing(
    engine: sa.Engine, settings: Settings, case: WorkCase, subject: Subject, connectors: Sequence[Connector]
) -> RoutingRecord:
    """The routing for ``case.subject_reference``, computed from the stores (not recorded)."""
    assert case.subject_reference is not None
    received = receipt_day(case.received_at, settings.zone)
    routing = route_request(settings.controller(case.controller), Capacity(case.acting.value), subject, received)
    check = (
        guardian_check(engine, case, subject, connectors)
        if Requirement.GUARDIAN_VERIFICATION in routing.needs
        else None
    )
    guardian, on_file = (check.status.value, check.guardians_on_file) if check else (None, None)
    if routing.to_guardians:
        guardian, on_file = guardians_for_post(connectors, subject)
    record = RoutingRecord(
        subject=case.subject_reference,
        capacity=routing.capacity.value,
        age=routing.age,
        age_of_consent=routing.age_of_consent,
        needs=tuple(n.value for n in routing.needs),
        to_guardians=routing.to_guardians,
        guardian=guardian,
        guardians_on_file=on_file,
    )
    return record


class PostalAddress(Protocol):
    @property
    def street(self) -> str | None: ...
    @property
    def postal_code(self) -> str | None: ...
    @property
    def city(self) -> str | None: ...


def postable(address: PostalAddress) -> bool:
    """A guardian row, or a letter's addressee, the answer can be posted to: street, postal code and city."""
    return bool(address.street and address.postal_code and address.city)


def guardians_for_post(connectors: Sequence[Connector], subject: Subject) -> tuple[str, int]:
    """For a pupil below the age of consent who asked alone: ``on_file`` and how many guardian rows
    have a full postal address, or ``not_on_file`` and how many rows there are at all.

    ``on_file`` meets the guardianship (``guardians_on_file``, recorded with the routing): the letter
    is addressed from these rows (:func:`addressee`) and goes only by post (the delivery plan), so
    nobody who asks, nor anything typed into the request, can send it elsewhere. Without such a row
    an officer checks the guardianship in person or by letter. Store errors propagate."""
    rows = [g for c in connectors for g in c.guardians(subject)]
    reachable = [g for g in rows if postable(g)]
    return (ON_FILE, len(reachable)) if reachable else (NOT_ON_FILE, len(rows))


def _rechecked(
    engine: sa.Engine,
    case: WorkCase,
    subject: Subject,
    connectors: Sequence[Connector],
    kept: RoutingRecord,
    actor: str,
) -> RoutingRecord:
    """A parent whose guardian check failed may have proven their e-mail address since (the
    automatic check compares a proven address only), or the school has since entered a young
    pupil's guardian with an address: check again, keep the new result."""
    if kept.to_guardians and kept.guardian == NOT_ON_FILE:
        guardian, on_file = guardians_for_post(connectors, subject)
        if guardian == kept.guardian:
            return kept
        record = msgspec.structs.replace(kept, guardian=guardian, guardians_on_file=on_file)
        record_routing(engine, case.reference, record, actor=actor)
        return record
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


def confirm_and_gather(
    engine: sa.Engine,
    settings: Settings,
    user: casefile.User,
    reference: str,
    candidate: str,
    *,
    connectors_of: ConnectorsOf = connect,
) -> int | None:
    """The officer confirms ``candidate`` and, where the case allows it, gathering starts: one
    transaction (a crash cannot leave a confirmed case whose gathering the click asked for was
    never queued). Returns the gather job's id; None when only the confirmation was made.

    The routing needs the stores, so it is worked out for the candidate *before* the transaction
    and recorded in it. Where the stores cannot tell it (one is down, the person is gone), or the
    case may not be gathered yet (a guardian check is missing), the confirmation stands alone and
    the case page says what blocks gathering, as after a confirmation without gathering."""
    casefile.get_case(engine, user, reference)  # membership first: no store is asked for someone else's case
    case = case_by_reference(engine, reference)
    routing: RoutingRecord | None = None
    with engine.connect() as conn:
        kept = routing_in(conn, case.id, candidate)
    if case.descriptor is not None and case.state in (
        casefile.CaseState.RECEIVED,
        casefile.CaseState.IDENTITY_PENDING,
    ):
        as_confirmed = msgspec.structs.replace(case, subject_reference=candidate)
        try:
            connectors = connectors_of(settings, case.controller)
            try:
                subject = confirmed_subject(settings, as_confirmed, connectors)
                routing = (
                    _rechecked(engine, as_confirmed, subject, connectors, kept, user.actor)
                    if kept is not None
                    else new_routing(engine, settings, as_confirmed, subject, connectors)
                )
            finally:
                close_connectors(connectors)
        except DSRError:
            log.info("confirm and gather %s: the routing could not be worked out; confirmation alone", reference)
            routing = None
    stores = store_names(settings, case.controller)
    queued: list[int] = []

    def gather_too(conn: sa.Connection, ref: str) -> None:
        if routing is None:
            return
        if kept is None:
            record_routing_in(conn, ref, routing, actor=user.actor)
        try:
            ensure_may_gather(conn, load_case(conn, user, ref))
        except casefile.TransitionRefused:
            return  # the confirmation stands; the next-step panel names what is missing
        queued.append(casefile.start_gathering_in(conn, user, ref, stores))

    casefile.confirm_identity(engine, user, reference, candidate, zone=settings.zone, then=gather_too)
    return queued[0] if queued else None


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
        return guardian_addressee(engine, case, subject, connectors)
    return None


def guardian_addressee(
    engine: sa.Engine, case: WorkCase, subject: Subject | None, connectors: Sequence[Connector]
) -> compose.Recipient:
    """A young pupil who asked alone: the answer goes by post to a guardian, "for" her, and says she asked.

    The school's records first: the guardian rows with a full postal address (those at the first
    one's address are named together). Where they hold none, the guardian an officer checked and
    recorded with name and address (:mod:`dsr.casefile.guardians`). Where neither is known, a letter
    with no addressee (a draft: preparing it is refused, ``to_guardians``) — never the child's own
    address, nor one typed into the request. ``subject`` None: the stores no longer hold her (an
    erasure overwrote her account; her guardian rows cannot be reached through her): the guardian
    kept with the case addresses it — the rows' one dsr kept before the erasure
    (:func:`keep_guardian_addressee`), or an officer's record made since."""
    named = subject.profile.name if subject is not None else None
    asked = case.descriptor
    child = named or (" ".join(p for p in (asked.first_name, asked.last_name) if p) if asked else None) or None
    from_rows = school_guardian(subject, connectors) if subject is not None else None
    checked = from_rows or casefile.kept_guardian_of(engine, case.reference)
    if checked is not None:
        return compose.Recipient(
            name=checked.name,
            street=checked.street,
            postal_code=checked.postal_code,
            city=checked.city,
            acting_for=child,
            subject_asked=True,
        )
    return compose.Recipient(name="", acting_for=child, subject_asked=True)


def school_guardian(subject: Subject, connectors: Sequence[Connector]) -> casefile.GuardianAddress | None:
    """The guardian the school's records address a young pupil's letters to: the rows with a full
    postal address, those at the first one's address named together (None: no such row). Store
    errors propagate."""
    rows = sorted((g for c in connectors for g in c.guardians(subject) if postable(g)), key=lambda g: g.key)
    if not rows:
        return None
    first = rows[0]
    same = [g for g in rows if (g.street, g.postal_code, g.city) == (first.street, first.postal_code, first.city)]
    names = [g.name for g in same]
    return casefile.GuardianAddress(
        name=" / ".join(dict.fromkeys(n for n in names if n)) or "—",
        street=first.street or "",
        postal_code=first.postal_code or "",
        city=first.city or "",
    )


def keep_guardian_addressee(
    engine: sa.Engine, settings: Settings, reference: str, connectors: Sequence[Connector]
) -> bool:
    """Before an erasure of a young pupil who asked alone is executed: keep with the case the guardian
    her letters go to from the school's records (:func:`school_guardian`), since the erasure
    overwrites her account and the stores then no longer lead to her guardian rows. Later letters of
    the case fall back to it (:func:`guardian_addressee`); it proves no guardianship (an officer's
    check still needs their own record). Nothing is kept for any other case, nor where the records
    hold no such guardian (an officer's record addresses those), nor once the stores no longer find
    her (an erasure run again: kept by the first run). True: kept now. Store errors propagate, before
    any store is written."""
    case = case_by_reference(engine, reference)
    if case.subject_reference is None:
        return False
    with engine.connect() as conn:
        routing = routing_in(conn, case.id, case.subject_reference)
    if routing is None or not routing.to_guardians:
        return False
    try:
        subject = confirmed_subject(settings, case, connectors)
    except CaseworkError as exc:
        if exc.code != "subject_gone":
            raise
        return False
    address = school_guardian(subject, connectors)
    if address is None:
        return False
    with engine.begin() as conn:
        kept = casefile.keep_addressee_from_records(conn, case.id, case.subject_reference, address)
    if kept is not None:
        log.info("case %s: the guardian addressee was kept before the erasure", reference)
    return kept is not None


def ensure_guardian_addressed(routing: RoutingRecord | None, to: compose.Recipient | None) -> None:
    """A young pupil's letter — the answer or any other of her case — is rendered only with a
    guardian's full postal address to go to: the guardianship can be met while the records changed
    since (a row's address removed, an erasure), and the letter must then not be made at all
    (``casefile.prepare`` refuses the same when nobody is known)."""
    if routing is not None and routing.to_guardians and not (to is not None and postable(to)):
        raise casefile.TransitionRefused(
            "a pupil below the age of consent asked: no guardian's postal address is known to send the answer to",
            code="to_guardians",
            age_of_consent=routing.age_of_consent,
        )


def letter_addressee(
    engine: sa.Engine, settings: Settings, case: WorkCase, *, connectors_of: ConnectorsOf = connect
) -> compose.Recipient | None:
    """The addressee of a letter of the case other than the access answer, by the answer's own rule
    (:func:`addressee`): a young pupil who asked alone is written to through her guardians (refused,
    ``to_guardians``, while none is known), a parent is the verified parent "for" the child. None:
    the letter goes to whoever asked, as the request gives them (an adult, a pupil at or above the
    age of consent, a representative), or the case has no routing yet (no subject confirmed).

    The stores are asked only where the routing needs them. Once the subject is gone from them (an
    executed erasure), a young pupil's letter goes to the guardian kept with the case (the one her
    letters went to, kept before the erasure, or one an officer recorded), and a parent's to the
    address they gave. Store errors propagate (the letter is not made)."""
    if case.subject_reference is None:
        return None
    with engine.connect() as conn:
        routing = routing_in(conn, case.id, case.subject_reference)
    parent = (
        routing is not None
        and case.acting is casefile.Acting.PARENT
        and Requirement.GUARDIAN_VERIFICATION.value in routing.needs
    )
    if routing is None or not (routing.to_guardians or parent):
        return None
    connectors = connectors_of(settings, case.controller)
    try:
        try:
            subject = confirmed_subject(settings, case, connectors)
        except CaseworkError as exc:
            if exc.code != "subject_gone":
                raise
            to = guardian_addressee(engine, case, None, ()) if routing.to_guardians else None
        else:
            to = addressee(engine, case, subject, routing, connectors)
    finally:
        close_connectors(connectors)
    ensure_guardian_addressed(routing, to)
    return to
