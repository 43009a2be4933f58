"""Which language an officer page speaks: the request headers of each, and German left on an English page."""

from __future__ import annotations

import re
from html import unescape

from dsr.portal.i18n import _texts

GERMAN = {"accept-language": "de-DE,de;q=0.9"}
ENGLISH = {"accept-language": "en-GB,en;q=0.9"}


def visible(html: str) -> str:
    """The page's text as read, without the review contexts and parties (demo data can be German) and
    the language switch (in the other language on purpose)."""
    html = re.sub(r"<(blockquote|dd|title)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<(a|button)\b[^>]*id=\"switch-language\".*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def german_left_in(html: str) -> list[str]:
    """German officer texts (the parts between placeholders, 6+ characters) that an English page shows."""
    shown = visible(html)
    officer = {k: v for k, v in _texts().items() if k.startswith("officer.")}
    english = "\n".join(v["en"] for v in officer.values())  # "English" is German and English
    left = []
    for key, entry in officer.items():
        if entry["de"] == entry["en"] or "%" in entry["de"]:
            continue
        for part in re.split(r"\{[a-z_]+\}", entry["de"]):
            part = part.strip(" ():,.–")
            if len(part) >= 6 and part not in english and part in shown:
                left.append(f"{key}: {part}")
    return left
