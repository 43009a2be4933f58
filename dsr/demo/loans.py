"""Loan histories over the school years since 2019/20, with the fees and notices they cause.

Loans are streamed to the sink (5 million fit in little memory); fees and notices, which are
far fewer, are collected on the way and written afterwards, as are the items' borrower columns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from dsr.demo.catalogue import Catalogue
from dsr.demo.letters import Letters
from dsr.demo.people import Person
from dsr.demo.world import LIVE_SINCE, SchoolWorld

LOAN_COLS = (
    "id",
    "item_id",
    "person_id",
    "issued_at",
    "due_at",
    "returned_at",
    "renewals",
    "issued_by_id",
    "returned_by_id",
    "note",
    "anonymized_at",
)
FEE_COLS = (
    "id",
    "person_id",
    "loan_id",
    "kind",
    "amount",
    "created_at",
    "dunning_level",
    "paid_at",
    "waived_at",
    "payer_name",
    "created_by_id",
    "cashier_id",
    "waived_by_id",
    "note",
)
ITEM_UPDATE = ("status", "last_borrower_id", "previous_borrower_id", "damage_note")
HEAVY_TEACHER_LOANS = 2400


@dataclass
class Circulation:
    fees: list[tuple] = field(default_factory=list)
    item_last: dict[int, tuple[dt.datetime, int, int | None]] = field(default_factory=dict)
    damage: dict[int, str] = field(default_factory=dict)
    open_items: set[int] = field(default_factory=set)
    loans: int = 0
    #: (loan id, item id, issued) of a few loans per featured reader, for holds and tests
    recent: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    #: loans still carrying the reader's id, per reader (the letter shows these)
    kept: dict[int, int] = field(default_factory=dict)


def planned_loans(w: SchoolWorld, p: Person, per_reader: int) -> int:
    r = w.rng.random()
    if p.id == w.featured["heavy"]["id"]:
        return HEAVY_TEACHER_LOANS + w.rng.randrange(600)
    if p.kind == "student":
        if p.id == w.featured["typical"]["id"]:
            return max(24, per_reader)
        if r < 0.04:
            return w.rng.randint(per_reader * 3, per_reader * 8)  # bookworms: hundreds
        if r < 0.15:
            return w.rng.randint(0, max(1, per_reader // 4))
        return w.rng.randint(max(1, per_reader // 2), per_reader * 3 // 2)  # dozens
    if p.kind == "teacher":
        return w.rng.randint(per_reader // 4, per_reader)
    return w.rng.randint(0, max(1, per_reader // 4))


def _school_time(w: SchoolWorld, start: dt.datetime, seconds: float) -> dt.datetime:
    # one random draw for the day, one for the time of day (7:00-15:59): this runs millions of times
    day = (start + dt.timedelta(seconds=w.rng.random() * seconds)).date()
    if day.weekday() >= 5:
        day -= dt.timedelta(days=day.weekday() - 4)
    return dt.datetime.combine(day, dt.time(7)) + dt.timedelta(seconds=int(w.rng.random() * 32400))


def write_loans(w: SchoolWorld, sink, cat: Catalogue, letters: Letters, per_reader: int) -> Circulation:  # noqa: ANN001
    rng = w.rng
    c = Circulation()
    staff = [p.id for p in w.people if p.kind == "staff"]
    helpers = [p.id for p in w.people if p.roles == "circulation" and p.kind == "student"]
    desk = staff * 3 + helpers
    heavy = w.featured["heavy"]["id"]
    featured_ids = {w.featured["typical"]["id"], heavy, *w.featured["siblings"]["ids"], *w.featured["namesakes"]["ids"]}
    now = w.now
    cutoff = now - dt.timedelta(days=180)

    def fee(
        p: Person, loan_id: int | None, kind: str, amount: Decimal, at: dt.datetime, *, by_parent: bool = False
    ) -> None:
        fid = len(c.fees) + 1
        paid = waived = payer = cashier = waiver = note = None
        level = 0
        r = rng.random()
        parent = w.parent_of(p)
        if by_parent or r < 0.6:
            paid = at + dt.timedelta(days=rng.randint(0, 30), hours=1)
            cashier = rng.choice(desk)
            if parent is not None and (by_parent or rng.random() < 0.4):
                payer = parent.name
        elif r < 0.7:
            waived, waiver = at + dt.timedelta(days=rng.randint(1, 20)), rng.choice(staff)
        else:
            level = rng.randint(0, 3) if at < now - dt.timedelta(days=14) else 0
        if paid and paid > now:
            paid, payer, cashier = None, None, None
        if by_parent or rng.random() < 0.15:
            people = {"self": w.someone(p), "mate": w.someone(rng.choice(w.people))}
            if parent is not None:
                people["parent"] = w.with_iban(w.someone(parent))
            if p.class_teacher_id:
                people["teacher"] = w.someone(w.people[p.class_teacher_id - 1])
            note = w.notes.write("fee_note", people).text or None
            if by_parent and parent is not None:
                note = f"Bezahlt von {parent.name} in bar."
        c.fees.append(
            (fid, p.id, loan_id, kind, amount, at, level, paid, waived, payer, rng.choice(staff), cashier, waiver, note)
        )
        if level:
            letters.dunning(p, fid, at + dt.timedelta(days=14 * level), level, amount)

    def rows():
        lid = 0
        for p in w.people:
            n = planned_loans(w, p, per_reader)
            if not n:
                continue
            start = max(p.created_at, LIVE_SINCE)
            end = now if p.left_at is None else dt.datetime.combine(p.left_at, dt.time(12))
            seconds = max(3600.0, (end - start).total_seconds())
            times = sorted(_school_time(w, start, seconds) for _ in range(n))
            is_heavy = p.id == heavy
            for issued in times:
                if issued > now:
                    continue
                lid += 1
                item = (
                    rng.choice(cat.class_sets)
                    if is_heavy or (p.kind == "teacher" and rng.random() < 0.2)
                    else int(rng.random() * cat.lendable) + 1
                )
                due = issued.date() + dt.timedelta(days=56 if item > cat.lendable else 21)
                renewals = 0 if rng.random() < 0.8 else rng.randint(1, 2)
                due += dt.timedelta(days=21 * renewals)
                issued_by = rng.choice(desk)
                returned = returned_by = note = anonymized = None
                person_id: int | None = p.id
                r = rng.random()
                if issued > now - dt.timedelta(days=40) and r < 0.6 and item not in c.open_items:
                    c.open_items.add(item)
                    if dt.datetime.combine(due, dt.time(8)) + dt.timedelta(days=3) < now and rng.random() < 0.5:
                        letters.reminder(p, lid, due, dt.datetime.combine(due, dt.time(6)) + dt.timedelta(days=3))
                elif r < 0.002 and issued < now - dt.timedelta(days=120) and item <= cat.lendable:
                    cat.status[item] = "lost"
                    fee(
                        p,
                        lid,
                        "lost",
                        Decimal(rng.choice(("14.90", "19.90", "24.95"))),
                        dt.datetime.combine(due, dt.time(9)) + dt.timedelta(days=42),
                    )
                else:
                    late = rng.randint(1, 30) if rng.random() < 0.08 else 0
                    back = min(
                        dt.datetime.combine(due, issued.time()) + dt.timedelta(days=late),
                        issued + dt.timedelta(days=rng.randint(1, 21 + 21 * renewals) + late),
                    )
                    returned = min(back, now - dt.timedelta(hours=1))
                    returned_by = rng.choice(desk)
                    has_fee = False
                    if late > 3:
                        letters.reminder(p, lid, due, dt.datetime.combine(due, dt.time(6)) + dt.timedelta(days=3))
                        if rng.random() < 0.5:
                            fee(p, lid, "overdue", Decimal(late) * Decimal("0.10"), returned)
                            has_fee = True
                    if rng.random() < 0.003 and item <= cat.lendable:
                        cat.status[item] = "damaged"
                        c.damage[item] = letters.damage_note(p)
                        fee(p, lid, "damage", Decimal(rng.choice(("5.00", "8.50", "12.00"))), returned)
                        has_fee = True
                    if (
                        not has_fee
                        and (p.left_at is not None or returned < cutoff)
                        and not p.keep_loan_history
                        and p.id not in featured_ids
                    ):
                        person_id, anonymized = (
                            None,
                            dt.datetime.combine(returned.date() + dt.timedelta(days=7), dt.time(2, 0)),
                        )
                if person_id is not None and rng.random() < 0.015:
                    note = letters.loan_note(p, item)
                if person_id is not None:
                    c.kept[p.id] = c.kept.get(p.id, 0) + 1
                    prev = c.item_last.get(item)
                    if prev is None or prev[0] <= issued:
                        c.item_last[item] = (issued, p.id, prev[1] if prev else None)
                    if p.id in featured_ids:
                        c.recent.setdefault(p.id, []).append((lid, item))
                yield (lid, item, person_id, issued, due, returned, renewals, issued_by, returned_by, note, anonymized)
        c.loans = lid

    w.counts["loan"] = sink.insert("loan", LOAN_COLS, rows())
    _hard_fees(w, c, fee)
    for p in w.people:
        if rng.random() < 0.01:
            fee(
                p,
                None,
                "card_replacement",
                Decimal("2.00"),
                max(p.created_at, now - dt.timedelta(days=rng.randint(1, 900))),
            )
    w.counts["fee"] = sink.insert("fee", FEE_COLS, c.fees)
    for item in c.open_items:
        cat.status[item] = "on_loan" if cat.status[item] == "available" else cat.status[item]
    sink.update(
        "item",
        ITEM_UPDATE,
        ((cat.status[i], last[1], last[2], c.damage.get(i), i) for i, last in sorted(c.item_last.items())),
    )
    return c


def _hard_fees(w: SchoolWorld, c: Circulation, fee) -> None:  # noqa: ANN001
    """A fee paid by a parent for the elder of the featured siblings, whatever the dice said."""
    elder = w.people[w.featured["siblings"]["ids"][0] - 1]
    now = w.now
    loans = c.recent.get(elder.id) or [(None, None)]
    fee(elder, loans[0][0], "damage", Decimal("9.50"), now - dt.timedelta(days=60), by_parent=True)
