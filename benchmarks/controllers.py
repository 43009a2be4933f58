"""Many controllers: 500 schools listed in the vendor's customer table (``[registry]`` + a template).

    .venv/bin/python benchmarks/controllers.py [--schools 500] [--distinct 500] [--jobs 4] [--dir /tmp/dsr-bench-controllers]

Measured: loading the settings (one query on the customer table, 500 controllers validated),
``dsr check --all`` over every school, the answer path for one reader of one school — identify,
gather, redact (people read and hashed, the index built or taken from the process's cache),
compose, disclosure.json: :func:`dsr.answer` with ``formats=("json",)``, as a gather job does —
with a cold and a warm cache (fresh process; time and memory), and the memory of a process that
served ``--visits`` schools one after another, for several ``[dsr] cache_controllers``.

The schools are small demo schools (``dsr.demo``; ``--readers`` each), generated in two processes
(≈ 0.4 s each: a few minutes once, then cached in --dir). ``--distinct N`` generates N of them and
copies their files under the other tenant keys, for a quicker first run. ``--answer-only``
measures the answer path alone (bigger schools: ``--distinct 4 --readers 600 --dir …``).
Prints a table (with the load average: the machine may be shared); record the result in benchmarks/RESULTS.md ("Many controllers").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

#: the vendor's customer table as in James's vendor.sql (the columns the registry reads)
CUSTOMER = """CREATE TABLE customer (
    id INTEGER PRIMARY KEY, school_name VARCHAR(200) NOT NULL, school_number VARCHAR(20),
    street VARCHAR(200), postal_code VARCHAR(10), city VARCHAR(100), state_code VARCHAR(2) NOT NULL,
    vat_id VARCHAR(20), tenant_key VARCHAR(50) UNIQUE, customer_since DATE NOT NULL,
    contact_name VARCHAR(200), contact_role VARCHAR(100), contact_email VARCHAR(200),
    contact_phone VARCHAR(50), principal_name VARCHAR(200), created_at TIMESTAMP NOT NULL)"""

CONFIG = """[dsr]
secret_key = "{secret}"
cache_controllers = {cache}

[registry]
url = "sqlite:///vendor.db"
table = "customer"
key = "tenant_key"
template = "school"

[templates.school]
name = "{{school_name}}"
kind = "school"
land = "{{state_code}}"
public = true
street = "{{street}}"
postal_code = "{{postal_code}}"
city = "{{city}}"
email = "{{contact_email}}"
phone = "{{contact_phone}}"

[templates.school.dpo]
name = "Behördlicher Datenschutzbeauftragter des Schulamts"
email = "datenschutz@schulamt-{{tenant_key}}.example"

[templates.school.signatory]
name = "{{principal_name}}"
role = "Schulleitung"

[templates.school.stores.school]
connector = "sql"
url = "sqlite:///schools/school-{{tenant_key}}.db"
mapping = "james-school"
"""


def _generate(folder: str, index: int, readers: int) -> dict[str, str]:
    from dsr.demo import populate_school_file

    r = populate_school_file(Path(folder), index, readers, 2, 1, dt.date(2026, 6, 1))
    return {"tenant_key": r.tenant_key, "principal": r.principal.full_name, "street": r.street}


def prepare(folder: Path, schools: int, distinct: int, readers: int) -> Path:
    """The schools, vendor.db and dsr.toml in ``folder`` (reused when already there)."""
    from dsr.demo.people import town

    marker = folder / f"ready-{schools}-{distinct}-{readers}.json"
    if marker.exists():
        return folder / "dsr.toml"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "schools").mkdir(parents=True)
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        made = list(pool.map(_generate, [str(folder / "schools")] * distinct, range(distinct), [readers] * distinct))
    for i in range(distinct, schools):  # copies: another tenant key, the same small school
        source = folder / "schools" / f"school-{town(i % distinct).tenant_key}.db"
        shutil.copyfile(source, folder / "schools" / f"school-{town(i).tenant_key}.db")
    with sqlite3.connect(folder / "vendor.db") as db:
        db.execute(CUSTOMER)
        for i in range(schools):
            t, m = town(i), made[i % distinct]
            db.execute(
                "INSERT INTO customer (id, school_name, street, postal_code, city, state_code, tenant_key,"
                " customer_since, contact_name, contact_email, contact_phone, principal_name, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    i + 1,
                    t.school,
                    m["street"],
                    t.postal_prefix + "10",
                    t.city,
                    t.land,
                    t.tenant_key,
                    "2020-08-01",
                    "Bibliothek",
                    f"sekretariat@{t.tenant_key}.schule.example",
                    f"{t.area_code} 12345",
                    m["principal"],
                    "2020-08-01 09:00:00",
                ),
            )
    write_config(folder, cache=32)
    marker.write_text(json.dumps({"seconds": round(time.perf_counter() - started, 1)}))
    return folder / "dsr.toml"


def write_config(folder: Path, cache: int) -> Path:
    path = folder / ("dsr.toml" if cache == 32 else f"dsr-cache-{cache}.toml")
    path.write_text(CONFIG.format(secret="b7" * 8 + "0123456789abcdef" * 2 + "cafe" * 4, cache=cache), encoding="utf-8")
    return path


def rss_mb() -> tuple[float, float]:
    """Current and peak resident memory of this process (MB), from /proc."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _card(path: Path, nth: int = 0) -> str:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        row = db.execute(
            "SELECT card_number FROM person WHERE card_number IS NOT NULL AND kind = 'student' ORDER BY id"
            " LIMIT 1 OFFSET ?",
            (nth,),
        ).fetchone()
    return str(row[0])


def answer_one(settings: object, key: str, folder: Path, nth: int = 0, redact: bool = True) -> int:
    """The ``nth`` pupil of school ``key``, by card: with ``redact`` the answer path a gather job
    runs (:func:`dsr.answer`: connectors built, identify, gather, redact, compose, disclosure.json,
    connectors closed); without it identify and gather only. Returns the record count."""
    from dsr import Descriptor, answer, resolve
    from dsr.config import Settings, connect
    from dsr.pipeline.gather import gather

    assert isinstance(settings, Settings)
    card = _card(folder / "schools" / f"school-{key}.db", nth)
    if redact:
        reply = answer(settings, key, Descriptor(card_number=card), formats=("json",))
        assert reply.complete
        return reply.json.record_count
    connectors = connect(settings, key)
    try:
        subject = resolve(key, connectors, Descriptor(card_number=card)).matched()
        return len(gather(subject, connectors).records)
    finally:
        for c in connectors:
            c.close()


def child(args: argparse.Namespace) -> None:
    """One measurement in a fresh process (clean caches and peak memory); prints JSON."""
    from dsr.config import load
    from dsr.controller_cache import configured_size
    from dsr.pipeline.answer import PEOPLE_INDEXES
    from dsr_connectors.sql.open_stores import STORES

    folder = args.dir
    settings = load(write_config(folder, args.cache))
    keys = list(settings.controllers)
    answer_one(settings, keys[0], folder)  # imports, fonts of nothing, the wording: not the cache
    PEOPLE_INDEXES.clear()
    STORES.clear()
    base, _ = rss_mb()
    out: dict[str, float] = {"base_mb": base}
    if args.child == "gather":
        key = keys[len(keys) // 2]
        # cold: the school's engine, schema and index built; warm: all kept (the same pupil, then
        # another: the index serves every subject); "index cold": stores kept, index dropped
        for label, nth in (("cold", 0), ("warm", 0), ("warm_other", 1), ("index_cold", 2)):
            if label == "index_cold":
                PEOPLE_INDEXES.clear()
            runs = []
            for _ in range(1 if label == "cold" else 5):
                if label == "index_cold":
                    PEOPLE_INDEXES.clear()
                started = time.perf_counter()
                out[f"{label}_records"] = answer_one(settings, key, folder, nth)
                runs.append((time.perf_counter() - started) * 1000)
            out[f"{label}_ms"] = sorted(runs)[len(runs) // 2]  # the median of 5 (cold: once)
            out[f"{label}_rss_mb"], out[f"{label}_peak_mb"] = rss_mb()
        out["gather_only_ms"] = min(
            _timed(lambda: answer_one(settings, key, folder, 0, redact=False)) for _ in range(5)
        )
        out.update(_people_costs(settings, key))
    else:
        started = time.perf_counter()
        for key in keys[: args.visits]:
            answer_one(settings, key, folder, redact=args.child != "stores")
        out["seconds"] = time.perf_counter() - started
        out["rss_mb"], out["peak_mb"] = rss_mb()
        out["cached_stores"] = len(STORES)
        out["cached_indexes"] = len(PEOPLE_INDEXES._controllers)
        out["size"] = configured_size()
    print(json.dumps(out))


def _people_costs(settings: object, key: str) -> dict[str, float]:
    """What freshness costs on every answer (the people read and hashed) and what the cache saves
    (the index built): best of 5, the school's connectors warm."""
    from dsr.config import Settings, connect
    from dsr.pipeline.redact import AllowList, PeopleIndex, people_fingerprint

    assert isinstance(settings, Settings)
    connectors = connect(settings, key)
    try:
        people = [p for c in connectors for p in c.people()]
        allow = AllowList.for_controller(settings.controller(key))
        return {
            "people": len(people),
            "read_hash_ms": min(
                _timed(lambda: people_fingerprint([p for c in connectors for p in c.people()])) for _ in range(5)
            ),
            "build_ms": min(_timed(lambda: PeopleIndex.build(people, allow)) for _ in range(5)),
        }
    finally:
        for c in connectors:
            c.close()


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def run_child(args: argparse.Namespace, what: str, cache: int) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", what, "--dir", str(args.dir), "--cache", str(cache)]
    cmd += ["--visits", str(args.visits)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--schools", type=int, default=500)
    p.add_argument("--distinct", type=int, default=500, help="schools generated; the rest are copies")
    p.add_argument("--readers", type=int, default=20, help="readers per generated school")
    p.add_argument("--jobs", type=int, default=4, help="threads of dsr check --all")
    p.add_argument("--visits", type=int, default=200, help="schools gathered one after another (memory)")
    p.add_argument("--dir", type=Path, default=Path("/tmp/dsr-bench-controllers"))
    p.add_argument("--answer-only", action="store_true", help="skip dsr check --all and the memory runs")
    p.add_argument("--child", choices=("gather", "visits", "stores"), help=argparse.SUPPRESS)
    p.add_argument("--cache", type=int, default=32, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
        return
    from rich.console import Console
    from rich.table import Table

    from dsr.config import load

    start_load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    started = time.perf_counter()
    config = prepare(args.dir, args.schools, args.distinct, args.readers)
    print(f"stores ready in {time.perf_counter() - started:.1f} s ({args.dir})", file=sys.stderr)

    loads = []
    for _ in range(3):
        started = time.perf_counter()
        settings = load(config)
        loads.append(time.perf_counter() - started)
    rows = [(f"load settings: registry of {len(settings.controllers)} schools", f"{min(loads) * 1000:.0f} ms", "")]

    cmd = [sys.executable, "-c", "import sys; from dsr.cli import main; sys.exit(main())"]
    if not args.answer_only:
        started = time.perf_counter()
        done = subprocess.run(
            [*cmd, "check", "--all", "--config", str(config), "--jobs", str(args.jobs)], capture_output=True, text=True
        )
        took = time.perf_counter() - started
        rows.append((f"dsr check --all --jobs {args.jobs} (exit {done.returncode})", f"{took:.1f} s", "whole process"))

    g = run_child(args, "gather", 32)
    labels = {
        "cold": "answer one reader, cold cache (first request in the process)",
        "warm": "… warm cache, the same reader (median of 5)",
        "warm_other": "… warm cache, another reader of the school (median of 5)",
        "index_cold": "… stores kept, people index dropped (median of 5)",
    }
    for label, text in labels.items():
        rows.append(
            (
                f"{text} ({g[label + '_records']:.0f} records)",
                f"{g[label + '_ms']:.1f} ms",
                f"RSS {g[label + '_rss_mb']:.0f} MB, peak {g[label + '_peak_mb']:.0f} MB",
            )
        )
    rows.append(("identify + gather only, warm (best of 5)", f"{g['gather_only_ms']:.1f} ms", ""))
    rows.append(
        (
            f"the school's {g['people']:.0f} people read and hashed (every answer: freshness; best of 5)",
            f"{g['read_hash_ms']:.1f} ms",
            "",
        )
    )
    rows.append(("their index built (what a warm cache saves; best of 5)", f"{g['build_ms']:.1f} ms", ""))
    runs = [("visits", c) for c in (8, 32, 128, args.visits)] + [("stores", args.visits)]
    for what, cache in runs if not args.answer_only else []:
        m = run_child(args, what, cache)
        rows.append(
            (
                f"{args.visits} schools answered, cache_controllers = {cache}"
                + (" (identify + gather only: no redaction index)" if what == "stores" else ""),
                f"{m['seconds']:.1f} s",
                f"RSS {m['rss_mb']:.0f} MB (start {m['base_mb']:.0f}), peak {m['peak_mb']:.0f} MB; "
                f"kept: {m['cached_stores']:.0f} stores, {m['cached_indexes']:.0f} indexes",
            )
        )
    table = Table(title=f"many controllers: {len(settings.controllers)} schools from a registry (SQLite stores)")
    for col in ("measure", "time", "memory / notes"):
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    Console(width=160).print(table)
    print(
        f"{dt.datetime.now().isoformat(timespec='minutes')}, {os.cpu_count()} cores, load average (1/5/15 min)"
        f" {' / '.join(f'{x:.1f}' for x in os.getloadavg())} at the end (at the start: {start_load})"
    )


if __name__ == "__main__":
    main()
