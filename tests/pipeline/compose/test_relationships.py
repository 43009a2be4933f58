"""Relatives by name: a pupil's parents and a parent's children are named beside their role where
the controller shows relationship names — and nobody else ever is."""

from __future__ import annotations

import json

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsr.model import Classification, CollectionSpec, Field, FieldSpec, Record, Withholding
from dsr.pipeline import compose, render
from dsr.pipeline.compose import RelationshipNames, specimen

C = Classification
CHILDREN = CollectionSpec(
    store="school",
    name="guardian_of",
    title={"de": "Sie als Erziehungsberechtigte/r", "en": "You as a parent"},
    activity="guardians",
    category="contact data",
    fields=(
        FieldSpec(name="student_id", classification=C.REFERENCE, role="child", label={"de": "Kind", "en": "Child"}),
        FieldSpec(name="name", classification=C.OWN, label={"de": "Name", "en": "Name"}),
    ),
)


def _letter(records: tuple[Record, ...], language: str = "de", **kw: object) -> compose.Disclosure:
    g = specimen.gathering(0)
    g = msgspec.structs.replace(g, records=records, collections=(*g.collections, CHILDREN))
    return compose.disclosure(specimen.SCHOOL, g, specimen.request(language), **kw)  # type: ignore[arg-type]


def _child(key: str, first_name: str | None) -> Record:
    return Record(
        store="school",
        collection="guardian_of",
        key=key,
        fields=(
            Field("student_id", 40 + int(key), C.REFERENCE, False, first_name),
            Field("name", "Petra Brandt", C.OWN),
        ),
    )


def _column(letter: compose.Disclosure, collection: str, column: str) -> list[str]:
    section = next(s for s in letter.sections if s.collection == collection)
    i = [c.name for c in section.columns].index(column)
    return [r.values[i] for r in section.rows]


def test_a_parent_is_told_which_child_each_record_is_about() -> None:
    letter = _letter((_child("1", "Mia"), _child("2", "Jonas")))
    assert _column(letter, "guardian_of", "student_id") == ["Mia (Ihr Kind)", "Jonas (Ihr Kind)"]
    english = _letter((_child("1", "Mia"),), "en")
    assert _column(english, "guardian_of", "student_id") == ["Mia (your child)"]


def test_a_controller_may_show_the_role_only() -> None:
    letter = _letter((_child("1", "Mia"), _child("2", "Jonas")), relationships=RelationshipNames.ROLE_ONLY)
    assert _column(letter, "guardian_of", "student_id") == ["Ihr Kind", "Ihr Kind"]
    assert "Mia" not in render.export_json(letter).decode()


def test_a_reference_without_a_relative_stays_a_role() -> None:
    letter = _letter((_child("1", None),))
    assert _column(letter, "guardian_of", "student_id") == ["Ihr Kind"]


def test_a_withheld_kind_the_wording_does_not_know_reads_as_other_information() -> None:
    letter = _letter((_child("1", "Mia"),), withheld=(Withholding("a_kind_nobody_worded", 4, "art15-4"),))
    assert [(w.kind, w.count) for w in letter.withheld] == [("sonstige Angaben", 4)]
    other = _letter((_child("1", "Mia"),), withheld=(Withholding("other_party", 2, "art15-4"),))
    assert [w.kind for w in other.withheld] == [
        "Angaben über die andere Seite eines Vorgangs (etwa Adresse und Aktenzeichen zu einem Angreifer)"
    ]


@settings(max_examples=60, deadline=None)
@given(value=st.text(min_size=1, max_size=40).filter(lambda s: s.strip() and s not in ("Sie", "—")))
def test_the_value_of_a_reference_never_prints_only_the_relative_may(value: str) -> None:
    """The stored value (a key, a name the connector let through) is never the text; only the
    relative the mapping named is, beside the role."""
    record = Record(
        store="school",
        collection="guardian_of",
        key="1",
        fields=(Field("student_id", value, C.REFERENCE, False, "Mia"), Field("name", "P", C.OWN)),
    )
    for relationships in RelationshipNames:
        letter = _letter((record,), "en", relationships=relationships)
        [row] = json.loads(render.export_json(letter))["stores"][0]["collections"][0]["records"]
        expected = "Mia (your child)" if relationships is RelationshipNames.SHOWN else "your child"
        assert row["fields"]["student_id"]["text"] == expected
        named = {"name": "Mia"} if relationships is RelationshipNames.SHOWN else {}
        assert row["fields"]["student_id"]["value"] == {"role": "child", "label": "your child", **named}


@pytest.mark.parametrize("relationships", list(RelationshipNames))
def test_the_subject_themself_is_still_you(relationships: RelationshipNames) -> None:
    record = Record(
        store="school",
        collection="guardian_of",
        key="1",
        fields=(Field("student_id", 17, C.REFERENCE, True, "Anna"), Field("name", "P", C.OWN)),
    )
    assert _column(_letter((record,), relationships=relationships), "guardian_of", "student_id") == ["Sie"]
