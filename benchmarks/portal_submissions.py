"""Public request submissions against `dsr serve`: submissions/s and latency, SQLite vs PostgreSQL.

    .venv/bin/python benchmarks/portal_submissions.py [--requests 300] [--concurrency 8] [--no-postgres]

Each run starts `dsr serve` (uvicorn, one worker) on a free loopback port with a fresh portal
database and the file mail backend, then POSTs the HTML request form --requests times from
--concurrency client threads. A submission = validate + open the case (audit event) + issue the
verification code + write the mail. Prints a table (baseline: SQLite); peak memory is the
server process's peak RSS. Record results in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.portal.portal_setup import free_port, write_config  # noqa: E402  (the test config: two controllers)

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FORM = {
    "types": ["access", "copy"],
    "acting": "self",
    "first_name": "Bench",
    "last_name": "Mark",
    "date_of_birth": "2010-03-04",
    "card_number": "L-1",
}


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(label: str, database_url: str, requests: int, concurrency: int) -> dict[str, float | str]:
    folder = Path(tempfile.mkdtemp(prefix="dsr-bench-portal-"))
    port = free_port()
    limits = f"rate_limits = {{ submissions_per_hour = {requests * 10} }}\n"
    db = f'database_url = "{database_url}"\n' if database_url else ""
    config = write_config(folder, db + limits + 'mail = { backend = "file" }\n')
    server = subprocess.Popen(
        [sys.executable, "-m", "dsr.cli", "serve", "--config", str(config), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/de/request/gym-musterstadt"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/de/", timeout=1)
                break
            except httpx.HTTPError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(
                        f"{label}: dsr serve did not start: {server.stderr.read().decode()[-2000:]}"
                    ) from None
                time.sleep(0.2)
        latencies: list[float] = []
        failures = 0
        lock = threading.Lock()
        local = threading.local()

        def submit(i: int) -> None:
            nonlocal failures
            client = getattr(local, "client", None) or httpx.Client(timeout=30)
            local.client = client
            started = time.perf_counter()
            response = client.post(url, data={**FORM, "email": f"bench{i}@example.org"})
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                failures += response.status_code != 200

        for i in range(min(10, requests)):  # warm-up: imports, templates, connection pool
            submit(-i - 1)
        latencies.clear()
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(submit, range(requests)))
        wall = time.perf_counter() - started
        cuts = statistics.quantiles(latencies, n=100)
        return {
            "label": label,
            "rate": requests / wall,
            "p50": cuts[49] * 1000,
            "p99": cuts[98] * 1000,
            "failures": failures,
            "rss": peak_rss_mib(server.pid),
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    results = [run("SQLite (file)", "", args.requests, args.concurrency)]
    if not args.no_postgres:
        name = "dsr_bench_" + uuid.uuid4().hex[:8]
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        try:
            results.append(
                run(
                    "PostgreSQL (loopback)",
                    f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
                    args.requests,
                    args.concurrency,
                )
            )
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.dispose()

    base = float(results[0]["rate"])
    table = Table(
        title=f"portal submissions: {args.requests} POSTs, {args.concurrency} concurrent clients, {os.cpu_count()} CPUs"
    )
    for column in ("database", "submissions/s", "p50 ms", "p99 ms", "failed", "server peak RSS MiB", "rate vs SQLite"):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(
            str(r["label"]),
            f"{r['rate']:.1f}",
            f"{r['p50']:.0f}",
            f"{r['p99']:.0f}",
            str(r["failures"]),
            f"{r['rss']:.0f}",
            f"{float(r['rate']) / base:.2f}",
        )
    Console(width=130).print(table)


if __name__ == "__main__":
    main()
