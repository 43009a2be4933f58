"""Log records of the rendering libraries, without the letter's text.

WeasyPrint, fontTools, pydyf, Pillow, the HTML and CSS parsers and pikepdf see the letter while
they set it, and their messages may quote it: a missing glyph is logged with the character and
its code point, a CSS or HTML problem with the offending text, an exception with whatever its
message says. A name could be read back from the log, and a control character in it (a line
feed) would split one record into several lines that look like others.

:func:`guard_render_logs` installs a log-record factory (not a logger filter: a filter on
``fontTools`` would not see ``fontTools.subset`` or the other child loggers, nor those created
later) that

* rewrites every record of those libraries to a fixed message naming only its *kind* ("missing
  glyph", "css problem", …): the logger name and level stay, the arguments, the exception and the
  stack go (an exception's type name is kept; it is code, not content). The kind is also in
  ``record.dsr_category`` for a host's own filters;
* escapes control and line-separator characters in dsr's own records, so that none spans lines.

Records of every other logger (the host's) are left alone. Installing twice changes nothing.
"""

from __future__ import annotations

import logging
import re
from typing import Any

#: top-level logger names of the libraries that see the letter's text while rendering it
RENDERING_LIBRARIES = frozenset(
    {
        "weasyprint",
        "fontTools",
        "pydyf",
        "PIL",
        "tinyhtml5",
        "html5lib",
        "tinycss2",
        "cssselect2",
        "pyphen",
        "pikepdf",
        "docx",
    }
)

#: (kind, what in the message template shows it), first match wins; judged on the template before
#: the arguments are filled in, and only the kind is ever written
KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("missing glyph", re.compile(r"notdef|glyphs? missing|missing glyph|unsupported by fonts", re.I)),
    ("font problem", re.compile(r"font|subset|glyph|cmap|harfbuzz|\btable\b", re.I)),
    (
        "css problem",
        re.compile(r"css|stylesheet|selector|declaration|@\w|\brule\b|descriptor|counter.style|media|ignored `", re.I),
    ),
    ("image problem", re.compile(r"image|svg|colou?r (profile|space)|bitmap|pixel", re.I)),
    ("link problem", re.compile(r"anchor|\bur[li]\b|href|attachment|fetch", re.I)),
    ("html problem", re.compile(r"html|attribute|\blang\b|<meta|element|parse", re.I)),
)
PROGRESS = "rendering step"
OTHER = "rendering message"
WITHHELD = "{kind}{note} (details withheld: they may quote the letter)"
#: what an operator may want to know beyond the kind, in fixed words
NOTES = {"missing glyph": ": no font has a character, a .notdef box was drawn"}

#: characters that end a line somewhere (str.splitlines, terminals, log viewers) or reorder the
#: text shown: C0/C1 controls, DEL, the Unicode line and paragraph separators, bidi overrides
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def escape_controls(text: str) -> str:
    """``text`` with every control character written as an escape (``\\n``, ``\\x07``, ``\\u2028``)."""
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def kind_of(name: str, template: object) -> str:
    """What a rendering library's record is about, from its logger name and message template."""
    if name.startswith("weasyprint.progress"):
        return PROGRESS
    text = str(template)
    for kind, pattern in KINDS:
        if pattern.search(text):
            return kind
    return OTHER


def is_rendering_library(name: str) -> bool:
    return name.partition(".")[0] in RENDERING_LIBRARIES


def _own(name: str) -> bool:
    return name == "dsr" or name.startswith(("dsr.", "dsr_connectors"))


def _escaped(msg: object, args: Any) -> tuple[object, Any]:
    """dsr's own message with control characters escaped, formatted now only if an argument carries one."""
    if isinstance(msg, str) and _CONTROL.search(msg):
        msg = escape_controls(msg)
    values = args.values() if isinstance(args, dict) else args if isinstance(args, tuple) else ()
    if any(isinstance(v, str) and _CONTROL.search(v) for v in values):
        try:
            return escape_controls(str(msg) % args), ()
        except (TypeError, ValueError, KeyError):
            return escape_controls(f"{msg} (arguments do not fit the message)"), ()
    return msg, args


def guard_render_logs() -> None:
    """Install the record factory (see the module's docstring); idempotent."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "dsr_guards_render_logs", False):
        return

    def record(
        name: str, level: int, fn: str, lno: int, msg: object, args: Any, exc_info: Any, *rest: Any, **kw: Any
    ) -> logging.LogRecord:
        kind = None
        if is_rendering_library(name):
            kind = kind_of(name, msg)
            text = WITHHELD.format(kind=kind, note=NOTES.get(kind, ""))
            if exc_info and isinstance(exc_info, tuple) and exc_info[0] is not None:
                text = f"{text} ({exc_info[0].__name__})"
            msg, args, exc_info = text, (), None
            if len(rest) >= 2:  # (func, sinfo): the stack names the library's frames only, but drop it too
                rest = (rest[0], None, *rest[2:])
            kw.pop("sinfo", None)
        elif _own(name):
            msg, args = _escaped(msg, args)
        made = previous(name, level, fn, lno, msg, args, exc_info, *rest, **kw)
        if kind is not None:
            made.dsr_category = kind
        return made

    record.dsr_guards_render_logs = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(record)
