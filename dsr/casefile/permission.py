"""Loading a case for a user: the one place where controller membership and roles are checked.

A user who is not a member of the case's controller gets :class:`NotFound`, exactly as for a
reference that does not exist, so nothing leaks about other controllers' cases.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from dsr.casefile.errors import AccessDenied, NotFound
from dsr.casefile.schema import cases, identity_queries
from dsr.casefile.users import User
from dsr.pipeline.deadlines import Deadline, pause_days

Row = sa.Row[Any]


def load_case(conn: sa.Connection, user: User | None, reference: str, role: str = "officer") -> Row:
    """The case row, locked for update. ``user=None`` is the system itself (workers, requester flows)."""
    row = conn.execute(sa.select(cases).where(cases.c.reference == reference).with_for_update()).first()
    if row is None or (user is not None and row.controller not in user.controllers):
        raise NotFound(f"no case {reference}")
    if user is not None and not user.can(row.controller, role):
        raise AccessDenied(f"user {user.id} is not {role} for this controller", code="role", role=role)
    return row


def deadline_of(conn: sa.Connection, row: Row, today: dt.date, zone: ZoneInfo) -> Deadline:
    """The case's deadline as of ``today`` (an unanswered identity query keeps pausing it), its day
    of receipt read in ``zone`` (``Settings.zone``)."""
    pauses = conn.execute(
        sa.select(identity_queries.c.sent_on, identity_queries.c.answered_on).where(
            identity_queries.c.case_id == row.id
        )
    ).all()
    paused = pause_days([(p[0], p[1]) for p in pauses], today)
    deadline = Deadline(row.received_at, row.land, paused_days=paused, zone=zone)
    if row.extension_months:
        deadline = deadline.extend(row.extension_months, row.extension_notice_on)
    return deadline


def actor_of(user: User | None) -> str:
    return user.actor if user is not None else "system"
