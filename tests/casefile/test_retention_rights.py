"""Retention purges a case's rectifications and objections: their before/after values and reasons
are the person's data (issue #14). The oracle is the tables read with SQL after the purge."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import Channel, Intake, Party, RequestType
from dsr.casefile.rights import Corrected, Decision, record_objection, record_rectification
from dsr.casefile.schema import cases, objections, rectifications
from dsr.model import Descriptor
from dsr.writing import Target

SECRET = b"server-secret-for-tests"
T = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)
THREE_YEARS = dt.timedelta(days=3 * 365)


def _open(engine: sa.Engine) -> str:
    intake = Intake(
        controller="gym",
        land="BY",
        request_types=(RequestType.RECTIFICATION, RequestType.OBJECTION),
        channel=Channel.EMAIL,
        received_at=T,
        subject=Party(descriptor=Descriptor(first_name="Anna", last_name="Beispiel"), email="anna@example.org"),
    )
    return casefile.open_case(engine, SECRET, intake, now=T).reference


def _rows(engine: sa.Engine, table: sa.Table) -> list[str]:
    with engine.connect() as conn:
        return [str(r) for r in conn.execute(sa.select(table)).all()]


def test_purging_a_case_deletes_its_rectifications_and_objections_and_keeps_the_others(engine: sa.Engine) -> None:
    officer = casefile.create_user(engine, "o", "pw", {"gym": ["officer"]}, now=T)
    old, recent = _open(engine), _open(engine)
    for ref in (old, recent):
        corrected = Corrected(
            target=Target("school", "account", "7"),
            column="email",
            before="anna.alt@example.org",
            after="anna.neu@example.org",
            applied=True,
        )
        record_rectification(engine, officer, ref, [corrected], verified=True, now=T)
        record_objection(engine, officer, ref, "loan_history", Decision.UPHELD, "Anna widerruft.", now=T)
    casefile.withdraw(engine, officer, old, now=T)
    casefile.withdraw(engine, officer, recent, now=T + dt.timedelta(days=400))
    assert len(_rows(engine, rectifications)) == 2 and len(_rows(engine, objections)) == 2

    assert casefile.purge_closed(engine, period=THREE_YEARS, now=T + THREE_YEARS + dt.timedelta(days=1)) == [old]

    left = _rows(engine, rectifications) + _rows(engine, objections)
    assert len(left) == 2  # the recent case's rows stay
    with engine.connect() as conn:
        ids = set(conn.execute(sa.select(rectifications.c.case_id).union(sa.select(objections.c.case_id))).scalars())
        kept = conn.execute(sa.select(cases.c.id).where(cases.c.reference == recent)).scalar_one()
    assert ids == {kept}
    assert casefile.history(engine, old)[-1].action == "case purged"
    assert casefile.verify(engine).ok
