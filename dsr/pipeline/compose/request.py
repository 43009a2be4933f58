"""The facts of one request that the letter states: who asked, when, how, and who gets the answer."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from zoneinfo import ZoneInfo

import msgspec

from dsr.config import DEFAULT_TIME_ZONE

Language = Literal["de", "en"]
#: how a letter speaks to its reader: "sie" (formal; adults, and young people where the controller
#: says so), "du" (young people 14–17 where the controller says so), "child" (below the age of
#: consent). "du" and "child" letters are in plain language with the legal references in a box
#: for parents and teachers (``<letter>/<language>.plain.html``).
Address = Literal["sie", "du", "child"]
#: how the answer reaches the reader: "electronic" (portal download) or "post" (a paper letter,
#: whose reader cannot open a file embedded in the PDF)
Delivery = Literal["electronic", "post"]


class Recipient(msgspec.Struct, frozen=True, kw_only=True):
    """Who the letter is addressed to. Personal data: never logged.

    ``acting_for`` names the child when the letter goes to a parent or guardian for the child:
    because they asked on the child's behalf, or (``subject_asked``) because the child asked
    herself and is below the age of consent, so the answer goes to her guardian.
    """

    name: str
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    #: "frau" | "herr" | None (neutral salutation)
    form: Literal["frau", "herr"] | None = None
    acting_for: str | None = None
    #: the person ``acting_for`` names made the request themselves (a young pupil who asked alone):
    #: the letter says so, instead of saying the addressee asked
    subject_asked: bool = False
    #: the addressee's date of birth, when the addressee is the subject: a child below the
    #: controller's age of consent gets a letter in child-appropriate language (Art. 12(1))
    date_of_birth: dt.date | None = None

    @property
    def has_postal_address(self) -> bool:
        """Enough for a window envelope: a street and a town."""
        return bool(self.street and self.city)


class Request(msgspec.Struct, frozen=True, kw_only=True):
    """What the letter says about the request it answers.

    ``channel`` and ``identity_check`` are keys explained in ``dsr_letter_templates/wording.toml``
    (e.g. ``portal``, ``email_code``); an unknown key is printed as it is.

    A fact nobody recorded is never invented: ``channel`` / ``identity_check`` None, an empty
    ``case_reference``, or ``received`` "day" (no time) or "unrecorded" (``received_at`` is then
    only a placeholder). The letter says "nicht erfasst" for it and is a draft.
    """

    case_reference: str
    received_at: dt.datetime
    channel: str | None
    identity_check: str | None
    recipient: Recipient
    language: Language = "de"
    #: date printed on the letter; fixed dates give identical bytes for identical input
    letter_date: dt.date = msgspec.field(default_factory=dt.date.today)
    #: how much of the receipt was recorded: "time" (date and time), "day", or "unrecorded"
    received: Literal["time", "day", "unrecorded"] = "time"
    delivery: Delivery = "electronic"
    #: the reader's clock (``[dsr] timezone``, an IANA name: the composed letter is kept encoded):
    #: times in the letter are printed as it showed them
    timezone: str = DEFAULT_TIME_ZONE

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def unrecorded(self) -> tuple[str, ...]:
        """The facts the letter must state but nobody recorded; any of them makes it a draft."""
        missing = {
            "case_reference": not self.case_reference,
            "received": self.received == "unrecorded",
            "channel": not self.channel,
            "identity_check": not self.identity_check,
        }
        return tuple(name for name, absent in missing.items() if absent)
