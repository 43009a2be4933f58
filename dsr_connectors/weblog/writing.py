"""The web-log store's write side: it has none but time. A log line cannot be edited or taken out
of a rotated, compressed file; it expires when rotation deletes its file (``keep_days``). The
erasure plan says so, with the day; a restriction is kept on dsr's own list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dsr.writing import (
    Applied,
    Erase,
    EraseAction,
    Restrict,
    RestrictHow,
    Step,
    StepAction,
    StoreWriter,
    WriteError,
    WriteRules,
)
from dsr_connectors.weblog.specs import ANONYMOUS, LINES

NOTE = {
    "de": "Server-Protokolle lassen sich nicht bearbeiten; die Zeilen werden mit der Rotation der Protokolle gelöscht.",
    "en": "Server logs cannot be edited; the lines are deleted when the logs are rotated.",
}


class LogWriter(StoreWriter):
    def __init__(self, store: str, keep_days: int) -> None:
        super().__init__(store)
        erase = Erase(action=EraseAction.EXPIRES, expires_after_days=keep_days, note=NOTE)
        self.rules_ = {
            c: WriteRules(store=store, collection=c, erase=erase, restrict=Restrict(how=RestrictHow.LIST))
            for c in (LINES, ANONYMOUS)
        }

    def rules(self) -> Mapping[str, WriteRules]:
        return self.rules_

    def apply(self, steps: Sequence[Step]) -> list[Applied]:
        for s in steps:
            t = s.target
            if s.action in (StepAction.ERASE, StepAction.RECTIFY):
                raise WriteError(
                    f"{t.store}.{t.collection} {t.key}: log lines cannot be edited; they expire by rotation"
                )
        # restriction and lifting: dsr's own list, nothing in the files
        return [Applied(step=s, changed=False) for s in steps]
