"""What the requester is told will happen: the checks their request needs, where the answer goes,
and the next step — derived from the representation rules (``dsr.pipeline.representation.route``)
and the controller's age of consent, never from a number written into a text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from dsr.casefile import CaseState
from dsr.config import ControllerSettings
from dsr.pipeline.deadlines import add_months, due_date
from dsr.pipeline.representation import ADULTHOOD, Capacity, Requirement, Routing, route

#: the text (journey.check.…) for each check a request may need, in the order they happen
CHECK_TEXTS = {
    Requirement.GUARDIAN_VERIFICATION: "journey.check.guardian",
    Requirement.PUPIL_CONSENT: "journey.check.pupil_consent",
    Requirement.WRITTEN_AUTHORISATION: "journey.check.authorisation",
    Requirement.LEGAL_REPRESENTATION: "journey.check.legal_representation",
    Requirement.REPRESENTATIVE_VERIFIED: "journey.check.representative",
}

#: the next step the status page names for each stage (journey.next.…)
NEXT_STEP = {
    CaseState.RECEIVED: "journey.next.received",
    CaseState.IDENTITY_PENDING: "journey.next.identity_pending",
    CaseState.IDENTITY_CONFIRMED: "journey.next.working",
    CaseState.GATHERING: "journey.next.working",
    CaseState.REVIEW: "journey.next.working",
    CaseState.PREPARED: "journey.next.working",
    CaseState.APPROVED: "journey.next.approved",
    CaseState.DISPATCHED: "journey.next.dispatched",
    CaseState.CLOSED: "journey.next.closed",
    CaseState.REFUSED: "journey.next.refused",
    CaseState.WITHDRAWN: "journey.next.closed",
}
#: stages after which where the answer goes is no longer news
DELIVERED = frozenset({CaseState.DISPATCHED, CaseState.CLOSED, CaseState.REFUSED, CaseState.WITHDRAWN})


@dataclass(frozen=True, slots=True)
class Outlook:
    """Where the answer goes and what must be checked first, as text keys with their values."""

    routing: Routing
    delivery: str  #: journey.delivery.…
    checks: tuple[str, ...]

    @property
    def age_of_consent(self) -> int:
        return self.routing.age_of_consent

    @property
    def informal(self) -> bool:
        """A child asks for themselves: the pages say "du" to them."""
        return self.routing.to_guardians


def outlook(controller: ControllerSettings, acting: str, born: dt.date | None, received: dt.date) -> Outlook:
    routing = route(Capacity(acting), born, received, controller.pupil_age_of_consent)
    if routing.to_guardians:
        delivery = "journey.delivery.to_guardians"
    elif routing.capacity is Capacity.SELF:
        delivery = "journey.delivery.self"
    else:
        delivery = "journey.delivery.requester"
    # a child's own request: the school checks the parent the answer goes to
    checks = ("journey.check.child",) if routing.to_guardians else tuple(CHECK_TEXTS[n] for n in routing.needs)
    return Outlook(routing, delivery, checks)


def _latest_born(today: dt.date, years: int, counts: Callable[[dt.date], bool]) -> dt.date:
    """The latest date of birth for which ``counts`` holds, searched around ``years`` before today."""
    # start from the plain subtraction and let the rules decide around it (29 February)
    guess = add_months(today, -12 * years)
    for offset in range(3, -4, -1):
        day = guess + dt.timedelta(days=offset)
        if counts(day):
            return day
    return guess - dt.timedelta(days=4)


def youngest_alone(controller: ControllerSettings, today: dt.date) -> dt.date:
    """The latest date of birth with which someone asks for themselves without their parents
    today: the form's script compares the typed date with it to tell a child at once."""
    age = controller.pupil_age_of_consent
    return _latest_born(today, age, lambda born: not route(Capacity.SELF, born, today, age).to_guardians)


def adult_by(controller: ControllerSettings, today: dt.date) -> dt.date:
    """The latest date of birth of an adult today: a parent then needs the adult's authorisation,
    not the child's consent."""
    age = controller.pupil_age_of_consent

    def adult(born: dt.date) -> bool:
        return Requirement.WRITTEN_AUTHORISATION in route(Capacity.PARENT, born, today, age).needs

    return _latest_born(today, ADULTHOOD, adult)


def answer_due(received: dt.date, land: str) -> dt.date:
    """The deadline as the status page will show it at first (one month, GDPR Art. 12(3))."""
    return due_date(received, land)
