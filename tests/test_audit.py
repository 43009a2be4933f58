"""scripts/audit, the offline vulnerability check CI runs on requirements.lock: a known vulnerable
pin fails and is named, its fixed version passes, the OSV range events (introduced, fixed,
last_affected, limit) mean what the schema says, ignores end, and a broken database stops the
check (exit 2) instead of passing it.

The script runs as CI runs it (a subprocess); the vendored snapshot under security/ supplies the
real advisories (pypa/advisory-database), small OSV records written here the edge cases. The
range property test compares the script's range evaluation with interval membership written
directly with packaging's Version ordering.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
AUDIT = ROOT / "scripts" / "audit"
SNAPSHOT = ROOT / "security" / "pypi-advisories.json.gz"
sys.path.insert(0, str(ROOT / "scripts"))

from advisories.osv import Event, VersionRange, range_contains  # noqa: E402

TODAY = datetime.date.today()


def audit(*args: str | Path, lock: str | None = None, tmp: Path | None = None) -> subprocess.CompletedProcess[str]:
    argv = [str(AUDIT), *map(str, args)]
    if lock is not None:
        assert tmp is not None
        (tmp / "requirements.lock").write_text(lock)
        argv += ["--lock", str(tmp / "requirements.lock")]
    if tmp is not None and "--ignore" not in args:
        argv += ["--ignore", str(tmp / "no-ignores.toml")]  # the repository's entries stay out of it
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def osv_record(ident: str, package: str, *events: dict[str, object], **extra: object) -> dict[str, object]:
    return {
        "id": ident,
        "modified": "2024-05-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [{"type": "ECOSYSTEM", "events": list(events)}],
            }
        ],
        **extra,
    }


def write_tree(root: Path, *records: dict[str, object]) -> Path:
    for record in records:
        folder = root / "vulns" / str(record["affected"][0]["package"]["name"])  # type: ignore[index]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{record['id']}.json").write_text(json.dumps(record))
    return root


# --- the real advisories of the vendored snapshot ------------------------------------------------


def test_the_current_lock_passes_and_the_snapshot_names_its_source_and_age() -> None:
    run = audit()
    assert run.returncode == 0, run.stdout + run.stderr
    assert "pypa/advisory-database at 3ccb612573e2, data of 2024-10-10" in run.stdout
    assert "warning: the advisories are" in run.stdout  # older than 90 days
    assert "pass: 0 finding(s)" in run.stdout


def test_a_known_vulnerable_jinja2_fails_and_is_named(tmp_path: Path) -> None:
    run = audit(lock="Jinja2==2.8\n", tmp=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    for advisory in ("PYSEC-2019-217", "PYSEC-2019-220", "CVE-2019-10906"):
        assert advisory in run.stdout
    assert "2.10.1" in run.stdout  # where it is fixed


def test_an_old_urllib3_fails_and_its_fixed_version_passes(tmp_path: Path) -> None:
    old = audit(lock="urllib3==1.24.1\n", tmp=tmp_path)
    assert old.returncode == 1 and "PYSEC-2019-133" in old.stdout and "CVE-2019-11324" in old.stdout
    fixed = audit(lock="urllib3==2.2.3\n", tmp=tmp_path)
    assert fixed.returncode == 0, fixed.stdout


def test_the_version_that_fixes_an_advisory_is_no_longer_flagged_by_it(tmp_path: Path) -> None:
    between = audit(lock="jinja2==2.10.1\n", tmp=tmp_path)  # fixes PYSEC-2019-217, not PYSEC-2021-66
    assert between.returncode == 1
    assert "PYSEC-2021-66" in between.stdout and "PYSEC-2019-217" not in between.stdout
    fixed = audit(lock="jinja2==2.11.3\n", tmp=tmp_path)
    assert fixed.returncode == 0, fixed.stdout


def test_a_package_the_snapshot_was_not_cut_for_stops_the_check(tmp_path: Path) -> None:
    run = audit(lock="jinja2==3.1.6\nnot-in-the-lock==1.0\n", tmp=tmp_path)
    assert run.returncode == 2
    assert "not-in-the-lock" in run.stderr and "--refresh" in run.stderr


def test_the_vendored_snapshot_covers_every_package_of_the_lock_and_names_its_licence() -> None:
    source = (ROOT / "security" / "SOURCE.md").read_text()
    assert "3ccb612573e2511ab5cad7dafecd838605c80cda" in source and "2024-10-10" in source
    assert "CC-BY-4.0" in source


# --- OSV semantics on small records --------------------------------------------------------------


def test_last_affected_includes_that_version_and_nothing_after(tmp_path: Path) -> None:
    db = write_tree(tmp_path / "db", osv_record("TEST-1", "demo-lib", {"introduced": "1.0"}, {"last_affected": "1.4"}))
    expected = {"0.9": 0, "1.0": 1, "1.4": 1, "1.4.post1": 0, "1.4.1": 0, "2.0": 0}
    for version, code in expected.items():
        run = audit("--db", db, lock=f"demo-lib=={version}\n", tmp=tmp_path)
        assert run.returncode == code, (version, run.stdout, run.stderr)
        assert ("TEST-1" in run.stdout) == bool(code)


def test_a_limit_ends_a_range_that_has_no_fix(tmp_path: Path) -> None:
    db = write_tree(tmp_path / "db", osv_record("TEST-2", "demo-lib", {"introduced": "0"}, {"limit": "2.0"}))
    expected = {"0.1": 1, "1.9.9": 1, "2.0rc1": 1, "2.0": 0, "3.0": 0}
    for version, code in expected.items():
        run = audit("--db", db, lock=f"demo-lib=={version}\n", tmp=tmp_path)
        assert run.returncode == code, (version, run.stdout, run.stderr)


def test_an_explicit_versions_list_matches_without_a_range(tmp_path: Path) -> None:
    record = osv_record("TEST-3", "demo-lib", {"introduced": "0"}, {"fixed": "0.1"})
    record["affected"][0]["versions"] = ["5.0", "6.1.0"]  # type: ignore[index]
    db = write_tree(tmp_path / "db", record)
    assert audit("--db", db, lock="demo-lib==6.1\n", tmp=tmp_path).returncode == 1  # 6.1 == 6.1.0
    assert audit("--db", db, lock="demo-lib==5.1\n", tmp=tmp_path).returncode == 0


def test_package_names_are_compared_pep_503_normalised(tmp_path: Path) -> None:
    db = write_tree(tmp_path / "db", osv_record("TEST-4", "Zope.Interface_Extra", {"introduced": "0"}, {"fixed": "2"}))
    run = audit("--db", db, lock="zope-interface-extra==1.0\n", tmp=tmp_path)
    assert run.returncode == 1 and "TEST-4" in run.stdout
    run = audit(lock="JINJA2==2.10\n", tmp=tmp_path)  # the snapshot names it "jinja2"
    assert run.returncode == 1 and "PYSEC-2019-217" in run.stdout


def test_a_withdrawn_advisory_is_skipped(tmp_path: Path) -> None:
    record = osv_record("TEST-5", "demo-lib", {"introduced": "0"}, withdrawn="2024-06-01T00:00:00Z")
    db = write_tree(tmp_path / "db", record)
    assert audit("--db", db, lock="demo-lib==1.0\n", tmp=tmp_path).returncode == 0


def test_a_version_that_cannot_be_ordered_is_reported_as_a_finding(tmp_path: Path) -> None:
    db = write_tree(tmp_path / "db", osv_record("TEST-6", "demo-lib", {"introduced": "0"}, {"fixed": "0.2.0-n653"}))
    run = audit("--db", db, lock="demo-lib==0.1\n", tmp=tmp_path)
    assert run.returncode == 1
    assert "cannot tell" in run.stdout and "0.2.0-n653" in run.stdout


# --- the ignore file ------------------------------------------------------------------------------


def write_ignore(tmp: Path, until: datetime.date, ident: str = "CVE-2020-28493") -> Path:
    path = tmp / "audit-ignore.toml"
    path.write_text(
        f'[[ignore]]\nid = "{ident}"\npackage = "Jinja2"\nreason = "no untrusted templates"\nuntil = {until.isoformat()}\n'
    )
    return path


def test_an_ignore_accepts_a_finding_until_its_date(tmp_path: Path) -> None:
    ignore = write_ignore(tmp_path, TODAY + datetime.timedelta(days=30))  # PYSEC-2021-66 by its CVE alias
    run = audit("--ignore", ignore, lock="jinja2==2.10.1\n", tmp=tmp_path)
    assert run.returncode == 0, run.stdout
    assert "PYSEC-2021-66" in run.stdout and "ignored" in run.stdout and "1 accepted" in run.stdout


def test_an_expired_ignore_fails_and_is_named(tmp_path: Path) -> None:
    ignore = write_ignore(tmp_path, TODAY - datetime.timedelta(days=1))
    run = audit("--ignore", ignore, lock="jinja2==2.10.1\n", tmp=tmp_path)
    assert run.returncode == 1
    assert "expired ignore: CVE-2020-28493 for jinja2" in run.stdout
    # expired although it no longer matches anything: someone must look at it again
    run = audit("--ignore", ignore, lock="jinja2==3.1.6\n", tmp=tmp_path)
    assert run.returncode == 1 and "expired ignore" in run.stdout


def test_an_ignore_without_a_date_is_malformed(tmp_path: Path) -> None:
    path = tmp_path / "audit-ignore.toml"
    path.write_text('[[ignore]]\nid = "PYSEC-2021-66"\npackage = "jinja2"\nreason = "later"\n')
    run = audit("--ignore", path, lock="jinja2==3.1.6\n", tmp=tmp_path)
    assert run.returncode == 2 and "ignore[0].until" in run.stderr


# --- a database that cannot be trusted stops the check --------------------------------------------


def test_a_malformed_record_stops_the_check_naming_the_file_and_key(tmp_path: Path) -> None:
    good = osv_record("TEST-7", "demo-lib", {"introduced": "0"}, {"fixed": "1.0"})
    bad = osv_record("TEST-8", "demo-lib", {"introduced": "0"}, {"fixed": 2})  # a number, not a version string
    db = write_tree(tmp_path / "db", good, bad)
    run = audit("--db", db, lock="demo-lib==3.0\n", tmp=tmp_path)
    assert run.returncode == 2
    assert "TEST-8.json" in run.stderr and "affected[0].ranges[0].events[1].fixed" in run.stderr


def test_an_unreadable_yaml_record_and_a_missing_database_stop_the_check(tmp_path: Path) -> None:
    db = tmp_path / "db" / "vulns" / "demo-lib"
    db.mkdir(parents=True)
    (db / "PYSEC-0000-1.yaml").write_text("id: PYSEC-0000-1\naffected: [\n")
    run = audit("--db", tmp_path / "db", lock="demo-lib==1.0\n", tmp=tmp_path)
    assert run.returncode == 2 and "PYSEC-0000-1.yaml" in run.stderr
    run = audit("--db", tmp_path / "nowhere.json.gz", lock="demo-lib==1.0\n", tmp=tmp_path)
    assert run.returncode == 2 and "nowhere.json.gz" in run.stderr


# --- refreshing the snapshot ----------------------------------------------------------------------


def test_refresh_from_an_osv_zip_keeps_only_the_locked_packages(tmp_path: Path) -> None:
    export = tmp_path / "all.zip"
    with zipfile.ZipFile(export, "w") as archive:
        for record in (
            osv_record("TEST-9", "demo-lib", {"introduced": "0"}, {"fixed": "1.0"}, details="First. Second."),
            osv_record("TEST-10", "other-lib", {"introduced": "0"}),
        ):
            archive.writestr(f"{record['id']}.json", json.dumps(record))
    out = tmp_path / "security" / "advisories.json.gz"
    lock = "Demo_Lib==0.5\n"
    run = audit("--refresh", export, "--db", out, lock=lock, tmp=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr  # refreshed, then checked: 0.5 < 1.0
    assert "TEST-9" in run.stdout and "data of 2024-05-01" in run.stdout  # no commit: the newest record
    source = (out.parent / "SOURCE.md").read_text()
    assert "all.zip" in source and "CC-BY-4.0" in source
    again = audit("--db", out, lock="demo-lib==0.5\nother-lib==1.0\n", tmp=tmp_path)
    assert again.returncode == 2 and "other-lib" in again.stderr  # the snapshot left it out


# --- range membership against interval arithmetic ------------------------------------------------

RELEASES = st.lists(st.integers(0, 3), min_size=1, max_size=3).map(lambda parts: ".".join(map(str, parts)))
SUFFIXES = st.sampled_from(["", "a1", "b2", "rc1", ".post1", ".dev0", "rc1.post2"])
VERSIONS = st.builds(lambda release, suffix: release + suffix, RELEASES, SUFFIXES)
Interval = tuple[Version | None, Version | None, bool]


@st.composite
def ranges(draw: st.DrawFn) -> tuple[list[Event], list[Interval], Version | None]:
    """Events of one range in a random order, and the intervals they mean: (start, end, end
    included), a start of None being the beginning, an end of None open; and the limit, if any."""
    # the release "0" is left out of the bounds: as an event version, "0" means OSV's "from the beginning"
    bounds = sorted({Version(v) for v in draw(st.lists(VERSIONS, min_size=1, max_size=7)) if v != "0"})
    limit = draw(st.none() | VERSIONS.map(Version))
    from_zero = draw(st.booleans())
    count = len(bounds) + 1  # one end kind per interval, at most one interval per bound (and "0")
    ends = draw(st.lists(st.sampled_from(["fixed", "last_affected"]), min_size=count, max_size=count))
    events: list[Event] = []
    intervals: list[Interval] = []
    points = [None, *bounds] if from_zero else bounds  # None: introduced "0"
    for i in range(0, len(points), 2):
        start = points[i]
        end = points[i + 1] if i + 1 < len(points) else None
        kind = ends[i // 2]
        events.append(Event("introduced", "0" if start is None else str(start)))
        if end is not None:
            events.append(Event(kind, str(end)))  # type: ignore[arg-type]
        intervals.append((start, end, kind == "last_affected"))
    if limit is not None:
        events.append(Event("limit", str(limit)))
    return draw(st.permutations(events)), intervals, limit


@settings(max_examples=400, deadline=None)
@given(ranges(), VERSIONS.map(Version))
def test_range_membership_follows_pep_440_order(
    drawn: tuple[list[Event], list[Interval], Version | None], version: Version
) -> None:
    events, intervals, limit = drawn
    inside = any(
        (start is None or version >= start) and (end is None or (version <= end if included else version < end))
        for start, end, included in intervals
    )
    expected = inside and (limit is None or version < limit)
    assert range_contains(VersionRange("ECOSYSTEM", tuple(events)), version) == expected
