"""The fast scan finds exactly what parsing every line would, wherever the read chunks split the file."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsr_connectors.weblog.line import parse, parse_time
from dsr_connectors.weblog.scan import Needles, Tally, scan

USERS = ["anna", "anna.b", "banna", "-", "Anna", "anna@example.org"]
HOSTS = ["203.0.113.10", "2001:db8::7", "p5b0a12cd.dip0.t-ipconnect.de", "::1"]


@st.composite
def log_lines(draw) -> bytes:
    user = draw(st.sampled_from(USERS))
    host = draw(st.sampled_from(HOSTS))
    offset = draw(st.integers(-12 * 60, 14 * 60)) // 15 * 15
    when = draw(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 1, 1)))
    stamp = when.replace(tzinfo=dt.timezone(dt.timedelta(minutes=offset))).strftime("%d/%b/%Y:%H:%M:%S %z")
    path = draw(st.sampled_from(["/opac/gym/", "/opac/gym/search?q=anna [x]", "/", "/kunden/"]))
    agent = draw(st.text(st.characters(blacklist_characters='"\\\n\r', codec="utf-8"), max_size=30))
    good = f'{host} - {user} [{stamp}] "GET {path} HTTP/1.1" 200 - "-" "{agent}"'.encode()
    kind = draw(st.sampled_from(["good", "good", "good", "truncated", "binary"]))
    if kind == "truncated":
        cut = draw(st.integers(0, len(good) - 1))
        good = good[:cut]
    elif kind == "binary":
        good = draw(st.binary(max_size=60).filter(lambda b: b"\n" not in b))
    return good


def _reference(lines: list[bytes], user: str) -> tuple[list[int], int]:
    """What parsing every line finds: the user's line numbers, and the malformed count."""
    found, malformed = [], 0
    for number, raw in enumerate(lines, 1):
        parsed = parse(raw.decode("utf-8", errors="replace"))
        if parsed is None:
            malformed += 1
        elif parsed.user == user:
            found.append(number)
    return found, malformed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(log_lines(), max_size=40),
    user=st.sampled_from(["anna", "anna.b"]),
    chunk=st.integers(1, 300),
    compressed=st.booleans(),
)
def test_scan_agrees_with_parsing_every_line(
    tmp_path: Path, lines: list[bytes], user: str, chunk: int, compressed: bool
) -> None:
    data = b"".join(x + b"\n" for x in lines)
    path = tmp_path / ("access.log.3.gz" if compressed else "access.log")
    if compressed:
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)
    tally = Tally()
    found = [h.line_number for h in scan(path, Needles(users=(user,)), tally, chunk=chunk) if h.line.user == user]
    expected, malformed = _reference(lines, user)
    assert found == expected
    # the cheap count (lines not ending in '"') misses only damage that happens to end in '"'
    tricky = sum(1 for raw in lines if raw.endswith(b'"') and parse(raw.decode("utf-8", errors="replace")) is None)
    assert malformed - tricky <= tally.malformed <= malformed
    assert tally.lines == len(lines)


@settings(deadline=None)
@given(
    st.datetimes(
        min_value=dt.datetime(1970, 1, 2),
        timezones=st.sampled_from([dt.timezone(dt.timedelta(minutes=m)) for m in (-300, -210, 0, 60, 120, 345, 840)]),
    )
)
def test_time_stamps_round_trip(when: dt.datetime) -> None:
    when = when.replace(microsecond=0)
    assert parse_time(when.strftime("%d/%b/%Y:%H:%M:%S %z")) == when


def test_malformed_time_stamps() -> None:
    for stamp in [
        "32/Oct/2000:13:55:36 -0700",
        "10/Okt/2000:13:55:36 -0700",
        "10/Oct/2000:13:55:36 0700",
        "10/Oct/2000:13:55:36",
        "10/Oct/2000:25:55:36 -0700",
        "10/Oct/2000:13:55:36 +9999",
    ]:
        assert parse_time(stamp) is None
