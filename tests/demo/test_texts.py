"""Free-text generator: the spans it reports are exactly where the mentions are (labelled corpus)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from dsr.demo.texts import TEMPLATES, NoteWriter, Someone

SELF = Someone("s/person/1", "Lena", "Schmidt", "f", "lena.schmidt@example.org", "0151 23456789", None, "192.0.2.7")
OTHERS = {
    "mate": Someone(
        "s/person/2",
        "Jonas",
        "Müller",
        "m",
        "jonas@example.net",
        "0160 1234567",
        "DE89370400440532013000",
        "198.51.100.3",
    ),
    "parent": Someone(
        "s/guardian/5", "Petra", "Schmidt", "f", "petra.schmidt@example.com", "0941 1234567", "DE02120300000000202051"
    ),
    "teacher": Someone("s/person/9", "Karl", "Weber", "m", "karl.weber@gym.example", "0941 7654321"),
    "staff": Someone("vendor/staff/1", "Tobias", "Brandl", "m"),
}


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(sorted(TEMPLATES)), seed=st.integers(0, 10**6))
def test_spans_point_at_the_mentioned_values(kind: str, seed: int) -> None:
    note = NoteWriter(random.Random(seed)).write(kind, {"self": SELF, **OTHERS}, {"date": "01.02.2026", "item": "Momo"})
    assert note.text
    people = {p.key: p for p in [SELF, *OTHERS.values()]}
    for span in note.spans:
        value = note.text[span.start : span.end]
        who = people[span.person]
        assert span.own == (who is SELF)
        attr = {
            "full_name": "full",
            "first_name": "first",
            "last_name": "last",
            "title_name": "title",
            "reversed_name": "reversed",
        }.get(span.kind, span.kind)
        assert value == who.render(attr)


def test_templates_needing_absent_people_are_skipped() -> None:
    writer = NoteWriter(random.Random(1))
    for _ in range(50):
        note = writer.write("review", {"self": SELF})
        assert all(s.person == SELF.key for s in note.spans)
