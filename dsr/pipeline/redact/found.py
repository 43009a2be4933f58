"""What a validated pattern finds (:mod:`.patterns`, :mod:`.phones`, :mod:`.ips`,
:mod:`.addresses`): a span, its kind, its normalised value, and how sure the pattern is."""

from __future__ import annotations

import enum
from typing import NamedTuple

from dsr.pipeline.redact.spans import Kind


class Grade(enum.Enum):
    """How sure a pattern is that it found an identifier of *somebody*."""

    VALID = "valid"  #: validated (checksum, numbering plan, syntax): another person's unless known otherwise
    CUED = "cued"  #: only the words before it say what it is ("Tel. 4711"): an officer decides
    INERT = "inert"  #: identifies nobody unless it is a known person's ("127.0.0.1", "::", "1::2")


class Found(NamedTuple):
    start: int
    end: int
    kind: Kind
    value: str  #: normalised: e-mail lower-cased, phone E.164, IBAN compact, IP canonical
    grade: Grade = Grade.VALID
    #: an address as (street, "postcode town"), either may be empty: judged as one address
    parts: tuple[str, str] = ("", "")
