"""Durable background jobs (gathering, rendering) recorded in the portal's database.

A worker calls :func:`run_next` in a loop. Claiming is optimistic — ``UPDATE … WHERE id = ? AND
version = ?`` and a check of the row count — so it works the same on SQLite, PostgreSQL and
MariaDB without ``SKIP LOCKED``. A claim is a lease: a worker that crashes stops renewing it,
and once ``lease_until`` passes another worker takes the job over. Handlers record progress per
store; on resume they skip stores already done, and one failed store can be retried alone.
Failed attempts are retried with exponential backoff up to ``max_attempts``.
"""

from __future__ import annotations

import datetime as dt
import enum
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
import sqlalchemy as sa

from dsr.casefile import audit, clock
from dsr.casefile.errors import LeaseLost, NotFound, TransitionRefused
from dsr.casefile.schema import cases, jobs
from dsr.errors import DSRError


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"  #: ran to the end; some stores may still have failed (see ``failed_stores``)
    FAILED = "failed"  #: gave up after ``max_attempts``


class StoreProgress(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"  #: not asked: the job found nothing left to do (e.g. the officer searched already)


def _lease() -> dt.timedelta:
    # benchmarks/crash_safety.py shortens it to see a killed worker's job taken over in seconds
    return dt.timedelta(seconds=float(os.environ.get("DSR_JOB_LEASE_SECONDS") or 300))


@dataclass(frozen=True, slots=True)
class JobPolicy:
    lease: dt.timedelta = field(default_factory=_lease)
    backoff: dt.timedelta = dt.timedelta(seconds=30)  #: doubled after each failed attempt
    max_backoff: dt.timedelta = dt.timedelta(hours=1)

    def delay(self, attempts: int) -> dt.timedelta:
        return min(self.backoff * (2 ** max(0, attempts - 1)), self.max_backoff)


class Job(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: str
    case_id: int | None
    state: JobState
    attempts: int
    max_attempts: int
    params: dict[str, Any]
    #: {store: {"state": pending|running|ok|failed|skipped, "records": n, "error": "..."}}
    progress: dict[str, dict[str, Any]]
    error: str | None
    not_before: dt.datetime
    lease_until: dt.datetime | None
    finished_at: dt.datetime | None

    @property
    def failed_stores(self) -> tuple[str, ...]:
        return tuple(s for s, p in sorted(self.progress.items()) if p.get("state") == StoreProgress.FAILED)


def _job(row: sa.Row[Any]) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        case_id=row.case_id,
        state=JobState(row.state),
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        params=dict(row.params),
        progress={k: dict(v) for k, v in row.progress.items()},
        error=row.error,
        not_before=row.not_before,
        lease_until=row.lease_until,
        finished_at=row.finished_at,
    )


def enqueue_in(
    conn: sa.Connection,
    kind: str,
    *,
    case_id: int | None = None,
    stores: Sequence[str] = (),
    params: Mapping[str, Any] | None = None,
    max_attempts: int = 5,
    now: dt.datetime | None = None,
) -> int:
    """Queue a job inside the caller's transaction; returns its id."""
    now = clock.resolve(now)
    key = conn.execute(
        sa.insert(jobs).values(
            kind=kind,
            case_id=case_id,
            state=JobState.QUEUED.value,
            attempts=0,
            max_attempts=max_attempts,
            not_before=now,
            version=0,
            params=dict(params or {}),
            progress={s: {"state": StoreProgress.PENDING.value} for s in stores},
            created_at=now,
            updated_at=now,
        )
    ).inserted_primary_key
    assert key is not None
    job_id: int = key[0]
    note_queued(conn, job_id)
    return job_id


def enqueue_once_in(
    conn: sa.Connection,
    kind: str,
    *,
    case_id: int,
    stores: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> tuple[int, bool]:
    """Queue a job of ``kind`` for a case unless it has one already (in any state).

    Returns (job id, whether it is new). The case row is written first (a change of nothing):
    that takes its lock on PostgreSQL and MariaDB and the write lock on SQLite, so two callers
    at the same moment queue one job between them.
    """
    conn.execute(sa.update(cases).where(cases.c.id == case_id).values(updated_at=cases.c.updated_at))
    existing = conn.execute(
        sa.select(jobs.c.id).where(jobs.c.case_id == case_id, jobs.c.kind == kind).order_by(jobs.c.id).limit(1)
    ).scalar_one_or_none()
    if existing is not None:
        return existing, False
    return enqueue_in(conn, kind, case_id=case_id, stores=stores, now=now), True


def enqueue(engine: sa.Engine, kind: str, **kwargs: Any) -> int:
    with engine.begin() as conn:
        return enqueue_in(conn, kind, **kwargs)


def cancel_queued(engine: sa.Engine, kind: str, case_id: int, *, now: dt.datetime | None = None) -> int:
    """End the case's queued jobs of ``kind`` unrun (done, error "superseded"): what they were to
    do happened another way. A job already running goes on. Returns how many were ended."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        return conn.execute(
            sa.update(jobs)
            .where(jobs.c.kind == kind, jobs.c.case_id == case_id, jobs.c.state == JobState.QUEUED.value)
            .values(state=JobState.DONE.value, error="superseded", finished_at=now, updated_at=now)
        ).rowcount


def get_job(engine: sa.Engine, job_id: int) -> Job:
    with engine.connect() as conn:
        row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).first()
    if row is None:
        raise NotFound(f"no job {job_id}")
    return _job(row)


def jobs_of_case(engine: sa.Engine, case_id: int) -> list[Job]:
    """For the live case page: every job of a case, newest first."""
    with engine.connect() as conn:
        return [
            _job(r) for r in conn.execute(sa.select(jobs).where(jobs.c.case_id == case_id).order_by(jobs.c.id.desc()))
        ]


@dataclass
class JobContext:
    """What a handler gets: the job, and ways to report progress that fail once the lease is lost."""

    engine: sa.Engine
    job: Job
    claim: str
    policy: JobPolicy
    now: Callable[[], dt.datetime] = clock.utcnow
    progress: dict[str, dict[str, Any]] = field(default_factory=dict)

    def pending_stores(self) -> list[str]:
        """Stores still to do: on a resumed job, those finished before the crash are skipped."""
        return [s for s, p in sorted(self.progress.items()) if p.get("state") != StoreProgress.OK]

    def _write(self, **values: Any) -> None:
        with self.engine.begin() as conn:
            self._write_in(conn, **values)

    def _write_in(self, conn: sa.Connection, **values: Any) -> None:
        now = self.now()
        done = conn.execute(
            sa.update(jobs)
            .where(jobs.c.id == self.job.id, jobs.c.claim == self.claim)
            .values(updated_at=now, heartbeat_at=now, lease_until=now + self.policy.lease, **values)
        )
        if done.rowcount != 1:
            raise LeaseLost(f"job {self.job.id} was taken over by another worker")

    def step_in(self, conn: sa.Connection, step: str, entry: Mapping[str, Any]) -> None:
        """Record a step of a job that is not a store (a notice kept, then sent) in the caller's
        transaction: it commits together with what the step did, so a re-run knows where to go on."""
        self.progress[step] = dict(entry)
        self._write_in(conn, progress=dict(self.progress))

    def heartbeat(self) -> None:
        self._write()

    def store(self, store: str, state: StoreProgress, *, records: int | None = None, error: str | None = None) -> None:
        """Record one store's progress (visible at once: it commits). ``error`` must hold no personal data."""
        entry: dict[str, Any] = {"state": state.value}
        if records is not None:
            entry["records"] = records
        if error is not None:
            entry["error"] = error
        self.progress[store] = entry
        self._write(progress=dict(self.progress))


Handler = Callable[[JobContext], None]


def _candidates(conn: sa.Connection, now: dt.datetime) -> list[sa.Row[Any]]:
    due = sa.or_(
        sa.and_(jobs.c.state == JobState.QUEUED.value, jobs.c.not_before <= now),
        # a running job whose lease ran out: its worker died
        sa.and_(jobs.c.state == JobState.RUNNING.value, jobs.c.lease_until < now),
    )
    query = sa.select(jobs.c.id, jobs.c.version).where(due).order_by(jobs.c.not_before, jobs.c.id).limit(10)
    return list(conn.execute(query))


def _claim(engine: sa.Engine, worker_claim: str, policy: JobPolicy, now: dt.datetime) -> Job | None:
    with engine.begin() as conn:
        for row in _candidates(conn, now):
            done = conn.execute(
                sa.update(jobs)
                .where(jobs.c.id == row.id, jobs.c.version == row.version)
                .values(
                    state=JobState.RUNNING.value,
                    claim=worker_claim,
                    version=row.version + 1,
                    attempts=jobs.c.attempts + 1,
                    lease_until=now + policy.lease,
                    heartbeat_at=now,
                    updated_at=now,
                )
            )
            if done.rowcount == 1:
                return _job(conn.execute(sa.select(jobs).where(jobs.c.id == row.id)).one())
    return None


def _claim_id(engine: sa.Engine, job_id: int, worker_claim: str, policy: JobPolicy, now: dt.datetime) -> Job | None:
    """Claim one job by id if it is due (the same optimistic claim as :func:`_claim`)."""
    due = sa.or_(
        sa.and_(jobs.c.state == JobState.QUEUED.value, jobs.c.not_before <= now),
        sa.and_(jobs.c.state == JobState.RUNNING.value, jobs.c.lease_until < now),
    )
    with engine.begin() as conn:
        row = conn.execute(sa.select(jobs.c.id, jobs.c.version).where(jobs.c.id == job_id, due)).first()
        if row is None:
            return None
        done = conn.execute(
            sa.update(jobs)
            .where(jobs.c.id == row.id, jobs.c.version == row.version)
            .values(
                state=JobState.RUNNING.value,
                claim=worker_claim,
                version=row.version + 1,
                attempts=jobs.c.attempts + 1,
                lease_until=now + policy.lease,
                heartbeat_at=now,
                updated_at=now,
            )
        )
        if done.rowcount != 1:
            return None  # another worker claimed it between the two statements
        return _job(conn.execute(sa.select(jobs).where(jobs.c.id == row.id)).one())


def _safe_error(exc: BaseException) -> str:
    # our own errors promise messages without personal data; others (driver errors quoting
    # values, say) are reduced to their type
    return f"{type(exc).__name__}: {exc}" if isinstance(exc, DSRError) else type(exc).__name__


def _case_ref(conn: sa.Connection, case_id: int | None) -> str | None:
    if case_id is None:
        return None
    return conn.execute(sa.select(cases.c.reference).where(cases.c.id == case_id)).scalar_one_or_none()


def run_next(
    engine: sa.Engine,
    handlers: Mapping[str, Handler],
    *,
    policy: JobPolicy = JobPolicy(),
    now: Callable[[], dt.datetime] = clock.utcnow,
) -> Job | None:
    """Claim one due job, run its handler, record the outcome. None when nothing is due."""
    claim_token = secrets.token_hex(16)
    job = _claim(engine, claim_token, policy, now())
    if job is None:
        return None
    return _execute(engine, job, claim_token, handlers, policy, now)


def _execute(
    engine: sa.Engine,
    job: Job,
    claim_token: str,
    handlers: Mapping[str, Handler],
    policy: JobPolicy,
    now: Callable[[], dt.datetime],
) -> Job:
    """Run a claimed job's handler and record the outcome."""
    ctx = JobContext(engine, job, claim_token, policy, now, {k: dict(v) for k, v in job.progress.items()})
    handler = handlers.get(job.kind)
    try:
        if handler is None:
            raise TransitionRefused(f"no handler for jobs of kind {job.kind!r}", code="job_kind_unknown")
        handler(ctx)
    except LeaseLost:
        return get_job(engine, job.id)  # the new owner carries on
    except Exception as exc:  # noqa: BLE001 — any handler failure is recorded and retried
        _finish_failed(engine, job, claim_token, policy, now(), _safe_error(exc))
    else:
        finished = now()
        _finish(
            engine, job, claim_token, finished, {"state": JobState.DONE.value, "error": None, "finished_at": finished}
        )
    return get_job(engine, job.id)


def _finish(engine: sa.Engine, job: Job, claim_token: str, now: dt.datetime, values: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.update(jobs)
            .where(jobs.c.id == job.id, jobs.c.claim == claim_token)
            .values(claim=None, lease_until=None, updated_at=now, **values)
        )


def _finish_failed(
    engine: sa.Engine, job: Job, claim_token: str, policy: JobPolicy, now: dt.datetime, error: str
) -> None:
    if job.attempts >= job.max_attempts:
        _finish(engine, job, claim_token, now, {"state": JobState.FAILED.value, "error": error, "finished_at": now})
        with engine.begin() as conn:
            audit.append(
                conn,
                "job failed",
                actor="worker",
                case_ref=_case_ref(conn, job.case_id),
                now=now,
                detail={"job": job.id, "kind": job.kind, "attempts": job.attempts},
            )
        return
    _finish(
        engine,
        job,
        claim_token,
        now,
        {"state": JobState.QUEUED.value, "error": error, "not_before": now + policy.delay(job.attempts)},
    )


def retry_store(engine: sa.Engine, job_id: int, store: str, *, actor: str, now: dt.datetime | None = None) -> None:
    """Run one failed store again (the others keep their results)."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id).with_for_update()).first()
        if row is None:
            raise NotFound(f"no job {job_id}")
        if row.state in (JobState.QUEUED.value, JobState.RUNNING.value):
            raise TransitionRefused("the job is still queued or running", code="job_busy")
        if store not in row.progress:
            raise NotFound(f"job {job_id} has no store {store!r}")
        progress = {k: dict(v) for k, v in row.progress.items()}
        progress[store] = {"state": StoreProgress.PENDING.value}
        conn.execute(
            sa.update(jobs)
            .where(jobs.c.id == job_id)
            .values(
                progress=progress,
                state=JobState.QUEUED.value,
                attempts=0,
                not_before=now,
                error=None,
                finished_at=None,
                version=row.version + 1,
                updated_at=now,
            )
        )
        note_queued(conn, job_id)
        audit.append(
            conn,
            "store retried",
            actor=actor,
            case_ref=_case_ref(conn, row.case_id),
            now=now,
            detail={"job": job_id, "store": store},
        )


# --------------------------------------------------------------------------- a queue in front of the table
# With a job queue (dsr.service.queue: procrastinate on PostgreSQL) this table stays the durable
# record, written in the caller's transaction; the queue only carries "job N is due" messages.


#: key in ``Connection.info`` of the ids of jobs queued in the open transaction; present only on
#: connections a queue watches (dsr.service.queue.outbox), which hands them on after the commit
QUEUED_IN_TRANSACTION = "dsr.jobs.queued"


def note_queued(conn: sa.Connection, job_id: int) -> None:
    """Remember a job queued (or queued again) in ``conn``'s transaction, for a watching queue."""
    queued = conn.info.get(QUEUED_IN_TRANSACTION)
    if queued is not None:
        queued.append(job_id)


def run_job(
    engine: sa.Engine,
    job_id: int,
    handlers: Mapping[str, Handler],
    *,
    policy: JobPolicy = JobPolicy(),
    now: Callable[[], dt.datetime] = clock.utcnow,
) -> Job | None:
    """Claim job ``job_id`` if it is due, run it, record the outcome (as :func:`run_next` does).

    None when it is not due: done, failed, running under a live lease, waiting for its backoff, or
    unknown. A message delivered twice therefore runs the job once per attempt.
    """
    claim_token = secrets.token_hex(16)
    job = _claim_id(engine, job_id, claim_token, policy, now())
    if job is None:
        return None
    return _execute(engine, job, claim_token, handlers, policy, now)


def due_job_ids(engine: sa.Engine, *, now: dt.datetime | None = None, limit: int = 1000) -> list[int]:
    """Ids of jobs due at ``now``: queued and past their ``not_before``, or running with a lease
    that ran out (their worker died). Oldest first."""
    now = clock.resolve(now)
    due = sa.or_(
        sa.and_(jobs.c.state == JobState.QUEUED.value, jobs.c.not_before <= now),
        sa.and_(jobs.c.state == JobState.RUNNING.value, jobs.c.lease_until < now),
    )
    with engine.connect() as conn:
        return list(
            conn.execute(sa.select(jobs.c.id).where(due).order_by(jobs.c.not_before, jobs.c.id).limit(limit)).scalars()
        )
