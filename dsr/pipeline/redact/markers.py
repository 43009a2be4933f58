"""The in-place markers that replace removed text, in the letter's language."""

from __future__ import annotations

from dsr.pipeline.redact.spans import Kind

MARKERS: dict[str, dict[Kind, str]] = {
    "de": {
        Kind.NAME: "[Name entfernt]",
        Kind.EMAIL: "[E-Mail entfernt]",
        Kind.PHONE: "[Telefonnummer entfernt]",
        Kind.IBAN: "[IBAN entfernt]",
        Kind.IP: "[IP-Adresse entfernt]",
        Kind.CARD: "[Ausweisnummer entfernt]",
        Kind.LOGIN: "[Benutzername entfernt]",
        Kind.ADDRESS: "[Adresse entfernt]",
        Kind.REFERENCE: "[Person entfernt]",
        Kind.RECORD: "[Eintrag entfernt]",
        Kind.OTHER: "[entfernt]",
    },
    "en": {
        Kind.NAME: "[name removed]",
        Kind.EMAIL: "[e-mail removed]",
        Kind.PHONE: "[phone number removed]",
        Kind.IBAN: "[IBAN removed]",
        Kind.IP: "[IP address removed]",
        Kind.CARD: "[card number removed]",
        Kind.LOGIN: "[user name removed]",
        Kind.ADDRESS: "[address removed]",
        Kind.REFERENCE: "[person removed]",
        Kind.RECORD: "[entry removed]",
        Kind.OTHER: "[removed]",
    },
}

#: how review.json masks the item under review in its context (the officer looks it up)
ITEM_MASK = "[[?]]"


def marker(kind: Kind, language: str) -> str:
    return MARKERS.get(language, MARKERS["de"])[kind]
