"""The combined-format web-server log connector (``connector = "weblog"``).

- ``connector``: :class:`WebLogConnector`: settings, attribution, records;
- ``scan``: finding one person's lines fast (byte search first, parse only candidates);
- ``files``: the rotated files of a directory, streamed in constant memory;
- ``line``: one combined-format line, parsed;
- ``specs``: how log lines are explained in the letter.
"""

from dsr_connectors.weblog.connector import WebLogConnector

__all__ = ["WebLogConnector"]
