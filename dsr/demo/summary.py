"""What a demo contains: per controller its store files, row counts and featured people.

Written to ``DIR/demo.json`` so demos, tests and benchmarks can pick people for each hard case
without querying the stores. The people are fake; listing their names here is fine.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import msgspec


class Featured(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A person picked for a hard case. Role-specific links are in ``related_ids``."""

    role: str
    controller: str
    person_id: int | None = None  #: ``person.id`` in the school database (or customer id at the vendor)
    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: dt.date | None = None
    card_number: str | None = None
    login_name: str | None = None
    email: str | None = None
    phone: str | None = None
    class_name: str | None = None
    #: namesakes: the other namesake; parent_two_children: the children; teacher_guardian_contact: the child;
    #: incident_*: the incident id; customer_contact: the customer id
    related_ids: tuple[int, ...] = ()
    note: str | None = None


class ControllerSummary(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    name: str
    kind: str  #: school | vendor
    land: str
    #: store name → file or folder, relative to the demo folder
    stores: dict[str, str]
    counts: dict[str, int]
    featured: dict[str, Featured]


class DemoSummary(msgspec.Struct, frozen=True, kw_only=True):
    folder: str
    config_file: str
    seed: int
    schools: int
    readers_per_school: int
    loans_per_reader: int
    controllers: dict[str, ControllerSummary]
    log_files: tuple[str, ...] = ()
    #: the demo's reference day: records end at noon that day (None in demo.json files written before it)
    today: dt.date | None = None

    @property
    def config(self) -> Path:
        """The generated ``dsr.toml``."""
        return Path(self.folder) / self.config_file

    def featured(self, controller: str, role: str) -> Featured:
        return self.controllers[controller].featured[role]

    def featured_pupil(self) -> Featured:
        """The typical pupil of the first school: the demo's default requester."""
        first = next(c for c in self.controllers.values() if c.kind == "school")
        return first.featured["pupil"]

    def to_json(self) -> bytes:
        return msgspec.json.format(msgspec.json.encode(self), indent=2)

    @classmethod
    def load(cls, path: str | Path) -> DemoSummary:
        return msgspec.json.decode(Path(path).read_bytes(), type=cls)
