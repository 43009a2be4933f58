"""Finding one person's lines in gigabytes of log without parsing every line.

A plain byte search (``bytes.find`` runs at memory speed) for the person's login or e-mail as
the ``user`` field (`` anna [``) or for an address at the start of a line picks the few
candidate lines; only those are decoded and parsed. Malformed lines are counted for the whole
file cheaply: a complete combined-format line ends in the closing quote of its user agent, so
every line not ending in ``"`` is malformed; a candidate that ends in ``"`` but does not parse is
counted too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dsr_connectors.weblog.files import CHUNK, blocks
from dsr_connectors.weblog.line import LogLine, parse


@dataclass(frozen=True)
class Needles:
    """What to look for: users (login names or e-mails) and client addresses, as log text."""

    users: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    #: compare users without regard to case (e-mail addresses)
    casefold: bool = False

    def __bool__(self) -> bool:
        return bool(self.users or self.addresses)

    def user_patterns(self) -> list[bytes]:
        users = (u.lower() if self.casefold else u for u in self.users)
        return sorted({b" " + u.encode("utf-8") + b" [" for u in users})

    def address_patterns(self) -> list[bytes]:
        return [a.encode("ascii", "replace") + b" " for a in self.addresses]


@dataclass(frozen=True, slots=True)
class Hit:
    file: str
    line_number: int  #: 1-based, as an editor shows it
    line: LogLine


@dataclass
class Tally:
    """Counts of one scan, filled while hits are yielded."""

    lines: int = 0
    malformed: int = 0
    bytes: int = 0
    files: list[str] = field(default_factory=list)


def scan(path: Path, needles: Needles, tally: Tally, chunk: int = CHUNK) -> Iterator[Hit]:
    """Parsed candidate lines of one file: the ``user`` field or the address matches a needle.

    Candidates are only *candidates*: the caller checks the parsed fields (exact user, scope).
    Raises :class:`~dsr_connectors.weblog.files.UnreadableLog`.
    """
    users = needles.user_patterns()
    addresses = needles.address_patterns()
    tally.files.append(path.name)
    line_number = 0  # lines before the current block
    for block, dropped in blocks(path, chunk):
        tally.malformed += dropped
        line_number += dropped
        tally.bytes += len(block)
        count = block.count(b"\n")
        tally.lines += count + dropped
        tally.malformed += count - block.count(b'"\n')
        starts = _candidate_starts(block, users, addresses, needles.casefold)
        seen, before = 0, line_number
        for start in starts:
            before += block.count(b"\n", seen, start)
            seen = start
            end = block.index(b"\n", start)
            raw = block[start:end]
            if not raw.endswith(b'"'):
                continue  # already counted as malformed
            line = parse(raw.decode("utf-8", errors="replace"))
            if line is None:
                tally.malformed += 1
                continue
            yield Hit(path.name, before + 1, line)
        line_number += count


def _candidate_starts(block: bytes, users: list[bytes], addresses: list[bytes], casefold: bool) -> list[int]:
    """Offsets of the starts of lines that contain a user pattern or begin with an address."""
    starts: set[int] = set()
    if users:
        hay = block.lower() if casefold else block
        for pattern in users:
            pos = hay.find(pattern)
            while pos != -1:
                starts.add(hay.rfind(b"\n", 0, pos) + 1)
                pos = hay.find(pattern, pos + len(pattern))
    for pattern in addresses:
        if block.startswith(pattern):
            starts.add(0)
        pattern = b"\n" + pattern
        pos = block.find(pattern)
        while pos != -1:
            starts.add(pos + 1)
            pos = block.find(pattern, pos + len(pattern))
    return sorted(starts)
