"""The answer path's cached people index (``dsr.pipeline.answer.PEOPLE_INDEXES``) finds exactly
what an index built afresh for the request finds, and is never stale.

The index is kept per controller and shared by every subject; what is the subject's own — their
rows, and the catalogue titles of their records, which are allow-listed — is laid over it per
request. Oracle: the gazetteer built for the one request with the catalogue in its allow-list
(``Gazetteer.build``), as every answer did before the cache; the redaction results (the redacted
records, the withheld items, the review items and review.json, the decision log) must be equal.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsr import Descriptor, answer, connect, load
from dsr.config import ControllerSettings
from dsr.connector import Connector
from dsr.demo import generate
from dsr.demo.school import populate_school
from dsr.model import Classification, CollectionSpec, Field, FieldSpec, Gathering, Record
from dsr.pipeline.answer import CATALOGUE_FIELDS, PEOPLE_INDEXES, _redact, identify
from dsr.pipeline.gather import gather
from dsr.pipeline.identify import confirm, resolve
from dsr.pipeline.redact import AllowList, Gazetteer, RedactionResult, people_fingerprint, redact, review_json
from dsr.pipeline.redact.fold import fold_for_scan
from dsr.pipeline.redact.scan import gazetteer_hits
from dsr.testing import FakeConnector, FakePerson
from tests.settings import controller_toml

SECRET = b"k" * 32


def _catalogue(gathering: Gathering) -> set[str]:
    return {
        str(f.value)
        for r in gathering.records
        for f in r.fields
        if f.name in CATALOGUE_FIELDS and isinstance(f.value, str) and f.value
    }


def fresh_gazetteer(controller: ControllerSettings, gathering: Gathering, connectors: Sequence[Connector]) -> Gazetteer:
    """The oracle: the gazetteer built for this request alone, the catalogue in its allow-list."""
    people = [p for c in connectors for p in c.people()]
    allow = AllowList.for_controller(controller, catalogue=_catalogue(gathering))
    return Gazetteer.build(people, gathering.subject, allow=allow)


def fresh(controller: ControllerSettings, gathering: Gathering, connectors: Sequence[Connector]) -> RedactionResult:
    gazetteer = fresh_gazetteer(controller, gathering, connectors)
    return redact(gathering, gazetteer, secret=SECRET, language="de")


def cached(controller: ControllerSettings, gathering: Gathering, connectors: Sequence[Connector]) -> RedactionResult:
    """What the answer path does (``prepare_answer`` → ``_redact``), with the process's cache."""
    return _redact(controller, gathering, connectors, (), SECRET, "de")


def assert_same(got: RedactionResult, want: RedactionResult) -> None:
    assert got.gathering == want.gathering  # the redacted text of every record
    assert got.withheld == want.withheld
    assert got.review_items == want.review_items
    assert review_json(got.review_items) == review_json(want.review_items)
    assert got.log == want.log


# --------------------------------------------------------------------------- demo stores


@pytest.fixture(scope="module", params=[3, 9, 19])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp(f"demo-{request.param}")
    generate(out, schools=1, readers_per_school=20, seed=request.param, loans_per_reader=3)
    return out


def _cards(demo: Path, school: str) -> list[str]:
    engine = sa.create_engine(f"sqlite:///{demo / f'school-{school}.db'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT card_number FROM person WHERE card_number IS NOT NULL ORDER BY id LIMIT 8")
            )
            return [str(r[0]) for r in rows]
    finally:
        engine.dispose()


def _contacts(demo: Path) -> list[str]:
    engine = sa.create_engine(f"sqlite:///{demo / 'vendor.db'}")
    try:
        with engine.connect() as conn:
            return [str(r[0]) for r in conn.execute(sa.text("SELECT contact_email FROM customer ORDER BY id"))]
    finally:
        engine.dispose()


def test_the_cached_index_redacts_every_demo_subject_as_a_fresh_one(demo: Path) -> None:
    settings = load(demo / "dsr.toml")
    school = next(k for k in settings.controllers if k != "vendor")
    PEOPLE_INDEXES.clear()
    compared = phrases = findings = 0
    for key, descriptors in (
        (school, [Descriptor(card_number=c) for c in _cards(demo, school)]),
        ("vendor", [Descriptor(email=e) for e in _contacts(demo)]),
    ):
        controller = settings.controller(key)
        connectors = connect(settings, key)
        try:
            for descriptor in descriptors:
                gathering = gather(identify(settings, key, connectors, descriptor), connectors)
                want = fresh(controller, gathering, connectors)
                assert_same(cached(controller, gathering, connectors), want)
                compared += 1
                phrases += sum(f.name in CATALOGUE_FIELDS for r in gathering.records for f in r.fields)
                findings += len(want.review_items) + len(want.log)
        finally:
            for c in connectors:
                c.close()
        assert PEOPLE_INDEXES.indexes(key) == 1  # one index served every subject of the controller
    assert compared >= 9 and phrases and findings  # subjects with titles in their records, and findings


# --------------------------------------------------------------------------- titles that are names

PEOPLE = [
    FakePerson(key="1", first_name="Anna", last_name="Müller", card="L0000001", email="anna.mueller@schule.example"),
    FakePerson(key="2", first_name="Lena", last_name="Schmidt", card="L0000002", email="lena.s@example.org"),
    FakePerson(key="3", first_name="Paul", last_name="Maar", card="L0000003"),  # a pupil named like the author
    FakePerson(key="4", first_name="Momo", last_name="Weber", card="L0000004"),
    FakePerson(key="5", first_name="Jonas", last_name="Ende", card="L0000005", role="student_helper"),
]

SPEC = CollectionSpec(
    store="school",
    name="loan",
    title={"de": "Ausleihen", "en": "Loans"},
    activity="lending",
    category="loans",
    fields=(
        FieldSpec(name="title", classification=Classification.OWN, label={"de": "Titel"}),
        FieldSpec(name="author", classification=Classification.OWN, label={"de": "Autor"}),
        FieldSpec(name="note", classification=Classification.FREE_TEXT, label={"de": "Notiz"}),
    ),
)

#: titles and authors that are, contain or overlap people's names, cue words, the controller's
#: own allow-listed names (tests/settings.py), and words of no one
WORDS = [
    "Lena",
    "Schmidt",
    "Lena Schmidt",
    "Die Schmidt",
    "Paul Maar",
    "Maar",
    "Momo",
    "Weber",
    "Die Weber",
    "Michael Ende",
    "Ende",
    "Jonas",
    "Anna",
    "Müller",
    "Mueller",
    "Mutter",
    "mit",
    "Gymnasium Musterstadt",
    "E. Leitung",
    "Dr. D. Schutz",
    "Eine Woche voller Samstage",
    "Sams",
    "L0000002",
]
title = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join) | st.text(
    st.sampled_from("abcdeilmnrstuwäöüß LSMW"), min_size=1, max_size=14
)
phrase = st.sampled_from(WORDS) | st.sampled_from(["hat", "gebracht", "von", ",", ".", "und", "Frau", "heute"])


@pytest.fixture(scope="module")
def gym(tmp_path_factory: pytest.TempPathFactory) -> ControllerSettings:
    path = tmp_path_factory.mktemp("gym") / "dsr.toml"
    path.write_text(f'[dsr]\nsecret_key = "{"s3cr3t-" * 6}"\n' + controller_toml())
    return load(path).controller("gym")


def _gathering(subject_card: str, loans: list[tuple[str, str, str]]) -> tuple[Gathering, list[Connector]]:
    records = [
        Record(
            store="school",
            collection="loan",
            key=str(n),
            fields=(
                Field("title", t, Classification.OWN),
                Field("author", a, Classification.OWN),
                Field("note", note, Classification.FREE_TEXT),
            ),
        )
        for n, (t, a, note) in enumerate(loans)
    ]
    owner = next(p.key for p in PEOPLE if p.card == subject_card)
    store = FakeConnector("school", people=PEOPLE, records={owner: records}, collections=[SPEC])
    found = resolve("gym", [store], Descriptor(card_number=subject_card))
    subject = confirm("gym", found.candidates, found.candidates[0].reference)
    return gather(subject, [store]), [store]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    card=st.sampled_from([p.card for p in PEOPLE]),
    loans=st.lists(
        st.tuples(title, title, st.lists(phrase | title, min_size=1, max_size=8).map(" ".join)), min_size=1, max_size=3
    ),
)
def test_titles_that_are_names_are_kept_as_a_fresh_index_keeps_them(
    gym: ControllerSettings, card: str, loans: list[tuple[str, str, str]]
) -> None:
    gathering, connectors = _gathering(card, loans)
    assert_same(cached(gym, gathering, connectors), fresh(gym, gathering, connectors))
    # the gazetteer's hits themselves, in order: the request's phrases merged where the fresh
    # index reports its allow-listed keys
    people = [p for c in connectors for p in c.people()]
    warm = PEOPLE_INDEXES.gazetteer(
        people_fingerprint(people),
        lambda: people,
        gathering.subject,
        allow=AllowList.for_controller(gym),
        phrases=_catalogue(gathering),
    )
    oracle = fresh_gazetteer(gym, gathering, connectors)
    for t, a, note in loans:
        for text in (t, a, note, f"{a}: {t}. {note}"):
            scan = fold_for_scan(text)
            assert gazetteer_hits(text, scan, warm) == gazetteer_hits(text, scan, oracle)


def test_a_title_named_like_a_classmate_stays_and_the_classmate_does_not(gym: ControllerSettings) -> None:
    note = "Lena Schmidt zurückgegeben, Lena Schmidt war dabei."
    gathering, connectors = _gathering("L0000001", [("Lena Schmidt", "Paul Maar", note)])
    other, theirs = _gathering("L0000003", [("Momo", "Michael Ende", "Momo gelesen")])
    cached(gym, other, theirs)  # another subject's request: the index is cached with none of these titles
    got = cached(gym, gathering, connectors)
    assert_same(got, fresh(gym, gathering, connectors))
    text = next(f.value for f in got.gathering.records[0].fields if f.name == "note")
    assert isinstance(text, str) and text.startswith("Lena Schmidt zurückgegeben")  # the title, kept
    # without the title in the subject's records, the same note names the classmate
    bare, connectors = _gathering("L0000001", [("Ein Buch", "Niemand", note)])
    redacted = next(f.value for f in cached(gym, bare, connectors).gathering.records[0].fields if f.name == "note")
    assert isinstance(redacted, str) and "Lena Schmidt" not in redacted


# --------------------------------------------------------------------------- freshness

NEWCOMER = "Zoraida Quennell"


@pytest.fixture
def school(db_url: str, tmp_path: Path) -> Iterator[tuple[Path, str, str]]:
    """A generated school on each dialect; a pupil whose loan note names someone no store knows yet."""
    populate_school(db_url, readers=20, loans_per_reader=2, seed=5, today=dt.date(2026, 6, 1))
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        pupil, card = conn.execute(
            sa.text(
                "SELECT p.id, p.card_number FROM person p WHERE p.kind = 'student' AND p.card_number IS NOT NULL"
                " AND EXISTS (SELECT 1 FROM loan l WHERE l.person_id = p.id) ORDER BY p.id"
            )
        ).first()
        conn.execute(
            sa.text("UPDATE loan SET note = :n WHERE person_id = :p"),
            {"n": f"{NEWCOMER} hat das Buch zurückgebracht.", "p": pupil},
        )
    engine.dispose()
    config = tmp_path / "dsr.toml"
    config.write_text(f'[dsr]\nsecret_key = "{"s3cr3t-" * 6}"\n' + controller_toml(db_url))
    yield config, db_url, str(card)


def test_a_reader_added_between_two_answers_is_redacted_in_the_second(school: tuple[Path, str, str]) -> None:
    config, url, card = school
    settings = load(config)

    def copy() -> str:
        reply = answer(settings, "gym", Descriptor(card_number=card), formats=("json",))
        return reply.json_bytes.decode()

    first = copy()
    assert NEWCOMER in first  # nobody the stores know: nothing to find it by
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        next_id = conn.execute(sa.text("SELECT max(id) + 1 FROM person")).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO person (id, kind, card_number, first_name, last_name, created_at)"
                " VALUES (:id, 'student', 'L0999999', 'Zoraida', 'Quennell', :t)"
            ),
            {"id": next_id, "t": dt.datetime(2026, 6, 1, 9)},
        )
    engine.dispose()
    second = copy()
    assert NEWCOMER not in second  # the new classmate is known now: the cached index was not used
    assert json.loads(second)  # still a complete copy
