"""Other controllers the subject may also ask: a hint for the officer, never their data.

A request is addressed to one controller, and only that controller's stores are gathered. The
same human may also be known to another controller — a teacher who is the vendor's customer
contact. The case page says so, so the officer can tell the requester that a request to that
controller is possible; nothing of the other controller's records is read or shown.

Only e-mail addresses link people across controllers. Card numbers and login names are unique
within one school only (``L0004711`` or ``anna.schmidt`` at another school is another pupil),
and names are never evidence on their own. An address shared by a family can still give a
hint about the wrong person; since only a controller's key is shown, that costs nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import msgspec

from dsr.config import Settings, connect
from dsr.connector import Connector
from dsr.errors import ConfigError, ConnectorError
from dsr.model import Descriptor, IdentifierKind, Subject

log = logging.getLogger(__name__)


class Unreachable(msgspec.Struct, frozen=True):
    """A store of another controller that could not be asked. ``problem`` holds no personal data."""

    controller: str
    store: str | None  #: None when the controller's configuration itself is wrong
    problem: str


class OtherControllers(msgspec.Struct, frozen=True, kw_only=True):
    """Keys of other controllers that know the subject's e-mail address, and what could not be asked."""

    found: tuple[str, ...] = ()
    unreachable: tuple[Unreachable, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.unreachable


def other_controllers(
    settings: Settings,
    controller_key: str,
    subject: Subject,
    connectors_of: Callable[[Settings, str], Sequence[Connector]] = connect,
) -> OtherControllers:
    """Other controllers in ``settings`` where an e-mail address of ``subject`` finds a candidate.

    Returns controller keys only. A store that is down or misconfigured is reported in
    ``unreachable`` and the others are still asked. ``connectors_of`` builds a controller's
    connectors (default :func:`dsr.config.connect`); they are closed afterwards.
    """
    emails = subject.values(IdentifierKind.EMAIL)
    if not emails:
        return OtherControllers()
    found: list[str] = []
    unreachable: list[Unreachable] = []
    for key in sorted(settings.controllers):
        if key == controller_key:
            continue
        try:
            connectors = list(connectors_of(settings, key))
        except ConfigError:
            unreachable.append(Unreachable(key, None, "configuration error (run dsr check)"))
            continue
        try:
            if _knows(key, connectors, emails, unreachable):
                found.append(key)
        finally:
            for c in connectors:
                c.close()
    return OtherControllers(found=tuple(found), unreachable=tuple(unreachable))


def _knows(key: str, connectors: Sequence[Connector], emails: tuple[str, ...], unreachable: list[Unreachable]) -> bool:
    for connector in connectors:
        try:
            for email in emails:
                for candidate in connector.candidates(Descriptor(email=email)):
                    if not candidate.conflicts and any(e.kind is IdentifierKind.EMAIL for e in candidate.evidence):
                        return True
        except ConnectorError as exc:
            unreachable.append(Unreachable(key, connector.name, exc.problem))
        except Exception as exc:  # noqa: BLE001 - a hint must never cost the case
            # the type only: driver messages may quote the e-mail address asked about
            log.warning("controller %s store %s failed (%s)", key, connector.name, type(exc).__name__)
            unreachable.append(Unreachable(key, connector.name, type(exc).__name__))
    return False
