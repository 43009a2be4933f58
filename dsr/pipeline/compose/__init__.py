"""Composition: gathered (and redacted) records + register + request facts → a finished letter.

letter = compose.disclosure(controller, gathering, request, withheld=..., draft=..., register=...)
letter = compose.notice("extension", controller, request, new_deadline=..., reasons=...)
"""

from dsr.pipeline.compose.disclosure import disclosure
from dsr.pipeline.compose.letter import Activity, Authority, Column, Disclosure, Row, Section, StoreLine, WithheldLine
from dsr.pipeline.compose.notice import KINDS, Kept, Notice, notice
from dsr.pipeline.compose.request import Recipient, Request
from dsr.pipeline.compose.values import RelationshipNames

__all__ = [
    "Activity",
    "Authority",
    "Column",
    "Disclosure",
    "KINDS",
    "Kept",
    "Notice",
    "Recipient",
    "RelationshipNames",
    "Request",
    "Row",
    "Section",
    "StoreLine",
    "WithheldLine",
    "disclosure",
    "notice",
]
