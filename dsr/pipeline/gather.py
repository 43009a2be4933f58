"""Gather stage: run one controller's connectors for one subject, store by store.

A store that fails is reported as failed (with a message free of personal data); the other
stores still run, and the caller keeps the case and can retry the failed store alone
(``only=``). Connectors run in an order derived from what they consume and contribute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Sequence

from dsr.connector import Connector, ordered
from dsr.errors import ConnectorError
from dsr.model import CollectionSpec, Gathering, Record, StoreReport, StoreState, Subject

log = logging.getLogger(__name__)


def gather(subject: Subject, connectors: Sequence[Connector], only: Collection[str] | None = None) -> Gathering:
    """Collect every record of ``subject`` from ``connectors`` (or the stores named in ``only``)."""
    records: list[Record] = []
    reports: list[StoreReport] = []
    collections: list[CollectionSpec] = []
    wanted = frozenset().union(*(c.consumes for c in connectors))
    for connector in ordered(connectors):
        # identifiers flow forward even into stores that are not re-run
        try:
            subject = subject.with_identifiers(connector.identifiers(subject, wanted))
        except Exception:  # noqa: BLE001 - contributed identifiers are optional; records() reports
            log.warning("store %s: could not read contributed identifiers", connector.name)
        if only is not None and connector.name not in only:
            reports.append(StoreReport(store=connector.name, state=StoreState.SKIPPED))
            continue
        started = time.perf_counter()
        try:
            found = list(connector.records(subject))
        except ConnectorError as exc:
            reports.append(_failed(connector, started, exc.problem))
            continue
        except Exception as exc:  # noqa: BLE001 - any failure of one store must not lose the case
            # only the type: a traceback or message may carry the subject's data (SQL parameters)
            reports.append(_failed(connector, started, f"unexpected error ({type(exc).__name__})"))
            continue
        records.extend(found)
        collections.extend(connector.collections())
        reports.append(
            StoreReport(
                store=connector.name,
                state=StoreState.OK,
                records=len(found),
                seconds=time.perf_counter() - started,
                malformed_lines=connector.malformed_lines,
            )
        )
        log.info("store %s: %d records", connector.name, len(found))
    return Gathering(subject=subject, records=tuple(records), collections=tuple(collections), reports=tuple(reports))


def _failed(connector: Connector, started: float, problem: str) -> StoreReport:
    log.warning("store %s failed: %s", connector.name, problem)
    return StoreReport(
        store=connector.name,
        state=StoreState.FAILED,
        seconds=time.perf_counter() - started,
        error=problem,
    )
