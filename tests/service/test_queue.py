"""The job queue's two backends (dsr.service.queue): procrastinate on PostgreSQL, the job table elsewhere.

The oracles are the job table's rows (state, attempts), what the handlers saw, and procrastinate's
own table ``procrastinate_jobs`` — never the queue's code.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import JobContext
from dsr.casefile.schema import jobs as jobs_table
from dsr.casefile.schema import sessions
from dsr.config import Settings, from_mapping
from dsr.errors import ConfigError
from tests.databases import fresh_database
from tests.settings import controller_toml

CONTROLLER = tomllib.loads(controller_toml())["controllers"]["gym"]


def settings_for(url: str, **jobs: Any) -> Settings:
    portal: dict[str, Any] = {"database_url": url, "jobs": jobs}
    return from_mapping({"dsr": {}, "controllers": {"gym": CONTROLLER}, "portal": portal}, base_dir=Path.cwd())


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[tuple[Settings, sa.Engine]]:
    database = fresh_database("postgresql", tmp_path)
    url = next(database)
    casefile.upgrade(url)
    engine = casefile.open_engine(url)
    try:
        yield settings_for(url), engine
    finally:
        from dsr.service.queue import close_queue

        close_queue(engine)
        engine.dispose()
        next(database, None)


class Counting:
    """Handlers that count how often each job ran (the worker runs them in its own threads)."""

    def __init__(self) -> None:
        self.runs: Counter[int] = Counter()
        self._lock = threading.Lock()

    def __call__(self, ctx: JobContext) -> None:
        with self._lock:
            self.runs[ctx.job.id] += 1


def working(queue: Any, handlers: dict[str, Any]) -> Callable[[], None]:
    """Start ``queue``'s worker in a thread; returns its stop."""
    stop = threading.Event()
    thread = threading.Thread(target=queue.run_worker, args=(handlers, stop), kwargs={"idle": 0.2}, daemon=True)
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join(30)
        assert not thread.is_alive()

    return halt


def wait_for(done: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def messages(engine: sa.Engine) -> list[sa.Row[Any]]:
    """procrastinate's rows for dsr.run_job: (job id, status)."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    "SELECT (args->>'job_id')::int AS job_id, status::text AS status FROM procrastinate_jobs "
                    "WHERE task_name = 'dsr.run_job' ORDER BY id"
                )
            )
        )


def states(engine: sa.Engine) -> dict[int, tuple[str, int]]:
    with engine.connect() as conn:
        return {r.id: (r.state, r.attempts) for r in conn.execute(sa.select(jobs_table))}


def test_jobs_sent_through_procrastinate_run_exactly_once(pg: tuple[Settings, sa.Engine]) -> None:
    from dsr.service.queue import prepare

    settings, engine = pg
    queue = prepare(settings, engine)
    assert queue.name == "procrastinate"
    ids = [casefile.enqueue(engine, "count") for _ in range(12)]
    # a transaction that rolls back queues nothing: no row, no message
    with pytest.raises(RuntimeError), engine.begin() as conn:
        casefile.jobs.enqueue_in(conn, "count")
        raise RuntimeError("the case change failed")
    assert sorted(m.job_id for m in messages(engine)) == ids  # sent at the commit, one message each
    counting = Counting()
    halt = working(queue, {"count": counting})
    try:
        wait_for(lambda: all(state == "done" for state, _ in states(engine).values()))
    finally:
        halt()
    assert states(engine) == {i: ("done", 1) for i in ids}
    assert counting.runs == Counter({i: 1 for i in ids})
    assert messages(engine) == []  # succeeded messages are deleted: the job table is the record


def test_a_lost_message_is_swept_and_the_job_runs(pg: tuple[Settings, sa.Engine]) -> None:
    from dsr.service.queue import prepare

    settings, engine = pg
    queue = prepare(settings, engine)
    # a crash between the commit and the send: another engine (no queue watches it) commits the row
    other = casefile.open_engine(engine.url)
    a_minute_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    lost = casefile.enqueue(other, "count", now=a_minute_ago)
    other.dispose()
    fresh = casefile.enqueue(engine, "count")
    assert [m.job_id for m in messages(engine)] == [fresh]
    assert queue.sweep() == 1  # type: ignore[attr-defined]
    assert queue.sweep() == 0  # type: ignore[attr-defined]  # its message waits: not sent twice
    assert sorted(m.job_id for m in messages(engine)) == sorted([lost, fresh])
    counting = Counting()
    halt = working(queue, {"count": counting})
    try:
        wait_for(lambda: all(state == "done" for state, _ in states(engine).values()))
    finally:
        halt()
    assert counting.runs == Counter({lost: 1, fresh: 1})


def test_a_message_delivered_twice_runs_the_job_once(pg: tuple[Settings, sa.Engine]) -> None:
    from dsr.service.queue import prepare
    from dsr.service.queue.postgres import QUEUE, RUN_JOB

    settings, engine = pg
    queue = prepare(settings, engine)
    job_id = casefile.enqueue(engine, "count")
    sender = queue._app()  # type: ignore[attr-defined]
    for _ in range(2):  # without the queueing lock: the same message twice more
        sender.configure_task(RUN_JOB, queue=QUEUE, allow_unknown=True).defer(job_id=job_id)
    assert [m.job_id for m in messages(engine)] == [job_id] * 3
    counting = Counting()
    halt = working(queue, {"count": counting})
    try:
        wait_for(lambda: messages(engine) == [])  # all three delivered and succeeded
    finally:
        halt()
    assert counting.runs == Counter({job_id: 1})
    assert states(engine) == {job_id: ("done", 1)}


def test_a_failed_attempt_is_tried_again_after_its_backoff(pg: tuple[Settings, sa.Engine]) -> None:
    from dsr.service.queue import prepare

    settings, engine = pg
    queue = prepare(settings, engine)
    job_id = casefile.enqueue(engine, "flaky")
    tries: list[int] = []

    def flaky(ctx: JobContext) -> None:
        tries.append(ctx.job.attempts)
        if len(tries) == 1:
            raise RuntimeError("the store was down")

    halt = working(queue, {"flaky": flaky})
    try:
        wait_for(lambda: states(engine)[job_id][1] == 1 and states(engine)[job_id][0] == "queued")
        # the retry waits for the backoff (30 s): its message is scheduled, not lost
        with engine.connect() as conn:
            at = conn.execute(
                sa.text(
                    "SELECT scheduled_at FROM procrastinate_jobs WHERE status = 'todo' AND task_name = 'dsr.run_job'"
                )
            ).scalar_one()
            not_before = conn.execute(sa.select(jobs_table.c.not_before)).scalar_one()
        assert abs((at - not_before).total_seconds()) < 1
    finally:
        halt()
    assert tries == [1]


def test_housekeeping_is_a_periodic_task_that_runs(pg: tuple[Settings, sa.Engine]) -> None:
    from dsr.service.queue import prepare

    settings, engine = pg
    queue = prepare(settings, engine)
    app = queue.worker_app({})  # type: ignore[attr-defined]
    schedule = {t.task.name: t.cron for t in app.periodic_registry.periodic_tasks.values()}
    assert schedule["dsr.housekeeping"] == "*/5 * * * *" and schedule["dsr.sweep"] == "* * * * *"
    assert "dsr.deadlines_digest" not in schedule  # no [portal.jobs] deadlines_digest_to
    assert schedule["dsr.holds"] == "30 1 * * *"  # `dsr holds --run`, daily
    user = casefile.create_user(engine, "tidy", "a long enough password 1", {"gym": ["officer"]})
    casefile.login(engine, "tidy", "a long enough password 1")
    with engine.begin() as conn:  # a session that expired yesterday
        conn.execute(
            sa.update(sessions)
            .where(sessions.c.user_id == user.id)
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
        )
    halt = working(queue, {})
    try:
        # a starting worker defers the periodic task of the last 5-minute mark it missed
        wait_for(lambda: _count(engine, sessions) == 0)
    finally:
        halt()


def _count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_the_digest_is_scheduled_when_an_address_is_configured(pg: tuple[Settings, sa.Engine]) -> None:
    from dsr.service.queue.postgres import ProcrastinateQueue

    settings, engine = pg
    with_digest = settings_for(settings.portal.database_url, deadlines_digest_to="dsb@gym.example")
    app = ProcrastinateQueue(with_digest, engine).worker_app({})
    schedule = {t.task.name: t.cron for t in app.periodic_registry.periodic_tasks.values()}
    assert schedule["dsr.deadlines_digest"] == "0 6 * * 1-5"


def test_sqlite_keeps_the_table_worker_without_procrastinate(tmp_path: Path) -> None:
    """In a fresh interpreter: the portal's worker on SQLite runs a job and never imports procrastinate."""
    script = f"""
import sys, threading, time
from pathlib import Path
from dsr import casefile
from dsr.config import from_mapping
from dsr.service.queue import prepare
from dsr.service.worker import BackgroundWorker
url = "sqlite:///{tmp_path / "portal.db"}"
settings = from_mapping({{"dsr": {{}}, "controllers": {{"gym": {CONTROLLER!r}}}, "portal": {{"database_url": url}}}})
casefile.upgrade(url)
engine = casefile.open_engine(url)
assert prepare(settings, engine).name == "table"
ran = []
job = casefile.enqueue(engine, "count")
worker = BackgroundWorker(engine, {{"count": lambda ctx: ran.append(ctx.job.id)}}, idle=0.1, settings=settings)
worker.start()
deadline = time.monotonic() + 20
while casefile.get_job(engine, job).state.value != "done":
    assert time.monotonic() < deadline
    time.sleep(0.1)
worker.stop()
assert ran == [job], ran
assert "procrastinate" not in sys.modules
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_auto_chooses_procrastinate_on_postgresql_only(tmp_path: Path) -> None:
    from dsr.service.queue import backend_of

    auto = settings_for("")
    chosen = {}
    for url in ("sqlite://", "mysql+pymysql://root@127.0.0.1:3306/x", "postgresql+psycopg://postgres@127.0.0.1/x"):
        engine = casefile.open_engine(url)  # not connected: the dialect decides
        chosen[engine.dialect.name] = backend_of(auto, engine)
        assert backend_of(settings_for("", backend="table"), engine) == "table"
        engine.dispose()
    assert chosen == {"sqlite": "table", "mysql": "table", "postgresql": "procrastinate"}


def test_procrastinate_on_another_database_is_a_config_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    with pytest.raises(ConfigError) as refused:
        settings_for(url, backend="procrastinate")
    assert refused.value.key == "portal.jobs.backend" and "PostgreSQL" in str(refused.value)
    # a host's engine (no database_url in the settings) is checked when the queue is chosen
    from dsr.service.queue import queue_for

    engine = casefile.open_engine(url)
    with pytest.raises(ConfigError) as refused:
        queue_for(settings_for("", backend="procrastinate"), engine)
    assert refused.value.key == "portal.jobs.backend" and "sqlite" in str(refused.value)
    engine.dispose()
