"""`dsr serve --behind-proxy` believes X-Forwarded-For only from `[portal] trusted_proxies` (else
127.0.0.1): a client elsewhere cannot pick the address its rate limits are counted under."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

import pytest
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from dsr import cli
from dsr.config import load
from tests.officer_world import World, make_world
from tests.portal.portal_setup import write_config


def peer(app: Any) -> Any:
    """The TCP peer of the test request, from a test header (what the socket tells uvicorn)."""

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"x-test-peer":
                    scope = {**scope, "client": (value.decode(), 40000)}
        await app(scope, receive, send)

    return asgi


@pytest.fixture
def behind_proxy(demo: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The portal as `dsr serve --behind-proxy` runs it: uvicorn's proxy-header middleware with the
    addresses `dsr serve` passes, trusting the proxy network 10.0.0.0/8; 3 logins an hour per client."""
    from litestar import Litestar
    from litestar.testing import TestClient

    from dsr.portal import DSRPlugin

    monkeypatch.setenv("DSR_PORTAL_WORKER", "0")
    w: World = make_world(
        demo, tmp_path, portal='trusted_proxies = ["10.0.0.0/8"]\nrate_limits = { logins_per_hour = 3 }\n'
    )
    trusted = cli.trusted_proxies(w.settings, behind_proxy=True)
    app = Litestar(
        plugins=[DSRPlugin(w.settings, engine=w.engine)],
        middleware=[lambda app: peer(app), lambda app: ProxyHeadersMiddleware(app, trusted_hosts=trusted)],
    )
    with TestClient(app) as client:
        yield client
    w.engine.dispose()


def logins(client: Any, peer_address: str, forwarded: list[str]) -> list[int]:
    return [
        client.post(
            "/api/officer/login",
            json={"username": "officer", "password": "wrong"},
            headers={"x-test-peer": peer_address, "x-forwarded-for": xff},
        ).status_code
        for xff in forwarded
    ]


def test_a_client_outside_the_proxies_cannot_choose_its_address_with_x_forwarded_for(behind_proxy: Any) -> None:
    # a different X-Forwarded-For each time: still one address, the peer's, so the fourth try is refused
    assert logins(behind_proxy, "203.0.113.9", ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"]) == [
        401,
        401,
        401,
        429,
    ]
    # the proxy's forwarded addresses are believed: each real client has its own count
    assert logins(behind_proxy, "10.1.2.3", ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"]) == [401] * 4
    assert logins(behind_proxy, "10.1.2.3", ["192.0.2.9"] * 4) == [401, 401, 401, 429]


def test_behind_proxy_without_trusted_proxies_trusts_127_0_0_1_only_and_says_so(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    runs: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: runs.append(options))
    plain = write_config(tmp_path, "")
    (tmp_path / "listed").mkdir()
    listed = write_config(tmp_path / "listed", 'trusted_proxies = ["192.0.2.10", "10.0.0.0/8"]\n')
    for config, behind in ((plain, True), (listed, True), (plain, False)):
        args = argparse.Namespace(config=str(config), host="127.0.0.1", port=8000, behind_proxy=behind, verbose=False)
        assert cli.cmd_serve(args) == 0
    said = capsys.readouterr().out
    assert [(r["proxy_headers"], r["forwarded_allow_ips"]) for r in runs] == [
        (True, ["127.0.0.1"]),
        (True, ["192.0.2.10", "10.0.0.0/8"]),
        (False, ["127.0.0.1"]),
    ]
    assert "trusted from 127.0.0.1 only" in said and "[portal] trusted_proxies not set" in said
    assert "trusted from 192.0.2.10, 10.0.0.0/8 only" in said
    assert all(r["forwarded_allow_ips"] != "*" for r in runs)
    assert load(listed).portal.trusted_proxies == ["192.0.2.10", "10.0.0.0/8"]
