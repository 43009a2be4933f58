"""Names in real letters, as every reader of a demo school would get them (issue 12's findings).

- "Geht so. Mein Cousin Lukas Mueller …" in Lukas Müller's own review stayed in his letter:
  "Mueller" folds to his own name, but another stored person is spelled exactly so. The demo
  generator stores some people's cousins without umlauts and lets them write about the cousin
  (``dsr.demo.people.spelling_cousin``); the test finds them in the stores.
- "Sie" was flagged as a name ("liegt für Sie an der Ausleihe bereit").

For every reader of the school the pipeline runs as for a request (identify, gather, redact) and
no other stored person's full name, in a spelling that is exactly theirs, is left in the
redacted records; no "Sie", "Ihnen", "Du" … of the original texts is redacted or sent to review.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from dsr import Descriptor, connect, load
from dsr.demo import generate
from dsr.model import Gathering
from dsr.pipeline.answer import CATALOGUE_FIELDS, identify
from dsr.pipeline.gather import gather
from dsr.pipeline.redact import AllowList, Gazetteer, redact
from dsr.pipeline.redact.fold import fold, transliterate

SEED = 1  # a seed whose school has a reader with a spelling cousin who writes about them (asserted)
READERS = 60
_PRONOUN = re.compile(r"(?<![^\W\d_])(?:Sie|Ihnen|Ihr|Ihre|Du|Dir)(?![^\W\d_])")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("letter-names")
    generate(out, schools=1, readers_per_school=READERS, seed=SEED, loans_per_reader=1)
    return out


def _school(demo: Path) -> tuple[str, sa.Engine]:
    settings = load(demo / "dsr.toml")
    key = next(k for k in settings.controllers if k != "vendor")
    return key, sa.create_engine(f"sqlite:///{next(demo.glob('school-*.db'))}")


def _stored_names(engine: sa.Engine) -> dict[str, set[int]]:
    """Every person's and guardian's full name as stored → person ids (guardians: -id)."""
    names: dict[str, set[int]] = {}
    with engine.connect() as conn:
        for pid, first, last in conn.execute(sa.text("SELECT id, first_name, last_name FROM person")):
            names.setdefault(f"{first} {last}", set()).add(pid)
        for gid, name, pid in conn.execute(sa.text("SELECT id, name, person_id FROM guardian")):
            names.setdefault(" ".join(name.split()), set()).add(pid if pid is not None else -gid)
    return names


def _relatives(engine: sa.Engine) -> dict[int, set[str]]:
    """Names a reader may be entitled to see: their own guardians, and a parent's children."""
    out: dict[int, set[str]] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT g.student_id, g.name, g.person_id, p.first_name || ' ' || p.last_name "
                "FROM guardian g JOIN person p ON p.id = g.student_id"
            )
        ).all()
    for child, guardian, guardian_person, child_name in rows:
        out.setdefault(child, set()).add(" ".join(guardian.split()))
        if guardian_person is not None:
            out.setdefault(guardian_person, set()).add(child_name)
    return out


def _texts(g: Gathering) -> Iterator[tuple[tuple[str, str, str], str]]:
    for r in g.records:
        for f in r.fields:
            if isinstance(f.value, str):
                yield (r.collection, r.key, f.name), f.value


def _published(demo: Path) -> tuple[str, ...]:
    """The school's published contacts (signatory, data protection officer): no third party."""
    settings = load(demo / "dsr.toml")
    key, engine = _school(demo)
    engine.dispose()
    return AllowList.for_controller(settings.controller(key)).terms


def _answers(demo: Path) -> Iterator[tuple[int, str, Gathering, Gathering]]:
    """(person id, full name, gathered, redacted) for every reader of the school."""
    settings = load(demo / "dsr.toml")
    key, engine = _school(demo)
    controller = settings.controller(key)
    connectors = connect(settings, key)
    try:
        with engine.connect() as conn:
            readers = conn.execute(
                sa.text("SELECT id, login_name, first_name, last_name FROM person ORDER BY id")
            ).all()
        for pid, login, first, last in readers:
            subject = identify(settings, key, connectors, Descriptor(login_name=login))
            gathering = gather(subject, connectors)
            catalogue = {
                str(f.value)
                for r in gathering.records
                for f in r.fields
                if f.name in CATALOGUE_FIELDS and isinstance(f.value, str) and f.value
            }
            people = itertools.chain.from_iterable(c.people() for c in connectors)
            gazetteer = Gazetteer.build(
                people, subject, allow=AllowList.for_controller(controller, catalogue=catalogue)
            )
            result = redact(gathering, gazetteer, secret=b"test", language="de")
            yield pid, f"{first} {last}", gathering, result.gathering
    finally:
        engine.dispose()
        for c in connectors:
            c.close()


@pytest.fixture(scope="module")
def answers(demo: Path) -> list[tuple[int, str, Gathering, Gathering]]:
    return list(_answers(demo))


def test_the_demo_has_a_reader_writing_about_a_cousin_stored_without_umlauts(demo: Path) -> None:
    _key, engine = _school(demo)
    names = _stored_names(engine)
    with engine.connect() as conn:
        reviews = conn.execute(
            sa.text(
                "SELECT r.text, p.first_name || ' ' || p.last_name FROM review r JOIN person p ON p.id = r.person_id"
            )
        ).all()
    engine.dispose()
    planted = [
        (author, other)
        for text, author in reviews
        for other in names
        if other != author and other in text and transliterate(fold(other)) == transliterate(fold(author))
    ]
    assert planted, "the demo no longer plants a spelling cousin in a review; pick another SEED"


def test_no_other_persons_full_name_in_any_readers_records(demo: Path, answers) -> None:
    _key, engine = _school(demo)
    names = _stored_names(engine)
    relatives = _relatives(engine)
    engine.dispose()
    published = _published(demo)
    checked = 0
    for pid, own, gathered, redacted in answers:
        catalogue = {v for (_c, _k, f), v in _texts(gathered) if f in CATALOGUE_FIELDS} | set(published)
        others = {
            n
            for n, ids in names.items()
            if ids - {pid} and n != own and n not in relatives.get(pid, ()) and not any(n in c for c in catalogue)
        }
        left = sorted(
            (where, n)
            for where, text in _texts(redacted)
            for n in others
            if n in text and where[2] not in CATALOGUE_FIELDS
        )
        assert left == [], f"reader {pid}: {left}"
        checked += 1
    assert checked == len(answers) >= READERS * 9 // 10


def test_pronouns_of_address_are_never_redacted(answers) -> None:
    seen = 0
    for pid, _own, gathered, redacted in answers:
        after = dict(_texts(redacted))
        for where, text in _texts(gathered):
            before = _PRONOUN.findall(text)
            if before and where in after:
                seen += len(before)
                assert _PRONOUN.findall(after[where]) == before, f"reader {pid}, {where}: {after[where]!r}"
    assert seen, "no letter of the demo addresses its reader as 'Sie': the premise is gone"
