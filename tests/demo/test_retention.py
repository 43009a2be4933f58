"""A demo letter prints each register activity's retention period next to the records: the demo
must hold no record older than the period its built-in register states, at the demo's reference day.

The periods are read from dsr_connectors/james/register-*.toml, so a changed register text fails here
until the generator follows it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import gzip
import re
import sqlite3
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dsr import cli
from dsr.demo import DemoSummary, generate
from dsr.demo.world import SUMMER_TIME_DAY
from dsr_connectors import james

BERLIN = ZoneInfo("Europe/Berlin")
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
PERIOD = re.compile(r"\b(\d+|" + "|".join(NUMBERS) + r") (day|month|year)s?\b", re.IGNORECASE)
STAMP = re.compile(rb"\[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\]")

#: (register, activity) → the moments its period runs from, or why the demo has none.
#: Every activity whose register text states a fixed period must be listed.
CHECKS: dict[tuple[str, str], str] = {
    ("school", "web-logs"): "LOG",
    ("school", "catalogue-logins"): "SELECT occurred_at FROM login_event",
    ("school", "catalogue-search"): "SELECT occurred_at FROM search_log",
    ("school", "reservations"): "SELECT closed_at FROM reservation WHERE closed_at IS NOT NULL",
    ("school", "notices"): "SELECT COALESCE(sent_at, created_at) FROM notice",
    # a permission is kept three years after it ends: withdrawals (no roles left) are the ends
    ("school", "staff-permissions"): "SELECT changed_at FROM privilege_change WHERE new_roles IS NULL",
    ("school", "it-security"): "SELECT detected_at FROM security_incident",
    ("vendor", "web-logs"): "LOG",
    ("vendor", "support"): "SELECT closed_at FROM support_ticket WHERE closed_at IS NOT NULL",
    ("vendor", "invoicing"): "SELECT invoice_date FROM invoice",
    ("vendor", "contracts"): "SELECT end_date FROM contract WHERE end_date IS NOT NULL",
    # the demo keeps some returned loans past the six months on purpose (featured readers): a finding
    # `dsr retention` reports (tests/test_retention_cli.py), not a demo bug
    ("school", "circulation"): "",
    # the periods of these run from an end the James schema does not record: every demo customer is current
    ("vendor", "customer-management"): "",
    ("vendor", "domain-orders"): "",
}
#: the contract table allows an end; the demo's contracts all run on, so this check may find nothing
MAY_BE_EMPTY = {("vendor", "contracts")}


def _registers() -> dict[str, dict]:
    folder = Path(james.__file__).parent
    return {
        kind: tomllib.loads((folder / f"register-{kind}.toml").read_text(encoding="utf-8"))["activities"]
        for kind in ("school", "vendor")
    }


def _period(text: str) -> tuple[int, str, bool]:
    """'Eight years from the end of the calendar year …' → (8, 'year', True)."""
    m = PERIOD.search(text)
    assert m, text
    n = int(m.group(1)) if m.group(1).isdigit() else NUMBERS[m.group(1).lower()]
    return n, m.group(2).lower(), "end of the calendar year" in text


def _add(start: dt.datetime, n: int, unit: str) -> dt.datetime:
    if unit == "day":
        return start + dt.timedelta(days=n)
    months = n * (12 if unit == "year" else 1)
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    return start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))


def _deleted_at(start: dt.datetime, period: tuple[int, str, bool]) -> dt.datetime:
    n, unit, from_year_end = period
    if from_year_end:
        start = start.replace(year=start.year + 1, month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return _add(start, n, unit)


def _log_times(folder: Path) -> list[dt.datetime]:
    times = []
    for f in folder.glob("access.log*"):
        data = gzip.decompress(f.read_bytes()) if f.suffix == ".gz" else f.read_bytes()
        times += [dt.datetime.strptime(m.group(1).decode(), "%d/%b/%Y:%H:%M:%S %z") for m in STAMP.finditer(data)]
    return times


def _starts(demo: DemoSummary, register: str, sql: str) -> list[dt.datetime]:
    """When each record's period started, as aware Berlin times (the stores hold naive local times)."""
    folder = Path(demo.folder)
    if sql == "LOG":
        return _log_times(folder / "logs")
    stores = [c.stores[register] for c in demo.controllers.values() if register in c.stores]
    out = []
    for store in stores:
        with sqlite3.connect(folder / store) as conn:
            out += [dt.datetime.fromisoformat(r[0]).replace(tzinfo=BERLIN) for r in conn.execute(sql)]
    return out


def test_every_fixed_period_in_the_registers_is_checked() -> None:
    stated = {
        (kind, key)
        for kind, acts in _registers().items()
        for key, a in acts.items()
        if PERIOD.search(a["retention"]["en"])
    }
    assert stated == set(CHECKS)


@pytest.fixture(scope="module", params=[SUMMER_TIME_DAY, dt.date(2027, 1, 10)], ids=str)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return generate(
        tmp_path_factory.mktemp("retention"),
        schools=1,
        readers_per_school=60,
        seed=5,
        loans_per_reader=4,
        today=request.param,
    )


@pytest.mark.parametrize(("register", "activity"), [k for k, sql in CHECKS.items() if sql], ids="/".join)
def test_no_record_is_older_than_its_register_keeps_it(demo: DemoSummary, register: str, activity: str) -> None:
    assert demo.today is not None
    now = dt.datetime.combine(demo.today, dt.time(12), BERLIN)
    period = _period(_registers()[register][activity]["retention"]["en"])
    starts = _starts(demo, register, CHECKS[register, activity])
    assert starts or (register, activity) in MAY_BE_EMPTY, "nothing generated: the check would prove nothing"
    too_old = sorted(s for s in starts if _deleted_at(s, period) <= now)
    assert not too_old, f"{len(too_old)} of {len(starts)} records past {period} at {now:%Y-%m-%d}, oldest {too_old[0]}"
    assert max(starts, default=now) <= now  # nothing after the demo's "now" either


def test_web_logs_are_exactly_the_fourteen_days_up_to_the_reference_day(demo: DemoSummary) -> None:
    days = {t.date() for t in _log_times(Path(demo.folder) / "logs")}
    assert demo.today is not None
    assert days == {demo.today - dt.timedelta(days=k) for k in range(14)}


def test_dsr_demo_data_takes_today_in_berlin_as_the_reference_day(tmp_path: Path) -> None:
    before = dt.datetime.now(BERLIN).date()
    assert cli.main(["demo-data", "--out", str(tmp_path), "--schools", "1", "--readers-per-school", "20"]) == 0
    demo = DemoSummary.load(tmp_path / "demo.json")
    assert demo.today in {before, dt.datetime.now(BERLIN).date()}
    assert max(_log_times(tmp_path / "logs")).date() == demo.today


def test_the_library_default_is_the_fixed_summer_time_day(tmp_path: Path) -> None:
    assert generate(tmp_path, schools=1, readers_per_school=20, seed=2, loans_per_reader=1).today == SUMMER_TIME_DAY


def test_a_reference_day_before_the_demo_school_year_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="reference day"):
        generate(tmp_path, schools=1, readers_per_school=20, seed=2, loans_per_reader=1, today=dt.date(2025, 6, 1))


def test_hard_cases_survive_the_retention_windows(demo: DemoSummary) -> None:
    school = next(c for c in demo.controllers.values() if c.kind == "school")
    f = school.featured
    with sqlite3.connect(Path(demo.folder) / school.stores["school"]) as conn:
        q = lambda sql, *a: conn.execute(sql, a).fetchone()[0]  # noqa: E731
        # the parent of two children still finds copies of notices to them
        assert q("SELECT COUNT(*) FROM notice WHERE cc_address = ?", f["parent_two_children"].email) >= 1
        assert q("SELECT COUNT(*) FROM login_event WHERE person_id = ?", f["pupil"].person_id) >= 1
        # the pupil's first review names a classmate by first name alone (a decision for staff)
        review = conn.execute(
            "SELECT text FROM review WHERE person_id = ? ORDER BY id", (f["pupil"].person_id,)
        ).fetchone()[0]
        firsts = {
            r[0]
            for r in conn.execute(
                "SELECT first_name FROM person WHERE kind = 'student' AND id != ?", (f["pupil"].person_id,)
            )
        }
        assert any(re.search(rf"\b{re.escape(n)}\b", review) for n in firsts), review
        note = conn.execute(
            "SELECT staff_note FROM person WHERE id = ?", (f["incident_suspect"].person_id,)
        ).fetchone()[0]
        assert note and any(re.search(rf"\b{re.escape(n)}\b", note) for n in firsts), note
        suspect = f["incident_suspect"].person_id
        assert (
            q(
                "SELECT COUNT(*) FROM login_event l JOIN security_incident i ON i.ip_address = l.ip_address "
                "WHERE l.person_id = ? AND i.suspected_person_id = ?",
                suspect,
                suspect,
            )
            >= 1
        )
