"""The school library's media: books, e-books, DVDs, CDs, games and class sets (title and copy in one row).

Catalogue data is not personal data; only ``last_borrower_id``, ``previous_borrower_id`` and
``damage_note`` point at people, and those are filled in after the loans (see loans.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from stdnum import ean

from dsr.demo.world import LIVE_SINCE, SchoolWorld

TITLES = (
    ("Tschick", "Wolfgang Herrndorf"),
    ("Die unendliche Geschichte", "Michael Ende"),
    ("Momo", "Michael Ende"),
    ("Das doppelte Lottchen", "Erich Kästner"),
    ("Emil und die Detektive", "Erich Kästner"),
    ("Rico, Oskar und die Tieferschatten", "Andreas Steinhöfel"),
    ("Krabat", "Otfried Preußler"),
    ("Die Welle", "Morton Rhue"),
    ("Der Vorleser", "Bernhard Schlink"),
    ("Corpus Delicti", "Juli Zeh"),
    ("Die Physiker", "Friedrich Dürrenmatt"),
    ("Woyzeck", "Georg Büchner"),
    ("Faust", "Johann Wolfgang von Goethe"),
    ("Gregs Tagebuch", "Jeff Kinney"),
    ("Harry Potter und der Stein der Weisen", "J. K. Rowling"),
    ("Die drei ??? und der Karpatenhund", "Marco Sonnleitner"),
    ("Wonder", "R. J. Palacio"),
    ("The Hunger Games", "Suzanne Collins"),
    ("Holes", "Louis Sachar"),
    ("Animal Farm", "George Orwell"),
    ("Das Sams", "Paul Maar"),
    ("Der kleine Prinz", "Antoine de Saint-Exupéry"),
    ("Nichts", "Janne Teller"),
    ("Die Tribute von Panem", "Suzanne Collins"),
    ("Ostwind", "Lea Schmidbauer"),
    ("Level 4", "Andreas Schlüter"),
)
SUBJECTS = (
    "Mathematik",
    "Biologie",
    "Chemie",
    "Physik",
    "Geschichte",
    "Erdkunde",
    "Englisch",
    "Latein",
    "Informatik",
    "Kunst",
)
SERIES = ("Grundwissen", "Abiturwissen", "Lernhilfe", "Arbeitsheft", "Lexikon", "Atlas", "Sachbuch")
LOCATIONS = (
    "Regal A1",
    "Regal A2",
    "Regal B1",
    "Regal B3",
    "Regal C2",
    "Lesecke",
    "Magazin",
    "Lehrerbibliothek",
    "Medienraum",
)
MEDIA = (("book", 78), ("ebook", 6), ("dvd", 6), ("cd", 4), ("game", 3))


@dataclass
class Catalogue:
    count: int
    class_sets: list[int]  #: ids of class-set items
    lendable: int  #: ids 1..lendable are ordinary media
    status: list[str]  #: index = id; planned statuses (lost/damaged/withdrawn), loans add on_loan


def _isbn(w: SchoolWorld) -> str:
    body = f"9783{w.rng.randrange(10**8):08d}"
    digits = body + ean.calc_check_digit(body)
    return f"{digits[:3]}-{digits[3]}-{digits[4:8]}-{digits[8:12]}-{digits[12]}"


def write_items(w: SchoolWorld, sink, readers: int) -> Catalogue:  # noqa: ANN001 - TableSink
    rng = w.rng
    lendable = max(300, readers * 2)
    n_sets = max(12, min(60, readers // 20))
    kinds = [k for k, _ in MEDIA]
    weights = [n for _, n in MEDIA]
    status = ["available"] * (lendable + n_sets + 1)
    staff = [p.id for p in w.people if p.kind == "staff"]
    cols = (
        "id",
        "barcode",
        "title",
        "author",
        "isbn",
        "media_type",
        "age_rating",
        "location",
        "status",
        "created_at",
        "created_by_id",
    )

    def rows():
        for i in range(1, lendable + n_sets + 1):
            if i <= lendable:
                media = rng.choices(kinds, weights)[0]
                if rng.random() < 0.5:
                    title, author = rng.choice(TITLES)
                else:
                    title, author = f"{rng.choice(SERIES)} {rng.choice(SUBJECTS)} {rng.randint(5, 13)}", None
                age = rng.choice((0, 6, 12, 16)) if media in ("dvd", "game") else None
                location = rng.choice(LOCATIONS)
                r = rng.random()
                if r < 0.01:
                    status[i] = "withdrawn"
            else:
                media, age, location = "class_set", None, "Klassensätze"
                t, author = rng.choice(TITLES)
                title = f"Klassensatz {t} ({rng.randint(25, 32)} Ex.)"
            created = (
                LIVE_SINCE - dt.timedelta(days=rng.randrange(0, 3000))
                if rng.random() < 0.7
                else LIVE_SINCE + dt.timedelta(days=rng.randrange(0, 2000))
            )
            yield (
                i,
                f"M{i:08d}",
                title,
                author,
                _isbn(w) if media in ("book", "class_set") else None,
                media,
                age,
                location,
                status[i],
                created,
                rng.choice(staff) if created >= LIVE_SINCE else None,
            )

    w.counts["item"] = sink.insert("item", cols, rows())
    return Catalogue(
        count=lendable + n_sets,
        class_sets=list(range(lendable + 1, lendable + n_sets + 1)),
        lendable=lendable,
        status=status,
    )
