"""Rendering resources: the shipped fonts (with named system fonts as fallbacks for other
scripts, see ``fonts.conf``) and a URL fetcher that serves only the template folder. The
rendering libraries' log records are kept free of the letter's text by
:mod:`dsr.pipeline.render.logs`.

Must be imported before WeasyPrint: fontconfig reads ``FONTCONFIG_FILE`` once, when it starts.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dsr.pipeline.compose.wording import TEMPLATES

FONTS = TEMPLATES / "fonts"
FONTCONFIG = FONTS / "fonts.conf"

# Only the shipped fonts and the few fallbacks fonts.conf names: any other font of the host
# would silently change how letters look (pdf-notes.md).
os.environ["FONTCONFIG_FILE"] = str(FONTCONFIG)

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
