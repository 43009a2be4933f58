"""A host app configures dsr in code (``DSRConfig``): settings from a mapping validated like the
TOML file, errors naming the field the host wrote, and the portal mounted at /datenschutz with
the host's connectors, templates and OpenAPI mode."""

from __future__ import annotations

import copy
import threading
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsr import ConfigError, Connector, StoreContext, Subject, connect, from_mapping, load
from dsr.model import Record
from tests.portal.portal_setup import CONTROLLERS, SECRET

HOST_FIELD = "DSRConfig.settings"


def mapping(**portal: Any) -> dict[str, Any]:
    """The test portal's settings as a host writes them in code (the TOML file's shape)."""
    return {
        "dsr": {"secret_key": SECRET},
        "controllers": tomllib.loads(CONTROLLERS)["controllers"],
        "portal": {"require_totp": False, **portal},
    }


class HostStore(Connector):
    """A host's own connector class (James' code, not an entry point)."""

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any], context: StoreContext) -> Connector:
        return cls(name)

    def records(self, subject: Subject) -> Iterator[Record]:
        return iter(())


def test_a_mapping_gives_the_same_settings_as_the_toml_file(tmp_path: Path) -> None:
    config = tmp_path / "dsr.toml"
    config.write_text(f'[dsr]\nsecret_key = "{SECRET}"\n[portal]\nrequire_totp = false\n{CONTROLLERS}', "utf-8")
    from_file = load(config)
    from_code = from_mapping(mapping(), source=HOST_FIELD, base_dir=tmp_path)
    assert from_code.controllers == from_file.controllers
    assert (from_code.dsr, from_code.portal) == (from_file.dsr, from_file.portal)
    # relative paths: the file's folder, or the base_dir the host gave
    assert from_code.base_dir == from_file.base_dir == tmp_path.resolve()
    assert from_code.portal_database_url == from_file.portal_database_url
    assert from_code.file is None and from_file.file == config.resolve()


def test_a_mapping_without_base_dir_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings_ = from_mapping(mapping())
    assert settings_.portal_database_url == f"sqlite:///{tmp_path.resolve() / 'dsr-portal.db'}"


def _broken(change: str) -> dict[str, Any]:
    raw = mapping()
    gym = raw["controllers"]["gym-musterstadt"]
    if change == "land":
        gym["land"] = "XX"
    elif change == "unknown":
        gym["colour"] = "red"
    elif change == "connector":
        del gym["stores"]["school"]["connector"]
    elif change == "path":
        raw["portal"]["path"] = "datenschutz/"
    elif change == "timezone":
        raw["dsr"]["timezone"] = "Mars/Olympus"
    elif change == "proxy":
        raw["portal"]["trusted_proxies"] = ["127.0.0.1", "10.0.0.1/8"]
    return raw


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("land", '["controllers"]["gym-musterstadt"]["land"]'),
        ("unknown", '["controllers"]["gym-musterstadt"]["colour"]'),
        ("connector", '["controllers"]["gym-musterstadt"]["stores"]["school"]["connector"]'),
        ("path", '["portal"]["path"]'),
        ("timezone", '["dsr"]["timezone"]'),
        ("proxy", '["portal"]["trusted_proxies"][1]'),
    ],
)
def test_errors_name_the_field_the_host_wrote(change: str, field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        from_mapping(_broken(change), source=HOST_FIELD)
    text = str(caught.value)
    assert text.startswith(f"{HOST_FIELD}{field}: "), text
    assert ".toml" not in text and caught.value.file == HOST_FIELD


@settings(max_examples=40, deadline=None)
@given(key=st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12).filter(str.strip))
def test_any_controller_key_is_named_as_python_would_subscript_it(key: str) -> None:
    """Keys with quotes, dots' neighbours, umlauts: the error reads as the host's own code."""
    import json

    raw = mapping()
    table = copy.deepcopy(raw["controllers"]["gym-musterstadt"])
    table["land"] = "XX"
    raw["controllers"] = {key: table}
    with pytest.raises(ConfigError) as caught:
        from_mapping(raw, source=HOST_FIELD)
    if "." not in key and "[" not in key:  # (a dotted key is one TOML table per part)
        expected = f'{HOST_FIELD}["controllers"][{json.dumps(key, ensure_ascii=False)}]["land"]: '
        assert str(caught.value).startswith(expected)


def test_a_toml_file_still_names_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "dsr.toml"
    controllers = CONTROLLERS.replace('land = "BY"', 'land = "XX"')
    config.write_text(f'[dsr]\nsecret_key = "{SECRET}"\n{controllers}', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load(config)
    assert str(caught.value).startswith(f"{config}: controllers.gym-musterstadt.land: ")


def test_connectors_by_dotted_path_by_host_name_or_as_class(tmp_path: Path) -> None:
    raw = mapping()
    stores = raw["controllers"]["gym-musterstadt"]["stores"]
    stores.clear()
    stores["dotted"] = {"connector": "tests.test_embedding_config:HostStore"}
    stores["named"] = {"connector": "james-loans"}
    stores["object"] = {"connector": HostStore}
    settings_ = from_mapping(raw, base_dir=tmp_path)
    built = connect(settings_, "gym-musterstadt", connectors={"james-loans": HostStore})
    assert [(type(c), c.name) for c in built] == [(HostStore, "dotted"), (HostStore, "named"), (HostStore, "object")]


@pytest.mark.parametrize(
    ("connector", "problem"),
    [
        ("tests.no_such_module:Store", "cannot import module 'tests.no_such_module'"),
        ("tests.test_embedding_config:Missing", "has no 'Missing'"),
        ("tests.test_embedding_config:mapping", "is not a dsr Connector class"),
        ("james-loans", "no connector named 'james-loans' is installed"),
    ],
)
def test_a_connector_that_cannot_be_loaded_names_the_field(connector: str, problem: str) -> None:
    raw = mapping()
    raw["controllers"]["gym-musterstadt"]["stores"]["school"] = {"connector": connector}
    with pytest.raises(ConfigError) as caught:
        connect(from_mapping(raw, source=HOST_FIELD), "gym-musterstadt")
    field = f'{HOST_FIELD}["controllers"]["gym-musterstadt"]["stores"]["school"]["connector"]: '
    assert str(caught.value).startswith(field) and problem in str(caught.value)


# --------------------------------------------------------------------------- the plugin in a host app


def _host_app(tmp_path: Path, **config: Any) -> Any:
    from litestar import Litestar, get

    from dsr.portal import DSRConfig, DSRPlugin

    @get("/")
    async def home() -> str:
        return "James"

    @get("/books")
    async def books() -> list[str]:
        return ["Momo"]

    options: dict[str, Any] = {"path": "/datenschutz", "run_worker": False, "base_dir": tmp_path, **config}
    plugin = DSRPlugin(DSRConfig(settings=mapping(mail={"backend": "file"}), **options))
    return Litestar(route_handlers=[home, books], plugins=[plugin]), plugin


def test_the_portal_configured_in_code_serves_its_pages_under_the_mount(tmp_path: Path) -> None:
    from litestar.testing import TestClient

    app, plugin = _host_app(tmp_path)
    with TestClient(app) as client:
        assert client.get("/").text == "James"
        landing = client.get("/datenschutz/de/")
        assert landing.status_code == 200
        assert 'href="/datenschutz/de/request/gym-musterstadt"' in landing.text
        assert "set-cookie" not in landing.headers
        assert client.get("/datenschutz/static/portal.css").status_code == 200
    # the default portal database: relative to base_dir, as a file's would be to its folder
    assert (tmp_path / "dsr-portal.db").exists()
    assert plugin.portal.run_worker is False and plugin.portal.openapi == "own"


def test_the_host_s_templates_come_first(tmp_path: Path) -> None:
    from litestar.testing import TestClient

    from dsr.portal.context import TEMPLATES

    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    branded = base.replace("<body", '<body data-brand="james"', 1)
    assert branded != base
    app, _ = _host_app(tmp_path, templates=jinja2.DictLoader({"base.html": branded}))
    with TestClient(app) as client:
        assert 'data-brand="james"' in client.get("/datenschutz/de/").text
        # a template the host does not override is dsr's own
        assert (
            'action="/datenschutz/de/request/gym-musterstadt"'
            in client.get("/datenschutz/de/request/gym-musterstadt").text
        )


def _paths(schema: dict[str, Any]) -> set[str]:
    return set(schema.get("paths", {}))


@pytest.mark.parametrize("mode", ["own", "host", "none"])
def test_openapi_modes(tmp_path: Path, mode: str) -> None:
    from litestar.testing import TestClient

    app, _ = _host_app(tmp_path, openapi=mode)
    with TestClient(app) as client:
        host = _paths(client.get("/schema/openapi.json").json())
        own = client.get("/datenschutz/api/schema/openapi.json")
    assert "/books" in host
    dsr_in_host = {p for p in host if p.startswith("/datenschutz")}
    if mode == "own":
        assert own.status_code == 200
        paths = _paths(own.json())
        assert any(p.startswith("/datenschutz/api/public") for p in paths)
        assert "/books" not in paths and not any(p.startswith("/datenschutz/de") for p in paths)
        assert dsr_in_host == set()
    elif mode == "host":
        assert own.status_code == 404
        assert any(p.startswith("/datenschutz/api/public") for p in dsr_in_host)
    else:
        assert own.status_code == 404 and dsr_in_host == set()


def test_host_connectors_reach_the_officer_side(tmp_path: Path) -> None:
    _, plugin = _host_app(tmp_path, connectors_of=lambda controller: [HostStore(f"{controller.key}-james")])
    built = plugin.portal.connectors_of(plugin.portal.settings, "gym-musterstadt")
    assert [c.name for c in built] == ["gym-musterstadt-james"]
    _, plugin = _host_app(tmp_path, connectors={"sql": HostStore})
    assert {type(c) for c in plugin.portal.connectors_of(plugin.portal.settings, "james-vendor")} == {HostStore}


@pytest.mark.parametrize("run_worker", [True, False])
def test_run_worker_decides_whether_the_job_worker_runs(tmp_path: Path, run_worker: bool) -> None:
    from litestar.testing import TestClient

    app, _ = _host_app(tmp_path, run_worker=run_worker)
    with TestClient(app):
        running = any(t.name == "dsr-worker" and t.is_alive() for t in threading.enumerate())
    assert running is run_worker


def test_old_style_arguments_beside_a_dsr_config_are_refused(tmp_path: Path) -> None:
    from dsr.portal import DSRConfig, DSRPlugin

    with pytest.raises(TypeError, match="inside the DSRConfig"):
        DSRPlugin(DSRConfig(settings=mapping(), base_dir=tmp_path), path="/datenschutz")  # type: ignore[call-overload]


def test_a_weak_secret_in_code_is_refused_naming_the_field(tmp_path: Path) -> None:
    from dsr.portal import DSRConfig, DSRPlugin

    raw = mapping()
    raw["dsr"]["secret_key"] = "short"
    with pytest.raises(ConfigError) as caught:
        DSRPlugin(DSRConfig(settings=raw, base_dir=tmp_path))
    assert str(caught.value).startswith(f'{HOST_FIELD}["dsr"]["secret_key"]: needs at least 32')


def test_the_portal_lives_in_the_host_s_database_under_its_prefix(tmp_path: Path) -> None:
    """A host engine, a host table named like one of dsr's, and ``table_prefix``: the request lands
    in dsr's prefixed tables, the host's table and its own ``alembic_version`` stay untouched."""
    import sqlalchemy as sa
    from litestar import Litestar
    from litestar.testing import TestClient

    from dsr.portal import DSRConfig, DSRPlugin
    from tests.portal.public_requests import receipt, submit

    host = sa.create_engine(f"sqlite:///{tmp_path / 'james.db'}")
    with host.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE cases (id INTEGER PRIMARY KEY, title TEXT)")
        conn.exec_driver_sql("INSERT INTO cases (title) VALUES ('Bücherkiste')")
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('james_0042')")
    settings = mapping(mail={"backend": "file"}, table_prefix="datenschutz_")
    plugin = DSRPlugin(DSRConfig(settings=settings, engine=host, run_worker=False, base_dir=tmp_path, path="/ds"))
    with TestClient(Litestar(plugins=[plugin]), base_url="http://testserver.local/ds") as client:
        answered = submit(client)
        assert answered.status_code == 200, answered.text
        reference, _, _ = receipt(answered)
    with host.connect() as conn:
        assert conn.exec_driver_sql("SELECT reference FROM datenschutz_cases").scalars().all() == [reference]
        assert conn.exec_driver_sql("SELECT title FROM cases").scalars().all() == ["Bücherkiste"]
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all() == ["james_0042"]
        tables = set(sa.inspect(conn).get_table_names())
    assert "datenschutz_alembic_version" in tables and not {"dsr_cases", "users", "events"} & tables
