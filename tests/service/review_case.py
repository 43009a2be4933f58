"""A case in review whose review items are known in advance (for the service and portal tests).

The items come from the real redaction stage over a small, fixed gathering (a damage note naming
a classmate three times; a note on the medium, reached through the loan, naming a mother's
"Frau Schulz"), and are stored in the real case file the way the gather job stores them: the
working paper ``review.json``, the officer's review sheet, one review item per find.
"""

from __future__ import annotations

import msgspec

from dsr import casefile
from dsr.casefile.documents import attach_document
from dsr.model import Classification, CollectionSpec, Descriptor, Field, FieldSpec, Record
from dsr.pipeline.gather import gather
from dsr.pipeline.identify import confirm, resolve
from dsr.pipeline.redact import Gazetteer, redact, review_json
from dsr.pipeline.redact.review import review_sheet
from dsr.testing import FakeConnector, FakePerson
from tests.officer_world import World
from tests.portal.officer_cases import confirmed_case

#: the classmate the damage note names three times (one group: one decision covers all three)
CLASSMATE = "Lena"
DAMAGE_NOTE = f"Buch mit Wasserschaden zurück. {CLASSMATE} hat es ausgeliehen. {CLASSMATE} zahlt, sagt {CLASSMATE}."
MEDIUM_NOTE = "Zuletzt bei Frau Schulz gewesen; Umschlag eingerissen."

LOANS = CollectionSpec(
    store="school",
    name="loan",
    title={"de": "Ausleihen", "en": "Loans"},
    activity="lending",
    category="loans",
    fields=(
        FieldSpec(name="title", classification=Classification.OWN, label={"de": "Titel", "en": "Title"}),
        FieldSpec(
            name="damage_note",
            classification=Classification.FREE_TEXT,
            label={"de": "Schadensnotiz", "en": "Damage note"},
        ),
    ),
)
MEDIA = CollectionSpec(
    store="school",
    name="medium",
    title={"de": "Medien der Bibliothek", "en": "Library media"},
    activity="lending",
    category="loans",
    fields=(
        FieldSpec(
            name="condition_note",
            classification=Classification.FREE_TEXT,
            label={"de": "Zustandsnotiz", "en": "Condition note"},
        ),
    ),
)
PEOPLE = [
    FakePerson(key="1", first_name="Anna", last_name="Müller", card="L0000001"),
    FakePerson(key="2", first_name=CLASSMATE, last_name="Schmidt", card="L0000002", role="student"),
]


def redaction_of_fixed_gathering():  # type: ignore[no-untyped-def]
    """The redaction result over the fixed gathering (German markers)."""
    records = [
        Record(
            store="school",
            collection="loan",
            key="17",
            fields=(
                Field("title", "Krabat", Classification.OWN),
                Field("damage_note", DAMAGE_NOTE, Classification.FREE_TEXT),
            ),
        ),
        Record(
            store="school",
            collection="medium",
            key="M-5",
            relation="loan 17",  # reached through the subject's loan: the medium's record, not theirs
            fields=(Field("condition_note", MEDIUM_NOTE, Classification.FREE_TEXT),),
        ),
    ]
    store = FakeConnector("school", people=PEOPLE, records={"1": records}, collections=[LOANS, MEDIA])
    resolution = resolve("fake", [store], Descriptor(card_number="L0000001"))
    subject = confirm("fake", resolution.candidates, resolution.candidates[0].reference)
    gathering = gather(subject, [store])
    return redact(gathering, Gazetteer.build(store.people(), gathering.subject), secret=b"k", language="de")


def case_in_review(w: World, *, with_sheet: bool = True) -> str:
    """A confirmed case, gathered: its review items are those of :func:`redaction_of_fixed_gathering`.

    ``with_sheet=False``: a case gathered before the review sheet existed (``review.json`` only)."""
    ref = confirmed_case(w, verified=False)
    casefile.start_gathering(w.engine, w.officer, ref, ["school"])
    result = redaction_of_fixed_gathering()
    review = review_json(result.review_items)
    attach_document(
        w.engine,
        ref,
        "review",
        casefile.Document(filename="review.json", media_type="application/json", content=review),
    )
    if with_sheet:
        attach_document(
            w.engine,
            ref,
            "review_sheet",
            casefile.Document(
                filename="review-sheet.json", media_type="application/json", content=review_sheet(result.review_items)
            ),
        )
    items = [(i["id"], i["rule"]) for i in msgspec.json.decode(review)["items"]]
    casefile.add_review_items(w.engine, None, ref, items)
    casefile.finish_gathering(w.engine, ref)
    return ref
