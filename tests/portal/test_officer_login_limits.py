"""Officer login: failures lock the account only for the address they came from, a locked account
answers exactly like a wrong password, and each address has a limit on login attempts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import LoginFailed, LoginPolicy
from tests.officer_world import PASSWORD, World, make_world

T0 = dt.datetime(2026, 11, 25, 17, 0, tzinfo=dt.UTC)


def test_failures_from_one_address_lock_the_account_only_there(engine: sa.Engine) -> None:
    user = casefile.create_user(engine, "officer-a", PASSWORD, {"gym": ["officer"]}, now=T0)
    policy = LoginPolicy(max_failures=3, lock_for=dt.timedelta(minutes=15))
    for i in range(3):
        with pytest.raises(LoginFailed):
            casefile.login(
                engine, "officer-a", "wrong", client="attacker", policy=policy, now=T0 + dt.timedelta(seconds=i)
            )
    # the attacker's address is locked out even with the right password — and is told nothing more
    with pytest.raises(LoginFailed):
        casefile.login(
            engine, "officer-a", PASSWORD, client="attacker", policy=policy, now=T0 + dt.timedelta(minutes=1)
        )
    # the officer at the school logs in as usual
    done = casefile.login(
        engine, "officer-a", PASSWORD, client="school", policy=policy, now=T0 + dt.timedelta(minutes=1)
    )
    assert done.user.id == user.id
    # the lock is in the audit log for admins, and it runs out
    with engine.connect() as conn:
        from dsr.casefile.schema import events

        logged = [r.action for r in conn.execute(sa.select(events.c.action).order_by(events.c.seq))]
    assert logged.count("login failed") == 2 and logged.count("account locked") == 1
    assert (
        casefile.login(
            engine, "officer-a", PASSWORD, client="attacker", policy=policy, now=T0 + dt.timedelta(minutes=17)
        ).user.id
        == user.id
    )


def set_client(app: Any) -> Any:
    """A host app in front of the portal that takes the client address from a test header
    (what uvicorn does with X-Forwarded-For behind the proxy)."""

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"x-test-client":
                    scope = {**scope, "client": (value.decode(), 1234)}
        await app(scope, receive, send)

    return asgi


@pytest.fixture
def client_at(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from litestar import Litestar
    from litestar.testing import TestClient

    from dsr.portal import DSRPlugin

    monkeypatch.setenv("DSR_PORTAL_WORKER", "0")
    app = Litestar(plugins=[DSRPlugin(world.settings, engine=world.engine)], middleware=[lambda app: set_client(app)])
    with TestClient(app) as client:
        yield client


def test_a_locked_account_looks_like_a_wrong_password_and_other_addresses_still_log_in(client_at: Any) -> None:
    attacker = {"x-test-client": "203.0.113.9"}
    for _ in range(5):
        client_at.post("/officer/login", data={"username": "officer", "password": "wrong"}, headers=attacker)
    locked = client_at.post("/officer/login", data={"username": "officer", "password": PASSWORD}, headers=attacker)
    wrong = client_at.post("/officer/login", data={"username": "approver", "password": "wrong"}, headers=attacker)
    unknown = client_at.post("/officer/login", data={"username": "nobody", "password": "x"}, headers=attacker)
    assert locked.status_code == wrong.status_code == unknown.status_code == 400
    error = 'id="login-error"'
    texts = [r.text[r.text.index(error) :].split("</", 1)[0] for r in (locked, wrong, unknown)]
    assert texts[0] == texts[1] == texts[2] and "falsch" in texts[0]
    api = [
        client_at.post("/api/officer/login", json={"username": u, "password": p}, headers=attacker)
        for u, p in (("officer", PASSWORD), ("approver", "wrong"), ("nobody", "x"))
    ]
    assert [r.status_code for r in api] == [401, 401, 401]
    assert api[0].json() == api[1].json() == api[2].json()
    # from the school's address the officer gets in
    office = {"x-test-client": "198.51.100.20"}
    r = client_at.post(
        "/officer/login", data={"username": "officer", "password": PASSWORD}, headers=office, follow_redirects=False
    )
    assert r.status_code == 303


def test_login_attempts_per_address_are_limited(demo: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from litestar.testing import TestClient

    from dsr.portal import create_app

    monkeypatch.setenv("DSR_PORTAL_WORKER", "0")
    w = make_world(demo, tmp_path, portal="rate_limits = { logins_per_hour = 3 }\n")
    with TestClient(create_app(w.settings, engine=w.engine)) as client:
        for _ in range(3):
            assert client.post("/api/officer/login", json={"username": "nobody", "password": "x"}).status_code == 401
        r = client.post("/officer/login", data={"username": "officer", "password": PASSWORD})
        assert r.status_code == 429 and "retry-after" in r.headers
        r = client.post("/api/officer/login?lang=en", json={"username": "officer", "password": PASSWORD})
        assert r.status_code == 429 and r.json()["error"] == "rate_limited"
        assert client.get("/officer/login").status_code == 200  # the page itself still opens
    w.engine.dispose()


def test_failures_from_many_addresses_lock_the_account_everywhere_and_still_look_like_a_wrong_password(
    client_at: Any, world: World
) -> None:
    for i in range(10):  # two from each of five addresses: none reaches its own limit of five
        r = client_at.post(
            "/officer/login",
            data={"username": "officer", "password": "wrong"},
            headers={"x-test-client": f"203.0.113.{i // 2}"},
        )
        assert r.status_code == 400
    office = {"x-test-client": "198.51.100.20"}
    locked = client_at.post("/officer/login", data={"username": "officer", "password": PASSWORD}, headers=office)
    wrong = client_at.post("/officer/login", data={"username": "approver", "password": "wrong"}, headers=office)
    error = 'id="login-error"'
    assert locked.status_code == wrong.status_code == 400
    assert (
        locked.text[locked.text.index(error) :].split("</", 1)[0]
        == wrong.text[wrong.text.index(error) :].split("</", 1)[0]
    )
    api = [
        client_at.post("/api/officer/login", json={"username": u, "password": p}, headers=office)
        for u, p in (("officer", PASSWORD), ("nobody", "x"))
    ]
    assert [r.status_code for r in api] == [401, 401] and api[0].json() == api[1].json()
    locks = [e.detail for e in casefile.history(world.engine, None) if e.action == "account locked"]
    assert locks == [{"user": world.officer.id, "scope": "account", "minutes": 15}]
    # an admin lifts it: the officer gets in from the office
    casefile.unlock(world.engine, world.officer.id, actor="user:0")
    r = client_at.post(
        "/officer/login", data={"username": "officer", "password": PASSWORD}, headers=office, follow_redirects=False
    )
    assert r.status_code == 303
