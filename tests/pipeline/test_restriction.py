"""Restricted records: withheld by default, officer decisions, and the decisions file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsr import (
    ConfigError,
    RecordAction,
    RestrictionDecision,
    WithholdingGround,
    decide_restricted,
    load_restriction_decisions,
    parse_restriction_decisions,
    record_reference,
    restricted_references,
)
from dsr.model import Classification, Field, Gathering, Record, Subject, Withholding


def rec(key: str, restricted: bool, collection: str = "incident_suspect") -> Record:
    return Record(
        store="school",
        collection=collection,
        key=key,
        restricted=restricted,
        fields=(Field("kind", "brute_force", Classification.OWN),),
    )


GATHERING = Gathering(
    subject=Subject(controller="gym", reference="P-1", identifiers=frozenset()),
    records=(rec("1", True), rec("2", True), rec("3", True), rec("7", False, "loan")),
    collections=(),
    reports=(),
)


def test_references_are_opaque_stable_and_salted() -> None:
    r = rec("1", True)
    a = record_reference("gym", r, b"k1")
    assert a == record_reference("gym", r, b"k1")
    assert a != record_reference("gym", r, b"k2") != record_reference("other", r, b"k1")
    assert a.startswith("R-") and len(a) == 14
    assert set(restricted_references(GATHERING, b"k1")) == {record_reference("gym", rec(k, True), b"k1") for k in "123"}


def test_undecided_records_are_withheld_and_counted() -> None:
    out = decide_restricted(GATHERING, {})
    assert [r.key for r in out.gathering.records] == ["7"]
    assert out.withholdings == (Withholding("record", 3, "bdsg-34"),)
    assert len(out.undecided) == 3


def test_each_decision_is_applied_and_counted_per_ground() -> None:
    ref = {k: record_reference("gym", rec(k, True)) for k in "123"}
    decisions = {
        ref["1"]: RestrictionDecision(decision=RecordAction.DISCLOSE),
        ref["2"]: RestrictionDecision(decision=RecordAction.WITHHOLD, ground=WithholdingGround.LAND_LAW),
        ref["3"]: RestrictionDecision(decision=RecordAction.WITHHOLD_SILENTLY, ground=WithholdingGround.BDSG_34),
    }
    out = decide_restricted(GATHERING, decisions)
    assert sorted(r.key for r in out.gathering.records) == ["1", "7"]
    assert out.withholdings == (Withholding("record", 1, "land-law"),)  # the silent one is not counted
    assert out.undecided == ()


def test_a_decision_cannot_withhold_an_unrestricted_record() -> None:
    ref = record_reference("gym", rec("7", False, "loan"))
    out = decide_restricted(
        GATHERING, {ref: RestrictionDecision(decision=RecordAction.WITHHOLD, ground=WithholdingGround.BDSG_34)}
    )
    assert "7" in [r.key for r in out.gathering.records]


def test_decisions_file_without_restricted_section_decides_nothing(tmp_path: Path) -> None:
    f = tmp_path / "d.json"
    f.write_text(json.dumps({"decisions": []}))
    assert load_restriction_decisions(f) == {}


@pytest.mark.parametrize(
    ("raw", "key", "problem"),
    [
        (
            {"restricted": {"R-0123456789AB": {"decision": "publish"}}},
            "restricted.R-0123456789AB.decision",
            "must be one of",
        ),
        (
            {"restricted": {"R-0123456789AB": {"decision": "withhold"}}},
            "restricted.R-0123456789AB.ground",
            "needs a ground",
        ),
        (
            {"restricted": {"R-0123456789AB": {"decision": "withhold", "ground": "gut feeling"}}},
            "restricted.R-0123456789AB.ground",
            "bdsg-34, land-law",
        ),
        ({"restricted": {"R-0123456789AB": {}}}, "restricted.R-0123456789AB.decision", "missing"),
        (
            {"restricted": {"R-0123456789AB": {"decision": "disclose", "why": "x"}}},
            "restricted.R-0123456789AB",
            "unknown field",
        ),
        ({"restricted": []}, "restricted", "must be an object"),
    ],
)
def test_bad_decisions_name_file_and_key(tmp_path: Path, raw: object, key: str, problem: str) -> None:
    f = tmp_path / "d.json"
    f.write_text(json.dumps(raw))
    with pytest.raises(ConfigError) as err:
        load_restriction_decisions(f)
    assert err.value.file == str(f) and err.value.key == key and problem in err.value.problem


def test_a_key_that_is_not_a_reference_is_refused_without_being_repeated() -> None:
    with pytest.raises(ConfigError) as err:
        parse_restriction_decisions({"restricted": {"Kevin Schmidt, 7b": {"decision": "withhold"}}}, "d.json")
    assert "Kevin" not in str(err.value) and err.value.key == "restricted[0]"


def test_broken_json_and_missing_file_are_clear(tmp_path: Path) -> None:
    f = tmp_path / "d.json"
    f.write_text('{"restricted": ')
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_restriction_decisions(f)
    with pytest.raises(ConfigError, match="not found"):
        load_restriction_decisions(tmp_path / "nope.json")
