"""The James stores' DDL ships unchanged: ``dsr_connectors/james/*.sql`` are the customer's schema files."""

from __future__ import annotations

import hashlib

from dsr_connectors.james import SCHOOL_SQL, VENDOR_SQL, statements

#: SHA-256 of the customer's files (``shared/james/school.sql`` and ``vendor.sql``, the version this
#: release supports). A new schema from the customer: copy the files into dsr_connectors/james/ unchanged,
#: record their checksums here and adapt the mappings (school.toml, vendor.toml) to it.
CUSTOMER_SCHEMA = {
    "school.sql": "915ce846c994d267fb773605e60e32f2518fe5caa514fc15a21cd45ca3bc54b6",
    "vendor.sql": "41923bf3bbbbde665d8a8633b5fdb673e9e619247faf55356c5141d5491d74d0",
}


def test_shipped_ddl_is_the_customers_schema() -> None:
    shipped = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in (SCHOOL_SQL, VENDOR_SQL)}
    assert shipped == CUSTOMER_SCHEMA


def test_the_ddl_only_creates_tables() -> None:
    # the customer's schema is loaded as it is (create_schema): nothing in it may drop or change data
    for path in (SCHOOL_SQL, VENDOR_SQL):
        created = statements(path.read_text(encoding="utf-8"))
        assert created and all(
            s.upper().startswith(("CREATE TABLE", "CREATE INDEX", "CREATE UNIQUE INDEX")) for s in created
        )
