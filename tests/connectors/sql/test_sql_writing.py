"""The SQL connector's write side on the James school database, on SQLite, PostgreSQL and MariaDB.

The oracle is independent of the mapping: which rows are a person's is decided here by SQL on the
tables' person columns (``OWNERS``), and what erasure must leave of them by ``expected`` (the
James declarations written out by hand). Every other row must come out of an erasure identical.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsr.demo import populate_school
from dsr.model import Identifier, IdentifierKind, Subject
from dsr.writing import Step, StepAction, Target, WriteError
from dsr_connectors.james import MAPPINGS
from dsr_connectors.sql import SQLConnector

#: the columns that make a row a person's (the guardian row is the child's and the parent's)
OWNERS = {
    "person": ["id"],
    "guardian": ["student_id", "person_id"],
    "loan": ["person_id"],
    "reservation": ["person_id"],
    "fee": ["person_id"],
    "notice": ["person_id"],
    "review": ["person_id"],
    "login_event": ["person_id"],
    "search_log": ["person_id"],
    "privilege_change": ["target_person_id"],
}
ACCOUNT_CLEARED = (
    "card_number login_name password_hash roles date_of_birth gender class_name school_year email phone street "
    "postal_code city class_teacher_id consent_given_at consent_version staff_note updated_by_id locked_at lock_reason"
).split()
DELETED = {"guardian", "reservation", "notice", "review", "login_event", "search_log", "privilege_change"}

Dump = dict[str, dict[Any, dict[str, Any]]]


def dump(engine: sa.Engine) -> Dump:
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {t.name: {r["id"]: dict(r) for r in conn.execute(sa.select(t)).mappings()} for t in meta.sorted_tables}


def owned(before: Dump, people: set[int]) -> dict[str, set[Any]]:
    """Rows of ``people``: by their person columns, and guardian rows by the parent's e-mail too."""
    emails = {(before["person"][p]["email"] or "").lower() for p in people} - {""}
    out: dict[str, set[Any]] = {}
    for table, columns in OWNERS.items():
        out[table] = {
            key
            for key, row in before[table].items()
            if any(row[c] in people for c in columns)
            or (table == "guardian" and (row["email"] or "").lower() in emails)
        }
    return out


def held(table: str, row: dict[str, Any]) -> bool:
    if table == "loan":
        return row["returned_at"] is None
    if table == "fee":
        return row["paid_at"] is None and row["waived_at"] is None
    return False


def expected(table: str, row: dict[str, Any], after: dict[str, Any] | None) -> str | None:
    """What is wrong with a row of the erased person after erasure (None: as declared)."""
    if held(table, row):
        return None if after == row else "held row changed"
    if table in DELETED or table == "fee":
        return None if after is None else "not deleted"
    if after is None:
        return "deleted, but should stay"
    if table == "loan":
        want = {**row, "person_id": None, "note": None, "anonymized_at": after["anonymized_at"]}
        return None if after == want and after["anonymized_at"] is not None else "not anonymised as declared"
    if table == "person":
        want = {**row, **dict.fromkeys(ACCOUNT_CLEARED), "updated_at": after["updated_at"]}
        want.update(first_name="[gelöscht]", last_name="[gelöscht]")
        got = {**after, "keep_loan_history": bool(after["keep_loan_history"])}
        want["keep_loan_history"] = False
        return None if got == want and after["updated_at"] is not None else "account not overwritten as declared"
    return "unexpected table"


def problems(before: Dump, after: Dump, people: set[int]) -> list[str]:
    mine = owned(before, people)
    found = []
    for table, rows in before.items():
        for key, row in rows.items():
            now = after[table].get(key)
            if key in mine.get(table, ()):
                if (why := expected(table, row, now)) is not None:
                    found.append(f"{table} {key}: {why}")
            elif now != row:
                found.append(f"{table} {key}: another person's row was changed")
        found += [f"{table} {key}: new row" for key in set(after[table]) - set(rows)]
    return found


def subject(connector: SQLConnector, person: int) -> Subject:
    s = Subject(
        controller="gym",
        reference=f"P-{person}",
        identifiers=frozenset({Identifier(IdentifierKind.KEY, str(person), connector.name)}),
    )
    return s.with_identifiers(connector.identifiers(s))


def erasure_steps(connector: SQLConnector, people: Iterable[int]) -> list[Step]:
    """What an executed plan asks of the store: erase every record that has no hold and can be erased."""
    writer = connector.writer()
    assert writer is not None
    rules = writer.rules()
    targets = sorted(
        {Target(r.store, r.collection, r.key) for p in people for r in connector.records(subject(connector, p))}
    )
    blocked = writer.holds(targets)
    return [
        Step(target=t, action=StepAction.ERASE)
        for t in targets
        if t not in blocked and rules[t.collection].erase.action.value in ("delete", "anonymise", "overwrite")
    ]


def build(url: str) -> tuple[SQLConnector, int]:
    """A generated school, and the pupil with the most rows, marked as having left."""
    populate_school(url, readers=30, loans_per_reader=6, seed=3)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        counts = conn.execute(
            sa.text(
                "SELECT p.id, (SELECT count(*) FROM loan l WHERE l.person_id = p.id)"
                " + (SELECT count(*) FROM fee f WHERE f.person_id = p.id)"
                " + (SELECT count(*) FROM notice n WHERE n.person_id = p.id) AS n"
                " FROM person p WHERE p.kind = 'student' ORDER BY n DESC, p.id"
            )
        ).all()
        pupil = counts[0][0]
        conn.execute(sa.text("UPDATE person SET left_at = :d WHERE id = :p"), {"d": dt.date(2025, 7, 31), "p": pupil})
    engine.dispose()
    return SQLConnector("school", url, MAPPINGS["james-school"]), pupil


@pytest.fixture
def school(db_url: str) -> Iterable[tuple[SQLConnector, int]]:
    connector, pupil = build(db_url)
    yield connector, pupil
    connector.close()


def test_erasing_a_pupil_who_left_touches_nothing_of_anybody_else(school: tuple[SQLConnector, int]) -> None:
    connector, pupil = school
    writer = connector.writer()
    assert writer is not None
    before = dump(connector.engine)
    steps = erasure_steps(connector, [pupil])
    assert {s.target.collection for s in steps} >= {"account", "loan", "notice"}
    applied = writer.apply(steps)
    assert all(a.changed for a in applied)
    after = dump(connector.engine)
    assert problems(before, after, {pupil}) == []
    assert any(r != before["loan"][k] for k, r in after["loan"].items())  # something was anonymised

    again = writer.apply(steps)  # idempotent: nothing more changes
    assert not any(a.changed for a in again)
    deleted = {s.target for s, a in zip(steps, again, strict=True) if a.missing}
    assert {t.collection for t in deleted} <= {
        "notice",
        "fee",
        "guardian_of_child",
        "reservation",
        "review",
        "login_event",
        "search_log",
        "privilege_change_target",
    }
    assert dump(connector.engine) == after


def test_a_batch_with_one_refused_step_leaves_the_store_untouched(school: tuple[SQLConnector, int]) -> None:
    connector, pupil = school
    writer = connector.writer()
    assert writer is not None
    before = dump(connector.engine)
    steps = erasure_steps(connector, [pupil])
    account = Target("school", "account", str(pupil))
    # refused by dsr (not open to rectification) after every erasure step ran
    with pytest.raises(
        WriteError, match=rf"school\.account {pupil}: columns not open to rectification: \['login_name'\]"
    ):
        writer.apply([*steps, Step(target=account, action=StepAction.RECTIFY, values={"login_name": "x"})])
    assert dump(connector.engine) == before
    # refused by the database (first_name is NOT NULL): the message names the record, not the value
    with pytest.raises(WriteError) as refused:
        writer.apply([*steps, Step(target=account, action=StepAction.RECTIFY, values={"first_name": None})])
    assert f"school.account {pupil}" in str(refused.value)
    assert before["person"][pupil]["first_name"] not in str(refused.value)
    assert dump(connector.engine) == before


def test_holds_are_read_from_the_live_rows(school: tuple[SQLConnector, int]) -> None:
    connector, pupil = school
    writer = connector.writer()
    assert writer is not None
    with connector.engine.begin() as conn:
        loan = conn.execute(sa.text("SELECT min(id) FROM loan WHERE person_id = :p"), {"p": pupil}).scalar_one()
        fee = conn.execute(sa.text("SELECT min(id) FROM fee WHERE person_id = :p"), {"p": pupil}).scalar_one()
        conn.execute(sa.text("UPDATE loan SET returned_at = NULL WHERE id = :i"), {"i": loan})
        conn.execute(sa.text("UPDATE fee SET paid_at = NULL, waived_at = NULL WHERE id = :i"), {"i": fee})
    open_loan, unpaid = Target("school", "loan", str(loan)), Target("school", "fee", str(fee))
    account = Target("school", "account", str(pupil))
    assert writer.holds([open_loan, unpaid, account]) == {open_loan: ("open_loan",), unpaid: ("unpaid_fee",)}

    with connector.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE loan SET returned_at = :t WHERE id = :i"), {"t": dt.datetime(2025, 8, 1), "i": loan}
        )
        conn.execute(sa.text("UPDATE fee SET waived_at = :t WHERE id = :i"), {"t": dt.datetime(2025, 8, 1), "i": fee})
    assert writer.holds([open_loan, unpaid, account]) == {}
    with connector.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE fee SET waived_at = NULL, paid_at = :t WHERE id = :i"),
            {"t": dt.datetime(2025, 8, 2), "i": fee},
        )
    assert writer.holds([unpaid]) == {}


def test_rectification_changes_only_declared_columns(school: tuple[SQLConnector, int]) -> None:
    connector, pupil = school
    writer = connector.writer()
    assert writer is not None
    account = Target("school", "account", str(pupil))
    before = dump(connector.engine)
    step = Step(
        target=account,
        action=StepAction.RECTIFY,
        values={"email": "neu@example.org", "date_of_birth": "2011-03-04", "class_name": "8a"},
    )
    was = writer.current(account, ["email", "date_of_birth", "class_name"])
    assert was == {k: before["person"][pupil][k] for k in was}
    assert [a.changed for a in writer.apply([step])] == [True]
    assert writer.current(account, ["email", "date_of_birth", "class_name"]) == {
        "email": "neu@example.org",
        "date_of_birth": dt.date(2011, 3, 4),
        "class_name": "8a",
    }
    after = dump(connector.engine)
    changed = {
        (t, k, c) for t, rows in before.items() for k, row in rows.items() for c in row if after[t][k][c] != row[c]
    }
    assert changed <= {("person", pupil, "email"), ("person", pupil, "date_of_birth"), ("person", pupil, "class_name")}
    assert [a.changed for a in writer.apply([step])] == [False]
    with pytest.raises(WriteError, match="not open to rectification"):
        writer.apply([Step(target=account, action=StepAction.RECTIFY, values={"password_hash": "x"})])
    with pytest.raises(WriteError, match="not open to rectification"):  # a loan has nothing to rectify
        writer.apply([Step(target=Target("school", "loan", "1"), action=StepAction.RECTIFY, values={"note": "x"})])
    assert dump(connector.engine) == after


def test_steps_outside_the_declarations_are_refused(school: tuple[SQLConnector, int]) -> None:
    connector, _ = school
    writer = connector.writer()
    assert writer is not None
    with pytest.raises(WriteError, match=r"school\.incident_target 1: cannot be erased by dsr \(none\)"):
        writer.apply([Step(target=Target("school", "incident_target", "1"), action=StepAction.ERASE)])
    with pytest.raises(WriteError, match="no write rules declared"):
        writer.apply([Step(target=Target("school", "nonesuch", "1"), action=StepAction.ERASE)])
    gone = writer.apply([Step(target=Target("school", "loan", "999999"), action=StepAction.ERASE)])
    assert gone[0].missing and not gone[0].changed


# ------------------------------------------------------------------ many people at once (SQLite)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    path = tmp_path_factory.mktemp("school") / "school.db"
    populate_school(f"sqlite:///{path}", readers=24, loans_per_reader=4, seed=5)
    with sa.create_engine(f"sqlite:///{path}").connect() as conn:
        people = list(conn.execute(sa.text("SELECT id FROM person ORDER BY id")).scalars())
    return path, people


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_erasing_any_people_leaves_everybody_else_untouched(
    template: tuple[Path, list[int]], tmp_path: Path, data: st.DataObject
) -> None:
    path, people = template
    chosen = data.draw(st.sets(st.sampled_from(people), min_size=1, max_size=4))
    copy = tmp_path / f"copy-{'-'.join(map(str, sorted(chosen)))}.db"
    shutil.copy(path, copy)
    connector = SQLConnector("school", f"sqlite:///{copy}", MAPPINGS["james-school"])
    try:
        before = dump(connector.engine)
        writer = connector.writer()
        assert writer is not None
        writer.apply(erasure_steps(connector, sorted(chosen)))
        assert problems(before, dump(connector.engine), chosen) == []
    finally:
        connector.close()
        copy.unlink()
