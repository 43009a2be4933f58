"""Names written with one typo: "Lnea Sommer", "Lena Sommmer", "Lena Somer".

A deletion neighbourhood (symmetric delete) of the known name tokens: every token of
:data:`MIN_LENGTH` or more letters is stored under each spelling with one letter left out. A
word is one edit (a letter left out, added, replaced, or two neighbours swapped) away from a
token when the word itself, or the word with one letter left out, is the token or one of its
stored deletions; :func:`one_edit` confirms it, since two deletions at different places can
also meet words two edits apart.

Looked up only for words next to a known name token or after a cue word, never for every word
of a text: the scan stays in C per character.
"""

from __future__ import annotations

from collections.abc import Mapping

#: names shorter than this have too many one-edit neighbours among ordinary words
MIN_LENGTH = 4
_REMEMBER = 4096


def one_edit(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by exactly one inserted, deleted or replaced letter, or by two
    neighbouring letters swapped."""
    la, lb = len(a), len(b)
    if a == b or abs(la - lb) > 1:
        return False
    i = 0
    n = min(la, lb)
    while i < n and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        return a[i + 1 :] == b[i:]
    return a[i:] == b[i + 1 :]


class Typos:
    """Known name tokens by their one-letter deletions. Build with :meth:`build`."""

    def __init__(self, token_of: Mapping[str, int], deletions: dict[str, tuple[str, ...]]) -> None:
        self._token_of = token_of
        self._deletions = deletions
        # names recur across the texts of a request: remember the last few thousand answers
        self._seen: dict[tuple[str, int], frozenset[str]] = {}

    @classmethod
    def build(cls, token_of: Mapping[str, int]) -> Typos:
        """Index every single-word alphabetic token spelling of :data:`MIN_LENGTH` or more."""
        deletions: dict[str, list[str]] = {}
        for token in token_of:
            if len(token) >= MIN_LENGTH and token.isalpha():
                for i in range(len(token)):
                    deletions.setdefault(token[:i] + token[i + 1 :], []).append(token)
        return cls(token_of, {k: tuple(v) for k, v in deletions.items()})

    def __len__(self) -> int:
        return len(self._deletions)

    def near(self, word: str, min_length: int = MIN_LENGTH) -> frozenset[str]:
        """The token spellings of ``min_length`` or more letters one edit from the folded
        ``word`` (none when ``word`` is a token itself)."""
        known = self._seen.get((word, min_length))
        if known is not None:
            return known
        token_of = self._token_of
        if word in token_of or len(word) < min_length - 1:
            return frozenset()
        found: list[str] = list(self._deletions.get(word, ()))  # a letter left out
        deletions = self._deletions
        for i in range(len(word)):
            d = word[:i] + word[i + 1 :]
            if d in token_of:
                found.append(d)  # a letter added
            found += deletions.get(d, ())  # a letter replaced, two swapped
        out = frozenset(t for t in found if len(t) >= min_length and one_edit(word, t))
        if len(self._seen) >= _REMEMBER:
            self._seen.clear()
        self._seen[(word, min_length)] = out
        return out
