"""The answer deadline: one month from receipt, computed per Regulation (EEC, Euratom) 1182/71.

    Art. 3(1)  the day of receipt does not count;
    Art. 3(2c) a period in months ends at the end of the day in the last month with the same
               date as the day of receipt — or of that month's last day when it has no such date
               (31 January + 1 month → 28/29 February);
    Art. 3(4)  a period ending on a Saturday, Sunday or public holiday ends at the end of the
               next working day. Holidays are the controller's Land's (``holidays``, subdiv=Land).

GDPR Art. 12(3): the month may be extended by up to two further months, but only with a notice
sent *within* the first month. The clock is paused only while a justified identity query is
outstanding (a clarification question does not pause it); paused days push the end back.

Receipt times are read in the controller's local time (``[dsr] timezone``, ``zone``; Europe/Berlin
unless set): a request arriving 23:30 UTC on 31 January was received on 1 February in Germany, on
31 January in New York. The holidays stay the Land's.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from dsr.config import DEFAULT_ZONE, LANDS
from dsr.errors import DSRError

#: GDPR Art. 12(3): "by two further months where necessary"
MAX_EXTENSION_MONTHS = 2


class ExtensionNotAllowed(DSRError):
    """The deadline cannot be extended as asked (too long, or the notice came too late)."""


def receipt_day(received: dt.datetime | dt.date, zone: ZoneInfo = DEFAULT_ZONE) -> dt.date:
    """The local calendar day in ``zone`` on which a request arrived (naive times are local already)."""
    if isinstance(received, dt.datetime):
        if received.tzinfo is not None:
            received = received.astimezone(zone)
        return received.date()
    return received


def add_months(day: dt.date, months: int) -> dt.date:
    """Same date ``months`` later, or that month's last day when the date does not exist."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@lru_cache(maxsize=256)
def _holidays(land: str, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("DE", subdiv=land, years=year))


def _check_land(land: str) -> None:
    if land not in LANDS:
        raise ValueError(f"unknown Land {land!r}; one of {', '.join(LANDS)}")


def is_working_day(day: dt.date, land: str) -> bool:
    """Monday to Friday and not a public holiday in ``land``."""
    _check_land(land)
    return day.weekday() < 5 and day not in _holidays(land, day.year)


def next_working_day(day: dt.date, land: str) -> dt.date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day, land):
        day += dt.timedelta(days=1)
    return day


def due_date(
    received: dt.datetime | dt.date,
    land: str,
    *,
    months: int = 1,
    paused_days: int = 0,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> dt.date:
    """The last day on which the answer is in time (counted from the day of receipt in ``zone``)."""
    if months < 1:
        raise ValueError("a deadline runs for at least one month")
    if paused_days < 0:
        raise ValueError("paused days cannot be negative")
    end = add_months(receipt_day(received, zone), months) + dt.timedelta(days=paused_days)
    return next_working_day(end, land)


def pause_days(intervals: Iterable[tuple[dt.date, dt.date | None]], today: dt.date) -> int:
    """Days the clock stood still: from sending a justified identity query to the reply.

    An interval still open (reply not yet received) counts up to ``today``.
    """
    total = 0
    for start, end in intervals:
        stop = end if end is not None else today
        total += max(0, (stop - start).days)
    return total


@dataclass(frozen=True, slots=True)
class Deadline:
    """The deadline of one request, with its extension and pauses."""

    received: dt.datetime | dt.date
    land: str
    extension_months: int = 0
    paused_days: int = 0
    #: when the extension notice was sent (kept so the decision can be shown)
    extension_notice: dt.date | None = None
    #: the local time that decides the day of receipt (``Settings.zone``)
    zone: ZoneInfo = DEFAULT_ZONE

    def __post_init__(self) -> None:
        _check_land(self.land)

    @property
    def first_month_ends(self) -> dt.date:
        """End of the first month: the last day an extension notice may go out."""
        return due_date(self.received, self.land, paused_days=self.paused_days, zone=self.zone)

    @property
    def due(self) -> dt.date:
        return due_date(
            self.received, self.land, months=1 + self.extension_months, paused_days=self.paused_days, zone=self.zone
        )

    def days_left(self, today: dt.date) -> int:
        """Days until the due date; 0 on the day itself, negative when overdue."""
        return (self.due - today).days

    def overdue(self, today: dt.date) -> bool:
        return today > self.due

    def extend(self, months: int, notice_sent: dt.date) -> Deadline:
        """Extend by ``months`` more, the notice having been sent on ``notice_sent``."""
        if months < 1:
            raise ExtensionNotAllowed("an extension adds at least one month")
        if self.extension_months + months > MAX_EXTENSION_MONTHS:
            raise ExtensionNotAllowed(f"the deadline may be extended by at most {MAX_EXTENSION_MONTHS} months in total")
        if notice_sent < receipt_day(self.received, self.zone):
            raise ExtensionNotAllowed("the extension notice cannot predate the request")
        if notice_sent > self.first_month_ends:
            raise ExtensionNotAllowed(
                f"the extension notice must be sent within the first month (by {self.first_month_ends.isoformat()})"
            )
        return replace(self, extension_months=self.extension_months + months, extension_notice=notice_sent)

    def paused(self, days: int) -> Deadline:
        """The same deadline with ``days`` (total) paused for a justified identity query."""
        return replace(self, paused_days=days)
