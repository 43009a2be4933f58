"""An authority's reference for a case ("Az. 336 Js 12240/26", "Vorgangsnummer 2025-8152129",
"crime reference number 71/477426/25"). It names a complaint or an investigation, and with it the
other party of an incident: whether the requester may learn it is an officer's decision
(Art. 15(4) GDPR, § 29 BDSG), so a reference is a review item, never printed by default.

Found only after a cue word that says what follows; the number itself is too varied to
recognise alone (court register signs such as "Js" or "Ds" between its parts).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import ahocorasick

from dsr.pipeline.redact.found import Found, Grade
from dsr.pipeline.redact.spans import Kind

# the cue words (lower case; found as written, capitalised or in capitals) with one Aho-Corasick pass (a case-insensitive regex
# alternation would be tried at nearly every letter of the text)
_CUE_WORDS = """
az aktenzeichen geschäftszeichen geschaeftszeichen gz vorgang vorgangs vorgangsnummer vorgangs-nummer
vorgangsnr vorgangs-nr tagebuchnummer tagebuch-nummer tagebuch-nr tgb-nr tgb.-nr tgb.nr anzeigennummer
anzeige-nummer anzeige-nr strafanzeige ermittlungsverfahren bearbeitungsnummer
case_no case_number case_ref case_reference crime_reference crime_ref police_reference police_ref
incident_no incident_number incident_ref report_no report_number reference_no reference_number ref_no
"""
#: the cue words as :meth:`str.lower` writes each of their :data:`CUE_FORMS`
CUE_WORDS = tuple(w.replace("_", " ") for w in _CUE_WORDS.split())
#: the cue words as people write them: as listed, capitalised, in capitals, in title case
CUE_FORMS = frozenset(f for c in CUE_WORDS for f in (c, c.capitalize(), c.upper(), c.title()))
_CUES = ahocorasick.Automaton()
for _written in CUE_FORMS:
    _CUES.add_word(_written, len(_written))
_CUES.make_automaton()
# a part of the number: digits first (letters may follow), or a short register sign before one
_PART = r"\d[0-9A-Za-z]*(?:[/.-][0-9A-Za-z]+)*"
# what follows the cue: "Nr."/"no." and a colon, then the number
_AFTER_CUE = re.compile(
    r"\.?(?:\s*(?i:nr|no)\.?)?\s*[:#]?\s*"
    rf"(?P<number>(?:[A-Z]{{1,4}}[-/ ]?)?{_PART}(?: (?:[A-Z][A-Za-z]{{0,3}} )?{_PART})*)"
)


def case_numbers(text: str) -> Iterator[Found]:
    """Authority references after their cue words; the value is the number without spaces."""
    n = len(text)
    for last, length in _CUES.iter(text):
        start, end = last + 1 - length, last + 1
        if (start and text[start - 1].isalnum()) or (end < n and text[end].isalpha()):
            continue  # inside a word ("Plaza", "Vorgangsweise")
        m = _AFTER_CUE.match(text, end)
        if m is None:
            continue
        number = m.group("number")
        if sum(c.isdigit() for c in number) < 3:
            continue  # "Vorgang 2": a count, not a reference
        yield Found(m.start("number"), m.end("number"), Kind.OTHER, re.sub(r"\s", "", number).upper(), Grade.CUED)
