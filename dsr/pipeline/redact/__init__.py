"""Redaction stage: remove other people's data from a subject's records (Art. 15(4) GDPR).

Layers: structure (column classification) → gazetteer of known people → validated patterns →
allow-lists → tiers (redact / review / keep) → officers' decisions → decision log.
See docs/redaction.md.
"""

from dsr.pipeline.redact.decisions import REASONS, Action, Decision, LogEntry, dump_decisions, load_decisions
from dsr.pipeline.redact.gazetteer import AllowList, Gazetteer, GazetteerCache, people_fingerprint
from dsr.pipeline.redact.index import PeopleIndex
from dsr.pipeline.redact.markers import MARKERS
from dsr.pipeline.redact.review import ReviewItem, review_json
from dsr.pipeline.redact.spans import Hit, Kind, Tier
from dsr.pipeline.redact.stage import RedactionResult, redact
from dsr.pipeline.redact.tiers import NameSuggester, find

__all__ = [
    "Action",
    "AllowList",
    "Decision",
    "Gazetteer",
    "GazetteerCache",
    "Hit",
    "Kind",
    "LogEntry",
    "MARKERS",
    "NameSuggester",
    "PeopleIndex",
    "REASONS",
    "RedactionResult",
    "ReviewItem",
    "Tier",
    "dump_decisions",
    "find",
    "load_decisions",
    "people_fingerprint",
    "redact",
    "review_json",
]
