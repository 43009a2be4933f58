"""Durable jobs: atomic claims, progress per store, retry with backoff, crash resume, store retry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from dsr.casefile import JobContext, JobPolicy, JobState, StoreProgress, enqueue, get_job, retry_store, run_next, verify
from dsr.casefile.jobs import _claim
from dsr.errors import ConnectorError

T = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)
POLICY = JobPolicy(lease=dt.timedelta(minutes=5), backoff=dt.timedelta(seconds=30))


class Clock:
    def __init__(self) -> None:
        self.now = T

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += dt.timedelta(**kw)


def gatherer(failing: set[str], seen: list[str]) -> Callable[[JobContext], None]:
    """A handler that gathers store by store, like the real one; stores in ``failing`` fail."""

    def handle(ctx: JobContext) -> None:
        for store in ctx.pending_stores():
            seen.append(store)
            ctx.store(store, StoreProgress.RUNNING)
            if store in failing:
                ctx.store(store, StoreProgress.FAILED, error=str(ConnectorError(store, "connection refused")))
            else:
                ctx.store(store, StoreProgress.OK, records=3)

    return handle


def test_a_job_runs_once_and_records_progress_per_store(engine: sa.Engine) -> None:
    clock, seen = Clock(), []
    job_id = enqueue(engine, "gather", stores=["school", "vendor"], now=T)
    job = run_next(engine, {"gather": gatherer(set(), seen)}, policy=POLICY, now=clock)
    assert job is not None and job.id == job_id and job.state is JobState.DONE
    assert job.progress == {"school": {"state": "ok", "records": 3}, "vendor": {"state": "ok", "records": 3}}
    assert run_next(engine, {"gather": gatherer(set(), seen)}, policy=POLICY, now=clock) is None
    assert seen == ["school", "vendor"]


def test_only_one_worker_can_claim_a_job(engine: sa.Engine) -> None:
    enqueue(engine, "gather", stores=["school"], now=T)
    first = _claim(engine, "worker-a", POLICY, T)
    second = _claim(engine, "worker-b", POLICY, T)
    assert first is not None and second is None


def test_a_failing_job_is_retried_with_backoff_then_given_up(engine: sa.Engine) -> None:
    clock = Clock()
    job_id = enqueue(engine, "render", max_attempts=3, now=T)

    def explode(ctx: JobContext) -> None:
        raise RuntimeError("Anna Beispiel's row was odd")  # a message with personal data

    job = run_next(engine, {"render": explode}, policy=POLICY, now=clock)
    assert job is not None and job.state is JobState.QUEUED and job.attempts == 1
    assert job.error == "RuntimeError"  # foreign exception messages are not stored
    assert job.not_before == T + dt.timedelta(seconds=30)
    assert run_next(engine, {"render": explode}, policy=POLICY, now=clock) is None  # backing off
    clock.advance(seconds=31)
    assert run_next(engine, {"render": explode}, policy=POLICY, now=clock).not_before == clock.now + dt.timedelta(
        seconds=60
    )
    clock.advance(seconds=61)
    job = run_next(engine, {"render": explode}, policy=POLICY, now=clock)
    assert job.state is JobState.FAILED and job.attempts == 3
    assert get_job(engine, job_id).finished_at == clock.now
    assert verify(engine).ok


def test_a_crashed_worker_s_job_resumes_after_the_lease_skipping_finished_stores(engine: sa.Engine) -> None:
    clock, seen = Clock(), []
    job_id = enqueue(engine, "gather", stores=["a", "b", "c"], now=T)

    def crash_after_first(ctx: JobContext) -> None:
        ctx.store("a", StoreProgress.OK, records=1)
        raise SystemExit  # the process dies: nothing is recorded as failed

    with pytest.raises(SystemExit):
        run_next(engine, {"gather": crash_after_first}, policy=POLICY, now=clock)
    assert get_job(engine, job_id).state is JobState.RUNNING
    assert run_next(engine, {"gather": gatherer(set(), seen)}, policy=POLICY, now=clock) is None  # lease still held
    clock.advance(minutes=6)
    job = run_next(engine, {"gather": gatherer(set(), seen)}, policy=POLICY, now=clock)
    assert job is not None and job.state is JobState.DONE and job.attempts == 2
    assert seen == ["b", "c"]


def test_a_worker_that_lost_its_lease_cannot_write(engine: sa.Engine) -> None:
    clock = Clock()
    enqueue(engine, "gather", stores=["a"], now=T)
    slow = _claim(engine, "slow", POLICY, T)
    assert slow is not None
    clock.advance(minutes=6)
    seen: list[str] = []
    assert run_next(engine, {"gather": gatherer(set(), seen)}, policy=POLICY, now=clock).state is JobState.DONE
    ctx = JobContext(engine, slow, "slow", POLICY, clock)
    with pytest.raises(Exception, match="taken over"):
        ctx.store("a", StoreProgress.FAILED, error="late")


def test_one_failed_store_is_retried_alone(engine: sa.Engine) -> None:
    clock, seen = Clock(), []
    job_id = enqueue(engine, "gather", stores=["school", "vendor", "weblog"], now=T)
    job = run_next(engine, {"gather": gatherer({"vendor"}, seen)}, policy=POLICY, now=clock)
    assert job.state is JobState.DONE and job.failed_stores == ("vendor",)
    assert job.progress["vendor"]["error"] == "store 'vendor': connection refused"
    retry_store(engine, job_id, "vendor", actor="user:1", now=clock.now)
    seen.clear()
    job = run_next(engine, {"gather": gatherer(set(), seen)}, policy=POLICY, now=clock)
    assert seen == ["vendor"] and job.failed_stores == () and job.state is JobState.DONE
