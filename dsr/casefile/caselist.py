"""The case list, one page at a time: filters, search and sorting done by the database.

An office with 30 new cases a day has 100 000 cases after a few years; the list must not read them
all to show fifty. :func:`case_list` filters, counts and sorts in SQL and builds the views of the one
page it shows (two more queries for the page: pauses of the deadline and open review items).
The sort by due date uses the stored ``due_on`` (moved by an extension); a deadline paused by an
open identity query is later than that, so "overdue" is checked again on the page's rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal
from zoneinfo import ZoneInfo

import msgspec
import sqlalchemy as sa

from dsr.casefile import clock
from dsr.casefile.case import CaseView, case_view
from dsr.casefile.codes import ALPHABET
from dsr.casefile.schema import cases, identity_queries, parties, review_items
from dsr.casefile.states import CaseState
from dsr.casefile.users import User
from dsr.config import DEFAULT_ZONE
from dsr.pipeline.deadlines import Deadline, pause_days

#: states whose deadline no longer runs (the list shows them as ended, never overdue)
ENDED = frozenset({CaseState.DISPATCHED, CaseState.CLOSED, CaseState.REFUSED, CaseState.WITHDRAWN})

Sort = Literal["due", "due_desc", "received"]
Assigned = Literal["mine", "unassigned"]
MAX_PER_PAGE = 500
#: the list counts matching cases up to this many (beyond: ``CaseList.more``)
COUNTED = 1000
#: a search matching more cases than this is left to the database as a subquery
MAX_IDS = 5000
#: what a reference ("DSR-2026-7F3K9Q") is made of: a word with anything else is no part of one
REFERENCE_CHARACTERS = frozenset("DSR-0123456789" + ALPHABET)
REFERENCE_LENGTH = 15


class CaseFilter(msgspec.Struct, frozen=True, kw_only=True):
    """What the officer asked the list for."""

    states: tuple[CaseState, ...] = ()
    controller: str | None = None
    #: words that must all appear in the reference, a name (subject or requester) or an e-mail address
    text: str = ""
    #: "mine": assigned to the user; "unassigned": to nobody
    assigned: Assigned | None = None
    overdue: bool = False
    sort: Sort = "due"
    page: int = 1
    per_page: int = 50


class ListedCase(msgspec.Struct, frozen=True, kw_only=True):
    """A row of the list: the case and whom it is about (as the request gave it: personal data)."""

    case: CaseView
    name: str
    email: str


class CaseList(msgspec.Struct, frozen=True, kw_only=True):
    cases: list[ListedCase]
    total: int  #: cases matching the filter, on every page (at most COUNTED + 1)
    page: int
    per_page: int

    @property
    def more(self) -> bool:
        """More than :data:`COUNTED` cases match (``total`` is then not their number)."""
        return self.total > COUNTED

    @property
    def last_page(self) -> bool:
        return self.page * self.per_page >= self.total


def _found(conn: sa.Connection, text: str) -> list[Any]:
    """The search as WHERE clauses: every word in the subject's or requester's name or address
    (``parties.search``, casefolded) or in the reference ("DSR-2026-7F3K9Q"); trigram indexes serve
    both on PostgreSQL. The matching case ids are read first, each
    word on its own: the planner cannot misjudge a search joined into the sorted, limited list."""
    ids: set[int] | None = None
    selects = []
    search: Any = parties.c.search
    reference: Any = cases.c.reference
    if conn.dialect.name == "mysql":
        # MariaDB compares ignoring accents ("ä" = "a"); the search key is casefolded already: compare as written
        search, reference = search.collate("utf8mb4_bin"), reference.collate("utf8mb4_bin")
    for word in text.split()[:8]:
        found: Any = sa.select(parties.c.case_id).where(search.like(_anywhere(word.casefold()), escape="/"))
        if len(word) <= REFERENCE_LENGTH and set(word.upper()) <= REFERENCE_CHARACTERS:
            by_reference = sa.select(cases.c.id).where(reference.like(_anywhere(word.upper()), escape="/"))
            found = sa.union(found, by_reference)
        selects.append(found)
        matched = set(conn.execute(found).scalars())
        ids = matched if ids is None else ids & matched
    if ids is None:
        return []
    if len(ids) > MAX_IDS:  # words as common as "a e": left to the database
        return [cases.c.id.in_(found) for found in selects]
    return [cases.c.id.in_(sorted(ids))]


def _matching(user: User, wanted: CaseFilter, today: dt.date) -> list[Any]:
    """The WHERE clauses of ``wanted`` for cases of the user's controllers."""
    allowed = sorted(user.controllers & {wanted.controller} if wanted.controller else user.controllers)
    where: list[Any] = [cases.c.controller.in_(allowed), cases.c.purged_at.is_(None)]
    if wanted.states:
        where.append(cases.c.state.in_(sorted(s.value for s in wanted.states)))
    if wanted.assigned == "mine":
        where.append(cases.c.assignee == user.id)
    elif wanted.assigned == "unassigned":
        where.append(cases.c.assignee.is_(None))
    if wanted.overdue:
        where += [cases.c.due_on < today, cases.c.state.not_in(sorted(s.value for s in ENDED))]
    return where


def _anywhere(word: str) -> str:
    """A LIKE pattern for ``word`` anywhere, its wildcards escaped (one literal: an index can use it)."""
    return "%" + word.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


_ORDER = {
    "due": (cases.c.due_on, cases.c.reference),
    "due_desc": (cases.c.due_on.desc(), cases.c.reference.desc()),
    "received": (cases.c.received_at.desc(), cases.c.reference.desc()),
}


def case_list(
    engine: sa.Engine,
    user: User,
    wanted: CaseFilter,
    *,
    today: dt.date | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> CaseList:
    """One page of the cases of the user's controllers that match ``wanted``; days of receipt and
    today in ``zone`` (``Settings.zone``)."""
    today = today or clock.today(zone)
    per_page = min(max(wanted.per_page, 1), MAX_PER_PAGE)
    page = max(wanted.page, 1)
    subject = parties.alias("subject")
    query = sa.select(cases, subject.c.name.label("subject_name"), subject.c.email.label("subject_email")).select_from(
        cases.outerjoin(subject, sa.and_(subject.c.case_id == cases.c.id, subject.c.role == "subject"))
    )
    with engine.connect() as conn:
        where = _matching(user, wanted, today) + _found(conn, wanted.text)
        # counted up to COUNTED only: "more than 1 000" is all a person reads from a larger number
        counted = sa.select(cases.c.id).where(*where).limit(COUNTED + 1).subquery()
        total = conn.execute(sa.select(sa.func.count()).select_from(counted)).scalar_one()
        rows = conn.execute(
            query.where(*where).order_by(*_ORDER[wanted.sort]).limit(per_page).offset((page - 1) * per_page)
        ).all()
        views = _views(conn, rows, today, zone)
    listed = [
        ListedCase(case=view, name=row.subject_name or "", email=row.subject_email or "")
        for row, view in zip(rows, views, strict=True)
        if not (wanted.overdue and view.days_left >= 0)  # paused meanwhile: not overdue after all
    ]
    return CaseList(cases=listed, total=total, page=page, per_page=per_page)


def _views(conn: sa.Connection, rows: Sequence[Any], today: dt.date, zone: ZoneInfo) -> list[CaseView]:
    """The views of a page's rows: their deadlines (with pauses) and open review items, in two queries."""
    ids = [r.id for r in rows]
    pauses: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    open_items: dict[int, int] = {}
    if ids:
        for case_id, sent, answered in conn.execute(
            sa.select(identity_queries.c.case_id, identity_queries.c.sent_on, identity_queries.c.answered_on).where(
                identity_queries.c.case_id.in_(ids)
            )
        ):
            pauses.setdefault(case_id, []).append((sent, answered))
        open_items = dict(
            conn.execute(
                sa.select(review_items.c.case_id, sa.func.count())
                .where(review_items.c.case_id.in_(ids), review_items.c.decision.is_(None))
                .group_by(review_items.c.case_id)
            ).all()
        )
    views = []
    for row in rows:
        paused = pause_days(pauses.get(row.id, []), today)
        deadline = Deadline(row.received_at, row.land, paused_days=paused, zone=zone)
        if row.extension_months:
            deadline = deadline.extend(row.extension_months, row.extension_notice_on)
        views.append(case_view(row, deadline, open_items.get(row.id, 0), today))
    return views
