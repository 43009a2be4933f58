"""The redaction stage end to end: a FakeConnector gathering in, a redacted gathering out."""

from __future__ import annotations

import json

import pytest

from dsr.errors import ConfigError
from dsr.model import (
    Classification,
    CollectionSpec,
    Descriptor,
    Field,
    FieldSpec,
    Record,
)
from dsr.pipeline.gather import gather
from dsr.pipeline.identify import confirm, resolve
from dsr.pipeline.redact import AllowList, Decision, Gazetteer, load_decisions, redact, review_json
from dsr.pipeline.redact.decisions import Action, dump_decisions
from dsr.testing import FakeConnector, FakePerson

NOTE = (
    "Anna Müller hat das Buch mit Lena Schmidt zurückgebracht. Lena hat es beschädigt. "
    "Info an anna.mueller@schule-musterstadt.de. Mutter von Lena erreichbar unter 0171 2345678. "
    'Frau Schulz kommt morgen. Empfehlung: "Paul Maar – Eine Woche voller Samstage".'
)


def _spec() -> CollectionSpec:
    return CollectionSpec(
        store="school",
        name="loan",
        title={"de": "Ausleihen", "en": "Loans"},
        activity="lending",
        category="loans",
        fields=(
            FieldSpec(name="title", classification=Classification.OWN, label={"de": "Titel"}),
            FieldSpec(
                name="issued_by",
                classification=Classification.REFERENCE,
                label={"de": "Ausgegeben von"},
                role="library_team",
            ),
            FieldSpec(name="password_hash", classification=Classification.SECRET, label={"de": "Passwort"}),
            FieldSpec(name="damage_note", classification=Classification.FREE_TEXT, label={"de": "Notiz"}),
        ),
    )


def _record(note: str = NOTE, key: str = "17") -> Record:
    return Record(
        store="school",
        collection="loan",
        key=key,
        fields=(
            Field("title", "Eine Woche voller Samstage", Classification.OWN),
            Field("issued_by", "5", Classification.REFERENCE),
            Field("password_hash", "$argon2id$v=19$abc", Classification.SECRET),
            Field("damage_note", note, Classification.FREE_TEXT),
        ),
    )


PEOPLE = [
    FakePerson(
        key="1", first_name="Anna", last_name="Müller", card="L0000001", email="anna.mueller@schule-musterstadt.de"
    ),
    FakePerson(key="2", first_name="Lena", last_name="Schmidt", card="L0000002", email="lena.s@example.org"),
    FakePerson(key="3", first_name="Paul", last_name="Maar", card="L0000003"),  # a pupil named like the author
    FakePerson(key="5", first_name="Jonas", last_name="Weber", role="student_helper"),
]


@pytest.fixture
def case():
    store = FakeConnector("school", people=PEOPLE, records={"1": [_record()]}, collections=[_spec()])
    resolution = resolve("fake", [store], Descriptor(card_number="L0000001"))
    subject = confirm("fake", resolution.candidates, resolution.candidates[0].reference)
    gathering = gather(subject, [store])
    gazetteer = Gazetteer.build(
        store.people(), gathering.subject, allow=AllowList(terms=("Paul Maar", "Eine Woche voller Samstage"))
    )
    return gathering, gazetteer


def _note(result) -> str:
    return result.gathering.records[0].value("damage_note")


def test_classmate_redacted_subject_kept_review_and_allow_list(case):
    gathering, gazetteer = case
    result = redact(gathering, gazetteer, secret=b"k")
    note = _note(result)
    assert "Lena Schmidt" not in note and "[Name entfernt]" in note  # classmate's full name
    assert note.startswith("Anna Müller hat")  # the subject's own name
    assert "anna.mueller@schule-musterstadt.de" in note  # the subject's own e-mail
    assert "0171 2345678" not in note and "[Telefonnummer entfernt]" in note  # the parent's phone
    assert "Paul Maar" in note  # catalogue author, allow-listed although a pupil has the name
    assert "Frau Schulz" not in note  # unknown name after "Frau": review, redacted while open
    rules = {i.rule for i in result.review_items}
    assert {"known-first-name", "cue-unknown-name"} <= rules  # bare "Lena", "Frau Schulz"
    assert result.is_draft
    fields = {f.name: f for f in result.gathering.records[0].fields}
    assert (
        fields["issued_by"].value is True
    )  # reference to another person: only "someone" is kept, printed as a role label
    assert fields["password_hash"].value is True  # secrets never print: only that one exists
    assert fields["title"].value == "Eine Woche voller Samstage"
    kinds = {w.kind: w.count for w in result.withheld}
    assert kinds["name"] >= 3 and kinds["phone"] == 1 and kinds["reference"] == 1


def test_english_markers(case):
    gathering, gazetteer = case
    note = _note(redact(gathering, gazetteer, language="en"))
    assert "[name removed]" in note and "[phone number removed]" in note


def test_review_json_masks_the_item_and_other_removals(case):
    gathering, gazetteer = case
    result = redact(gathering, gazetteer, secret=b"k")
    data = json.loads(review_json(result.review_items))
    assert data["open"] == len(result.open_items) > 0
    text = json.dumps(data, ensure_ascii=False)
    for secret_text in ("Lena", "Schulz", "0171 2345678"):
        assert secret_text not in text
    assert all("[[?]]" in item["context"] for item in data["items"])


def test_decisions_by_item_and_group_finalise_the_letter(case, tmp_path):
    gathering, gazetteer = case
    first = redact(gathering, gazetteer, secret=b"k")
    again = redact(gathering, gazetteer, secret=b"k")
    assert [i.id for i in first.review_items] == [i.id for i in again.review_items]  # stable ids
    cue = next(i for i in first.open_items if i.rule == "cue-unknown-name")
    decisions = [Decision(item=cue.id, action=Action.KEEP, reason="not-personal", decider="DSB")]
    decisions += [
        Decision(group=i.group, action=Action.REDACT, reason="third-party", decider="DSB")
        for i in first.open_items
        if i is not cue
    ]
    path = tmp_path / "decisions.json"
    path.write_bytes(dump_decisions(decisions))
    final = redact(gathering, gazetteer, secret=b"k", decisions=load_decisions(path))
    assert not final.is_draft
    note = _note(final)
    assert "Frau Schulz" in note and "Lena hat" not in note
    decided = [e for e in final.log if e.decider == "DSB"]
    assert decided and all(e.reason for e in decided)


def test_log_holds_no_third_party_text(case):
    gathering, gazetteer = case
    result = redact(gathering, gazetteer, secret=b"k")
    dumped = repr(result.log)
    for name in ("Lena", "Schmidt", "Schulz", "2345678"):
        assert name not in dumped
    assert all(e.party and e.rule and e.tier for e in result.log)


@pytest.mark.parametrize(
    ("content", "key", "problem"),
    [
        ("{", None, "not valid JSON"),
        ('{"x": []}', "x", "unknown key"),
        ('{"restricted": {}, "decision": []}', "decision", "unknown key"),
        ('{"decisions": {}}', "decisions", "must be a list"),
        ('{"decisions": [{"action": "keep", "reason": "other", "decider": "A"}]}', "decisions[0]", "exactly one"),
        (
            '{"decisions": [{"item": "a", "action": "hide", "reason": "other", "decider": "A"}]}',
            "decisions[0].action",
            "keep or redact",
        ),
        (
            '{"decisions": [{"item": "a", "action": "keep", "reason": "because", "decider": "A"}]}',
            "decisions[0].reason",
            "reason code",
        ),
        (
            '{"decisions": [{"group": "g", "action": "keep", "reason": "other", "decider": " "}]}',
            "decisions[0].decider",
            "who decided",
        ),
    ],
)
def test_bad_decisions_file_names_file_and_key(tmp_path, content, key, problem):
    path = tmp_path / "d.json"
    path.write_text(content)
    with pytest.raises(ConfigError) as err:
        load_decisions(path)
    assert err.value.file == str(path) and err.value.key == key and problem in err.value.problem


def test_decisions_file_with_only_restricted_records_has_no_redaction_decisions(tmp_path):
    path = tmp_path / "d.json"
    path.write_text('{"restricted": {"R-1A2B3C4D5E6F": {"decision": "withhold", "ground": "bdsg-34"}}}')
    assert load_decisions(path) == ()


def test_cached_index_serves_each_subject_its_own_overlay():
    from dsr.model import Identifier, IdentifierKind, Profile, Subject
    from dsr.pipeline.redact import find
    from dsr.pipeline.redact.gazetteer import GazetteerCache

    people = list(FakeConnector("school", people=PEOPLE).people())
    calls = []

    def load():
        calls.append(1)
        return people

    def subject(key: str, first: str, last: str) -> Subject:
        return Subject(
            controller="c",
            reference=key,
            identifiers=frozenset({Identifier(IdentifierKind.KEY, key, "school")}),
            profile=Profile(first_name=first, last_name=last),
        )

    cache = GazetteerCache()
    anna = cache.gazetteer("v1", load, subject("1", "Anna", "Müller"))
    lena = cache.gazetteer("v1", load, subject("2", "Lena", "Schmidt"))
    assert len(calls) == 1  # the index is built once
    text = "Anna Müller und Lena Schmidt"
    assert [text[h.start : h.end] for h in find(text, anna)] == ["Lena Schmidt"]
    assert [text[h.start : h.end] for h in find(text, lena)] == ["Anna Müller"]
    cache.gazetteer("v2", load, subject("1", "Anna", "Müller"))
    assert len(calls) == 2  # the stores changed: a new index


def test_a_slow_index_build_holds_up_no_other_controller_and_runs_once():
    import threading

    from dsr.model import Identifier, IdentifierKind, Profile, Subject
    from dsr.pipeline.redact import find
    from dsr.pipeline.redact.gazetteer import GazetteerCache

    people = list(FakeConnector("school", people=PEOPLE).people())
    release, started = threading.Event(), threading.Event()
    builds: list[str] = []

    def slow() -> list:  # a large school's people, still being read
        builds.append("slow")
        started.set()
        assert release.wait(10)
        return people

    def quick() -> list:
        builds.append("quick")
        return people

    def subject(controller: str) -> Subject:
        return Subject(
            controller=controller,
            reference="1",
            identifiers=frozenset({Identifier(IdentifierKind.KEY, "1", "school")}),
            profile=Profile(first_name="Anna", last_name="Müller"),
        )

    cache = GazetteerCache()
    cache.gazetteer("v1", quick, subject("small"))  # cached before the big school's build starts
    got: list[object] = []
    big = [threading.Thread(target=lambda: got.append(cache.gazetteer("v1", slow, subject("big")))) for _ in range(2)]
    big[0].start()
    assert started.wait(10)
    big[1].start()  # the same index asked for again while it is being built
    # meanwhile the cached school answers, and a new one builds its own index
    small = cache.gazetteer("v1", quick, subject("small"))
    other = cache.gazetteer("v1", quick, subject("other"))
    assert [h.end - h.start for h in find("Lena Schmidt", small)] == [len("Lena Schmidt")]
    assert other is not None and len(got) == 0  # the big school's build is still waiting
    release.set()
    for t in big:
        t.join(10)
    assert len(got) == 2 and builds == ["quick", "slow", "quick"]  # the big index was built once


def test_people_fingerprint_changes_with_the_stores_only():
    from dsr.pipeline.redact import people_fingerprint

    people = list(FakeConnector("school", people=PEOPLE).people())
    again = list(FakeConnector("school", people=list(reversed(PEOPLE))).people())
    assert people_fingerprint(people) == people_fingerprint(sorted(again, key=lambda p: p.key))
    fewer = list(FakeConnector("school", people=PEOPLE[:-1]).people())
    assert people_fingerprint(people) != people_fingerprint(fewer)
