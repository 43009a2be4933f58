"""The case's history as the officer reads it: page views folded, everything else line by line.

Every view of a case's personal data stays an event of the audit chain (Art. 5(2) GDPR: who saw
what, when). Read as a history, though, fifty "viewed" lines bury the three that matter, so views
by one person in a row become one line: "12× angesehen von anna (07:02–07:40)".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dsr.casefile import Event

#: audit actions that only record that someone looked
VIEWS = frozenset({"request details viewed", "gathered data viewed"})


@dataclass(frozen=True)
class HistoryLine:
    first: dt.datetime
    last: dt.datetime
    actor: str
    action: str  #: the audit action (for ``data-action``)
    event: Event  #: the (last) event: its detail says what changed
    views: int = 0  #: > 0: a folded run of views


def fold(events: list[Event]) -> list[HistoryLine]:
    """Events oldest first; consecutive views by the same actor become one line."""
    lines: list[HistoryLine] = []
    for e in events:
        if e.action in VIEWS:
            previous = lines[-1] if lines else None
            if previous is not None and previous.views and previous.actor == e.actor:
                lines[-1] = HistoryLine(previous.first, e.at, e.actor, "viewed", e, previous.views + 1)
                continue
            lines.append(HistoryLine(e.at, e.at, e.actor, "viewed", e, 1))
            continue
        lines.append(HistoryLine(e.at, e.at, e.actor, e.action, e))
    return lines
