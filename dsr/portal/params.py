"""Bounds on values that come from outside: row ids in paths and bodies, codes from a fixed list.

The portal's id columns are 32-bit integers on every database; a larger number in a URL or a
JSON body would make the driver raise (OverflowError on SQLite, "out of range" on PostgreSQL),
which is the client's mistake, not ours: it is refused as a 400 before any query runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated

import msgspec
from litestar.params import PathParameter

#: the largest id a row can have (signed 32-bit INTEGER on SQLite, PostgreSQL and MariaDB)
MAX_ROW_ID = 2**31 - 1

#: a row id in the path, e.g. ``/documents/{document_id:int}``
RowIdPath = Annotated[int, PathParameter(ge=1, le=MAX_ROW_ID)]

#: a row id in a JSON body or form
RowId = Annotated[int, msgspec.Meta(ge=1, le=MAX_ROW_ID)]


def row_id(text: str) -> int | None:
    """A row id typed into a form field, or None when it cannot be one."""
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ROW_ID else None


def one_of(codes: Iterable[str], description: str | None = None) -> msgspec.Meta:
    """A string that must be one of ``codes`` (a list kept by the domain, e.g. the reason codes):
    msgspec enforces it as a pattern, the OpenAPI document lists it as an enum."""
    values = list(dict.fromkeys(str(c) for c in codes))
    return msgspec.Meta(
        pattern="^(?:" + "|".join(_literal(v) for v in values) + ")$",
        extra_json_schema={"description": description, "extra": {"enum": values}},
    )


def _literal(code: str) -> str:
    """``code`` in a pattern: as written when it is plain (``bdsg-34``, readable in an error), else escaped."""
    return code if re.fullmatch(r"[\w-]+", code) else re.escape(code)
