"""Structured redaction: what a field's classification alone decides.

- a REFERENCE to another person prints as the role label of its FieldSpec (the renderer's
  job), so its value — a key or a name like ``fee.payer_name`` — is replaced by ``True``
  here: "someone in that role is recorded", without who;
- a SECRET (password hash) never prints: replaced by ``True``, its existence stays visible;
- OWN and SYSTEM values pass unchanged; FREE_TEXT goes to text redaction.

Rows that belong to other people (the readers ahead in a reservation queue) reach this stage
only as the subject's own row with what concerns them (their queue position): connectors
yield them that way, and every reference that remains in them is blanked here.
"""

from __future__ import annotations

import msgspec

from dsr.model import Classification, Field
from dsr.pipeline.redact.spans import Kind


def structured(field: Field) -> tuple[Field, Kind | None]:
    """The field as it may be disclosed, and the kind of what was withheld (None: nothing)."""
    c = field.classification
    if c is Classification.REFERENCE and not field.is_subject and field.value is not None:
        return msgspec.structs.replace(field, value=True), Kind.REFERENCE
    if c is Classification.SECRET and field.value is not None:
        # withheld for security, not for another person's sake: no Art. 15(4) count
        return msgspec.structs.replace(field, value=True), None
    return field, None
