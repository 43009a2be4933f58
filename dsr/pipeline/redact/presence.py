"""Which of the costlier rules can find anything in a text at all, told by one pass.

Three rules are tried at many places of every text with a digit although few texts hold what
they need: the local phone number after a cue word ("Tel. 4711"), the street whose name ends in
a street word ("Lindenweg 4", "Berliner Str. 5") and the authority's reference after its cue
word ("Az. 336 Js 12240/26"). Each needs a word that :meth:`str.lower` writes the same however
the text cased it; one Aho-Corasick pass over the lower-cased text for all those words tells
which rules to run (a substring test per word would cost more than the rules it spares).

Why a rule never finds anything the pass rules out:
- the local phone cue: every cue word of :data:`.phones._CUED_LOCAL` holds one of
  :data:`.phones.LOCAL_CUE_PIECES`, a piece without the letters its case-insensitive match also
  reads in other ways ("ſ", "İ", "K");
- the street: a candidate is a street only when its last word lower-cased (with a full stop
  after it: "str.") ends in a street word (:data:`.addresses.STREET_SUFFIXES`), and the lower
  case of a word is a piece of the lower case of the text (``str.lower`` maps each character on
  its own; only "Σ" depends on its neighbours, and no street word has one). Streets led by
  "Am", "An der" … are told by a test of their own (:func:`.addresses.addresses`);
- the reference: its cue words are matched as written in lower case, capitalised, title case or
  in capitals (:data:`.case_numbers.CUE_FORMS`), all of which lower-case to the cue word.
"""

from __future__ import annotations

import ahocorasick

from dsr.pipeline.redact.addresses import STREET_SUFFIXES
from dsr.pipeline.redact.case_numbers import CUE_WORDS
from dsr.pipeline.redact.phones import LOCAL_CUE_PIECES

LOCAL_PHONE = 1  #: a cue word for a short local phone number
STREET = 2  #: a street word at the end of a street's name
CASE_NUMBER = 4  #: a cue word for an authority's reference
_ALL = LOCAL_PHONE | STREET | CASE_NUMBER

_WORDS = ahocorasick.Automaton(ahocorasick.STORE_INTS)
for _pieces, _rule in ((LOCAL_CUE_PIECES, LOCAL_PHONE), (STREET_SUFFIXES, STREET), (CUE_WORDS, CASE_NUMBER)):
    for _piece in _pieces:
        _WORDS.add_word(_piece, _WORDS.get(_piece, 0) | _rule)
_WORDS.make_automaton()


def possible_rules(low: str) -> int:
    """The rules (:data:`LOCAL_PHONE`, :data:`STREET`, :data:`CASE_NUMBER`, or-ed) whose words
    are in ``low``, a text lower-cased with :meth:`str.lower`."""
    rules = 0
    for _, rule in _WORDS.iter(low):
        rules |= rule
        if rules == _ALL:
            break
    return rules
