"""The fixed retention periods the built-in registers state (dsr_connectors/james/register-*.toml), as
windows before the demo's "now": the generator writes no record its own register says is deleted.

A demo letter prints the register's period next to the records; an April log line under
"14 days" would contradict it. tests/demo/test_retention.py reads the periods from the registers.
"""

from __future__ import annotations

import datetime as dt

#: web-logs (school and vendor): "14 days, then deleted" — one file per day, today's included
WEB_LOG_DAYS = 14
#: catalogue-logins: "Log-in records 90 days" — counted from the start of a day, a margin for the clock
LOGIN_DAYS = 89
#: catalogue-search: "30 days"
SEARCH_DAYS = 29
#: reservations: "then at most three months" after closing — 85 days is under any three months
RESERVATION_CLOSED_DAYS = 85
#: notices: "One year after sending"
NOTICE_YEARS = 1
#: staff-permissions: "Three years after the permission ends"
PERMISSION_YEARS = 3
#: support (vendor): "Two years after the request was closed"
TICKET_YEARS = 2
#: invoicing (vendor): "Eight years from the end of the calendar year in which the invoice was issued"
INVOICE_YEARS = 8


def day_start(now: dt.datetime, days_back: int) -> dt.datetime:
    """Midnight ``days_back`` days before ``now``'s day: the first moment of a window of whole days."""
    return dt.datetime.combine(now.date() - dt.timedelta(days=days_back), dt.time())


def first_invoice_year(now: dt.datetime) -> int:
    """Invoices of this year and later are still kept (the period ends on 31 December, ``INVOICE_YEARS`` later)."""
    return now.year - INVOICE_YEARS
