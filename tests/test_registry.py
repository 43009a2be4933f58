"""Controllers from the vendor's customer table (``[registry]`` + ``[templates.*]``), ``dsr check
--all`` over many schools, and the per-controller caches bounded to ``[dsr] cache_controllers``."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa

from dsr import controller_cache
from dsr.cli import main
from dsr.config import connect, load
from dsr.errors import ConfigError
from dsr_connectors.sql.open_stores import STORES

SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0aa55bb66cc77dd88"

#: tenant key, school name, Land, street, postal code, city, e-mail, public, principal
ROWS = [
    ("gym-a", "Gymnasium Altstadt", "BY", "Schulstraße 1", "90402", "Nürnberg", "a@gym.example", True, "Eva Leitner"),
    ("rs-b", "Realschule Bergheim", "NW", "Am Berg 2", "50126", "Bergheim", "b@rs.example", False, "Tom Brandt"),
    ("gs-c", "Grundschule Celle", "NI", "Hof 3", "29221", "Celle", "c@gs.example", True, "Ida Claas"),
]

TEMPLATE = """
[templates.school]
name = "{school_name}"
kind = "school"
land = "{state_code}"
public = "{is_public}"
street = "{street}"
postal_code = "{postal_code}"
city = "{city}"
email = "{contact_email}"
dpo = { name = "Datenschutz Schulamt", email = "dsb-{tenant_key}@schulamt.example" }
signatory = { name = "{principal_name}", role = "Schulleitung" }

[templates.school.stores.school]
connector = "sql"
url = "sqlite:///school-{tenant_key}.db"
mapping = "james-school"
"""


def hand_written(row: tuple[object, ...]) -> str:
    key, name, land, street, postal, city, email, public, principal = row
    return f"""
[controllers.{key}]
name = "{name}"
kind = "school"
land = "{land}"
public = {str(public).lower()}
street = "{street}"
postal_code = "{postal}"
city = "{city}"
email = "{email}"
dpo = {{ name = "Datenschutz Schulamt", email = "dsb-{key}@schulamt.example" }}
signatory = {{ name = "{principal}", role = "Schulleitung" }}

[controllers.{key}.stores.school]
connector = "sql"
url = "sqlite:///school-{key}.db"
mapping = "james-school"
"""


def customer_table(url: str, rows: Sequence[tuple[object, ...]] = ROWS) -> None:
    """The vendor's customer table (the columns James's vendor.sql has, and a public flag)."""
    meta = sa.MetaData()
    customer = sa.Table(
        "customer",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tenant_key", sa.String(50), unique=True),
        sa.Column("school_name", sa.String(200), nullable=False),
        sa.Column("state_code", sa.String(2), nullable=False),
        sa.Column("street", sa.String(200)),
        sa.Column("postal_code", sa.String(10)),
        sa.Column("city", sa.String(100)),
        sa.Column("contact_email", sa.String(200)),
        sa.Column("is_public", sa.Boolean),
        sa.Column("principal_name", sa.String(200)),
    )
    engine = sa.create_engine(url)
    meta.create_all(engine)
    names = [c.name for c in customer.columns][1:]
    with engine.begin() as conn:
        conn.execute(sa.insert(customer), [dict(zip(names, r, strict=True)) for r in rows])
    engine.dispose()


def config(folder: Path, registry_url: str, extra: str = "", template: str = TEMPLATE) -> Path:
    path = folder / "dsr.toml"
    path.write_text(
        f'[dsr]\nsecret_key = "{SECRET}"\n\n'
        f'[registry]\nurl = "{registry_url}"\ntable = "customer"\nkey = "tenant_key"\ntemplate = "school"\n'
        f"{template}\n{extra}",
        encoding="utf-8",
    )
    return path


def test_rows_become_the_controllers_written_by_hand(db_url: str, tmp_path: Path) -> None:
    customer_table(db_url)
    listed = load(config(tmp_path, db_url))
    by_hand_file = tmp_path / "by-hand.toml"
    by_hand_file.write_text(f'[dsr]\nsecret_key = "{SECRET}"\n' + "".join(hand_written(r) for r in ROWS))
    by_hand = load(by_hand_file)
    assert listed.controllers == by_hand.controllers
    assert list(listed.controllers) == ["gym-a", "rs-b", "gs-c"]
    assert listed.controllers["rs-b"].public is False  # a boolean column stays a boolean
    assert listed.where("rs-b") == "registry[rs-b]"


def test_a_query_selects_the_rows(tmp_path: Path) -> None:
    customer_table(f"sqlite:///{tmp_path / 'vendor.db'}")
    path = config(tmp_path, "sqlite:///vendor.db")  # relative to the configuration's folder
    text = path.read_text().replace('table = "customer"', "query = \"SELECT * FROM customer WHERE state_code <> 'NW'\"")
    path.write_text(text)
    assert list(load(path).controllers) == ["gym-a", "gs-c"]


def _problems(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load(path)
    return str(caught.value)


def test_errors_name_the_row_and_the_key(tmp_path: Path) -> None:
    rows = [
        ROWS[0],
        ("rs-b", "Realschule Bergheim", "Bayern", "Am Berg 2", "50126", "Bergheim", "b@rs.example", False, "T B"),
        ("gs-c", "Grundschule Celle", "NI", None, "29221", "Celle", "c@gs.example", True, "Ida Claas"),
    ]
    customer_table(f"sqlite:///{tmp_path / 'vendor.db'}", rows)
    text = _problems(config(tmp_path, "sqlite:///vendor.db"))
    assert "dsr.toml: registry[rs-b].land: unknown Land 'Bayern'" in text
    assert "registry[gs-c].street: Expected `str`, got `null`" in text
    assert "gym-a" not in text  # the good row is not blamed


def test_an_empty_column_inside_a_text_names_the_row(tmp_path: Path) -> None:
    rows = [ROWS[0], ("rs-b", "Realschule", "NW", "Am Berg 2", "50126", None, "b@rs.example", False, "T B")]
    customer_table(f"sqlite:///{tmp_path / 'vendor.db'}", rows)
    text = _problems(config(tmp_path, "sqlite:///vendor.db", template=TEMPLATE.replace('"{city}"', '"{city} (Stadt)"')))
    assert "registry[rs-b].city: the registry's column city is empty in this row" in text


def test_a_placeholder_that_is_no_column_names_the_template_key(tmp_path: Path) -> None:
    customer_table(f"sqlite:///{tmp_path / 'vendor.db'}")
    broken = TEMPLATE.replace("school-{tenant_key}.db", "school-{tenantkey}.db")
    text = _problems(config(tmp_path, "sqlite:///vendor.db", template=broken))
    assert "templates.school.stores.school.url: {tenantkey} is no column of the registry" in text
    assert "tenant_key" in text  # the columns there are


def test_a_missing_key_column_and_a_missing_template(tmp_path: Path) -> None:
    customer_table(f"sqlite:///{tmp_path / 'vendor.db'}")
    path = config(tmp_path, "sqlite:///vendor.db")
    path.write_text(path.read_text().replace('key = "tenant_key"', 'key = "tenant"'))
    assert "registry.key: no column 'tenant'" in _problems(path)
    path.write_text(path.read_text().replace('template = "school"', 'template = "schule"'))
    assert "registry.template: no [templates.schule]" in _problems(path)


def test_a_template_mistake_every_row_repeats_is_told_once(tmp_path: Path) -> None:
    customer_table(f"sqlite:///{tmp_path / 'vendor.db'}")
    text = _problems(
        config(tmp_path, "sqlite:///vendor.db", template=TEMPLATE.replace('kind = "school"', 'kind = "schule"'))
    )
    assert text.count(".kind:") == 1
    assert "(and 2 more rows of the registry)" in text


def test_a_controller_written_in_the_file_wins(tmp_path: Path) -> None:
    rows = [ROWS[0], ("rs-b", "Realschule", "XX", "Am Berg 2", "50126", "Bergheim", "b@rs.example", False, "T B")]
    customer_table(f"sqlite:///{tmp_path / 'vendor.db'}", rows)
    own = hand_written(
        ("rs-b", "Realschule Bergheim (eigene)", "NW", "Am Berg 2", "50126", "Bergheim", "x@y", False, "T")
    )
    settings = load(config(tmp_path, "sqlite:///vendor.db", extra=own))
    assert settings.controllers["rs-b"].name == "Realschule Bergheim (eigene)"  # the row's bad Land is not read
    assert settings.where("rs-b") == "controllers.rs-b" and settings.where("gym-a") == "registry[gym-a]"


def test_a_store_error_names_the_registry_row(tmp_path: Path) -> None:
    customer_table(f"sqlite:///{tmp_path / 'vendor.db'}")
    broken = TEMPLATE.replace('url = "sqlite:///school-{tenant_key}.db"', 'url = "nonsense {tenant_key}"')
    settings = load(config(tmp_path, "sqlite:///vendor.db", template=broken))
    with pytest.raises(ConfigError) as caught:
        connect(settings, "gs-c")
    assert "registry[gs-c].stores.school.url: not a database URL" in str(caught.value)


def test_loading_opens_no_store(tmp_path: Path) -> None:
    customer_table(f"sqlite:///{tmp_path / 'vendor.db'}")
    settings = load(config(tmp_path, "sqlite:///vendor.db"))  # the school files do not exist
    assert len(settings.controllers) == 3
    assert not list(tmp_path.glob("school-*.db"))


# ------------------------------------------------------------------------- many generated schools

SCHOOLS = 20


@pytest.fixture(scope="module")
def schools(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 small schools (two generated, the others copies under their own tenant key) and the
    vendor's customer table listing them."""
    from dsr.demo import populate_school_file
    from dsr.demo.people import town

    folder = tmp_path_factory.mktemp("schools")
    for i in range(2):
        populate_school_file(folder, i, 20, 1, 1)
    rows = []
    for i in range(SCHOOLS):
        t = town(i)
        if i >= 2:
            shutil.copyfile(folder / f"school-{town(i % 2).tenant_key}.db", folder / f"school-{t.tenant_key}.db")
        rows.append(
            (t.tenant_key, t.school, t.land, "Schulweg 1", t.postal_prefix + "00", t.city, "s@x.example", True, "P")
        )
    customer_table(f"sqlite:///{folder / 'vendor.db'}", rows)
    return folder


def _table_rows(out: str) -> dict[str, list[str]]:
    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if len(cells) == 4 and cells[0] and cells[0] != "controller":
            rows[cells[0]] = cells[1:]
    return rows


def test_check_all_passes_and_finds_the_one_broken_school(schools: Path, tmp_path: Path, capsys) -> None:
    from dsr.demo.people import town

    for db in schools.glob("*.db"):
        shutil.copyfile(db, tmp_path / db.name)
    path = config(tmp_path, "sqlite:///vendor.db")
    assert main(["check", "--all", "--config", str(path), "--jobs", "4"]) == 0
    rows = _table_rows(capsys.readouterr().out)
    assert len(rows) == SCHOOLS and all(r == ["school", "", "0"] for r in rows.values())

    broken = town(7).tenant_key
    with sqlite3.connect(tmp_path / f"school-{broken}.db") as c:
        c.execute("ALTER TABLE person ADD COLUMN nickname VARCHAR(50)")  # not classified in the mapping
    assert main(["check", "--all", "--config", str(path), "--jobs", "4"]) == 2
    captured = capsys.readouterr()
    rows = _table_rows(captured.out)
    assert rows.pop(broken)[:2] == ["", "school"]
    assert all(r == ["school", "", "0"] for r in rows.values())
    problems = [line for line in captured.err.splitlines() if line.startswith("error")]
    assert problems and all(line.startswith(f"error {broken}:") for line in problems)
    assert "nickname" in captured.err
    assert main(["check", "--config", str(path)]) == 2  # without --all: as before, every controller checked


# ------------------------------------------------------------------------- caches bounded


@pytest.fixture
def two_cached() -> Iterator[None]:
    yield
    controller_cache.configure(controller_cache.DEFAULT_SIZE)


def _open_files(path: Path) -> int:
    """How many file descriptors of this process point at ``path``."""
    fds = Path("/proc/self/fd")
    return sum(1 for fd in fds.iterdir() if os.path.realpath(fd) == str(path.resolve()))


def test_lru_evicts_the_least_recent_controller_and_closes_its_connections(
    schools: Path, tmp_path: Path, two_cached: None
) -> None:
    from dsr import Descriptor, resolve

    for db in schools.glob("*.db"):
        shutil.copyfile(db, tmp_path / db.name)
    path = config(tmp_path, "sqlite:///vendor.db")
    path.write_text(path.read_text().replace("[registry]", "cache_controllers = 2\n\n[registry]"))
    settings = load(path)
    first, second, third = list(settings.controllers)[:3]

    def use(key: str) -> sa.Engine:
        connectors = connect(settings, key)
        resolve(key, connectors, Descriptor(card_number="nobody-has-this"))  # reads the store
        for c in connectors:
            c.close()
        return connectors[0].engine  # type: ignore[attr-defined, no-any-return]

    engine = use(first)
    assert _open_files(tmp_path / f"school-{first}.db") >= 1  # kept open between requests
    assert use(first) is engine  # warm: the same engine
    use(second)
    assert STORES.controllers() == [first, second]
    use(third)  # a third controller: the first goes
    assert STORES.controllers() == [second, third]
    assert _open_files(tmp_path / f"school-{first}.db") == 0  # its connection was closed
    assert use(first) is not engine  # rebuilt on its next use
    assert STORES.controllers() == [third, first]


def test_gazetteer_cache_is_bounded_by_controllers() -> None:
    from dsr.model import Profile, Subject
    from dsr.pipeline.redact.gazetteer import GazetteerCache

    built: list[str] = []
    cache = GazetteerCache(size=2)

    def index_of(key: str) -> None:
        def people() -> list[object]:
            built.append(key)
            return []

        subject = Subject(controller=key, reference="r", identifiers=frozenset(), profile=Profile(first_name="A"))
        cache.gazetteer("v1", people, subject)  # type: ignore[arg-type]

    for key in ("a", "b", "a", "c", "a", "b"):
        index_of(key)
    # a, b built; a cached; c evicts b; a cached; b evicted before: built again
    assert built == ["a", "b", "c", "b"]


def test_every_registry_setting_is_documented() -> None:
    from dsr.registry import RegistrySettings

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    reference = readme.split("## Configuration reference", 1)[1].split("\n## ", 1)[0]
    assert "[registry]" in reference and "[templates." in reference
    for field in RegistrySettings.__struct_fields__:
        assert re.search(rf"(^|[\s`]){field}( =|`)", reference, re.M), field
