"""Where advisories come from: the vendored compact snapshot (security/pypi-advisories.json.gz),
an osv.dev export (``PyPI/all.zip``: one JSON record per advisory), or a tree of OSV files such
as a pypa/advisory-database checkout (``vulns/<package>/<id>.yaml``; a bare clone is read with
``git archive``). ``write_snapshot`` builds the vendored snapshot from any of them.
"""

from __future__ import annotations

import datetime
import gzip
import io
import json
import subprocess
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from .osv import Advisory, MalformedRecord, advisory_to_json, parse_advisory

SNAPSHOT_FORMAT = "dsr-pypi-advisories/1"
LICENCE = "CC-BY-4.0"


class DatabaseError(Exception):
    """The advisory database is missing or cannot be read."""


@dataclass(frozen=True)
class Source:
    """Where a set of advisories was taken from and how current it is."""

    description: str  # a repository URL or a file name
    commit: str  # "" when not from git
    date: datetime.date  # the commit's date, else the newest record's "modified"


@dataclass(frozen=True)
class Database:
    source: Source
    advisories: tuple[Advisory, ...]  # not withdrawn
    covers: frozenset[str] | None  # the packages a snapshot was cut for; None: every package
    location: str


def load(path: Path) -> Database:
    """Advisories from a snapshot (.json.gz), an OSV zip, or a directory tree (or bare git repo)."""
    if not path.exists():
        raise DatabaseError(f"{path}: no advisory database there")
    if path.is_dir():
        return _load_directory(path)
    if path.suffix == ".zip":
        return _load_zip(path)
    return _load_snapshot(path)


def write_snapshot(database: Database, packages: Iterable[str], out: Path) -> Database:
    """Keeps every record that names one of ``packages``, only the fields the check needs, and
    writes it (reproducibly: sorted, gzip without a timestamp) with a SOURCE.md beside it."""
    wanted = frozenset(packages)
    kept = []
    for advisory in database.advisories:
        entries = tuple(a for a in advisory.affected if a.name in wanted)
        if entries:
            kept.append(advisory_to_json(replace(advisory, affected=entries)))
    kept.sort(key=lambda record: record["id"])
    document = {
        "format": SNAPSHOT_FORMAT,
        "source": {
            "description": database.source.description,
            "commit": database.source.commit,
            "date": database.source.date.isoformat(),
            "licence": LICENCE,
        },
        "packages": sorted(wanted),
        "advisories": kept,
    }
    data = json.dumps(document, indent=0, sort_keys=True, ensure_ascii=False).encode()
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(out, "wb", mtime=0) as stream:
        stream.write(data)
    (out.parent / "SOURCE.md").write_text(_source_text(database.source, len(kept), len(wanted), out.name))
    return _load_snapshot(out)


# --- the vendored snapshot -----------------------------------------------------------------------


def _load_snapshot(path: Path) -> Database:
    try:
        with gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open() as stream:
            document = json.load(stream)
    except (OSError, EOFError, ValueError) as error:
        raise DatabaseError(f"{path}: not a readable advisory snapshot ({error})") from error
    if not isinstance(document, dict) or document.get("format") != SNAPSHOT_FORMAT:
        raise MalformedRecord(str(path), "format", f"expected {SNAPSHOT_FORMAT!r}")
    source = document.get("source")
    if not isinstance(source, dict):
        raise MalformedRecord(str(path), "source", "missing or not a mapping")
    try:
        date = datetime.date.fromisoformat(str(source.get("date")))
    except ValueError as error:
        raise MalformedRecord(str(path), "source.date", f"not a date: {source.get('date')!r}") from error
    packages = document.get("packages")
    records = document.get("advisories")
    if not isinstance(packages, list) or not all(isinstance(p, str) for p in packages):
        raise MalformedRecord(str(path), "packages", "missing or not a list of names")
    if not isinstance(records, list):
        raise MalformedRecord(str(path), "advisories", "missing or not a list")
    advisories = [parse_advisory(r, f"{path}: advisories[{i}]") for i, r in enumerate(records)]
    return Database(
        Source(str(source.get("description", "")), str(source.get("commit", "")), date),
        tuple(a for a in advisories if a.withdrawn is None),
        frozenset(packages),
        str(path),
    )


# --- OSV exports ---------------------------------------------------------------------------------


def _load_zip(path: Path) -> Database:
    try:
        with zipfile.ZipFile(path) as archive:
            records = [
                (f"{path}:{name}", _parse_json(archive.read(name), f"{path}:{name}"))
                for name in sorted(archive.namelist())
                if name.endswith(".json")
            ]
    except (OSError, zipfile.BadZipFile) as error:
        raise DatabaseError(f"{path}: not a readable zip ({error})") from error
    return _database(records, path.name, "", str(path))


def _load_directory(path: Path) -> Database:
    git = _git_head(path)
    if git and _is_bare(path):
        with tempfile.TemporaryDirectory() as scratch:
            run = subprocess.run(["git", "-C", str(path), "archive", "HEAD"], capture_output=True)
            if run.returncode != 0:
                raise DatabaseError(f"{path}: git archive HEAD failed: {run.stderr.decode(errors='replace')}")
            archive = run.stdout
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(scratch, filter="data")
            return _database(_read_tree(Path(scratch), shown=path), _origin_url(path), git, str(path))
    return _database(_read_tree(path, shown=path), _origin_url(path) if git else path.name, git, str(path))


def _read_tree(root: Path, shown: Path) -> Iterator[tuple[str, object]]:
    files = sorted(p for p in root.rglob("*") if p.suffix in {".json", ".yaml", ".yml"} and ".git" not in p.parts)
    # the README, workflow files and so on of a checkout are not records; OSV records live in
    # vulns/ (pypa/advisory-database) or are the whole tree (an unpacked zip)
    if (root / "vulns").is_dir():
        files = [p for p in files if p.is_relative_to(root / "vulns")]
    for file in files:
        origin = str(shown / file.relative_to(root))
        try:
            raw = file.read_bytes()
        except OSError as error:
            raise DatabaseError(f"{origin}: cannot be read ({error.strerror})") from error
        yield origin, _parse_yaml(raw, origin) if file.suffix != ".json" else _parse_json(raw, origin)


def _database(records: Iterable[tuple[str, object]], description: str, commit: str, location: str) -> Database:
    advisories = [parse_advisory(data, origin) for origin, data in records]
    if not advisories:
        raise DatabaseError(f"{location}: no OSV records found")
    if commit:
        date = _git(Path(location), "log", "-1", "--format=%cI", commit)
    else:  # an export without a commit is as current as its newest record
        date = max(a.modified for a in advisories)
    source = Source(description, commit, datetime.date.fromisoformat(date[:10]))
    live = tuple(a for a in advisories if a.withdrawn is None)
    return Database(source, live, None, location)


def _parse_json(raw: bytes, origin: str) -> object:
    try:
        return json.loads(raw)
    except ValueError as error:
        raise MalformedRecord(origin, "(file)", f"not JSON: {error}") from error


def _parse_yaml(raw: bytes, origin: str) -> object:
    # only a tree of .yaml files needs PyYAML; it is in the lock (schemathesis depends on it)
    import yaml  # type: ignore[import-untyped]

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(raw, Loader=loader)
    except yaml.YAMLError as error:
        raise MalformedRecord(origin, "(file)", f"not YAML: {error}") from error


# --- git -----------------------------------------------------------------------------------------


def _git(path: Path, *args: str) -> str:
    run = subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True)
    return run.stdout.strip() if run.returncode == 0 else ""


def _is_bare(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def _git_head(path: Path) -> str:
    # only the directory's own repository: an unpacked export inside some checkout is not it
    if not _is_bare(path) and not (path / ".git").exists():
        return ""
    return _git(path, "rev-parse", "HEAD")


def _origin_url(path: Path) -> str:
    # a mirror without a remote is taken to be of pypa/advisory-database, the tree this reads
    url = _git(path, "config", "--get", "remote.origin.url") or "https://github.com/pypa/advisory-database"
    return url.removesuffix(".git")


def _source_text(source: Source, records: int, packages: int, name: str) -> str:
    commit = f"commit `{source.commit}`" if source.commit else "no git commit (an export file)"
    dated = "the commit's date" if source.commit else "the newest record's modified time"
    return f"""# Where the vulnerability data in this directory comes from

`{name}` is a compact extract of the OSV advisories for PyPI, for `scripts/audit`
(docs/deployment.md, section 9). Written by `scripts/audit --refresh`; do not edit it by hand.

| | |
|---|---|
| source | {source.description} |
| revision | {commit} |
| date of the data | {source.date.isoformat()} ({dated}) |
| extract | {records} advisories of the {packages} packages in requirements.lock (all their records); per record only id, aliases, summary, modified and the PyPI `affected` entries (ECOSYSTEM ranges, versions) |
| licence | Creative Commons Attribution 4.0 International (CC-BY-4.0) |

The data is as of {source.date.isoformat()}: vulnerabilities published after that date are not in
it, and `scripts/audit` warns when it is older than 90 days. Refresh it where the internet is
reachable (docs/deployment.md, section 9).

The data is the work of the contributors to the Python Packaging Advisory Database
(https://github.com/pypa/advisory-database) and the Open Source Vulnerabilities project
(https://osv.dev), licensed under CC-BY-4.0 (https://creativecommons.org/licenses/by/4.0/).
This extract leaves out records, fields and GIT ranges, and where a record has no `summary` it
takes the first sentence of `details`; nothing else is changed.
"""
