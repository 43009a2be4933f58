"""Quiet dependencies: a library's run must not fill its host's log.

WeasyPrint announces every rendering step and fontTools every font subset at INFO (a few hundred
lines for one answer), so a host that logs at INFO would read little else. Their loggers are set
to WARNING here, where the host has not set them itself: warnings and errors still come through,
and a host that wants the steps sets the level it likes (``logging.getLogger("fontTools")
.setLevel(logging.INFO)``), before or after importing dsr. The root logger is never touched.
"""

from __future__ import annotations

import logging

#: loggers whose INFO lines are progress chatter, not news for the host
CHATTY = ("fontTools", "weasyprint.progress")


def quiet_dependencies() -> None:
    for name in CHATTY:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:  # NOTSET: nobody chose; a level set by the host stays
            logger.setLevel(logging.WARNING)
