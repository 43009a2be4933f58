"""A labelled development corpus for redaction: generated people, and German and English notes,
reviews, e-mails with signatures, payment notes, security-incident notes and log lines, with
ground-truth spans of the requesters' own data and of third-party data. Used by
``benchmarks/redaction_quality.py`` and by tests; never by the pipeline itself.

Generated, not collected: every person is invented (faker name lists). The templates vary the
way people write — phone numbers of five countries in every notation, IPv4/IPv6 with ports and
zones, house numbers and street names of every shape, names in other orders, lower case,
transliterated, misspelt, URL-encoded; families sharing a surname; surnames that are ordinary
words — and surround them with sentences built to tempt a rule. Each variety is labelled (see
:class:`Span`), so a report can say which one fails. A separate, unseen corpus checks the rules,
so nothing here is a rule's test case.

Modules: :mod:`.labels` (the data), :mod:`.people`, :mod:`.names`, :mod:`.numbers`,
:mod:`.places` (who and what is written), :mod:`.mentions` (how a mention is written and
labelled), :mod:`.templates` and :mod:`.noise` (the sentences), :mod:`.writer` (filling
them), :mod:`.generate` (the corpus).
"""

from dsr.demo.redaction_corpus.generate import generate
from dsr.demo.redaction_corpus.labels import KINDS, Corpus, Doc, Span
from dsr.demo.redaction_corpus.people import Household, Person, Population, known, subject_of
from dsr.demo.redaction_corpus.templates import BOOKS

__all__ = [
    "BOOKS",
    "KINDS",
    "Corpus",
    "Doc",
    "Household",
    "Person",
    "Population",
    "Span",
    "generate",
    "known",
    "subject_of",
]
