"""The vendor's answers to its customer contacts, on the demo stores (SQLite): no other person's
full name survives in the machine-readable copy.

Support tickets name people the vendor's database does not know — "our principal Waltrud
Zirme", a pupil of the customer school who is only in the school's own database — so the
vendor's gazetteer cannot find them; the cue words before them must (an audit found such a
name in a final, non-draft letter). Names are checked against both stores: the school's
people and the vendor's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from dsr import Descriptor, connect, load
from dsr.demo import generate
from dsr.pipeline.answer import identify, prepare_answer

SEED = 9  # a seed whose tickets include "our principal <a pupil of the school>" (asserted below)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("vendor-demo")
    generate(out, schools=1, readers_per_school=20, seed=SEED, loans_per_reader=1)
    return out


def _names(settings, controller: str) -> set[str]:
    """Full names of the people a controller's stores know (organisations left out: a
    registrant is the school, "Stadtkasse Kassel" pays invoices)."""
    out = set()
    for c in connect(settings, controller):
        try:
            for p in c.people():
                full = p.full_name or " ".join(x for x in (p.first_name, p.last_name) if x)
                full = " ".join(full.split())
                if " " in full and p.role != "registrant" and not full.startswith("Stadtkasse "):
                    out.add(full)
        finally:
            c.close()
    return out


def _tickets(demo: Path) -> list[tuple[str, str, str]]:
    engine = sa.create_engine(f"sqlite:///{demo / 'vendor.db'}")
    try:
        with engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    sa.text(
                        "SELECT c.contact_email, c.contact_name, t.body FROM support_ticket t "
                        "JOIN customer c ON c.id = t.customer_id WHERE t.reporter_email = c.contact_email"
                    )
                )
            ]
    finally:
        engine.dispose()


def _bodies(node) -> list[str]:
    """Every ticket text ("body") in the machine-readable copy."""
    if isinstance(node, dict):
        # a record's field is {"value": …, "text": …} (dsr-disclosure/2)
        return [
            v["value"] for k, v in node.items() if k == "body" and isinstance(v, dict) and isinstance(v["value"], str)
        ] + [b for v in node.values() for b in _bodies(v)]
    if isinstance(node, list):
        return [b for v in node for b in _bodies(v)]
    return []


def _answers(demo: Path):
    settings = load(demo / "dsr.toml")
    vendor = connect(settings, "vendor")
    engine = sa.create_engine(f"sqlite:///{demo / 'vendor.db'}")
    try:
        with engine.connect() as conn:
            contacts = conn.execute(sa.text("SELECT contact_email, contact_name FROM customer ORDER BY id")).all()
        for email, name in contacts:
            subject = identify(settings, "vendor", vendor, Descriptor(email=email))
            answer = prepare_answer(settings, "vendor", subject, vendor, formats=("json",))
            copy = json.dumps(json.loads(answer.documents["disclosure.json"]), ensure_ascii=False)
            review = json.loads(answer.documents.get("review.json", b'{"items": []}'))["items"]
            yield email, name, answer, copy, review
    finally:
        engine.dispose()
        for c in vendor:
            c.close()


def test_no_other_persons_full_name_in_any_contacts_answer(demo: Path) -> None:
    settings = load(demo / "dsr.toml")
    school = next(k for k in settings.controllers if k != "vendor")
    school_names = _names(settings, school)
    vendor_names = _names(settings, "vendor")
    # the premise: a ticket names a pupil the vendor's database does not know
    planted = [
        (b, m.group(1))
        for _e, _n, b in _tickets(demo)
        if (m := re.search(r"our principal (\S+ \S+)", b)) and m.group(1) in school_names - vendor_names
    ]
    assert planted, "the demo no longer plants an unknown principal's name in a ticket; pick another SEED"
    everyone = school_names | vendor_names
    checked = 0
    for email, own_name, _answer, copy, _review in _answers(demo):
        leaked = sorted(n for n in everyone - {own_name} if n in copy)
        assert leaked == [], f"{email}: {leaked}"
        if any(own_name in b for e, _n, b in _tickets(demo) if e == email):
            # the requester's own name in their ticket's text ("Regards, …") stays
            assert any(own_name in b for b in _bodies(json.loads(copy))), email
        checked += 1
    assert checked >= 4


def test_the_unknown_principal_goes_to_review_and_makes_a_draft(demo: Path) -> None:
    tickets = _tickets(demo)
    with_principal = {e for e, _n, b in tickets if "our principal" in b}
    for email, _name, answer, copy, review in _answers(demo):
        if email not in with_principal:
            continue
        assert answer.draft
        assert "our principal [Name entfernt] asks" in copy
        items = [i for i in review if i["collection"] == "support_ticket" and i["field"] == "body"]
        assert any(i["rule"] == "cue-unknown-name" and "our principal [[?]]" in i["context"] for i in items)
