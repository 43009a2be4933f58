"""What every part of the case work shares: the error, building and closing connectors, the case row.

Framework-free; the jobs and the officer's actions in :mod:`dsr.service.casework` build on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.documents import WorkCase, work_case
from dsr.config import Settings
from dsr.connector import Connector
from dsr.errors import DSRError
from dsr.model import Subject
from dsr.pipeline.identify import confirm, resolve

log = logging.getLogger("dsr.service.casework")

ConnectorsOf = Callable[[Settings, str], Sequence[Connector]]


class CaseworkError(DSRError):
    """The job cannot go on (the message names the case by reference, never a person).

    ``code``/``values`` as on :class:`dsr.casefile.CaseError`: the officer pages translate by code."""

    def __init__(self, message: str, *, code: str | None = None, **values: object) -> None:
        super().__init__(message)
        self.code = code
        self.values = values


def close_connectors(connectors: Sequence[Connector]) -> None:
    for c in connectors:
        try:
            c.close()
        except Exception:  # noqa: BLE001 - closing must not hide the real outcome
            log.warning("a connector did not close cleanly")


def confirmed_subject(settings: Settings, case: WorkCase, connectors: Sequence[Connector]) -> Subject:
    """The subject the officer confirmed, rebuilt from the stores (references are stable HMACs)."""
    if case.subject_reference is None or case.descriptor is None:
        raise CaseworkError(
            f"case {case.reference}: nobody confirmed; an ambiguous match cannot proceed", code="not_confirmed"
        )
    resolution = resolve(case.controller, connectors, case.descriptor, secret=settings.dsr.secret_key.encode())
    try:
        return confirm(case.controller, resolution.candidates, case.subject_reference)
    except KeyError:
        raise CaseworkError(
            f"case {case.reference}: the confirmed person is no longer found in the stores", code="subject_gone"
        ) from None


def case_by_reference(engine: sa.Engine, reference: str) -> WorkCase:
    with engine.connect() as conn:
        case_id = conn.execute(
            sa.select(cases_table().c.id).where(cases_table().c.reference == reference)
        ).scalar_one_or_none()
    if case_id is None:
        raise casefile.NotFound(f"no case {reference}")
    return work_case(engine, case_id)


def cases_table() -> sa.Table:
    from dsr.casefile.schema import cases as table

    return table


def store_names(settings: Settings, controller: str) -> list[str]:
    return sorted(settings.controller(controller).stores)
