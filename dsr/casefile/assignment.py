"""Who works a case: an officer takes it ("Mir zuweisen") or gives it to a colleague.

The assignee is a member of the case's controller (officer, approver or admin there), never anyone
else; every change is an audit event naming both the new and the former assignee by id.
"""

from __future__ import annotations

import datetime as dt

import msgspec
import sqlalchemy as sa

from dsr.casefile import audit, clock
from dsr.casefile.errors import InputRejected, NotFound
from dsr.casefile.permission import load_case
from dsr.casefile.schema import cases, memberships, users
from dsr.casefile.users import User

#: the roles that work cases (an assignee has one of them at the case's controller)
WORKING_ROLES = ("officer", "approver", "admin")


class Colleague(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    username: str


def colleagues(engine: sa.Engine, user: User, controller: str) -> list[Colleague]:
    """Active staff of ``controller`` a case may be given to (the user must be a member there)."""
    if controller not in user.controllers:
        raise NotFound(f"no controller {controller} for this user")
    with engine.connect() as conn:
        return _colleagues(conn, controller)


def _colleagues(conn: sa.Connection, controller: str) -> list[Colleague]:
    rows = conn.execute(
        sa.select(users.c.id, users.c.username)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(memberships.c.controller == controller, memberships.c.role.in_(WORKING_ROLES), users.c.active)
        .distinct()
        .order_by(users.c.username)
    ).all()
    return [Colleague(id=r.id, username=r.username) for r in rows]


def assign(
    engine: sa.Engine, user: User, reference: str, assignee: int | None, *, now: dt.datetime | None = None
) -> None:
    """Give the case to ``assignee`` (a user id; the officer themselves to take it), or to nobody (None)."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        if assignee is not None and assignee not in {c.id for c in _colleagues(conn, case.controller)}:
            raise InputRejected(
                "a case is assigned to an active colleague of its controller", code="assignee_not_colleague"
            )
        if case.assignee == assignee:
            return  # nothing changes: no event
        conn.execute(sa.update(cases).where(cases.c.id == case.id).values(assignee=assignee, updated_at=now))
        audit.append(
            conn,
            "case assigned",
            actor=user.actor,
            case_ref=reference,
            now=now,
            detail={"assignee": assignee, "previous": case.assignee},
        )
