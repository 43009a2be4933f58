""" "Auf einen Blick": how many records of each kind the copy holds, and since when."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from dsr.pipeline.compose.copy import Source
from dsr.pipeline.compose.letter import GlanceLine
from dsr.pipeline.compose.values import date_text
from dsr.pipeline.compose.wording import Wording


def glance(sources: Sequence[Source], words: Wording) -> tuple[GlanceLine, ...]:
    """A line per collection the copy lists ("Ausleihen 57 seit 11.11.2019"), in the copy's
    order; a collection printed only within others' rows (the items of loans) has none. ``since``:
    the date of the oldest record by the collection's ``order_by``, "" without one."""
    lines = []
    for src in sources:
        table = src.section.table
        count = len(table.rows) if table is not None else src.section.size
        if not count:
            continue
        lines.append(GlanceLine(label=_noun(src, count, words), count=count, since=_since(src, words)))
    return tuple(lines)


def _noun(src: Source, count: int, words: Wording) -> str:
    # "1 Gebühr", "3 Gebühren": the mapping's noun; a title ("Ihr Benutzerkonto") speaks to the
    # reader in one form of address, a count on page 1 must read in every one
    forms = src.spec.noun.get(words.language)
    if not forms:
        return src.section.title
    return forms[0] if count == 1 else forms[1]


def _since(src: Source, words: Wording) -> str:
    name = src.spec.order_by
    if not name:
        return ""
    dates = [
        f.value
        for r in src.records
        for f in r.fields
        if f.name == name and isinstance(f.value, dt.date)  # (a datetime is a date too)
    ]
    if not dates:
        return ""
    # aware and naive times do not compare: the day in the letter's zone decides
    oldest = min(dates, key=lambda d: date_text(d, "en"))
    return date_text(oldest, words.language)
