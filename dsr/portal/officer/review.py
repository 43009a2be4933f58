"""The redaction review in words: what found an item, what it may be, whose record, when decided.

Templates call these as ``words.review.rule(code, kind)`` etc. (``texts.toml [officer.review]``).
A rule, kind or role without a text of its own is described by what it is — never shown as its
code; the code stays in the page's ``title``/``data-`` attributes for the API and the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dsr.config import DEFAULT_ZONE
from dsr.pipeline.compose.wording import pick, wording
from dsr.pipeline.redact.review import Place
from dsr.portal.i18n import Language, keys, text


@dataclass(frozen=True)
class ReviewWords:
    language: Language
    #: the officer pages' clock (``[dsr] timezone``)
    zone: ZoneInfo = DEFAULT_ZONE

    def _t(self, key: str, **values: object) -> str:
        return text(self.language, f"officer.review.{key}", **values)

    def _has(self, key: str) -> bool:
        return f"officer.review.{key}" in keys()

    def kind(self, code: str) -> str:
        """What the item may be: "ein Name", "eine Telefonnummer"."""
        return self._t(f"kind.{code}" if self._has(f"kind.{code}") else "kind.other")

    def rule(self, code: str, kind: str) -> str:
        """Why it was found, in words; a rule without a text of its own by what kind of rule it is."""
        if self._has(f"rule.{code}"):
            return self._t(f"rule.{code}")
        if code.startswith("known-"):
            return self._t("rule_known", what=self.kind(kind))
        if code.startswith("pattern-"):
            return self._t("rule_pattern", what=self.kind(kind))
        return self._t("rule_other", what=self.kind(kind))

    def role(self, code: str) -> str:
        """The role of the known person the item may be; else the letter's word for that role."""
        if self._has(f"role.{code}"):
            return self._t(f"role.{code}")
        return wording(self.language).get("roles", code, default=self._t("role_unknown"))

    def title(self, titles: Mapping[str, str], fallback: str) -> str:
        """A mapping text (collection title, field label) in the page's language."""
        return pick(titles, self.language, fallback)

    def whose(self, place: Place) -> str:
        """Whose record it is: the subject's own, or one that concerns them through a relation."""
        if place.own_record:
            return self._t("own_record")
        if place.via_record is not None:
            via = self.title(place.via_collection_title, str(place.relation))
            return self._t("related_via", collection=via, record=place.via_record)
        return self._t("related", relation=place.relation)

    def covers(self, count: int) -> str:
        return self._t("covers_one") if count == 1 else self._t("covers", count=count)

    def local(self, moment: dt.datetime) -> str:
        """A time as the officer's clock shows it (``[dsr] timezone``)."""
        aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        return aware.astimezone(self.zone).strftime(text(self.language, "officer.time_format"))
