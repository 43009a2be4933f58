"""Idempotency keys in the case file, on SQLite, PostgreSQL and MariaDB: a request recorded with a
key is found again by it, never opened twice — also when both attempts run at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import Channel, Intake, Party, RequestType, TransitionRefused, idempotency
from dsr.casefile.documents import open_case_with_documents
from dsr.casefile.schema import cases, idempotency_keys
from dsr.model import Descriptor

SECRET = b"server-secret-for-tests"
KEY = "3f2c9a4e-77b1-4c0e-9d55-0b8e1f6a2c11"
REQUEST = b'{"first_name":"Anna","last_name":"Beispiel"}'
NOW = dt.datetime(2026, 3, 10, 8, 15, tzinfo=dt.UTC)
INTAKE = Intake(
    controller="gym",
    land="BY",
    request_types=(RequestType.ACCESS,),
    channel=Channel.PORTAL,
    received_at=NOW,
    subject=Party(descriptor=Descriptor(first_name="Anna", last_name="Beispiel"), email="anna@example.org"),
)


def _cases(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar_one())


def test_a_key_finds_its_case_with_a_status_secret_that_works(engine: sa.Engine) -> None:
    claim = idempotency.claim(SECRET, "gym", KEY, REQUEST)
    assert idempotency.find(engine, claim) is None
    opened = open_case_with_documents(engine, SECRET, INTAKE, [], now=NOW, claim=claim)

    earlier = idempotency.find(engine, idempotency.claim(SECRET, "gym", KEY, REQUEST))
    assert earlier is not None and earlier.reference == opened.reference
    assert earlier.status_secret == opened.status_secret and not earlier.code_issued
    # the receipt shown again opens the status page, as the first one did
    status = casefile.public_status(engine, SECRET, earlier.reference, earlier.status_secret, today=NOW.date())
    assert status.reference == opened.reference
    with engine.connect() as conn:  # neither the key nor the secret is stored as such
        stored = conn.execute(sa.select(idempotency_keys)).one()
    assert KEY not in str(tuple(stored)) and opened.status_secret not in str(tuple(stored))


def test_a_second_case_with_the_same_key_is_refused_by_the_database(engine: sa.Engine) -> None:
    claim = idempotency.claim(SECRET, "gym", KEY, REQUEST)
    open_case_with_documents(engine, SECRET, INTAKE, [], now=NOW, claim=claim)
    with pytest.raises(sa.exc.IntegrityError):
        open_case_with_documents(engine, SECRET, INTAKE, [], now=NOW, claim=claim)
    assert _cases(engine) == 1


def test_the_same_key_with_another_request_or_controller(engine: sa.Engine) -> None:
    open_case_with_documents(engine, SECRET, INTAKE, [], now=NOW, claim=idempotency.claim(SECRET, "gym", KEY, REQUEST))
    with pytest.raises(TransitionRefused) as refused:
        idempotency.find(engine, idempotency.claim(SECRET, "gym", KEY, b'{"first_name":"Berta"}'))
    assert refused.value.code == "idempotency_key_reused"
    # keys are per controller: another school's client may pick the same one
    assert idempotency.find(engine, idempotency.claim(SECRET, "other", KEY, REQUEST)) is None


def test_two_concurrent_submissions_with_one_key_open_one_case(engine: sa.Engine) -> None:
    claim = idempotency.claim(SECRET, "gym", KEY, REQUEST)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt() -> None:
        start.wait()
        try:
            outcomes.append(open_case_with_documents(engine, SECRET, INTAKE, [], now=NOW, claim=claim).reference)
        except sa.exc.IntegrityError:
            outcomes.append("refused")
        except sa.exc.OperationalError:  # SQLite's writer lock, MariaDB's deadlock detection
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes)[1] == "refused" and _cases(engine) == 1
    earlier = idempotency.find(engine, claim)
    assert earlier is not None and earlier.reference in outcomes
