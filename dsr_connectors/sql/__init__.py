"""The declarative SQL connector: any SQLAlchemy database, described by a TOML dataset mapping.

mapping.py   the mapping format, parsed and validated (docs/mapping.md)
database.py  reflected tables, batched IN queries, errors free of personal data
people.py    candidates, identifiers and the gazetteer
records.py   collections walked for one subject → Records
schema.py    the mapping against the live schema (dsr check)
connector.py SQLConnector, the entry point ``sql``
"""

from dsr_connectors.sql.connector import SQLConnector, resolve_mapping
from dsr_connectors.sql.mapping import Mapping, load_mapping, parse_mapping

__all__ = ["Mapping", "SQLConnector", "load_mapping", "parse_mapping", "resolve_mapping"]
