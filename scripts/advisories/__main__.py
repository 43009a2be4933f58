"""scripts/audit: the versions of requirements.lock against published vulnerabilities, offline.

Exit status: 0 nothing found (or only accepted findings), 1 a finding (a vulnerable version, a
version the advisory cannot order, an expired entry of the ignore file), 2 the lock, the advisory
database or the ignore file is missing, unreadable or malformed, or the snapshot was not cut for
every package of the lock. docs/deployment.md, section 9.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .check import Result, Status, check
from .database import Database, DatabaseError, load, write_snapshot
from .ignores import read_ignores
from .lockfile import LockError, Pin, read_lock
from .osv import MalformedRecord

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
SNAPSHOT = ROOT / "security" / "pypi-advisories.json.gz"
IGNORE = ROOT / "security" / "audit-ignore.toml"
PASSED, FOUND, BROKEN = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/audit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--lock", type=Path, default=LOCK, help="the pinned versions (default: requirements.lock)")
    parser.add_argument(
        "--db",
        type=Path,
        default=SNAPSHOT,
        help="advisories: the vendored snapshot (default), an osv.dev PyPI/all.zip, or a directory of OSV "
        "records such as a pypa/advisory-database checkout",
    )
    parser.add_argument("--ignore", type=Path, default=IGNORE, help="accepted findings (security/audit-ignore.toml)")
    parser.add_argument("--max-age-days", type=int, default=90, help="warn when the advisories are older (90)")
    parser.add_argument(
        "--refresh",
        type=Path,
        metavar="FROM",
        help="rewrite the snapshot (--db) from a pypa/advisory-database clone or an osv.dev PyPI/all.zip: the "
        "records of the packages in the lock, with SOURCE.md beside it",
    )
    args = parser.parse_args(argv)
    out = Console(width=None if sys.stdout.isatty() else 132, highlight=False, soft_wrap=True)
    err = Console(stderr=True, width=None if sys.stderr.isatty() else 132, highlight=False, soft_wrap=True)
    try:
        pins = read_lock(args.lock)
        if args.refresh is not None:
            database = write_snapshot(load(args.refresh), {p.name for p in pins}, args.db)
            out.print(f"wrote {args.db}: {len(database.advisories)} advisories of {len(pins)} packages")
        else:
            database = load(args.db)
        ignores = read_ignores(args.ignore)
    except (LockError, DatabaseError) as error:
        err.print(f"[bold red]error:[/] {error}")
        return BROKEN
    except MalformedRecord as error:
        err.print(f"[bold red]malformed record:[/] {error}")
        return BROKEN
    today = datetime.datetime.now(datetime.UTC).date()
    result = check(pins, database, ignores, today)
    _report_source(out, database, pins, args.lock, today, args.max_age_days)
    if result.uncovered:
        err.print(
            f"[bold red]error:[/] the snapshot holds no records for {', '.join(result.uncovered)}: it was cut "
            "for an older lock; refresh it (scripts/audit --refresh FROM, docs/deployment.md section 9)"
        )
        return BROKEN
    _report_findings(out, result)
    return FOUND if result.fails else PASSED


def _report_source(
    out: Console, database: Database, pins: list[Pin], lock: Path, today: datetime.date, max_age: int
) -> None:
    source = database.source
    revision = f" at {source.commit[:12]}" if source.commit else ""
    out.print(f"{len(pins)} pinned packages of {lock.name} against {len(database.advisories)} advisories")
    out.print(f"advisories: {source.description}{revision}, data of {source.date.isoformat()} ({database.location})")
    age = (today - source.date).days
    if age > max_age:
        out.print(
            f"[bold yellow]warning:[/] the advisories are {age} days old (more than {max_age}): vulnerabilities "
            "published since are not checked; refresh them (docs/deployment.md section 9)"
        )


def _report_findings(out: Console, result: Result) -> None:
    if result.findings:
        table = Table(title="known vulnerabilities of pinned versions", title_justify="left")
        for column in ("package", "installed", "advisory", "aliases", "fixed in", "status"):
            table.add_column(column, overflow="fold")
        for f in sorted(result.findings, key=lambda f: (f.pin.name, f.advisory.id)):
            style = "green" if f.status is Status.IGNORED else "red"
            status = f"[{style}]{f.status.value}[/]" + (f" ({f.note})" if f.note else "")
            table.add_row(
                f.pin.display_name,
                f.pin.written,
                f.advisory.id,
                ", ".join(f.advisory.aliases),
                ", ".join(f.fixed_in) or "no fix",
                status,
            )
        out.print(table)
    for ignore in result.expired:
        out.print(
            f"[bold red]expired ignore:[/] {ignore.id} for {ignore.package} ended {ignore.until.isoformat()} "
            f"({ignore.reason}): look again, then extend or delete it"
        )
    for ignore in result.unused:
        out.print(f"note: the ignore of {ignore.id} for {ignore.package} matches no finding any more: delete it")
    failing = sum(f.fails for f in result.findings)
    ignored = len(result.findings) - failing
    verdict = "[bold red]FAIL[/]" if result.fails else "[bold green]pass[/]"
    out.print(
        f"{verdict}: {failing} finding(s), {ignored} accepted in the ignore file, {len(result.expired)} expired "
        "ignore(s)"
    )


if __name__ == "__main__":
    sys.exit(main())
