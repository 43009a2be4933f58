"""Demo stores for James: ``generate`` writes school databases, a vendor database, web logs,
a working ``dsr.toml`` and ``demo.json`` (featured people for each hard case).

Deterministic for a seed. ``populate_school`` and ``populate_vendor`` fill databases on any
SQLAlchemy URL, so tests on PostgreSQL and MariaDB use the same generator.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dsr.demo.activity import log_window
from dsr.demo.config import render_config
from dsr.demo.people import town
from dsr.demo.school import SchoolResult, populate_school
from dsr.demo.summary import ControllerSummary, DemoSummary, Featured
from dsr.demo.texts import Note, NoteWriter, Someone, Span
from dsr.demo.vendor import VENDOR, VendorResult, populate_vendor
from dsr.demo.weblogs import write_logs
from dsr.demo.world import SUMMER_TIME_DAY, demo_clock, today_in_berlin

__all__ = [
    "SUMMER_TIME_DAY",
    "ControllerSummary",
    "DemoSummary",
    "Featured",
    "Note",
    "NoteWriter",
    "SchoolResult",
    "Someone",
    "Span",
    "VendorResult",
    "generate",
    "populate_school",
    "populate_vendor",
    "today_in_berlin",
]


def generate(
    out: Path,
    *,
    schools: int = 2,
    readers_per_school: int = 300,
    seed: int = 1,
    loans_per_reader: int = 40,
    today: dt.date | None = None,
) -> DemoSummary:
    """Write a complete demo into ``out`` (created if missing; existing demo files are replaced).

    ``today`` is the demo's reference day: its records end at noon that day and none is older than the
    period the built-in registers state for it. Default: SUMMER_TIME_DAY (``dsr demo-data``: today).
    """
    now = demo_clock(today)
    if schools < 1 or readers_per_school < 20 or loans_per_reader < 1:
        raise ValueError("a demo needs at least 1 school, 20 readers per school and 1 loan per reader")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("school-*.db"), out / "vendor.db", *(out / "logs").glob("access.log*")]:
        old.unlink(missing_ok=True)
    results: list[SchoolResult] = []
    for i in range(schools):
        results.append(populate_school_file(out, i, readers_per_school, loans_per_reader, seed, now.date()))
    vendor = populate_vendor(out / "vendor.db", results, seed=seed, today=now.date())
    first_day, last_day = log_window(now)
    events = [e for r in results for e in r.events] + vendor.events
    logs = write_logs(out / "logs", events, first_day=first_day, last_day=last_day, seed=seed, until=now)
    (out / "dsr.toml").write_text(render_config(results, seed=seed), encoding="utf-8")
    controllers = {
        r.tenant_key: ControllerSummary(
            key=r.tenant_key,
            name=r.name,
            kind="school",
            land=r.town.land,
            stores={"school": f"school-{r.tenant_key}.db", "weblog": "logs"},
            counts=r.counts,
            featured=r.featured,
        )
        for r in results
    }
    controllers["vendor"] = ControllerSummary(
        key="vendor",
        name=VENDOR["name"],
        kind="vendor",
        land=VENDOR["land"],
        stores={"vendor": "vendor.db", "weblog": "logs"},
        counts=vendor.counts,
        featured=vendor.featured,
    )
    summary = DemoSummary(
        folder=str(out.resolve()),
        config_file="dsr.toml",
        seed=seed,
        schools=schools,
        readers_per_school=readers_per_school,
        loans_per_reader=loans_per_reader,
        controllers=controllers,
        log_files=tuple(p.name for p in logs),
        today=now.date(),
    )
    (out / "demo.json").write_bytes(summary.to_json())
    return summary


def populate_school_file(
    out: Path, index: int, readers: int, loans_per_reader: int, seed: int, today: dt.date | None = None
) -> SchoolResult:
    """The ``index``-th demo school as ``out/school-<tenant>.db``."""
    path = out / f"school-{town(index).tenant_key}.db"
    return populate_school(
        path, index=index, readers=readers, loans_per_reader=loans_per_reader, seed=seed, today=today
    )
