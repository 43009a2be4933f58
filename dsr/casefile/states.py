"""The life of a case: its states, the moves between them, and the kinds of request.

    received ─┬─> identity_pending ──> identity_confirmed ──> gathering ──> review ──> prepared
              └──────────────────────> identity_confirmed        ^            ^  │        │
                                                                 └── review ──┘  └─ back ─┘
    prepared ──> approved ──> dispatched ──> closed
    any open state ──> refused | withdrawn

The guards that need data (ambiguous identity, open review items, four eyes, extension, a refusal
only as a proposal confirmed by a second person) live in ``workflow.py``; this module knows only
which moves exist.
"""

from __future__ import annotations

import enum

from dsr.casefile.errors import TransitionRefused


class CaseState(enum.StrEnum):
    RECEIVED = "received"
    IDENTITY_PENDING = "identity_pending"  #: a justified identity query is outstanding
    IDENTITY_CONFIRMED = "identity_confirmed"
    GATHERING = "gathering"
    REVIEW = "review"
    PREPARED = "prepared"
    APPROVED = "approved"
    DISPATCHED = "dispatched"
    CLOSED = "closed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class RequestType(enum.StrEnum):
    ACCESS = "access"  #: Art. 15
    COPY = "copy"  #: Art. 15(3) copy / Art. 20 portability
    RECTIFICATION = "rectification"  #: Art. 16
    ERASURE = "erasure"  #: Art. 17
    RESTRICTION = "restriction"  #: Art. 18
    OBJECTION = "objection"  #: Art. 21


class Acting(enum.StrEnum):
    SELF = "self"
    PARENT = "parent"  #: for a child; verified against guardian records
    REPRESENTATIVE = "representative"  #: needs a written authorisation, recorded


class Channel(enum.StrEnum):
    PORTAL = "portal"
    POST = "post"
    EMAIL = "email"
    IN_PERSON = "in_person"


class DispatchMethod(enum.StrEnum):
    POST = "post"
    DOWNLOAD = "download"


S = CaseState
TERMINAL = frozenset({S.CLOSED, S.REFUSED, S.WITHDRAWN})
#: states in which the deadline runs (the answer has not gone out yet)
OPEN = frozenset(set(S) - TERMINAL - {S.DISPATCHED})

_FLOW: dict[CaseState, frozenset[CaseState]] = {
    S.RECEIVED: frozenset({S.IDENTITY_PENDING, S.IDENTITY_CONFIRMED}),
    S.IDENTITY_PENDING: frozenset({S.IDENTITY_CONFIRMED}),
    S.IDENTITY_CONFIRMED: frozenset({S.GATHERING}),
    S.GATHERING: frozenset({S.REVIEW}),
    S.REVIEW: frozenset({S.PREPARED, S.GATHERING}),
    S.PREPARED: frozenset({S.APPROVED, S.REVIEW}),
    S.APPROVED: frozenset({S.DISPATCHED, S.REVIEW}),
    S.DISPATCHED: frozenset({S.CLOSED}),
}


def allowed(current: CaseState) -> frozenset[CaseState]:
    """The states a case in ``current`` may move to."""
    moves = set(_FLOW.get(current, frozenset()))
    if current in OPEN:
        moves |= {S.REFUSED, S.WITHDRAWN}
    return frozenset(moves)


def check_move(current: CaseState, target: CaseState) -> None:
    if target not in allowed(current):
        raise TransitionRefused(
            f"a case that is {current.value} cannot become {target.value}",
            code="transition",
            current=current.value,
            target=target.value,
        )
