"""The facts of one request that the letter states: who asked, when, how, and who gets the answer."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

Language = Literal["de", "en"]


class Recipient(msgspec.Struct, frozen=True, kw_only=True):
    """Who the letter is addressed to. Personal data: never logged.

    ``acting_for`` names the child when a parent or guardian asks on the child's behalf.
    """

    name: str
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    #: "frau" | "herr" | None (neutral salutation)
    form: Literal["frau", "herr"] | None = None
    acting_for: str | None = None


class Request(msgspec.Struct, frozen=True, kw_only=True):
    """What the letter says about the request it answers.

    ``channel`` and ``identity_check`` are keys explained in ``letter_templates/wording.toml``
    (e.g. ``portal``, ``card_and_birth_date``); an unknown key is printed as it is.
    """

    case_reference: str
    received_at: dt.datetime
    channel: str
    identity_check: str
    recipient: Recipient
    language: Language = "de"
    #: date printed on the letter; fixed dates give identical bytes for identical input
    letter_date: dt.date = msgspec.field(default_factory=dt.date.today)
