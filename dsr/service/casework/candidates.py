"""Finding the person in the stores: on the officer's click, and as the ``find_candidates`` job.

:func:`queue_candidate_search` queues the job once a requester confirmed their address;
:func:`candidates_job` is its handler, so the officer finds the candidates ready;
:func:`find_candidates` is the same search on the officer's click.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.documents import work_case
from dsr.config import Settings, connect
from dsr.connector import Connector
from dsr.errors import DSRError
from dsr.model import Candidate, Descriptor, Record, ResolutionStatus, Subject
from dsr.pipeline.identify import resolve
from dsr.service.casework.common import CaseworkError, ConnectorsOf, case_by_reference, close_connectors, store_names

log = logging.getLogger("dsr.service.casework")
#: the states in which the officer may search for the person (again)
SEARCHABLE = frozenset({casefile.CaseState.RECEIVED, casefile.CaseState.IDENTITY_PENDING})


def find_candidates(
    engine: sa.Engine,
    settings: Settings,
    reference: str,
    *,
    user: casefile.User | None = None,
    connectors_of: ConnectorsOf = connect,
) -> ResolutionStatus:
    """Run the identify stage for a case and record its candidates (the officer confirms one).

    Only while the identity is open (received, or an identity query outstanding): once a candidate
    is confirmed, or the case ended, a new search would change what the confirmation rests on."""
    case = case_by_reference(engine, reference)
    if case.state not in SEARCHABLE:
        raise casefile.TransitionRefused(
            f"candidates are searched while the identity is open; this case is {case.state.value}",
            code="not_now",
            current=case.state.value,
        )
    if case.descriptor is None:
        raise CaseworkError(f"case {reference} has no description of the person", code="no_description")
    connectors = connectors_of(settings, case.controller)
    try:
        resolution = resolve(case.controller, connectors, case.descriptor, secret=settings.dsr.secret_key.encode())
    finally:
        close_connectors(connectors)
    casefile.record_candidates(engine, user, reference, resolution.candidates)
    return resolution.status


def queue_candidate_search(
    engine: sa.Engine, settings: Settings, reference: str, *, actor: str = "requester"
) -> int | None:
    """Queue the ``find_candidates`` job once the requester confirmed their address.

    Idempotent: a case gets at most one such job (a second verification finds it), and none
    once the case left ``received``. Returns the job id, None when nothing was queued.
    """
    with engine.begin() as conn:
        return queue_candidate_search_in(conn, settings, reference, actor=actor)


def queue_candidate_search_in(
    conn: sa.Connection, settings: Settings, reference: str, *, actor: str = "requester"
) -> int | None:
    """:func:`queue_candidate_search` inside the caller's transaction (the address's confirmation)."""
    from dsr.casefile import audit
    from dsr.casefile.permission import load_case

    case = load_case(conn, None, reference)
    if case.state != casefile.CaseState.RECEIVED.value:
        return None
    job_id, new = casefile.jobs.enqueue_once_in(
        conn, "find_candidates", case_id=case.id, stores=store_names(settings, case.controller)
    )
    if new:
        audit.append(conn, "candidate search queued", actor=actor, case_ref=reference, detail={"job": job_id})
    return job_id if new else None


class _Answered(Connector):
    """One store's answer, replayed: :func:`dsr.pipeline.identify.resolve` groups every store's candidates at once."""

    def __init__(self, name: str, found: list[Candidate]) -> None:
        super().__init__(name)
        self.found = found

    def records(self, subject: Subject) -> Iterator[Record]:
        return iter(())

    def candidates(self, descriptor: Descriptor) -> list[Candidate]:
        return self.found


def _has_candidates(engine: sa.Engine, case_id: int) -> bool:
    from dsr.casefile.schema import candidates

    with engine.connect() as conn:
        return (
            conn.execute(sa.select(candidates.c.id).where(candidates.c.case_id == case_id).limit(1)).first() is not None
        )


def _not_needed(ctx: casefile.JobContext) -> None:
    """Mark the stores the job will not ask, so the case page does not show them waiting forever."""
    for store, progress in sorted(ctx.progress.items()):
        if progress.get("state") != casefile.StoreProgress.OK:
            ctx.store(store, casefile.StoreProgress.SKIPPED)


def candidates_job(settings: Settings, *, connectors_of: ConnectorsOf = connect) -> casefile.jobs.Handler:
    """The handler of ``find_candidates`` jobs: the identify stage, per store, in the background.

    Each store's answer is recorded in the job (visible on the case page). If a store fails, no
    candidates are recorded — a store that cannot be asked must not turn an ambiguous case into a
    match — and the job fails its attempt, so the worker tries again with backoff; the officer can
    also retry the store or search by hand. Nothing happens when the officer was quicker (the case
    has candidates or moved on).
    """

    def run(ctx: casefile.JobContext) -> None:
        engine = ctx.engine
        assert ctx.job.case_id is not None
        case = work_case(engine, ctx.job.case_id)
        if (
            case.state is not casefile.CaseState.RECEIVED
            or case.descriptor is None
            or _has_candidates(engine, ctx.job.case_id)
        ):
            _not_needed(ctx)  # the officer searched already or the case moved on
            return
        answered: list[Connector] = []
        connectors = connectors_of(settings, case.controller)
        try:
            for connector in sorted(connectors, key=lambda c: c.name):
                ctx.store(connector.name, casefile.StoreProgress.RUNNING)
                try:
                    found = connector.candidates(case.descriptor)
                except Exception as exc:  # noqa: BLE001 - one store's outage is that store's failure
                    # dsr's own errors promise messages without personal data; others only by type
                    error = f"{type(exc).__name__}: {exc}" if isinstance(exc, DSRError) else type(exc).__name__
                    ctx.store(connector.name, casefile.StoreProgress.FAILED, error=error)
                    continue
                ctx.store(connector.name, casefile.StoreProgress.OK, records=len(found))
                answered.append(_Answered(connector.name, found))
        finally:
            close_connectors(connectors)
        failed = [s for s, p in sorted(ctx.progress.items()) if p.get("state") != casefile.StoreProgress.OK]
        if failed:
            raise CaseworkError(
                f"case {case.reference}: store(s) not searched ({', '.join(failed)})",
                code="stores_failed",
                stores=", ".join(failed),
            )
        resolution = resolve(case.controller, answered, case.descriptor, secret=settings.dsr.secret_key.encode())
        if _has_candidates(engine, ctx.job.case_id):
            return  # the officer searched while the stores were asked
        try:
            casefile.record_candidates(engine, None, case.reference, resolution.candidates)
        except sa.exc.IntegrityError:
            log.info("candidate search for %s: the officer's search recorded them first", case.reference)

    return run
