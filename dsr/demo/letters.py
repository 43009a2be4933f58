"""Notices James sent to readers (reminders, dunning letters, hold notices, welcome and privacy
letters), with guardians or the class teacher in copy, plus short staff texts about loans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dsr.demo.people import Guardian, Person
from dsr.demo.retention import NOTICE_YEARS
from dsr.demo.texts import Note, Someone, mention
from dsr.demo.world import SchoolWorld, years_before

NOTICE_COLS = (
    "id",
    "person_id",
    "kind",
    "channel",
    "to_address",
    "cc_address",
    "subject",
    "body",
    "loan_id",
    "fee_id",
    "created_at",
    "sent_at",
    "created_by_id",
)
SUBJECTS = {
    "welcome": "Willkommen in der Schulbibliothek",
    "reminder": "Erinnerung: Rückgabe fällig",
    "dunning": "Mahnung",
    "hold_ready": "Ihre Vormerkung liegt bereit",
    "privacy_info": "Information zum Datenschutz",
}


class Letters:
    def __init__(self, w: SchoolWorld) -> None:
        self.w = w
        self.rows: list[tuple] = []
        #: ground truth of the notice bodies (index = notice id - 1)
        self.notes: list[Note] = []
        self._staff = [p.id for p in w.people if p.kind == "staff"]
        #: notices sent before this are deleted already (the register keeps them one year after sending)
        self.kept_from = years_before(w.now, NOTICE_YEARS)

    def _guardian_with_mail(self, p: Person) -> Guardian | None:
        for gid in p.extra.get("guardians", []):  # type: ignore[union-attr]
            g = self.w.guardians[gid - 1]
            if g.email:
                return g
        return None

    def _minor(self, p: Person, on: dt.date) -> bool:
        return p.date_of_birth is not None and (on - p.date_of_birth).days < 18 * 365

    def _add(
        self,
        p: Person,
        kind: str,
        body_parts: list,
        at: dt.datetime,
        *,
        loan_id: int | None = None,
        fee_id: int | None = None,
        cc: Someone | None = None,
    ) -> None:
        w = self.w
        if at + dt.timedelta(minutes=5) < self.kept_from:
            return
        me = w.someone(p)
        salutation = "Liebe" if p.gender == "f" else "Lieber" if p.gender == "m" else "Hallo"
        parts = [(f"{salutation} ", None, None), ("", me, "full"), (",\n\n", None, None), *body_parts]
        if cc is not None:
            parts += [
                ("\n\nDiese Nachricht geht in Kopie an ", None, None),
                ("", cc, "full"),
                (" (", None, None),
                ("", cc, "email"),
                (").", None, None),
            ]
        parts += [("\n\nIhr Team der Schulbibliothek", None, None)]
        note = mention(parts, me.key)
        channel = "email" if p.email else "print"
        sent = at + dt.timedelta(minutes=5) if at + dt.timedelta(minutes=5) <= w.now else None
        to = p.email or f"{p.street}, {p.postal_code} {p.city}"
        self.rows.append(
            (
                len(self.rows) + 1,
                p.id,
                kind,
                channel,
                to,
                cc.email if cc else None,
                SUBJECTS[kind],
                note.text,
                loan_id,
                fee_id,
                at,
                sent,
                w.rng.choice(self._staff) if w.rng.random() < 0.3 else None,
            )
        )
        self.notes.append(note)

    def _cc(self, p: Person, on: dt.date) -> Someone | None:
        if not self._minor(p, on):
            return None
        g = self._guardian_with_mail(p)
        if g is not None:
            return self.w.someone(g)
        if p.class_teacher_id:
            return self.w.someone(self.w.people[p.class_teacher_id - 1])
        return None

    def welcome(self, p: Person) -> None:
        body = [
            (f"Ihr Bibliotheksausweis hat die Nummer {p.card_number}, Ihr Login lautet ", None, None),
            (p.login_name or "", None, None),
            (".", None, None),
        ]
        self._add(p, "welcome", body, p.created_at + dt.timedelta(minutes=2), cc=self._cc(p, p.created_at.date()))

    def privacy_info(self, p: Person, at: dt.datetime) -> None:
        body = [
            (
                "mit dem neuen Schuljahr haben wir unsere Datenschutzhinweise aktualisiert. Sie finden sie im Katalog.",
                None,
                None,
            )
        ]
        self._add(p, "privacy_info", body, at, cc=self._cc(p, at.date()))

    def reminder(self, p: Person, loan_id: int, due: dt.date, at: dt.datetime) -> None:
        if at > self.w.now:
            return
        body = [
            (
                f"die Leihfrist Ihres Mediums ist am {due:%d.%m.%Y} abgelaufen. Bitte geben Sie es bald zurück.",
                None,
                None,
            )
        ]
        self._add(p, "reminder", body, at, loan_id=loan_id, cc=self._cc(p, due))

    def dunning(self, p: Person, fee_id: int, at: dt.datetime, level: int, amount: Decimal) -> None:
        if at > self.w.now:
            return
        body = [(f"dies ist die {level}. Mahnung. Offener Betrag: {amount:.2f} EUR.", None, None)]
        self._add(p, "dunning", body, at, fee_id=fee_id, cc=self._cc(p, at.date()))

    def hold_ready(self, p: Person, title: str, at: dt.datetime) -> None:
        body = [(f"Ihre Vormerkung „{title}“ liegt sieben Tage für Sie an der Ausleihe bereit.", None, None)]
        self._add(p, "hold_ready", body, at, cc=self._cc(p, at.date()))

    def _people(self, p: Person) -> dict[str, Someone]:
        w = self.w
        people = {"self": w.someone(p), "mate": w.someone(w.rng.choice(w.people))}
        parent = w.parent_of(p)
        if parent is not None:
            people["parent"] = w.someone(parent)
        if p.class_teacher_id:
            people["teacher"] = w.someone(w.people[p.class_teacher_id - 1])
        return people

    def loan_note(self, p: Person, item: int) -> str | None:
        return self.w.notes.write("loan_note", self._people(p), {"item": f"Medium M{item:08d}"}).text or None

    def damage_note(self, p: Person) -> str:
        return self.w.notes.write("damage_note", self._people(p)).text

    def write(self, sink) -> None:  # noqa: ANN001
        self.w.counts["notice"] = sink.insert("notice", NOTICE_COLS, self.rows)
