"""Request paths and referers are free text: decoded to be read (and redacted), structure kept.

The oracle for decoding is the standard library's ``unquote`` applied to each part the URL was
built from, never :func:`readable` itself.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsr.model import Classification, Descriptor, Identifier, IdentifierKind, Subject
from dsr.pipeline.gather import gather
from dsr.pipeline.identify import confirm, resolve
from dsr.pipeline.redact import AllowList, Gazetteer, redact
from dsr.testing import FakeConnector, FakePerson
from dsr_connectors.weblog import WebLogConnector
from dsr_connectors.weblog.url import readable

# any text, often with delimiters, escape-like "%xx", pluses, spaces, non-ASCII and control characters
TOKENS = ("%2F", "%41", "%zz", "%", "/", "?", "#", "&", "=", ";", "+", " ", "\n", "ü", "\u0085")
TEXT = st.lists(
    st.one_of(st.characters(codec="utf-8", exclude_categories=("Cs",)), st.sampled_from(TOKENS)), max_size=10
).map("".join)


def _parts(shown: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Path segments and query pairs of a readable URL, split on its structure characters."""
    path, _, query = shown.partition("?")
    pairs = [tuple(p.split("=", 1)) if "=" in p else (p, "") for p in query.split("&")] if query else []
    return path.split("/"), pairs  # type: ignore[return-value]


@given(segments=st.lists(TEXT, min_size=1, max_size=4), pairs=st.lists(st.tuples(TEXT, TEXT), max_size=4))
def test_each_part_decodes_to_what_was_encoded_and_the_structure_stays(
    segments: list[str], pairs: list[tuple[str, str]]
) -> None:
    url = "/" + "/".join(quote(s, safe="") for s in segments)
    if pairs:
        url += "?" + "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in pairs)
    shown = readable(url)
    shown_segments, shown_pairs = _parts(shown)
    assert len(shown_segments) == 1 + len(segments)
    assert [unquote(s) for s in shown_segments[1:]] == segments
    assert len(shown_pairs) == len(pairs)
    assert [(unquote(k), unquote(v)) for k, v in shown_pairs] == pairs
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", shown)  # no decoded line break or control character


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("/opac/gym/search?q=Lena+Sommer", "/opac/gym/search?q=Lena Sommer"),
        ("/opac/gym/search?q=J%C3%BCrgen+M%C3%BCller&page=2", "/opac/gym/search?q=Jürgen Müller&page=2"),
        ("/opac/gym/autor/M%C3%BCller%2C%20Anna", "/opac/gym/autor/Müller, Anna"),
        # an encoded delimiter stays escaped: no segment or parameter appears that was not there
        ("/a%2Fb/c?x=1%262&y=%3D", "/a%2Fb/c?x=1%262&y=%3D"),
        ("/search?q=C%2B%2B+lernen", "/search?q=C++ lernen"),
        ("/search?q=100%25", "/search?q=100%"),
        ("/search?q=%2541", "/search?q=%2541"),  # a literal "%41" stays readable as itself
        ("/x?q=a%0Ab", "/x?q=a%0Ab"),  # a line break is never decoded into the letter
        ("/x?q=%FF%FE", "/x?q=%FF%FE"),  # not UTF-8: not text, kept as it was
        ("https://www.example.org/s?q=Anna+M%C3%BCller#top", "https://www.example.org/s?q=Anna Müller#top"),
        ("/plain/path", "/plain/path"),
        ("", ""),
    ],
)
def test_examples(raw: str, shown: str) -> None:
    assert readable(raw) == shown


# ------------------------------------------------------------------ connector and redaction

T = dt.datetime(2026, 3, 2, 9, 15, tzinfo=dt.timezone(dt.timedelta(hours=1)))
LENA = FakePerson(key="2", first_name="Lena", last_name="Sommer", login="lena.s")
ANNA = FakePerson(key="1", first_name="Anna", last_name="Krüger", card="L0000001", login="anna.k")


def _line(path: str, referer: str = "-") -> str:
    stamp = T.strftime("%d/%b/%Y:%H:%M:%S %z")
    return f'203.0.113.10 - anna.k [{stamp}] "GET {path} HTTP/1.1" 200 512 "{referer}" "Firefox"'


def test_a_name_searched_for_is_redacted_in_path_and_referer(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "access.log").write_text(
        "\n".join(
            [
                _line("/opac/gym/search?q=Lena+Sommer&page=1"),
                _line("/opac/gym/medium/17", "https://gym.example/opac/gym/search?q=Lena%20Sommer"),
                _line("/opac/gym/search?q=Anna+Kr%C3%BCger"),  # her own name stays
            ]
        )
        + "\n"
    )
    school = FakeConnector("school", people=[ANNA, LENA])
    log = WebLogConnector("log", logs, "catalogue", tenant_key="gym")
    resolution = resolve("gym", [school], Descriptor(card_number="L0000001"))
    subject = confirm("gym", resolution.candidates, resolution.candidates[0].reference)
    gathering = gather(subject, [school, log])
    lines = [r for r in gathering.records if r.store == "log"]
    assert {f.classification for r in lines for f in r.fields if f.name in ("path", "referer")} == {
        Classification.FREE_TEXT
    }
    redacted = redact(gathering, Gazetteer.build(school.people(), gathering.subject, allow=AllowList()), secret=b"k")
    shown = [(r.value("path"), r.value("referer")) for r in redacted.gathering.records if r.store == "log"]
    assert shown == [
        ("/opac/gym/search?q=[Name entfernt]&page=1", None),
        ("/opac/gym/medium/17", "https://gym.example/opac/gym/search?q=[Name entfernt]"),
        ("/opac/gym/search?q=Anna Krüger", None),
    ]
    assert not any("Sommer" in str(v) for pair in shown for v in pair)


def test_the_scope_is_judged_on_the_path_as_logged(tmp_path: Path) -> None:
    """Decoding is for reading: "/opac/gym%2F../other" is not the school's catalogue."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "access.log").write_text(_line("/opac/gym%2F..%2Fother/x") + "\n" + _line("/opac/gym/a%2Fb") + "\n")
    log = WebLogConnector("log", logs, "catalogue", tenant_key="gym")
    subject = Subject(
        controller="gym", reference="R", identifiers=frozenset({Identifier(IdentifierKind.LOGIN, "anna.k")})
    )
    assert [r.value("path") for r in log.records(subject)] == ["/opac/gym/a%2Fb"]
