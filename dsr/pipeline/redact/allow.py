"""The allow-list: text that is never another person's data in a controller's answers, and the
loose comparison of street addresses shared by the allow-list and the gazetteer."""

from __future__ import annotations

import re
from collections.abc import Iterable

import msgspec

from dsr.pipeline.redact.fold import fold


class AllowList(msgspec.Struct, frozen=True, kw_only=True):
    """Text that is never another person's data in this controller's answers.

    ``terms``: catalogue titles and authors, the controller's own published names, extra
    configured terms; ``emails``/``phones``/``addresses``: the controller's published contacts.
    """

    terms: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()

    @classmethod
    def for_controller(cls, controller: object, catalogue: Iterable[str] = (), extra: Iterable[str] = ()) -> AllowList:
        """The allow-list of a :class:`dsr.config.ControllerSettings`: its published contacts
        (controller, data protection officer, signatory), plus catalogue titles/authors and
        extra terms."""
        emails: list[str] = []
        phones: list[str] = []
        addresses: list[str] = []
        terms: list[str] = [*catalogue, *extra]
        for contact in (controller, getattr(controller, "dpo", None), getattr(controller, "signatory", None)):
            if contact is None:
                continue
            for attr, bucket in (("email", emails), ("phone", phones), ("street", addresses)):
                value = getattr(contact, attr, None)
                if value:
                    bucket.append(value)
            code, city = getattr(contact, "postal_code", None), getattr(contact, "city", None)
            if code and city:
                addresses.append(f"{code} {city}")
            name = getattr(contact, "name", None)
            if name:
                terms.append(name)
        return cls(
            terms=tuple(t for t in terms if t), emails=tuple(emails), phones=tuple(phones), addresses=tuple(addresses)
        )


_SPACES = re.compile(r"[\s,]+")


def address_key(value: str) -> str:
    """A street address or "postcode city" compared loosely: folded, "str." = "straße", no spaces."""
    v = fold(value).replace("strasse", "str.").replace("straße", "str.").replace("str ", "str.")
    return _SPACES.sub("", v)
