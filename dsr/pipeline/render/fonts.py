"""Rendering resources: the shipped fonts (with named system fonts as fallbacks for other
scripts, see ``fonts.conf``), a URL fetcher that serves only the template folder, and log records
of the rendering libraries without the letter's text.

Must be imported before WeasyPrint: fontconfig reads ``FONTCONFIG_FILE`` once, when it starts.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from dsr.pipeline.compose.wording import TEMPLATES

FONTS = TEMPLATES / "fonts"
FONTCONFIG = FONTS / "fonts.conf"

# Only the shipped fonts and the few fallbacks fonts.conf names: any other font of the host
# would silently change how letters look (pdf-notes.md).
os.environ["FONTCONFIG_FILE"] = str(FONTCONFIG)

#: libraries whose log messages can quote the text being set: WeasyPrint names every character
#: no font has ('.notdef glyph rendered for … "王" (U+738B)'), fontTools the glyphs it subsets
QUIET = frozenset({"weasyprint", "fontTools"})
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")


def without_text(msg: object) -> str:
    """A log message template with every argument left out: what happened, never on which text."""
    return _PLACEHOLDER.sub("…", str(msg)).replace("%%", "%")


def _install_log_redaction() -> None:
    # a record factory, not a logger filter: a filter on "fontTools" would not see the records
    # of "fontTools.subset" and the dozens of other child loggers, nor of those created later
    previous = logging.getLogRecordFactory()
    if getattr(previous, "dsr_redacts", False):
        return

    def record(
        name: str, level: int, fn: str, lno: int, msg: object, args: Any, exc_info: Any, *rest: Any, **kw: Any
    ) -> logging.LogRecord:
        if name.partition(".")[0] in QUIET and (args or exc_info):
            msg, args = without_text(msg), ()
            if exc_info and exc_info[0] is not None:
                # the exception's message may quote the text too: its kind is enough
                msg, exc_info = f"{msg} ({exc_info[0].__name__})", None
        return previous(name, level, fn, lno, msg, args, exc_info, *rest, **kw)

    record.dsr_redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(record)


_install_log_redaction()

from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402


class TemplateFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint has no type information
    """Serves files below the template folder; refuses everything else.

    Data inside a letter must never make WeasyPrint read a local file or the network (a
    ``<link rel="attachment" href="file:///etc/passwd">`` would otherwise be embedded).
    """

    def __init__(self, root: Path = TEMPLATES) -> None:
        super().__init__(allowed_protocols=("file",))
        self.root = root.resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError("only files of the letter templates may be used")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ValueError("only files of the letter templates may be used")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".ttf":
            mime = "font/ttf"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})
