"""Reservations (hold queues with several readers) and reader reviews of media."""

from __future__ import annotations

import datetime as dt

from dsr.demo.catalogue import Catalogue
from dsr.demo.letters import Letters
from dsr.demo.retention import RESERVATION_CLOSED_DAYS
from dsr.demo.world import SchoolWorld

RES_COLS = (
    "id",
    "item_id",
    "person_id",
    "placed_at",
    "queue_position",
    "status",
    "notified_at",
    "expires_at",
    "closed_at",
    "placed_by_id",
)
REVIEW_COLS = ("id", "item_id", "person_id", "rating", "text", "created_at", "visible", "approved_by_id")


def write_reservations(w: SchoolWorld, sink, cat: Catalogue, letters: Letters) -> None:  # noqa: ANN001
    rng = w.rng
    readers = [p for p in w.people if p.active and p.kind in ("student", "teacher")]
    staff = [p.id for p in w.people if p.kind == "staff"]
    rows: list[tuple] = []
    typical = w.people[w.featured["typical"]["id"] - 1]
    queue_items = rng.sample(range(1, cat.lendable + 1), k=max(3, len(readers) // 40))
    for n, item in enumerate(queue_items):
        queue = rng.sample(readers, k=min(len(readers), rng.randint(2, 6)))
        if n == 0 and typical not in queue:
            queue[-1] = typical  # the typical reader waits behind others: their queue shows other readers
        cat.status[item] = "on_loan" if cat.status[item] == "available" else cat.status[item]
        placed = w.now - dt.timedelta(days=rng.randint(10, 30))
        for pos, p in enumerate(queue, start=1):
            placed += dt.timedelta(hours=rng.randint(1, 48))
            ready = pos == 1 and rng.random() < 0.4
            notified = placed + dt.timedelta(days=rng.randint(1, 5)) if ready else None
            rows.append(
                (
                    len(rows) + 1,
                    item,
                    p.id,
                    placed,
                    pos,
                    "ready" if ready else "waiting",
                    notified,
                    (notified.date() + dt.timedelta(days=7)) if notified else None,
                    None,
                    rng.choice(staff) if rng.random() < 0.2 else None,
                )
            )
            if notified:
                letters.hold_ready(p, f"Medium M{item:08d}", notified)
    # closed reservations are kept at most three months: all of these closed within RESERVATION_CLOSED_DAYS
    # (placed at least 28 days ago, closed at most 27 days after placing)
    for _ in range(len(readers) // 4):
        p = rng.choice(readers)
        placed = max(p.created_at, w.now - dt.timedelta(days=rng.randint(28, RESERVATION_CLOSED_DAYS)))
        status = rng.choice(("fulfilled", "fulfilled", "cancelled", "expired"))
        notified = placed + dt.timedelta(days=rng.randint(1, 20)) if status != "cancelled" else None
        closed = (notified or placed) + dt.timedelta(days=rng.randint(1, 7))
        rows.append(
            (
                len(rows) + 1,
                rng.randint(1, cat.lendable),
                p.id,
                placed,
                rng.randint(1, 3),
                status,
                notified,
                (notified.date() + dt.timedelta(days=7)) if notified else None,
                closed,
                None,
            )
        )
        if notified:
            letters.hold_ready(p, "Ihr vorgemerktes Medium", notified)
    w.counts["reservation"] = sink.insert("reservation", RES_COLS, rows)


def write_reviews(w: SchoolWorld, sink, cat: Catalogue) -> None:  # noqa: ANN001
    rng = w.rng
    pupils = [p for p in w.people if p.kind == "student"]
    staff = [p.id for p in w.people if p.kind == "staff"]
    rows: list[tuple] = []
    typical = w.people[w.featured["typical"]["id"] - 1]
    authors = [typical, typical, *rng.sample(pupils, k=len(pupils) // 4)]
    for n, p in enumerate(authors):
        people = {"self": w.someone(p), "mate": w.someone(rng.choice(pupils))}
        parent = w.parent_of(p)
        if parent is not None:
            people["parent"] = w.someone(parent)
        if p.class_teacher_id:
            people["teacher"] = w.someone(w.people[p.class_teacher_id - 1])
        # the typical pupil's first review names a classmate by first name alone: staff must decide on it
        text = w.notes.write("review", people, mentioning="{mate.first}" if n == 0 else None).text
        at = max(p.created_at, w.now - dt.timedelta(days=rng.randint(1, 2000)))
        if p.left_at:
            at = min(at, dt.datetime.combine(p.left_at, dt.time(10)))
        visible = rng.random() < 0.85
        # reviews of readers who left stay in the catalogue without a name
        person = None if p.left_at and rng.random() < 0.5 else p.id
        rows.append(
            (
                len(rows) + 1,
                rng.randint(1, cat.lendable),
                person,
                rng.randint(1, 5),
                text,
                at,
                visible,
                rng.choice(staff) if visible else None,
            )
        )
    w.counts["review"] = sink.insert("review", REVIEW_COLS, rows)
