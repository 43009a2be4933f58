"""Codes on the officer pages in words: case states, job kinds and states, stores, audit actions.

Pages show the word only; the code stays in ``data-`` attributes (for tests and scripts), since
officers read words and the API, the CLI and the audit log keep the codes. A code without a text of
its own gets a generic word of its group (``other``) where the group has one, else shows as itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from dsr.config import Settings
from dsr.portal.i18n import Language, keys, text
from dsr.portal.officer.review import ReviewWords


def named(language: Language, group: str, code: str) -> str:
    key = f"{group}.{code}"
    if key in keys():
        return text(language, key)
    # an unknown code (a new store's document, a connector's relation) in its group's word, not raw
    return text(language, f"{group}.other") if f"{group}.other" in keys() else code


def state_name(language: Language, state: str) -> str:
    return named(language, "officer.state", state)


def audit_key(action: str) -> str:
    """``"e-mail verified"`` → ``e_mail_verified`` (texts.toml keys are bare words)."""
    return action.replace(" ", "_").replace("-", "_")


@dataclass(frozen=True)
class Words:
    """What templates call as ``words.state(code)`` etc., in the page's language."""

    language: Language
    settings: Settings
    #: user id → user name of the staff a page names (audit actors are ``user:<id>``)
    staff_names: Mapping[int, str] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        """The local time zone of pages, mails and letters (``[dsr] timezone``)."""
        return self.settings.zone

    def local(self, moment: dt.datetime, *, seconds: bool = False) -> str:
        """A stored (UTC) time as the officer's clock shows it, in ``[dsr] timezone``."""
        aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        fmt = "officer.seconds_format" if seconds else "officer.time_format"
        return aware.astimezone(self.zone).strftime(text(self.language, fmt))

    def date(self, day: dt.date) -> str:
        return day.strftime(text(self.language, "officer.date_format"))

    def staff(self, who: str | int | None) -> str:
        """Who did something, by name: ``user:3``/``3`` → the user name; dsr's own actors in words."""
        if who is None:
            return text(self.language, "officer.actor.system")
        raw = str(who).removeprefix("user:")
        if raw.isdigit():
            return self.staff_names.get(int(raw), text(self.language, "officer.actor.former"))
        return named(self.language, "officer.actor", raw)

    def controller(self, key: str) -> str:
        """A controller by its configured name (``[controllers.X] name``)."""
        return self.settings.controllers[key].name if key in self.settings.controllers else key

    def identifier(self, code: str) -> str:
        """A kind of evidence a candidate was found by (dsr.model.IdentifierKind)."""
        return named(self.language, "officer.identifier", code)

    def document(self, code: str) -> str:
        """A kind of document kept with the case."""
        return named(self.language, "officer.document_kind", code)

    def size(self, size: int) -> str:
        """A file's size as people say it: "812 Bytes", "1,2 MB"."""
        for unit, factor in (("MB", 1_000_000), ("kB", 1_000)):
            if size >= factor:
                number = f"{size / factor:.1f}"
                return f"{number.replace('.', ',') if self.language == 'de' else number} {unit}"
        return text(self.language, "officer.bytes", count=size)

    def media_type(self, media_type: str) -> str:
        """A file type as people know it ("PDF", "JPEG-Bild")."""
        base = media_type.split(";", 1)[0].strip()
        return named(self.language, "officer.media_type", base.replace("/", "_").replace("+", "_").replace(".", "_"))

    def relation(self, code: str) -> str:
        """Why a record concerns the subject (a collection's relation), as the letter says it."""
        from dsr.pipeline.compose.wording import wording

        return wording(self.language).get("relations", code, default=self.field_fallback(code))

    @staticmethod
    def field_fallback(name: str) -> str:
        """A column without a label in the mapping: its name as words ("handled_by" → "handled by")."""
        return name.replace("_", " ").replace("-", " ")

    def collection_fallback(self, name: str) -> str:
        return self.field_fallback(name)

    def request_type(self, code: str) -> str:
        return named(self.language, "officer.request_type", code)

    def state(self, code: str) -> str:
        return state_name(self.language, code)

    def job_kind(self, code: str) -> str:
        return named(self.language, "officer.job_kind", code)

    def job_state(self, code: str) -> str:
        return named(self.language, "officer.job_state", code)

    def check_method(self, code: str) -> str:
        return named(self.language, "officer.check_method", code)

    def evidence(self, code: str) -> str:
        return named(self.language, "officer.evidence", code)

    def delivery(self, code: str) -> str:
        return named(self.language, "officer.delivery", code)

    @property
    def review(self) -> ReviewWords:
        """The redaction review's words (rules, kinds, roles, whose record, local times)."""
        return ReviewWords(self.language, self.settings.zone)

    def progress(self, job_state: str, store_state: str) -> str:
        """A store's state in a job; a store the finished job never needed to ask is "not needed"."""
        return named(self.language, "officer.progress", store_progress(job_state, store_state))

    def store(self, controller: str, store: str) -> str:
        """The store's own word if texts.toml has one, else that of its connector, else its name."""
        if f"officer.store.{store}" in keys():
            return text(self.language, f"officer.store.{store}")
        stores = self.settings.controllers[controller].stores if controller in self.settings.controllers else {}
        connector = str(stores.get(store, {}).get("connector", ""))
        return named(self.language, "officer.connector", connector) if connector else store

    def event(self, action: str, detail: dict[str, Any]) -> str:
        """An audit event's action; a state change says from which state to which."""
        if action == "state changed" and "from" in detail and "to" in detail:
            return text(
                self.language,
                "officer.audit.state_changed_to",
                current=self.state(str(detail["from"])),
                target=self.state(str(detail["to"])),
            )
        if action == "case assigned":
            assignee = detail.get("assignee")
            if assignee is None:
                return text(self.language, "officer.audit.case_unassigned")
            return text(self.language, "officer.audit.case_assigned_to", user=self.staff(assignee))
        said = named(self.language, "officer.audit", audit_key(action))
        if action == "document stored" and isinstance(detail.get("kind"), str):
            return f"{said}: {self.document(detail['kind'])}"
        return said


def store_progress(job_state: str, store_state: str) -> str:
    """``pending`` in a job that ran to its end means it had nothing to do there: ``skipped``
    (a job that gave up may not have reached the store: that stays ``pending``)."""
    if store_state == "pending" and job_state == "done":
        return "skipped"
    return store_state
