"""The James stores: their DDL (an unchanged copy of ``shared/james``) and dataset mappings.

``school.sql`` and ``vendor.sql`` are byte-identical copies of the customer's schema files
(``tests/connectors/test_james.py`` checks them against the schema files' recorded SHA-256); they are shipped so that ``dsr demo-data``
works from an installed package.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import sqlalchemy as sa

HERE = Path(str(files(__name__)))
SCHOOL_SQL = HERE / "school.sql"
VENDOR_SQL = HERE / "vendor.sql"
#: built-in dataset mappings, by the name used in ``mapping = "…"``
MAPPINGS = {"james-school": HERE / "school.toml", "james-vendor": HERE / "vendor.toml"}


def statements(ddl: str) -> list[str]:
    """Split a portable DDL file into statements (comments dropped)."""
    lines = [line.split("--", 1)[0] for line in ddl.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def create_schema(engine: sa.Engine, ddl_file: Path) -> None:
    """Load a DDL file unchanged into an empty database (SQLite, PostgreSQL or MariaDB)."""
    with engine.begin() as conn:
        for stmt in statements(ddl_file.read_text(encoding="utf-8")):
            conn.exec_driver_sql(stmt)
