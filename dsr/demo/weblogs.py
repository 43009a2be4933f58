"""Web server logs in combined format, one file per day, rotated like logrotate does it.

``access.log`` is the newest day, ``access.log.1`` the day before, ``access.log.2.gz`` and
older are gzip-compressed (with a fixed mtime, so the bytes are the same for a seed).
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import random
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0",
    "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
)
BOTS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "zgrab/0.x",
    "python-requests/2.31.0",
)


@dataclass(frozen=True, slots=True)
class WebEvent:
    at: dt.datetime  #: local wall-clock time (Europe/Berlin), naive, as stored in the school database
    host: str  #: IP address or resolved host name
    user: str  #: login name, customer e-mail, or "-"
    method: str
    path: str
    status: int
    size: int
    referer: str = "-"
    agent: str = AGENTS[0]


def format_line(e: WebEvent) -> str:
    local = e.at.replace(tzinfo=BERLIN)
    offset = local.strftime("%z")
    stamp = f"{local.day:02d}/{MONTHS[local.month - 1]}/{local.year}:{local:%H:%M:%S} {offset}"
    return f'{e.host} - {e.user} [{stamp}] "{e.method} {e.path} HTTP/1.1" {e.status} {e.size} "{e.referer}" "{e.agent}"'


def noise(rng: random.Random, day: dt.date, site_host: str) -> list[WebEvent]:
    """Scanners and crawlers that every public server sees."""
    out = []
    for _ in range(rng.randint(3, 8)):
        at = dt.datetime.combine(day, dt.time(rng.randrange(24), rng.randrange(60), rng.randrange(60)))
        ip = f"203.0.113.{rng.randrange(1, 255)}"
        path = rng.choice(("/wp-login.php", "/.env", "/robots.txt", "/produkte/", "/opac/../../etc/passwd", "/"))
        out.append(
            WebEvent(
                at,
                ip,
                "-",
                "GET",
                path,
                404 if "." in path[1:] else 200,
                rng.randrange(200, 5000),
                "-",
                rng.choice(BOTS),
            )
        )
    return out


def write_logs(
    folder: Path,
    events: list[WebEvent],
    *,
    first_day: dt.date,
    last_day: dt.date,
    seed: int,
    until: dt.datetime | None = None,
) -> list[Path]:
    """One file per day from ``first_day`` to ``last_day``; malformed lines mixed in. Returns the files.

    With ``until`` (the demo's "now") no line is later than it: today's file ends there.
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    by_day: dict[dt.date, list[WebEvent]] = {}
    for e in events:
        by_day.setdefault(e.at.date(), []).append(e)
    files = []
    day, n = last_day, 0
    while day >= first_day:
        todays = sorted(by_day.get(day, []) + noise(rng, day, "www"), key=lambda e: (e.at, e.host, e.path))
        todays = [e for e in todays if until is None or e.at <= until]
        buf = io.BytesIO()
        for e in todays:
            line = format_line(e).encode()
            r = rng.random()
            if r < 0.002:  # a write cut off mid-line
                buf.write(line[: rng.randrange(10, len(line) - 5)] + b"\n")
            buf.write(line + b"\n")
        for _ in range(rng.randint(1, 2)):  # a TLS handshake sent to the plain HTTP port
            buf.write(
                b"203.0.113.66 - - ["
                + format_line(WebEvent(dt.datetime.combine(day, dt.time(3, 14, 15)), "x", "-", "GET", "/", 400, 0))
                .split("[", 1)[1]
                .split("]", 1)[0]
                .encode()
                + b'] "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\xa7\x9e" 400 0 "-" "-"\n'
            )
        name = "access.log" if n == 0 else f"access.log.{n}" if n == 1 else f"access.log.{n}.gz"
        path = folder / name
        data = buf.getvalue()
        if n >= 2:
            with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                gz.write(data)
        else:
            path.write_bytes(data)
        files.append(path)
        day -= dt.timedelta(days=1)
        n += 1
    return files
