"""The date of birth as three fields (Tag / Monat / Jahr), checked the GOV.UK way.

Browsers show ``<input type="date">`` in their own locale's order (``mm/dd/yyyy`` in an English
Chromium on a German page), so the form asks for day, month and year separately and each mistake
gets its own message: a missing part is named, an impossible date (31 April) is "not a real date",
a date after today "must be in the past". The date is optional: three empty fields are no date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

EARLIEST = dt.date(1900, 1, 1)
PARTS = ("day", "month", "year")


@dataclass(frozen=True, slots=True)
class TypedDate:
    """The three fields as typed (re-shown on errors)."""

    day: str = ""
    month: str = ""
    year: str = ""

    @classmethod
    def from_iso(cls, value: str) -> TypedDate:
        """``2012-05-03`` (the JSON API's form) as three fields; anything else is kept so that it is
        reported as not a real date rather than silently dropped."""
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            # 31.02.2010 or 2010-2-31: judged part by part like the form's fields
            parts = value.replace("/", ".").replace("-", ".").split(".")
            if len(parts) == 3:
                first, middle, last = (p.strip() for p in parts)
                return cls(last, middle, first) if len(first) == 4 else cls(first, middle, last)
            return cls("?", "?", value)
        return cls(str(day.day), str(day.month), str(day.year))

    @property
    def empty(self) -> bool:
        return not (self.day or self.month or self.year)


@dataclass(frozen=True, slots=True)
class DateProblem:
    key: str  #: text key (form.error.date_…)

    @property
    def part(self) -> str:
        """The field to link to and mark: day, month or year."""
        return part_of(self.key)


def read_birth_date(typed: TypedDate, today: dt.date) -> dt.date | DateProblem | None:
    """The date, what is wrong with it, or None when nothing was entered."""
    if typed.empty:
        return None
    missing = [p for p in PARTS if not getattr(typed, p)]
    if len(missing) == 1:
        return DateProblem(f"form.error.date_missing_{missing[0]}")
    if missing:
        return DateProblem("form.error.date_incomplete")
    numbers: dict[str, int] = {}
    for part in PARTS:
        value = getattr(typed, part)
        if not (value.isascii() and value.isdigit()):
            return DateProblem("form.error.date_not_real")
        numbers[part] = int(value)
    if len(typed.year) != 4:
        return DateProblem("form.error.date_year")
    if not 1 <= numbers["month"] <= 12:
        return DateProblem("form.error.date_not_real")
    try:
        born = dt.date(numbers["year"], numbers["month"], numbers["day"])
    except ValueError:
        return DateProblem("form.error.date_not_real")
    if born >= today:
        return DateProblem("form.error.date_future")
    if born < EARLIEST:
        return DateProblem("form.error.date_too_early")
    return born


def part_of(key: str) -> str:
    """The field a date problem's text key points at (for the error summary's link and the mark)."""
    for part in PARTS:
        if key.endswith(f"_missing_{part}"):
            return part
    return "year" if key in ("form.error.date_year", "form.error.date_too_early") else "day"
