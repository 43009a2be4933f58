"""Due and overdue cases, for the officer's list, ``dsr deadlines`` (cron) and the daily digest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

import msgspec
import sqlalchemy as sa

from dsr.casefile import clock
from dsr.casefile.permission import deadline_of
from dsr.casefile.schema import cases
from dsr.casefile.states import OPEN, CaseState
from dsr.config import DEFAULT_ZONE


class DueCase(msgspec.Struct, frozen=True, kw_only=True):
    reference: str
    controller: str
    state: CaseState
    due_on: dt.date
    days_left: int
    overdue: bool
    paused: bool  #: a justified identity query is outstanding


def due_cases(
    engine: sa.Engine,
    *,
    today: dt.date | None = None,
    within_days: int = 7,
    controllers: Iterable[str] | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> list[DueCase]:
    """Open cases due within ``within_days`` or overdue, most urgent first; days of receipt and
    today in ``zone`` (``Settings.zone``)."""
    today = today or clock.today(zone)
    query = sa.select(cases).where(cases.c.state.in_([s.value for s in OPEN]))
    if controllers is not None:
        query = query.where(cases.c.controller.in_(sorted(controllers)))
    result = []
    with engine.connect() as conn:
        for row in conn.execute(query):
            deadline = deadline_of(conn, row, today, zone)
            left = deadline.days_left(today)
            if left <= within_days:
                result.append(
                    DueCase(
                        reference=row.reference,
                        controller=row.controller,
                        state=CaseState(row.state),
                        due_on=deadline.due,
                        days_left=left,
                        overdue=deadline.overdue(today),
                        paused=row.state == CaseState.IDENTITY_PENDING.value,
                    )
                )
    return sorted(result, key=lambda d: (d.due_on, d.reference))


def any_overdue(due: Iterable[DueCase]) -> bool:
    """For the cron exit code: 1 when this is true."""
    return any(d.overdue for d in due)


#: the digest is German (the staff of a German school); a state in its words, as on the officer pages
DIGEST_STATES = {
    "received": "eingegangen",
    "identity_pending": "Identitätsnachfrage offen",
    "identity_confirmed": "Identität bestätigt",
    "gathering": "Daten werden gesammelt",
    "review": "in der Schwärzungsprüfung",
    "prepared": "wartet auf Freigabe",
    "approved": "freigegeben",
}


def deadline_digest(due: list[DueCase], today: dt.date, controllers: Mapping[str, str] | None = None) -> str:
    """The daily digest e-mail body: references and dates only, no personal data. ``controllers``:
    key → name (``[controllers.X] name``), so the mail names the school, not its key."""
    names = controllers or {}
    if not due:
        return f"Keine fälligen Anfragen am {today:%d.%m.%Y}.\n"
    lines = [f"Fällige Anfragen am {today:%d.%m.%Y}:", ""]
    for d in due:
        if d.overdue:
            when = f"ÜBERFÄLLIG seit {-d.days_left} Tag(en)"
        elif d.days_left == 0:
            when = "heute fällig"
        else:
            when = f"noch {d.days_left} Tag(e)"
        note = " (Identitätsnachfrage offen)" if d.paused else ""
        state = DIGEST_STATES.get(d.state.value, d.state.value)
        controller = names.get(d.controller, d.controller)
        lines.append(f"{d.reference}  {controller}  {state}  fällig {d.due_on:%d.%m.%Y}  {when}{note}")
    return "\n".join(lines) + "\n"
