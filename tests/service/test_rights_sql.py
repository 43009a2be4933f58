"""Rectification and objection on a generated James school (SQLite, PostgreSQL, MariaDB) through
the SQL connector's write side. The oracle is SQL on the store, not dsr's own record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.casepage import candidates_of
from dsr.casefile.rights import Decision, rectifications_of
from dsr.model import Descriptor
from dsr.service import casework, objection, rectification
from dsr.writing import Target
from tests.service.test_erasure_execution import World, _school


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path, db_url, _school(db_url))
    yield w
    w.close()


def _case(w: World, kinds: tuple[str, ...]) -> str:
    with w.store.connect() as conn:
        first, last, card = conn.execute(
            sa.text("SELECT first_name, last_name, card_number FROM person WHERE id = :p"), {"p": w.pupil}
        ).one()
    ref = casefile.open_case(
        w.engine,
        w.settings.dsr.secret_key.encode(),
        casefile.Intake(
            controller="gym",
            land="BY",
            request_types=tuple(casefile.RequestType(k) for k in kinds),
            channel=casefile.Channel.PORTAL,
            received_at=dt.datetime.now(dt.UTC),
            subject=casefile.Party(descriptor=Descriptor(first_name=first, last_name=last, card_number=card)),
        ),
    ).reference
    casework.find_candidates(w.engine, w.settings, ref, user=w.officer)
    strong = [c for c in candidates_of(w.engine, w.officer, ref) if c.strong][0].reference
    casefile.record_identity_check(
        w.engine, w.officer, ref, casefile.CheckMethod.IN_PERSON, candidate=strong, evidence="id_card"
    )
    casefile.confirm_identity(w.engine, w.officer, ref, strong)
    return ref


def test_a_corrected_address_lands_in_the_store_and_a_closed_column_is_refused(world: World) -> None:
    ref = _case(world, ("rectification",))
    fields = rectification.fields_of_case(world.engine, world.settings, world.officer, ref)
    email = next(f for f in fields if f.target.collection == "account" and f.column == "email")
    rectification.rectify(
        world.engine,
        world.settings,
        world.officer,
        ref,
        [rectification.Change(target=email.target, column="email", value="neu@example.org")],
        verified=True,
    )
    with world.store.connect() as conn:
        assert conn.execute(sa.text("SELECT email FROM person WHERE id = :p"), {"p": world.pupil}).scalar() == (
            "neu@example.org"
        )
    [kept] = rectifications_of(world.engine, world.officer, ref)
    assert (kept.before, kept.after) == (email.current, "neu@example.org")
    with pytest.raises(casefile.InputRejected):
        rectification.rectify(
            world.engine,
            world.settings,
            world.officer,
            ref,
            [
                rectification.Change(
                    target=Target("school", "account", str(world.pupil)), column="login_name", value="x"
                )
            ],
            verified=True,
        )


def test_an_upheld_objection_anonymises_returned_loans_and_leaves_open_ones(world: World) -> None:
    world.sql("UPDATE person SET keep_loan_history = :t WHERE id = :p", t=True, p=world.pupil)
    with world.store.connect() as conn:
        loans = (
            conn.execute(sa.text("SELECT id FROM loan WHERE person_id = :p ORDER BY id"), {"p": world.pupil})
            .scalars()
            .all()
        )
    assert len(loans) >= 2
    world.sql("UPDATE loan SET returned_at = NULL WHERE id = :l", l=loans[0])  # one still on loan
    ref = _case(world, ("objection",))
    done = objection.decide(
        world.engine, world.settings, world.officer, ref, "loan_history", Decision.UPHELD, "Einwilligung widerrufen."
    )
    assert done.counts["rectified"] == 1 and done.counts["anonymised"] == len(loans) - 1
    with world.store.connect() as conn:
        assert not conn.execute(
            sa.text("SELECT keep_loan_history FROM person WHERE id = :p"), {"p": world.pupil}
        ).scalar()
        left = conn.execute(sa.text("SELECT id FROM loan WHERE person_id = :p"), {"p": world.pupil}).scalars().all()
    assert left == [loans[0]]
