"""A request path or referer as a person reads it — and as the redaction must read it.

``/opac/gym/search?q=Lena+Sommer`` names Lena Sommer as plainly as the search log does, but only
once ``+`` and ``%xx`` are decoded. Each part is decoded on its own, so the structure stays: a
``%2F`` inside a segment or a ``%26`` inside a query value is shown escaped again, never as a
``/`` or ``&`` that was not there. Control characters (``%0A``) stay escaped: a decoded line
break must not start a line of its own in the letter.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

#: ``scheme://host`` of an absolute URL (a referer); a request path has none
_ORIGIN = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")
#: what would read as structure, or as an escape, if shown decoded inside one part
_PATH_DELIMITERS = "/?#"
_QUERY_DELIMITERS = "&=#;"
#: a percent sign that would read as an escape
_ESCAPE_LIKE = re.compile(r"%(?=[0-9A-Fa-f]{2})")


def readable(url: str) -> str:
    """``url`` with every path segment, query key and value and the fragment decoded."""
    origin = ""
    if m := _ORIGIN.match(url):
        origin, url = m.group(0), url[m.end() :]
    url, hash_, fragment = url.partition("#")
    path, question, query = url.partition("?")
    out = [origin, "/".join(_part(s, _PATH_DELIMITERS) for s in path.split("/"))]
    if question:
        out += ["?", _query(query)]
    if hash_:
        out += ["#", _part(fragment, "#")]
    return "".join(out)


def _query(query: str) -> str:
    pairs = []
    for pair in query.split("&"):
        key, equals, value = pair.partition("=")
        pairs.append(_part(key, _QUERY_DELIMITERS) + equals + _part(value, _QUERY_DELIMITERS))
    return "&".join(pairs)


def _part(raw: str, delimiters: str) -> str:
    """One part decoded; kept as it was when it is no valid UTF-8 (then it was not text)."""
    if "%" not in raw and "+" not in raw:
        return raw
    try:
        text = unquote(raw.replace("+", " "), errors="strict")
    except UnicodeDecodeError:
        return raw
    text = _ESCAPE_LIKE.sub("%25", text)
    return "".join(_escaped(c) if c in delimiters or _control(c) else c for c in text)


def _control(c: str) -> bool:
    return ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0


def _escaped(c: str) -> str:
    return "".join(f"%{b:02X}" for b in c.encode("utf-8"))
