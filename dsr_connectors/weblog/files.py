"""The log files of a directory, oldest first, read as blocks of whole lines in constant memory."""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

#: ``access.log``, rotated ``access.log.N`` and compressed ``access.log.N.gz``
_NAME = re.compile(r"access\.log(?:\.(?P<n>\d+))?(?P<gz>\.gz)?")

#: bytes read at a time: large enough that per-call overhead vanishes, small enough for constant memory
CHUNK = 4 * 1024 * 1024
#: a "line" longer than this is garbage (a real request line is a few KiB at most); it is
#: dropped up to its end so that a file without newlines cannot grow the buffer without bound
MAX_LINE = 1024 * 1024


class UnreadableLog(Exception):
    """A file could not be read (permissions, broken gzip). Carries the file name, no log content."""


def log_files(directory: Path) -> list[Path]:
    """The rotated access logs in ``directory``, oldest first (``access.log.9.gz`` … ``access.log``)."""
    found: list[tuple[int, Path]] = []
    for entry in directory.iterdir():
        m = _NAME.fullmatch(entry.name)
        if m and entry.is_file():
            # rotation number: higher is older; the live file counts as 0 and so comes last
            found.append((int(m.group("n") or 0), entry))
    return [p for _, p in sorted(found, key=lambda item: (-item[0], item[1].name))]


def blocks(path: Path, chunk: int = CHUNK) -> Iterator[tuple[bytes, int]]:
    """Yield ``(block, dropped)``: blocks of whole lines, each ending in ``\\n``.

    ``dropped`` counts over-long lines thrown away before the block. A last line without a
    newline is completed with one, so every line of the file is seen exactly once.
    """
    opener = gzip.open if path.name.endswith(".gz") else open
    tail = b""
    dropping = False  # inside an over-long line: discard up to its newline
    try:
        with opener(path, "rb") as f:
            while data := f.read(chunk):
                dropped = 0
                if dropping:
                    nl = data.find(b"\n")
                    if nl == -1:
                        continue
                    data = data[nl + 1 :]
                    dropping = False
                    dropped = 1
                buf = tail + data if tail else data
                cut = buf.rfind(b"\n") + 1
                tail = buf[cut:]
                if len(tail) > MAX_LINE:
                    tail, dropping = b"", True
                if cut or dropped:
                    yield buf[:cut], dropped
            if dropping:
                yield b"", 1
            elif tail:
                yield tail + b"\n", 0
    except (OSError, EOFError, zlib.error) as exc:
        # gzip.BadGzipFile is an OSError; EOFError is a truncated archive
        raise UnreadableLog(f"cannot read log file {path.name}: {type(exc).__name__}") from None
