"""`dsr serve` and `dsr worker` as separate processes on one portal database, as deployed.

Shared by tests/service/test_multiprocess_pg.py (2 servers + 2 workers on PostgreSQL) and
benchmarks/load.py (the load figures): write a config beside the demo stores, migrate, start the
processes, wait until every server answers, stop them all afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.portal.portal_setup import free_port

DSR = str(Path(sys.executable).with_name("dsr"))


def portal_config(
    demo_config: Path,
    target: Path,
    database_url: str,
    mail: Path,
    *,
    jobs: str = "procrastinate",
    rate_limit_store: str = "database",
    trusted_proxies: tuple[str, ...] = (),
) -> Path:
    """``target``: the demo's config plus a [portal] section on ``database_url``; the file mail
    backend writes into ``mail``; rate limits so high that no test or benchmark reaches them.
    ``target`` must sit beside ``demo_config`` (the stores' URLs are relative to it)."""
    proxies = "".join(f'"{p}", ' for p in trusted_proxies)
    section = (
        f'\n[portal]\ndatabase_url = "{database_url}"\nrequire_totp = false\n'
        f'rate_limit_store = "{rate_limit_store}"\ntrusted_proxies = [{proxies}]\n'
        "[portal.rate_limits]\nsubmissions_per_hour = 1000000\ncode_attempts_per_hour = 1000000\n"
        f'[portal.mail]\nbackend = "file"\ndirectory = "{mail}"\nsender = "dsr@example.org"\n'
        f'[portal.jobs]\nbackend = "{jobs}"\n'
    )
    target.write_text(demo_config.read_text(encoding="utf-8") + section, encoding="utf-8")
    return target


def started(command: list[str], log: Path, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, stdout=log.open("wb"), stderr=subprocess.STDOUT, env={**os.environ, **env}, start_new_session=True
    )


def wait_for(done: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def answers(base: str) -> bool:
    """The server at ``base`` serves the public API."""
    try:
        return httpx.get(f"{base}/api/public/controllers", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass(frozen=True)
class Running:
    """The started processes: servers first, then workers."""

    bases: list[str]  #: each server's http://127.0.0.1:port
    processes: list[subprocess.Popen[bytes]]


@contextmanager
def portal_running(
    config: Path, logs: Path, *, servers: int, workers: int, behind_proxy: bool = False
) -> Iterator[Running]:
    """`dsr migrate`, then ``servers`` × `dsr serve` and ``workers`` × `dsr worker` on ``config``.

    With ``workers = 0`` each server runs its own worker thread (the SQLite default); otherwise
    the servers run none (``DSR_PORTAL_WORKER=0``), jobs are the workers' business. Logs go to
    ``logs/serve-<port>.log`` and ``logs/worker-<n>.log``.
    """
    if servers > 1 or workers:  # a lone server migrates at its start; workers do not
        migrated = subprocess.run([DSR, "migrate", "--config", str(config)], capture_output=True)
        assert migrated.returncode == 0, migrated.stdout.decode() + migrated.stderr.decode()
    ports = [free_port() for _ in range(servers)]
    proxy = ["--behind-proxy"] if behind_proxy else []
    server_env = {"DSR_PORTAL_WORKER": "0"} if workers else {}
    processes = [
        *(
            started(
                [DSR, "serve", "--config", str(config), "--host", "127.0.0.1", "--port", str(port), *proxy],
                logs / f"serve-{port}.log",
                **server_env,
            )
            for port in ports
        ),
        *(
            started([DSR, "worker", "--config", str(config), "--idle", "1"], logs / f"worker-{n}.log")
            for n in range(workers)
        ),
    ]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]

        def ready() -> bool:
            died = [p.args for p in processes if p.poll() is not None]
            assert not died, f"exited at start: {died} (logs in {logs})"
            return all(answers(b) for b in bases)

        wait_for(ready, 60, f"{servers} server(s)")
        yield Running(bases, processes)
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            p.wait(30)
