"""Crash safety: kill -9 a server or worker at a random point of a case's way, restart it, check.

    .venv/bin/python benchmarks/crash_safety.py [--runs 20] [--batch 6] [--seed 1] [--lease 10]

Two `dsr serve` and two `dsr worker` processes on one fresh PostgreSQL portal database with the
demo stores, jobs on procrastinate (tests/service/processes.py, the multi-process test's harness).
Each run sends a batch of requests through the public API, each with its own Idempotency-Key, and
drives every case the way a requester and two officers would over the APIs: the code from the
mail, the candidate search (job), "confirm and gather" (job), the redaction review, prepare (the
letter is rendered in the server), approval, dispatch by download (the notice is mailed).

During one phase of the run — intake, candidate search, gathering, rendering or dispatch, in
turn — a killer thread waits a random time, kill -9s a random server (intake, rendering,
dispatch) or, mostly, a random worker (candidate search, gathering), waits a moment and starts it
again with the same command. Clients do what a careful client does: a request that got no answer
(connection refused or reset) is sent again, to the other server; a submission with the same key.
An officer whose action got no answer reloads the case and goes on from what it shows. A worker's
lease is shortened to ``--lease`` seconds (``DSR_JOB_LEASE_SECONDS``), so a job of a killed worker
is taken over by the next sweep (procrastinate, every minute) instead of after five minutes.

After each run, from the database and the mail folder (the file backend):
acknowledged: receipts the client got · lost: receipts without their case · incomplete: cases
not dispatched in time · duplicate cases: cases no receipt names (a resubmission that opened a
second one) · duplicate letters: more than one answer document for a case · duplicate mails: a
case with more than one verification or download-notice mail · duplicate events: two identical
audit events (same case, action and detail, reads such as "… viewed" aside).
Record results in benchmarks/RESULTS.md ("Crash safety").
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import random
import re
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from dsr import casefile  # noqa: E402
from dsr.casefile.schema import candidates, cases, documents, events, jobs  # noqa: E402
from dsr.demo import DemoSummary, generate  # noqa: E402
from tests.databases import fresh_database  # noqa: E402
from tests.service.processes import Running, answers, portal_config, portal_running, started  # noqa: E402

SCHOOL = "gym-regensburg"
PASSWORD = "correct horse battery staple"
PHASES = ("intake", "candidate search", "gathering", "rendering", "dispatch")
#: how long a run may take to bring every case to dispatch (a killed worker's job waits for its
#: lease and the next minute's sweep)
RUN_TIMEOUT_S = 240.0


@dataclass
class Kill:
    run: int
    phase: str
    kind: str  #: server | worker
    delay_s: float  #: after the moment it waited for (a request sent, a job running)


@dataclass
class RunResult:
    kill: Kill | None = None
    acknowledged: int = 0
    resubmitted: int = 0  #: submissions sent again after no receipt
    unanswered: int = 0  #: requests of any client that got no answer (and were sent again)
    replayed: int = 0  #: of those, answered with the first receipt
    lost: int = 0
    incomplete: int = 0
    duplicate_cases: int = 0
    duplicate_letters: int = 0
    duplicate_mails: int = 0
    duplicate_events: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


class Cluster:
    """The running processes; kills one and starts it again with the same command and environment."""

    def __init__(self, running: Running, servers: int, logs: Path) -> None:
        self.running, self.servers, self.logs = running, servers, logs
        self.lock = threading.Lock()
        self.restarts = 0

    def kill_and_restart(self, index: int, pause: float) -> None:
        with self.lock:
            process = self.running.processes[index]
            os.killpg(process.pid, signal.SIGKILL)  # its own session: the whole process group
            process.wait(30)
        time.sleep(pause)
        self.restarts += 1
        env = {"DSR_PORTAL_WORKER": "0"} if index < self.servers else {}
        log = self.logs / f"restart-{self.restarts}-{index}.log"
        fresh = started(list(process.args), log, **env)  # type: ignore[arg-type]
        with self.lock:
            self.running.processes[index] = fresh
        if index < self.servers:
            deadline = time.monotonic() + 60
            while not answers(self.running.bases[index]):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server {index} did not come back (log {log})")
                time.sleep(0.2)


class Client:
    """A careful client of both servers: no answer (connection refused, reset, timed out) → the
    same request again on the other server, until it answers."""

    def __init__(self, bases: list[str]) -> None:
        self.bases = bases
        self.clients = [httpx.Client(base_url=b, timeout=60) for b in bases]
        self.unanswered = 0

    def headers(self, n: int) -> dict[str, str]:
        """What a request to server ``n`` carries besides its own headers."""
        return {}

    def send(self, method: str, url: str, *, start: int = 0, **kwargs: Any) -> tuple[httpx.Response, int]:
        """(the answer, how many attempts got none)."""
        failed = 0
        given = kwargs.pop("headers", {})
        for attempt in range(200):
            n = (start + attempt) % len(self.clients)
            headers = {**given, **self.headers(n)}
            try:
                return self.clients[n].request(method, url, headers=headers, **kwargs), failed
            except httpx.TransportError:
                failed += 1
                self.unanswered += 1
                time.sleep(0.3)
        raise RuntimeError(f"no server answered {method} {url}")

    def close(self) -> None:
        for c in self.clients:
            c.close()


class Officer(Client):
    def __init__(self, bases: list[str], username: str) -> None:
        super().__init__(bases)
        self.username = username
        self.tokens: list[str] = []
        self.refused: list[str] = []
        for c in self.clients:  # a session on each server's client (its cookie jar)
            r = c.post("/api/officer/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.tokens.append(str(r.json()["csrf_token"]))

    def headers(self, n: int) -> dict[str, str]:
        return {"x-csrf-token": self.tokens[n]}

    def act(self, ref: str, action: str, body: dict[str, Any], start: int = 0) -> httpx.Response:
        """POST an action; a refusal other than "not now" (409: done by an attempt that got no
        answer) is noted."""
        r, _ = self.send("POST", f"/api/officer/cases/{ref}/{action}", start=start, json=body)
        if r.status_code not in (200, 409):
            self.refused.append(f"{ref}: {action} {r.status_code} {r.text[:160]}")
        return r

    def case(self, ref: str) -> dict[str, Any]:
        """The case page's JSON (``case``, ``candidates``, ``documents``, ``review``, ``restricted`` …)."""
        r, _ = self.send("GET", f"/api/officer/cases/{ref}")
        assert r.status_code == 200, r.text
        out: dict[str, Any] = r.json()
        return out

    def state(self, ref: str) -> str:
        return str(self.case(ref)["case"]["state"])


# ----------------------------------------------------------------------------------- mail


def mails(folder: Path) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        found.append(email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
    return found  # type: ignore[return-value]


def mail_kind(message: email.message.EmailMessage) -> tuple[str, str | None]:
    """(kind, case reference) of a mail the portal sent."""
    subject = str(message["subject"])
    ref = re.search(r"DSR-\d{4}-[A-Z0-9]{6}", subject)
    body = message.get_body(("plain",))
    text = body.get_content() if body is not None else ""  # type: ignore[union-attr]
    kind = "verification" if "/verify/" in text else "notice" if "/download/" in text else "other"
    return kind, ref.group(0) if ref else None


def verification_code(folder: Path, ref: str) -> tuple[str, str] | None:
    """(token, code) of the newest verification mail for ``ref``."""
    for message in reversed(mails(folder)):
        kind, of = mail_kind(message)
        if kind == "verification" and of == ref:
            body = message.get_body(("plain",))
            found = re.search(r"/verify/([^#\s]+)#code=([A-Z0-9]{8})", body.get_content())  # type: ignore[union-attr]
            if found:
                return found.group(1), found.group(2)
    return None


# ----------------------------------------------------------------------------------- driving


#: the job each worker phase runs
JOB_OF = {"candidate search": "find_candidates", "gathering": "gather"}


@contextmanager
def killer(
    cluster: Cluster, engine: sa.Engine, run: int, phase: str, batch: int, rng: random.Random, sent: Counter[str]
) -> Iterator[Kill]:
    """Kill -9 one process inside the phase, and start it again: a server a few milliseconds after
    the phase's k-th request went out (k random), a worker a few milliseconds after a job of the
    phase began running (its row says so)."""
    servers = cluster.servers
    workers = len(cluster.running.processes) - servers
    if phase in JOB_OF and rng.random() < 0.75:
        kind, index = "worker", servers + rng.randrange(workers)
    else:
        kind, index = "server", rng.randrange(servers)
    nth = rng.randrange(1, batch + 1)
    delay = rng.uniform(0.0, 0.2 if kind == "worker" else 0.04)
    if phase == "intake":
        # the server the n-th submission went to, while it stores the case (it takes milliseconds)
        index, delay = (nth - 1) % servers, rng.uniform(0.0, 0.015)
    kill = Kill(run, phase, kind, delay)
    errors: list[BaseException] = []
    done = threading.Event()

    def running_job() -> bool:
        with engine.connect() as conn:
            return (
                conn.execute(
                    sa.select(jobs.c.id).where(jobs.c.kind == JOB_OF[phase], jobs.c.state == "running").limit(1)
                ).first()
                is not None
            )

    def go() -> None:
        if kind == "worker":
            while not done.is_set() and not running_job():
                time.sleep(0.005)
        else:  # the officer's confirmations start the gathering; the verifications the search
            counted = {"candidate search": "intake", "gathering": "confirm"}.get(phase, phase)
            while not done.is_set() and sent[counted] < nth + (batch if phase == "candidate search" else 0):
                time.sleep(0.002)
        time.sleep(delay)
        try:
            cluster.kill_and_restart(index, rng.uniform(0.0, 2.0))
        except BaseException as exc:  # noqa: BLE001 - reported by the run
            errors.append(exc)

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    try:
        yield kill
    finally:
        done.set()  # a phase that ended before the moment came: the kill lands just after it
        thread.join(120)
        if errors:
            raise errors[0]


def wait_until(done: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def has_candidates(engine: sa.Engine, ref: str) -> bool:
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(candidates.c.id).join(cases, cases.c.id == candidates.c.case_id).where(cases.c.reference == ref)
        ).first()
    return found is not None


def case_states(engine: sa.Engine, refs: set[str]) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(cases.c.reference, cases.c.state).where(cases.c.reference.in_(refs)))
        return {r.reference: r.state for r in rows}


def one_run(
    run: int,
    phase: str,
    batch: int,
    demo: DemoSummary,
    engine: sa.Engine,
    cluster: Cluster,
    mail: Path,
    seed: int,
    staff: tuple[Officer, Officer],
) -> RunResult:
    rng = random.Random(seed * 1000 + run)
    result = RunResult()
    began = time.monotonic()
    bases = cluster.running.bases
    # an adult with an address on file: the answer may go to them by download (a pupil's goes to the parents)
    person = demo.controllers[SCHOOL].featured["library_staff"]
    assert person.date_of_birth is not None and person.email
    body = {
        "controller": SCHOOL,
        "types": ["access"],
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "date_of_birth": person.date_of_birth.isoformat(),
        "card_number": person.card_number or "",
    }
    with engine.connect() as conn:
        before = set(conn.execute(sa.select(cases.c.reference)).scalars())
    requester = Client(bases)
    officer, approver = staff  # logged in once: logins are rate-limited per address
    officer.refused, approver.refused, officer.unanswered, approver.unanswered = [], [], 0, 0
    sent: Counter[str] = Counter()  #: requests begun per phase (the killer's clock)
    receipts: dict[str, str] = {}  #: key → reference

    def submit(n: int) -> None:
        key = str(uuid.uuid4())
        sent["intake"] += 1
        while True:  # a 5xx (a server dying mid-answer behind no proxy shows as a reset) is retried too
            r, failed = requester.send(
                "POST", "/api/public/requests?lang=de", start=n, json=body, headers={"Idempotency-Key": key}
            )
            result.resubmitted += failed
            if r.status_code == 201:
                break
            time.sleep(0.3)
        out = r.json()
        result.replayed += bool(out["replayed"])
        receipts[key] = out["reference"]

    def verify(ref: str) -> None:
        for _ in range(60):
            found = verification_code(mail, ref)
            if found is not None:
                break
            time.sleep(0.5)
        else:
            result.notes.append(f"{ref}: no verification mail")
            return
        token, code = found
        sent["intake"] += 1
        r, _ = requester.send("POST", f"/api/public/verifications/{token}", json={"code": code})
        if r.status_code != 200 and r.status_code != 400:  # 400: used already, by the attempt that got no answer
            result.notes.append(f"{ref}: verification {r.status_code}")

    def confirm(n_ref: tuple[int, str]) -> None:
        n, ref = n_ref
        # waiting is read from the database: each look at the case page is audited
        if not wait_until(lambda: has_candidates(engine, ref), RUN_TIMEOUT_S / 2):
            result.notes.append(f"{ref}: no candidates")
            return
        seen = officer.case(ref)
        if seen["case"]["state"] not in ("received", "identity_pending", "identity_confirmed"):
            return  # done by the attempt that got no answer
        [candidate] = seen["candidates"]
        sent["confirm"] += 1
        officer.act(ref, "confirm-identity", {"candidate": candidate["reference"], "gather": True}, start=n)
        if officer.state(ref) == "identity_confirmed":
            # confirmed without gathering (one transaction queues both, so only when the routing
            # could not be worked out or a guardian check blocks it): the case page offers "gather"
            officer.act(ref, "gather", {}, start=n)

    def prepare(n_ref: tuple[int, str]) -> None:
        n, ref = n_ref
        further = ("review", "prepared", "approved", "dispatched")
        if not wait_until(lambda: case_states(engine, {ref}).get(ref) in further, RUN_TIMEOUT_S / 2):
            result.notes.append(f"{ref}: not in review")
            return
        if officer.state(ref) == "review":
            decide_everything(officer, ref, n)
            sent["rendering"] += 1
            r = officer.act(ref, "prepare", {}, start=n)
            if r.status_code != 200 and officer.state(ref) == "review":
                result.notes.append(f"{ref}: prepare {r.status_code} {r.text[:200]}")
                return
        seen = approver.case(ref)
        if seen["case"]["state"] == "prepared":
            # the approver reads the letter before approving it (dsr.casefile.approval)
            [letter] = [d for d in seen["documents"] if d["kind"] == "answer"][-1:]
            approver.send("GET", f"/api/officer/cases/{ref}/documents/{letter['id']}", start=n + 1)
            r = approver.act(ref, "approve", {}, start=n + 1)
            if r.status_code != 200 and approver.state(ref) == "prepared":
                result.notes.append(f"{ref}: approve {r.status_code} {r.text[:200]}")

    def dispatch(n_ref: tuple[int, str]) -> None:
        n, ref = n_ref
        if officer.state(ref) == "approved":
            sent["dispatch"] += 1
            r = officer.act(ref, "dispatch-download", {}, start=n)
            if r.status_code == 200:
                return
        # dispatched without an answer: the notice job was queued with the dispatch and a worker
        # sends it (the case page says "notice queued"); the officer waits, sends nothing again

    try:
        with killer(cluster, engine, run, phase, batch, rng, sent) as kill, ThreadPoolExecutor(4) as pool:
            result.kill = kill
            list(pool.map(submit, range(batch)))
            refs = sorted(set(receipts.values()))
            result.acknowledged = len(receipts)
            list(pool.map(verify, refs))
            list(pool.map(confirm, enumerate(refs)))
            list(pool.map(prepare, enumerate(refs)))
            list(pool.map(dispatch, enumerate(refs)))
    finally:
        requester.close()
        result.notes += officer.refused + approver.refused
        result.unanswered = requester.unanswered + officer.unanswered + approver.unanswered
    # every case the client got a receipt for is complete once the restarted processes caught up
    wait_until(lambda: set(case_states(engine, set(refs)).values()) <= {"dispatched"}, 30)
    # a notice job whose server died while running it waits for its lease and the sweep
    wait_until(lambda: notices_pending(engine) == 0, 150)
    result.seconds = time.monotonic() - began
    check(engine, mail, before, set(receipts.values()), result)
    return result


def notices_pending(engine: sa.Engine) -> int:
    """Download notice jobs not finished yet."""
    with engine.connect() as conn:
        return len(
            conn.execute(
                sa.select(jobs.c.id).where(jobs.c.kind == "download_notice", jobs.c.state.in_(("queued", "running")))
            ).all()
        )


def decide_everything(officer: Officer, ref: str, n: int) -> None:
    """The redaction review: redact what is about others, disclose the rest; restricted records disclosed."""
    for _ in range(200):  # one at a time: a decision covers every item with the same text
        seen = officer.case(ref)
        item = next((e for e in seen["review"] if e["decision"] is None), None)
        record = next((e for e in seen["restricted"] if e["decision"] is None), None)
        if item is not None:
            officer.act(ref, "decide", {"item": item["id"], "decision": "redact", "reason": "third-party"}, start=n)
        elif record is not None:
            officer.act(ref, "decide-restricted", {"record": record["reference"], "decision": "disclose"}, start=n)
        else:
            return


# ----------------------------------------------------------------------------------- checks

#: audit actions a person repeats legitimately with the same detail (looking at things)
READS = ("viewed", "opened", "downloaded", "listed")


def check(engine: sa.Engine, mail: Path, before: set[str], acknowledged: set[str], result: RunResult) -> None:
    with engine.connect() as conn:
        now = set(conn.execute(sa.select(cases.c.reference)).scalars())
        new = now - before
        states = dict(conn.execute(sa.select(cases.c.reference, cases.c.state).where(cases.c.reference.in_(new))).all())
        answers_per_case = Counter(
            conn.execute(
                sa.select(cases.c.reference)
                .join(documents, documents.c.case_id == cases.c.id)
                .where(documents.c.kind == "answer", cases.c.reference.in_(new))
            ).scalars()
        )
        trail = conn.execute(
            sa.select(events.c.case_ref, events.c.action, events.c.detail).where(events.c.case_ref.in_(new))
        ).all()
    result.lost = len(acknowledged - now)
    result.duplicate_cases = len(new - acknowledged)
    result.incomplete = sum(states.get(ref) != "dispatched" for ref in acknowledged)
    result.duplicate_letters = sum(count > 1 for count in answers_per_case.values())
    sent = Counter(mail_kind(m) for m in mails(mail))
    # a notice is one Message-ID: the notice job sends the kept message again only after a crash
    # between the SMTP server's acceptance and its note (docs/jobs.md), which is not a second notice
    distinct = Counter(mail_kind(m) for m in {str(m["Message-ID"]): m for m in mails(mail)}.values())
    result.duplicate_mails = sum(
        count > 1 for (kind, ref), count in distinct.items() if ref in new and kind in ("verification", "notice")
    )
    if (resent := sum(sent.values()) - sum(distinct.values())) > 0:
        result.notes.append(f"{resent} mail(s) sent again as the same message (same Message-ID)")
    missing_notice = [ref for ref in acknowledged if states.get(ref) == "dispatched" and not sent[("notice", ref)]]
    if missing_notice:
        result.notes.append(f"dispatched without a notice mail: {missing_notice}")
        result.incomplete += len(missing_notice)
    same = Counter((e.case_ref, e.action, e.detail) for e in trail if not any(word in e.action for word in READS))
    doubled = {k: v for k, v in same.items() if v > 1}
    result.duplicate_events = len(doubled)
    for (ref, action, detail), count in list(doubled.items())[:3]:
        result.notes.append(f"{ref}: {count}× {action} {detail[:80]}")
    for ref in sorted(acknowledged):
        if states.get(ref) != "dispatched":
            actions = [e.action for e in trail if e.case_ref == ref]
            result.notes.append(f"{ref}: {states.get(ref)} after {actions}")


# ----------------------------------------------------------------------------------- the whole


def campaign(
    runs: int,
    batch: int,
    seed: int,
    lease: float,
    folder: Path,
    demo: DemoSummary | None = None,
    phases: tuple[str, ...] = PHASES,
) -> list[RunResult]:
    """``runs`` runs on one cluster; ``phases`` take turns."""
    os.environ["DSR_JOB_LEASE_SECONDS"] = str(lease)  # inherited by the processes started below
    demo = demo or generate(folder / "demo", schools=1, readers_per_school=20, loans_per_reader=3, seed=1)
    database = fresh_database("postgresql", folder)
    url = next(database)
    config = portal_config(
        demo.config, demo.config.with_name(f"dsr-crash-{uuid.uuid4().hex[:8]}.toml"), url, folder / "mail"
    )
    logs = folder / "logs"
    logs.mkdir(exist_ok=True)
    results: list[RunResult] = []
    try:
        with portal_running(config, logs, servers=2, workers=2) as running:
            engine = casefile.open_engine(url)
            casefile.create_user(engine, "officer", PASSWORD, {SCHOOL: ["officer"]})
            casefile.create_user(engine, "approver", PASSWORD, {SCHOOL: ["officer", "approver"]})
            cluster = Cluster(running, 2, logs)
            staff = (Officer(running.bases, "officer"), Officer(running.bases, "approver"))
            for run in range(runs):
                phase = phases[run % len(phases)]
                result = one_run(run, phase, batch, demo, engine, cluster, folder / "mail", seed, staff)
                results.append(result)
                print(row(run, result), flush=True)
            for member in staff:
                member.close()
            engine.dispose()
    finally:
        config.unlink()
        next(database, None)
    return results


def row(run: int, r: RunResult) -> str:
    k = r.kill
    what = f"{k.kind:6} in {k.phase:16} +{k.delay_s * 1000:3.0f} ms" if k else "-"
    return (
        f"run {run:2}: {what} | ack {r.acknowledged} unanswered {r.unanswered} resent {r.resubmitted} "
        f"replayed {r.replayed} | lost {r.lost} "
        f"incomplete {r.incomplete} dup cases {r.duplicate_cases} letters {r.duplicate_letters} mails "
        f"{r.duplicate_mails} events {r.duplicate_events} | {r.seconds:.0f} s"
        + ("".join(f"\n    {n}" for n in r.notes))
    )


def table(results: list[RunResult]) -> str:
    kills = Counter((r.kill.kind, r.kill.phase) for r in results if r.kill)
    lines = [
        "| runs | kills (kind · phase) | acknowledged | unanswered requests | resubmitted (no receipt) | replayed "
        "| lost | incomplete | duplicate cases | duplicate letters | duplicate mails | duplicate events |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        f"| {len(results)} | {', '.join(f'{k} · {p}: {n}' for (k, p), n in sorted(kills.items()))} "
        f"| {sum(r.acknowledged for r in results)} | {sum(r.unanswered for r in results)} "
        f"| {sum(r.resubmitted for r in results)} "
        f"| {sum(r.replayed for r in results)} | {sum(r.lost for r in results)} "
        f"| {sum(r.incomplete for r in results)} | {sum(r.duplicate_cases for r in results)} "
        f"| {sum(r.duplicate_letters for r in results)} | {sum(r.duplicate_mails for r in results)} "
        f"| {sum(r.duplicate_events for r in results)} |",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--batch", type=int, default=6, help="requests per run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lease", type=float, default=10.0, help="a worker's lease on a job, seconds")
    args = parser.parse_args(argv)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dsr-crash-") as folder:
        results = campaign(args.runs, args.batch, args.seed, args.lease, Path(folder))
    print()
    print(table(results))
    print(f"\n{time.monotonic() - began:.0f} s; {sum(r.kill is not None for r in results)} kills, each restarted")


if __name__ == "__main__":
    main()
