"""A browser's self-description (its user-agent string) as a person says it: "Firefox 128 unter
Windows", "Safari 17 on iOS 17".

The letter prints this short form (columns of kind ``user_agent``); the JSON and CSV copies keep
the string as stored. Only the common browsers and systems are recognised; anything else is the
stored string, shortened to :data:`LONGEST` characters.
"""

from __future__ import annotations

import re

#: an unrecognised string is cut to this many characters (with "…")
LONGEST = 40

# Order matters: Edge, Opera and Samsung Internet also call themselves Chrome and Safari;
# Chrome also calls itself Safari.
_BROWSERS = (
    ("Edge", re.compile(r"\b(?:Edg|EdgA|EdgiOS|Edge)/(\d+)")),
    ("Opera", re.compile(r"\b(?:OPR|Opera)/(\d+)")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/(\d+)")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"\b(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"\bVersion/(\d+)[.\d]*(?: Mobile/\w+)? Safari/")),
    ("Internet Explorer", re.compile(r"\b(?:MSIE (\d+)|Trident/.*rv:(\d+))")),
)
# programs that fetch pages without a person at a browser
_TOOLS = re.compile(r"^(curl|Wget|python-requests|Go-http-client|okhttp|PostmanRuntime)/(\d+(?:\.\d+)?)", re.I)

_SYSTEMS = (
    ("iPadOS", re.compile(r"\biPad\b.*? OS (\d+)_")),
    ("iOS", re.compile(r"\biPhone OS (\d+)_|\biPhone\b.*? OS (\d+)_")),
    ("Android", re.compile(r"\bAndroid (\d+)")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("macOS", re.compile(r"\bMac OS X\b")),
    ("Linux", re.compile(r"\bLinux\b|\bX11\b")),
)

_ON = {"de": "unter", "en": "on"}


def browser_text(agent: str, language: str = "de") -> str:
    """The short form of a user-agent string, in ``language`` (de, en)."""
    agent = " ".join(agent.split())
    tool = _TOOLS.match(agent)
    if tool:
        return f"{tool.group(1)} {tool.group(2)}"
    browser = _first(_BROWSERS, agent)
    system = _first(_SYSTEMS, agent)
    if browser and system:
        return f"{browser} {_ON.get(language, 'on')} {system}"
    if browser or system:
        return browser or system
    return shortened(agent)


def shortened(text: str, longest: int = LONGEST) -> str:
    """``text`` cut after a word to at most ``longest`` characters, "…" marking the cut."""
    if len(text) <= longest:
        return text
    cut = text[: longest - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > longest // 2 else cut).rstrip(" ;,(") + "…"


def _first(patterns: tuple[tuple[str, re.Pattern[str]], ...], agent: str) -> str:
    for name, pattern in patterns:
        found = pattern.search(agent)
        if found:
            version = next((g for g in found.groups() if g), "")
            return f"{name} {version}" if version else name
    return ""
