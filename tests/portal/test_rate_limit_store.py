"""Rate limits shared by several server processes: ``[portal] rate_limit_store = "database"``.

Two portal apps on one database stand for two uvicorn workers or two hosts; the last test runs
two real `dsr serve` processes on one SQLite file.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from dsr import casefile
from dsr.casefile import ratelimit
from dsr.casefile.schema import rate_limits
from dsr.config import load
from dsr.portal import create_app
from dsr.service.housekeeping import tidy
from tests.portal.portal_setup import free_port, serving, write_config

FORM = {
    "types": ["access"],
    "acting": "self",
    "first_name": "Anna",
    "last_name": "Beispiel",
    "email": "anna@example.org",
    "date_of_birth": "2010-03-04",
    "card_number": "L-1001",
}


#: a complete request through the JSON API (refused only by the limit)
API_REQUEST = {"controller": "gym-musterstadt", "types": ["access"], **{k: v for k, v in FORM.items() if k != "types"}}


def submit(client: Any, lang: str = "de") -> Any:
    return client.post(f"/{lang}/request/gym-musterstadt", data=FORM)


def portal_on(tmp_path: Path, db_url: str, store: str, limit: int = 3) -> Any:
    config = write_config(
        tmp_path,
        f'database_url = "{db_url}"\nrate_limit_store = "{store}"\n'
        f'mail = {{ backend = "file", directory = "mail" }}\nrate_limits = {{ submissions_per_hour = {limit} }}\n',
    )
    settings = load(config)
    casefile.upgrade(settings.portal_database_url)
    return settings


@pytest.fixture
def two_apps(tmp_path: Path, db_url: str) -> Iterator[Any]:
    """``two_apps(store)`` → two TestClients, each its own app and engine, on one portal database."""
    with ExitStack() as stack:

        def make(store: str) -> tuple[Any, Any]:
            settings = portal_on(tmp_path, db_url, store)
            return tuple(stack.enter_context(TestClient(create_app(settings))) for _ in range(2))  # type: ignore[return-value]

        yield make


def test_two_processes_on_one_database_share_the_limit(two_apps: Any) -> None:
    a, b = two_apps("database")
    assert [submit(a).status_code, submit(b).status_code, submit(a).status_code] == [200, 200, 200]
    limited = submit(b, "en")
    assert limited.status_code == 429 and "Too many attempts" in limited.text and "retry-after" in limited.headers
    api = a.post("/api/public/requests?lang=de", json=API_REQUEST)
    assert api.status_code == 429 and api.json()["error"] == "rate_limited"
    assert a.get("/de/").status_code == 200  # reading pages is not limited
    # other kinds of action have their own counter
    assert b.post("/de/verify/1", data={"code": "AAAA2222"}).status_code != 429


def test_in_memory_each_process_counts_alone(two_apps: Any) -> None:
    # the reason for the database store: in memory, two processes let twice the limit through
    a, b = two_apps("memory")
    assert [submit(c).status_code for c in (a, a, a, b, b, b)] == [200] * 6
    assert submit(a).status_code == 429 and submit(b).status_code == 429


def test_a_window_ends_and_housekeeping_deletes_ended_counters(two_apps: Any) -> None:
    a, b = two_apps("database")
    for _ in range(3):
        submit(a)
    assert submit(b).status_code == 429
    engine = a.app.state["dsr_portal"].engine
    with engine.begin() as conn:
        rows = conn.execute(sa.select(rate_limits)).all()
        assert len(rows) == 1 and rows[0].hits == 3
        # no client address in clear: the key is a hash of a keyed hash of the address
        assert "testclient" not in repr(rows) and len(rows[0].key_hash) == 64
        conn.execute(sa.update(rate_limits).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert submit(b).status_code == 200  # an hour later: a new window
    with engine.begin() as conn:
        conn.execute(sa.update(rate_limits).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert tidy(engine, a.app.state["dsr_portal"].settings).rate_limits_purged == 1
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(rate_limits)).scalar_one() == 0


def test_concurrent_hits_from_many_connections_never_pass_more_than_the_limit(db_url: str) -> None:
    casefile.upgrade(db_url)
    engines = [casefile.open_engine(db_url) for _ in range(6)]
    allowed: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(len(engines))

    def client(engine: sa.Engine) -> None:
        start.wait()
        for _ in range(5):
            result = ratelimit.hit(engine, "submit::one-address", 7, dt.timedelta(hours=1))
            with lock:
                allowed.append(result.allowed)

    threads = [threading.Thread(target=client, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()
    assert len(allowed) == 30 and allowed.count(True) == 7


def test_the_store_works_as_a_litestar_store(db_url: str) -> None:
    import anyio

    from dsr.portal.ratelimit import DatabaseStore

    casefile.upgrade(db_url)
    engine = casefile.open_engine(db_url)
    store = DatabaseStore(engine)

    async def scenario() -> None:
        assert await store.get("k") is None and not await store.exists("k")
        await store.set("k", "eins", expires_in=60)
        await store.set("k", b"zwei", expires_in=60)  # overwrites
        assert await store.get("k") == b"zwei" and await store.exists("k")
        assert 55 <= (await store.expires_in("k") or 0) <= 60
        assert await store.get("k", renew_for=3600) == b"zwei" and (await store.expires_in("k") or 0) > 3000
        await store.set("forever", b"x")
        assert await store.expires_in("forever") is None and await store.exists("forever")
        await store.delete("k")
        assert await store.get("k") is None
        await store.delete_all()
        assert not await store.exists("forever")

    # in a thread of its own: a session's Playwright may already run an event loop in this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(anyio.run, scenario).result()
    engine.dispose()


def test_an_unknown_store_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    from dsr.errors import ConfigError

    with pytest.raises(ConfigError, match="portal.rate_limit_store"):
        load(write_config(tmp_path, 'rate_limit_store = "redis://127.0.0.1:6379"\n'))


def test_two_dsr_serve_processes_honour_one_limit(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        'rate_limit_store = "database"\nmail = { backend = "file", directory = "mail" }\n'
        "rate_limits = { submissions_per_hour = 2 }\n",
    )
    casefile.upgrade(load(config).portal_database_url)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()

    def post(url: str) -> int:
        body = urllib.parse.urlencode({**FORM, "types": "access"}).encode()
        try:
            with urllib.request.urlopen(urllib.request.Request(f"{url}/de/request/gym-musterstadt", data=body)) as r:
                return r.status
        except urllib.error.HTTPError as exc:
            assert exc.code != 429 or "Zu viele Versuche" in exc.read().decode()
            return exc.code

    with serving(config, free_port(), tmp_path / "one") as one, serving(config, free_port(), tmp_path / "two") as two:
        assert [post(one), post(two), post(one), post(two)] == [200, 200, 429, 429]
