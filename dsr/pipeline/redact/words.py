"""Words that look like names: pronouns, abbreviations, and names that are also ordinary words.

The word lists are data (``words.toml``, per language); the context rules are here. A known
surname or first name that is also a German noun (König, Wolf, Koch, Ernst, Mark, Roman …) is a
name only in name position — after a title or cue word, next to another name, at the start of
a sentence or list item; after an article, a number or another word it is the noun. English has
the opposite habit: a capitalised word inside a sentence is a name, so such words (Will, May,
Hope, Grace …) are ordinary words only at the start of a sentence, after an article or a
number, and months after "in", "on", "since" ….

Only hits the gazetteer already made pass through here: the rules cost nothing per character.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources

from dsr.pipeline.redact.fold import fold, fold_word


def _load() -> dict[str, dict[str, str]]:
    with resources.files(__package__).joinpath("words.toml").open("rb") as f:
        return tomllib.load(f)


_DATA = _load()


def _folded(section: str, *languages: str) -> frozenset[str]:
    return frozenset(fold(w) for lang in languages for w in _DATA[section].get(lang, "").split())


#: written capitalised, never a name ("für Sie", "mit Ihnen", "Du"); compared as written
NEVER = frozenset(w for lang in ("de", "en") for w in _DATA["never"][lang].split())
#: folded words that, followed by a full stop, abbreviate something ("Hr.", "Nr.", "Mediennr.")
ABBREVIATIONS = _folded("abbreviations", "de", "en")
#: folded German nouns that are also names
NOUNS_DE = _folded("nouns", "de")
#: folded German and English words that are also names, capitalised only at a sentence's start
WORDS = _folded("words", "de", "en")
_WORDS_DE, _WORDS_EN = _folded("words", "de"), _folded("words", "en")
_MONTHS_EN = _folded("words", "months")
#: folded words after which a capitalised word is a noun ("der", "im", "the")
DETERMINERS = _folded("determiners", "de", "en")
HOMONYMS = NOUNS_DE | WORDS
#: folded articles, prepositions, conjunctions: never a first name
FUNCTION_WORDS = DETERMINERS | _folded("prepositions", "de", "en")

_SENTENCE = frozenset(".!?:\n\r\t•*")  # a sentence or a list item starts after these
_BOUNDARY = frozenset(";,()[]{}\"„“”«»‚‘’'/–—-") | _SENTENCE
_MONTH_CUES = frozenset("in on since until till by from of early late mid next last".split())
_CONJUNCTIONS = frozenset("und oder sowie and or & bzw".split())
# English and German function words, to tell the language of the words around a name
_ENGLISH = frozenset(
    """the and with from was is to of my your you has have had said it for by at are we they she he this that
    were would could should can been be our their his her me please thanks hello dear regards""".split()
)
_GERMAN = frozenset(
    """der die das und mit von für ist war hat ein eine einen nicht zu bei den dem sich auch im ich sie wir es
    sind wird wurde bitte danke hallo liebe grüße""".split()
)
_NON_WORD = re.compile(r"\W+")
_AROUND = 160  # characters either side that tell the language


def never_name(word: str) -> bool:
    """A pronoun of address or the like, as written ("Sie", "Ihnen", "Du")."""
    return word in NEVER


def abbreviation(text: str, start: int, end: int, known_name: bool = False) -> bool:
    """Whether ``text[start:end]`` is an abbreviation: followed by a full stop, and a listed one
    ("Hr.", "Nr.", "Tel."), a number's label ("Mediennr."), or followed by a number or a
    lower-case word ("Max. 3 Bücher"). A listed word that is also somebody's name ("Max")
    counts only by what follows it: "mit Max." ends a sentence."""
    if text[end : end + 1] != ".":
        return False
    word = fold_word(text[start:end])
    if word.endswith("nr") or (word in ABBREVIATIONS and not known_name):
        return True
    i = end + 1
    while i < len(text) and text[i] == " ":
        i += 1
    return i < len(text) and i > end + 1 and (text[i].isdigit() or text[i].islower())


class Before:
    """What stands right before a word: the start of a sentence, other punctuation, a number,
    or a word."""

    __slots__ = ("boundary", "sentence", "number", "word", "start")

    def __init__(self, boundary: bool, number: bool, word: str, start: int, sentence: bool = False) -> None:
        self.boundary = boundary  #: punctuation or the start of the text
        self.sentence = sentence  #: the start of a text, a sentence or a list item
        self.number = number
        self.word = word  #: folded
        self.start = start


def before(text: str, start: int) -> Before:
    """The context to the left of ``text[start:]`` (one word, skipping spaces)."""
    i = start - 1
    while i >= 0 and text[i] == " ":
        i -= 1
    if i < 0:
        return Before(True, False, "", 0, sentence=True)
    c = text[i]
    if c.isdigit() or (c == "." and i > 0 and text[i - 1].isdigit()):
        return Before(False, True, "", i)  # "5 Mark", "am 12. Mai"
    if c in _BOUNDARY or not c.isalnum():
        return Before(True, False, "", i, sentence=c in _SENTENCE or (i < start - 1 and text[i + 1] == "\n"))
    j = i
    while j > 0 and (text[j - 1].isalnum() or text[j - 1] in "-'"):
        j -= 1
    return Before(False, False, fold_word(text[j : i + 1]), j)


def conjunction(word: str) -> bool:
    return word in _CONJUNCTIONS


def looks_english(text: str, at: int) -> bool:
    """More English than German function words around ``text[at]`` (asked only for the few
    names that are also words, and unknown words after a preposition)."""
    words = _NON_WORD.split(text[max(0, at - _AROUND) : at + _AROUND].lower())
    return sum(map(_ENGLISH.__contains__, words)) > sum(map(_GERMAN.__contains__, words))


def homonym_is_name(text: str, start: int, folded: str, at: Before) -> bool:
    """Whether the known name ``folded`` (also an ordinary word, :data:`HOMONYMS`), written
    capitalised at ``text[start:]`` with ``at`` before it and no other name next to it, is
    a name here."""
    if at.number or at.word in DETERMINERS:
        return False
    if at.sentence:
        # a German noun seldom starts a sentence without an article ("Rose hat angerufen"); other
        # words do ("Klein, aber fein", "Will you …", "Rose petals were pressed")
        if folded in WORDS:
            return folded not in (_WORDS_EN if looks_english(text, start) else _WORDS_DE)
        return True
    if folded in _MONTHS_EN and at.word in _MONTH_CUES:
        return False
    if folded in NOUNS_DE:
        return looks_english(text, start)  # inside a German sentence it is the noun: "(Bruder)", "im Keller"
    return True
