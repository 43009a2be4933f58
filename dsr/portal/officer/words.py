"""Codes on the officer pages in words: case states, job kinds and states, stores, audit actions.

Pages show the word and keep the code beside it (``<code>`` or a ``title``), since officers meet
the codes in the API, the CLI and the audit log. A code without a text shows as itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dsr.config import Settings
from dsr.portal.i18n import Language, keys, text
from dsr.portal.officer.review import ReviewWords


def named(language: Language, group: str, code: str) -> str:
    key = f"{group}.{code}"
    return text(language, key) if key in keys() else code


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
        return ReviewWords(self.language)

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
        return named(self.language, "officer.audit", audit_key(action))


def store_progress(job_state: str, store_state: str) -> str:
    """``pending`` in a job that ran to its end means it had nothing to do there: ``skipped``
    (a job that gave up may not have reached the store: that stays ``pending``)."""
    if store_state == "pending" and job_state == "done":
        return "skipped"
    return store_state
