"""Rectification (Art. 16), objection (Art. 21) and portability (Art. 20) carried out, on the case
file of each database (``engine``) and an in-memory store with a write side (FakeConnector +
FakeWriter). The oracle for "carried out" is the store read again (a new gather), not dsr's record.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import zipfile
from collections.abc import Sequence
from pathlib import Path

import jsonschema
import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.casepage import candidates_of
from dsr.casefile.documents import list_documents, read_document
from dsr.casefile.rights import Asked, Decision, asked_document, objections_of, rectifications_of
from dsr.casefile.schema import events
from dsr.config import Settings, load
from dsr.connector import Connector
from dsr.model import Classification, CollectionSpec, Descriptor, Field, FieldSpec, Record
from dsr.pipeline.gather import gather
from dsr.service import casework, objection, portability, rectification
from dsr.testing import FakeConnector, FakePerson
from dsr.writing import Erase, EraseAction, Target, WriteRules
from tests.settings import controller_toml

OLD_MAIL = "anna.alt@example.org"
NEW_MAIL = "anna.neu@example.org"


def _spec(name: str, activity: str, fields: dict[str, tuple[Classification, str]]) -> CollectionSpec:
    return CollectionSpec(
        store="school",
        name=name,
        title={"de": name.title(), "en": name.title()},
        activity=activity,
        category=name,
        fields=tuple(
            FieldSpec(name=n, classification=c, label={"de": n, "en": n}, kind=k) for n, (c, k) in fields.items()
        ),
    )


ACCOUNT = _spec(
    "account",
    "library-accounts",
    {
        "id": (Classification.SYSTEM, "int"),
        "first_name": (Classification.OWN, "text"),
        "email": (Classification.OWN, "text"),
        "card_number": (Classification.OWN, "text"),
        "keep_loan_history": (Classification.OWN, "bool"),
    },
)
LOAN = _spec(
    "loan",
    "circulation",
    {
        "id": (Classification.SYSTEM, "int"),
        "title": (Classification.OWN, "text"),
        "returned_at": (Classification.OWN, "datetime"),
    },
)
REVIEW = _spec(
    "review",
    "reviews",
    {
        "id": (Classification.SYSTEM, "int"),
        "rating": (Classification.OWN, "int"),
        "text": (Classification.FREE_TEXT, "text"),
        "person_id": (Classification.REFERENCE, "int"),
    },
)
RULES = {
    "account": WriteRules(
        store="school",
        collection="account",
        erase=Erase(action=EraseAction.OVERWRITE),
        rectify=("first_name", "email", "keep_loan_history"),
    ),
    "loan": WriteRules(
        store="school", collection="loan", erase=Erase(action=EraseAction.ANONYMISE, columns={"person_id": None})
    ),
    "review": WriteRules(store="school", collection="review", erase=Erase(action=EraseAction.DELETE)),
}


def _record(collection: str, key: str, **values: object) -> Record:
    spec = {"account": ACCOUNT, "loan": LOAN, "review": REVIEW}[collection]
    return Record(
        store="school",
        collection=collection,
        key=key,
        fields=tuple(Field(f.name, values.get(f.name), f.classification) for f in spec.fields),  # type: ignore[arg-type]
    )


def school() -> FakeConnector:
    returned = dt.datetime(2025, 6, 1, 10, 0)
    store = FakeConnector(
        "school",
        controller="gym",
        people=[FakePerson(key="1", first_name="Anna", last_name="Müller", card="L0000001", email=OLD_MAIL)],
        records={
            "1": [
                _record(
                    "account",
                    "1",
                    id=1,
                    first_name="Anna",
                    email=OLD_MAIL,
                    card_number="L0000001",
                    keep_loan_history=True,
                ),
                _record("loan", "10", id=10, title="Krabat", returned_at=returned),
                _record("loan", "11", id=11, title="Momo", returned_at=returned),
                _record("loan", "12", id=12, title="Emil", returned_at=None),
                _record("review", "5", id=5, rating=4, text="Lena fand es auch gut.", person_id=1),
            ]
        },
        collections=[ACCOUNT, LOAN, REVIEW],
    )
    store.attach_writer(RULES)
    return store


class Stores:
    """One store for the whole test: the connectors_of every service call gets."""

    def __init__(self) -> None:
        self.school = school()

    def __call__(self, settings: Settings, controller: str) -> Sequence[Connector]:
        return [self.school]

    def gathered(self) -> dict[str, list[Record]]:
        subject = casefile_subject(self.school)
        found: dict[str, list[Record]] = {}
        for r in gather(subject, [self.school]).records:
            found.setdefault(r.collection, []).append(r)
        return found


def casefile_subject(store: FakeConnector):  # type: ignore[no-untyped-def]
    from dsr.model import Identifier, IdentifierKind, Subject

    return Subject(
        controller="gym", reference="P-1", identifiers=frozenset({Identifier(IdentifierKind.KEY, "1", "school")})
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    config = tmp_path / "dsr.toml"
    config.write_text(
        f'[dsr]\nsecret_key = "{"s3cr3t-" * 6}"\n' + controller_toml(f"sqlite:///{tmp_path / 'unused.db'}")
    )
    return load(config)


def confirmed(
    engine: sa.Engine, settings: Settings, stores: Stores, kinds: tuple[str, ...], **documents: bytes
) -> tuple[str, casefile.User]:
    officer = casefile.create_user(engine, "officer", "pw", {"gym": ["officer", "approver"]})
    intake = casefile.Intake(
        controller="gym",
        land="BY",
        request_types=tuple(casefile.RequestType(k) for k in kinds),
        channel=casefile.Channel.PORTAL,
        received_at=dt.datetime.now(dt.UTC),
        subject=casefile.Party(
            descriptor=Descriptor(first_name="Anna", last_name="Müller", card_number="L0000001"), email=OLD_MAIL
        ),
    )
    from dsr.casefile.documents import open_case_with_documents

    attachments = [
        (k, casefile.Document(filename=f"{k}.json", media_type="application/json", content=v))
        for k, v in documents.items()
    ]
    ref = open_case_with_documents(engine, settings.dsr.secret_key.encode(), intake, attachments).reference
    casework.find_candidates(engine, settings, ref, user=officer, connectors_of=stores)
    [candidate] = candidates_of(engine, officer, ref)
    casefile.record_identity_check(
        engine, officer, ref, casefile.CheckMethod.IN_PERSON, candidate=candidate.reference, evidence="id_card"
    )
    casefile.confirm_identity(engine, officer, ref, candidate.reference)
    return ref, officer


def test_a_corrected_email_address_is_in_the_next_gathering_and_kept_only_in_the_case_file(
    engine: sa.Engine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    stores = Stores()
    asked = asked_document(Asked(detail="email", value=NEW_MAIL))
    ref, officer = confirmed(engine, settings, stores, ("rectification",), rectification_request=asked)

    fields = rectification.fields_of_case(engine, settings, officer, ref, connectors_of=stores)
    email = next(f for f in fields if f.column == "email")
    assert (email.current, email.requested, email.asked) == (OLD_MAIL, NEW_MAIL, True)
    assert {f.column for f in fields} == {"first_name", "email", "keep_loan_history"}  # the mapping's list only

    caplog.set_level(logging.DEBUG)
    change = rectification.Change(target=email.target, column="email", value=email.requested or "")
    rectification.rectify(engine, settings, officer, ref, [change], verified=True, connectors_of=stores)

    [account] = stores.gathered()["account"]
    assert account.value("email") == NEW_MAIL
    [kept] = rectifications_of(engine, officer, ref)
    assert (kept.before, kept.after, kept.applied, kept.verified) == (OLD_MAIL, NEW_MAIL, True, True)
    assert NEW_MAIL not in caplog.text and OLD_MAIL not in caplog.text
    with engine.connect() as conn:
        trail = " ".join(conn.execute(sa.select(events.c.detail)).scalars())
    assert "rectification recorded" in " ".join(engine.connect().execute(sa.select(events.c.action)).scalars())
    assert NEW_MAIL not in trail and OLD_MAIL not in trail


def test_a_column_the_mapping_does_not_open_is_refused_and_nothing_changes(
    engine: sa.Engine, settings: Settings
) -> None:
    stores = Stores()
    ref, officer = confirmed(engine, settings, stores, ("rectification",))
    card = rectification.Change(target=Target("school", "account", "1"), column="card_number", value="L9")
    with pytest.raises(casefile.InputRejected) as refused:
        rectification.rectify(engine, settings, officer, ref, [card], verified=True, connectors_of=stores)
    assert refused.value.code == "rectify_column"
    somebody_else = rectification.Change(target=Target("school", "account", "2"), column="email", value="x@example.org")
    with pytest.raises(casefile.InputRejected) as refused:
        rectification.rectify(engine, settings, officer, ref, [somebody_else], verified=True, connectors_of=stores)
    assert refused.value.code == "rectify_target"
    assert stores.gathered()["account"][0].value("card_number") == "L0000001"
    assert rectifications_of(engine, officer, ref) == []


def test_an_unverifiable_correction_is_kept_as_a_supplementary_statement(engine: sa.Engine, settings: Settings) -> None:
    stores = Stores()
    ref, officer = confirmed(engine, settings, stores, ("rectification",))
    change = rectification.Change(target=Target("school", "account", "1"), column="first_name", value="Annabell")
    with pytest.raises(casefile.InputRejected):  # without verification, the statement is required
        rectification.rectify(engine, settings, officer, ref, [change], verified=False, connectors_of=stores)
    rectification.rectify(
        engine,
        settings,
        officer,
        ref,
        [change],
        verified=False,
        statement="Sie heißt laut eigener Angabe Annabell.",
        connectors_of=stores,
    )
    assert stores.gathered()["account"][0].value("first_name") == "Anna"  # the store is unchanged
    [kept] = rectifications_of(engine, officer, ref)
    assert (kept.applied, kept.verified, kept.after) == (False, False, "Annabell")
    assert kept.statement == "Sie heißt laut eigener Angabe Annabell."


def test_an_upheld_objection_to_the_loan_history_withdraws_the_consent(engine: sa.Engine, settings: Settings) -> None:
    stores = Stores()
    ref, officer = confirmed(engine, settings, stores, ("objection",))
    done = objection.decide(
        engine,
        settings,
        officer,
        ref,
        "loan_history",
        Decision.UPHELD,
        "Einwilligung widerrufen (Art. 7 Abs. 3 DSGVO).",
        connectors_of=stores,
    )
    assert done.counts == {"rectified": 1, "anonymised": 2}
    after = stores.gathered()
    assert after["account"][0].value("keep_loan_history") is False
    assert [r.key for r in after["loan"]] == ["12"]  # the open loan stays; the returned ones left her records
    [kept] = objections_of(engine, officer, ref)
    assert (kept.decision, kept.applied) == (Decision.UPHELD, {"rectified": 1, "anonymised": 2})


def test_a_rejected_objection_is_recorded_with_its_reasons_and_changes_nothing(
    engine: sa.Engine, settings: Settings
) -> None:
    stores = Stores()
    ref, officer = confirmed(engine, settings, stores, ("objection",))
    with pytest.raises(ValueError):
        objection.decide(engine, settings, officer, ref, "loan_history", Decision.REJECTED, " ", connectors_of=stores)
    objection.decide(
        engine, settings, officer, ref, "loan_history", Decision.REJECTED, "Zwingende Gründe.", connectors_of=stores
    )
    assert len(stores.gathered()["loan"]) == 3
    [kept] = objections_of(engine, officer, ref)
    assert (kept.decision, kept.reasons, kept.applied) == (Decision.REJECTED, "Zwingende Gründe.", None)


def test_the_portability_zip_holds_consent_data_valid_against_its_schema_and_refuses_the_public_task(
    engine: sa.Engine, settings: Settings
) -> None:
    stores = Stores()
    ref, officer = confirmed(engine, settings, stores, ("copy",))
    made = portability.make_for_case(engine, settings, officer, ref, today=dt.date(2026, 3, 2), connectors_of=stores)

    assert made.portability.activities == ("reviews",)  # Art. 6(1)(a) in the school's register
    assert made.document is not None and made.refusal is not None
    _, content = read_document(engine, officer, ref, made.document)
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert sorted(archive.namelist()) == ["csv/school-review.csv", "data.json", "schema.json"]
    data = json.loads(archive.read("data.json"))
    jsonschema.validate(data, json.loads(archive.read("schema.json")))
    [reviews] = data["collections"]
    assert reviews["records"] == [{"rating": 4}]  # no free text, no reference, no internal number
    assert archive.read("csv/school-review.csv").decode("utf-8-sig").splitlines() == ["rating", "4"]

    _, reasons = read_document(engine, officer, ref, made.refusal)
    text = reasons.decode()
    assert "Art. 20 Abs. 3 Satz 2 DSGVO" in text and "Art. 6 Abs. 1 lit. e DSGVO" in text
    assert {r.activity for r in made.portability.refused} == {"library-accounts", "circulation"}
    assert {r.reason for r in made.portability.refused} == {"public_task"}

    again = portability.make_for_case(engine, settings, officer, ref, today=dt.date(2026, 3, 2), connectors_of=stores)
    assert again.portability.content == made.portability.content  # deterministic
    assert {"portability", "portability_refusal"} <= {d.kind for d in list_documents(engine, officer, ref)}


def test_a_correction_opens_one_art19_task_per_recipient_which_is_closed_as_erasure_tasks_are(
    engine: sa.Engine, settings: Settings
) -> None:
    from dsr.casefile.erasure import close_notice, notices_of_case

    stores = Stores()
    ref, officer = confirmed(engine, settings, stores, ("rectification", "objection"))
    email = rectification.Change(target=Target("school", "account", "1"), column="email", value=NEW_MAIL)
    rectification.rectify(engine, settings, officer, ref, [email], verified=True, connectors_of=stores)
    [task] = notices_of_case(engine, officer, ref)
    # the account's activity: the school register names the processor running James as its recipient
    assert (task.kind, task.activity, task.state.value) == ("rectification", "library-accounts", "open")
    assert task.recipient["de"] == "DS-Software-Lösungen GmbH" and task.plan_id is None

    # a supplementary statement changes nothing in the store: nobody is told of it
    name = rectification.Change(target=Target("school", "account", "1"), column="first_name", value="Annabell")
    rectification.rectify(
        engine, settings, officer, ref, [name], verified=False, statement="Nicht prüfbar.", connectors_of=stores
    )
    assert len(notices_of_case(engine, officer, ref)) == 1

    with pytest.raises(casefile.InputRejected):  # impossible needs its reason
        close_notice(engine, officer, task.id, "impossible")
    closed = close_notice(engine, officer, task.id, "disproportionate", "Vertrag seit 2019 beendet")
    assert (closed.state.value, closed.note) == ("disproportionate", "Vertrag seit 2019 beendet")

    # an upheld objection that changed data opens tasks for the changed records' activities
    objection.decide(engine, settings, officer, ref, "loan_history", Decision.UPHELD, "Widerruf.", connectors_of=stores)
    opened = [t for t in notices_of_case(engine, officer, ref) if t.kind == "objection"]
    assert {t.activity for t in opened} == {"library-accounts", "circulation"}
    assert all(t.state.value == "open" for t in opened)
