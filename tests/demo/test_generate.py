"""`dsr.demo.generate`: deterministic, complete, with every hard case present, and a dsr.toml that loads."""

from __future__ import annotations

import datetime as dt
import gzip
import re
import sqlite3
from pathlib import Path

import phonenumbers
import pytest
from stdnum import iban

from dsr import config
from dsr.demo import DemoSummary, generate
from dsr.demo.world import SUMMER_TIME_DAY

SCHOOL_TABLES = (
    "school",
    "person",
    "guardian",
    "item",
    "loan",
    "reservation",
    "fee",
    "notice",
    "review",
    "login_event",
    "search_log",
    "privilege_change",
    "security_incident",
)
VENDOR_TABLES = ("vendor_staff", "customer", "contract", "invoice", "domain_order", "support_ticket")
COMBINED = re.compile(
    r"^(\S+) - (\S+) \[(\d\d)/(\w{3})/(\d{4}):(\d\d:\d\d:\d\d) ([+-]\d{4})\] "
    r'"([A-Z]+) (\S+) HTTP/1\.1" (\d{3}) (\d+) "([^"]*)" "([^"]*)"$'
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    # two weeks of logs across the switch to summer time
    return generate(
        tmp_path_factory.mktemp("demo") / "d",
        schools=2,
        readers_per_school=60,
        seed=7,
        loans_per_reader=12,
        today=SUMMER_TIME_DAY,
    )


def _db(demo: DemoSummary, controller: str, store: str) -> sqlite3.Connection:
    return sqlite3.connect(Path(demo.folder) / demo.controllers[controller].stores[store])


def _schools(demo: DemoSummary) -> list[str]:
    return [k for k, c in demo.controllers.items() if c.kind == "school"]


def _log_lines(folder: Path) -> list[bytes]:
    lines: list[bytes] = []
    for f in sorted(folder.glob("access.log*")):
        data = gzip.decompress(f.read_bytes()) if f.suffix == ".gz" else f.read_bytes()
        lines += data.splitlines()
    return lines


def _dump(folder: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    for db in sorted(folder.glob("*.db")):
        with sqlite3.connect(db) as conn:
            out[db.name] = list(conn.iterdump())
    for f in sorted((folder / "logs").iterdir()):
        out[f.name] = f.read_bytes()
    out["dsr.toml"] = (folder / "dsr.toml").read_text()
    return out


def test_same_seed_and_day_give_identical_stores_and_logs(tmp_path: Path) -> None:
    day = dt.date(2026, 11, 25)
    a = generate(tmp_path / "a", schools=1, readers_per_school=40, seed=3, loans_per_reader=6, today=day)
    b = generate(tmp_path / "b", schools=1, readers_per_school=40, seed=3, loans_per_reader=6, today=day)
    generate(tmp_path / "c", schools=1, readers_per_school=40, seed=4, loans_per_reader=6, today=day)
    d = generate(
        tmp_path / "d", schools=1, readers_per_school=40, seed=3, loans_per_reader=6, today=day + dt.timedelta(days=1)
    )
    assert _dump(tmp_path / "a") == _dump(tmp_path / "b")
    assert _dump(tmp_path / "a") != _dump(tmp_path / "c")
    assert _dump(tmp_path / "a") != _dump(tmp_path / "d")
    assert a.controllers == b.controllers

    # another day moves the activity, not the people: featured people stay who they are (but for
    # the pupil with the most loans on file, whom the activity decides)
    def people(summary: DemoSummary) -> dict[str, dict[str, object]]:
        return {k: {r: f for r, f in c.featured.items() if r != "heavy_pupil"} for k, c in summary.controllers.items()}

    assert people(a) == people(d)
    for c in a.controllers.values():
        if "heavy_pupil" in c.featured:
            heavy = c.featured["heavy_pupil"]
            assert heavy.class_name, "the heaviest reader is a pupil"
            assert heavy.card_number not in {
                f.card_number for r, f in c.featured.items() if r in ("pupil", "heavy_teacher")
            }


def test_every_table_has_rows(demo: DemoSummary) -> None:
    for school in _schools(demo):
        with _db(demo, school, "school") as conn:
            for table in SCHOOL_TABLES:
                assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] > 0, (school, table)
    with _db(demo, "vendor", "vendor") as conn:
        for table in VENDOR_TABLES:
            assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] > 0, table


def test_generated_config_loads_and_points_at_the_stores(demo: DemoSummary) -> None:
    settings = config.load(demo.config)
    assert set(settings.controllers) == set(demo.controllers)
    lands = {settings.controllers[k].land for k in _schools(demo)}
    assert "BY" in lands and len(lands) > 1
    for key in _schools(demo):
        stores = settings.controllers[key].stores
        assert stores["school"]["mapping"] == "james-school"
        assert (settings.base_dir / stores["school"]["url"].removeprefix("sqlite:///")).is_file()
        assert stores["weblog"] == {"connector": "weblog", "path": "logs", "scope": "catalogue", "tenant_key": key}
    assert settings.controllers["vendor"].stores["weblog"]["scope"] == "site"
    assert settings.dsr.secret_key
    assert DemoSummary.load(Path(demo.folder) / "demo.json") == demo


def test_hard_cases_are_in_the_school_database(demo: DemoSummary) -> None:
    school = _schools(demo)[0]
    f = demo.controllers[school].featured
    with _db(demo, school, "school") as conn:
        q = lambda sql, *a: conn.execute(sql, a).fetchall()  # noqa: E731
        a, b = f["namesakes"].person_id, f["namesakes"].related_ids[0]
        (n1,), (n2,) = q("SELECT first_name||' '||last_name||' '||class_name FROM person WHERE id IN (?, ?)", a, b)
        assert n1 == n2
        t = f["teacher_guardian_contact"]
        assert q("SELECT kind FROM person WHERE id = ?", t.person_id) == [("teacher",)]
        assert q("SELECT student_id, email FROM guardian WHERE person_id = ?", t.person_id) == [
            (t.related_ids[0], t.email)
        ]
        assert q("SELECT COUNT(*) FROM person WHERE class_teacher_id = ? AND kind = 'student'", t.person_id)[0][0] > 5
        helper = f["pupil_helper"].person_id
        assert q("SELECT kind, roles FROM person WHERE id = ?", helper) == [("student", "circulation")]
        assert (
            q("SELECT COUNT(*) FROM loan WHERE issued_by_id IN (SELECT id FROM person WHERE kind='student')")[0][0] > 0
        )
        assert (
            q(
                "SELECT MAX(c) FROM (SELECT COUNT(*) c FROM reservation"
                " WHERE status IN ('waiting','ready') GROUP BY item_id)"
            )[0][0]
            >= 2
        )
        assert q("SELECT COUNT(*) FROM loan WHERE person_id IS NULL AND anonymized_at IS NOT NULL")[0][0] > 0
        parent = f["parent_two_children"]
        kids = {r[0] for r in q("SELECT student_id FROM guardian WHERE email = ?", parent.email)}
        assert kids == set(parent.related_ids) and len(kids) == 2
        assert q("SELECT COUNT(*) FROM fee WHERE payer_name = ?", f"{parent.first_name} {parent.last_name}")[0][0] >= 1
        assert (
            q("SELECT COUNT(*) FROM notice n JOIN guardian g ON g.student_id = n.person_id AND g.email = n.cc_address")[
                0
            ][0]
            > 0
        )
        heavy = f["heavy_teacher"].person_id
        assert (
            q(
                "SELECT COUNT(*) FROM loan l JOIN item i ON i.id = l.item_id"
                " WHERE l.person_id = ? AND i.media_type = 'class_set'",
                heavy,
            )[0][0]
            >= 2000
        )
        inc = q(
            "SELECT target_person_id, suspected_person_id, reported_to_authority_at, evidence"
            " FROM security_incident WHERE id = 1"
        )[0]
        assert inc[:2] == (f["incident_target"].person_id, f["incident_suspect"].person_id) and inc[2]
        assert f["incident_target"].login_name in inc[3]
        # free texts name other people; the typical pupil's reviews exist
        assert q("SELECT COUNT(*) FROM review WHERE person_id = ?", f["pupil"].person_id)[0][0] >= 2
        mates = q("SELECT first_name||' '||last_name FROM person WHERE kind='student'")
        texts = " ".join(
            r[0]
            for r in q("SELECT text FROM review UNION ALL SELECT staff_note FROM person WHERE staff_note IS NOT NULL")
        )
        assert any(m[0] in texts for m in mates)
        nobody = f["nobody"]
        assert (
            q("SELECT COUNT(*) FROM person WHERE last_name = ? OR email = ?", nobody.last_name, nobody.email)[0][0] == 0
        )
        cards = [r[0] for r in q("SELECT card_number FROM person")]
        assert all(re.fullmatch(r"L\d{7}", c) for c in cards)
        phones = [
            r[0]
            for r in q(
                "SELECT phone FROM person WHERE phone IS NOT NULL"
                " UNION SELECT phone FROM guardian WHERE phone IS NOT NULL"
            )
        ]
        assert phones and all(phonenumbers.is_valid_number(phonenumbers.parse(p, "DE")) for p in phones)
        years = {r[0] for r in q("SELECT DISTINCT substr(issued_at, 1, 4) FROM loan")}
        assert {"2019", "2026"} <= years


def test_vendor_contact_is_the_teacher_guardian(demo: DemoSummary) -> None:
    school = _schools(demo)[0]
    teacher = demo.controllers[school].featured["teacher_guardian_contact"]
    contact = demo.controllers["vendor"].featured["customer_contact"]
    assert contact.email == teacher.email
    with _db(demo, "vendor", "vendor") as conn:
        assert conn.execute("SELECT tenant_key FROM customer WHERE contact_email = ?", (teacher.email,)).fetchall() == [
            (school,)
        ]
        ibans = [r[0] for r in conn.execute("SELECT iban FROM invoice")]
        assert ibans and all(iban.is_valid(i) for i in ibans)


def test_logs_are_combined_format_and_consistent_with_logins(demo: DemoSummary) -> None:
    folder = Path(demo.folder) / "logs"
    assert (
        (folder / "access.log").is_file()
        and (folder / "access.log.1").is_file()
        and (folder / "access.log.2.gz").is_file()
    )
    lines = _log_lines(folder)
    parsed = [m for m in (COMBINED.match(line.decode("utf-8", "replace")) for line in lines) if m]
    assert len(lines) - len(parsed) >= 1  # malformed lines are there
    assert {m.group(7) for m in parsed} == {"+0100", "+0200"}
    school = _schools(demo)[0]
    catalogue = [m for m in parsed if m.group(9).startswith(f"/opac/{school}/")]
    assert catalogue
    with _db(demo, school, "school") as conn:
        logins = {r[0] for r in conn.execute("SELECT login_name FROM person WHERE login_name IS NOT NULL")}
        nat_users = conn.execute(
            "SELECT ip_address, COUNT(DISTINCT person_id) FROM login_event WHERE outcome='success' GROUP BY ip_address"
        ).fetchall()
    assert {m.group(2) for m in catalogue} - {"-"} <= logins
    assert max(n for _, n in nat_users) > 5  # the school's NAT address: many readers
    assert sum(1 for _, n in nat_users if n == 1) > 0  # home addresses: one reader each
    site_users = {m.group(2) for m in parsed if m.group(9).startswith("/kunden/")} - {"-"}
    assert demo.controllers["vendor"].featured["customer_contact"].email in site_users or site_users
    assert any(m.group(1).endswith(".t-ipconnect.de") for m in parsed)
    assert any(":" in m.group(1) for m in parsed)
