"""Names and addresses inside URLs in free text: found once ``+`` and ``%xx`` are decoded, the
marker replaces exactly the encoded characters, and the URL keeps its structure."""

from __future__ import annotations

import itertools
from urllib.parse import quote, unquote_plus

from hypothesis import given, settings
from hypothesis import strategies as st

from dsr.model import Identifier, IdentifierKind, KnownPerson, Profile, Subject
from dsr.pipeline.redact import AllowList, Gazetteer, Kind, Tier, find
from dsr.pipeline.redact.stage import apply
from dsr.pipeline.redact.urls import decoded

SUBJECT = Subject(
    controller="c",
    reference="r",
    identifiers=frozenset({Identifier(IdentifierKind.KEY, "1", "s")}),
    profile=Profile(first_name="Jonas", last_name="Keller"),
)
ME = KnownPerson(store="s", key="1", identifiers=frozenset(), first_name="Jonas", last_name="Keller")
OTHER = KnownPerson(
    store="s",
    key="2",
    first_name="Cäcilia",
    last_name="Großmann",
    identifiers=frozenset({Identifier(IdentifierKind.EMAIL, "c.grossmann@example.org")}),
)
G = Gazetteer.build([ME, OTHER], SUBJECT, allow=AllowList())


def encode(value: str, data: st.DataObject, *, path: bool = False) -> str:
    """``value`` as a browser or a log might write it in a URL: each character as it is or
    %-escaped (UTF-8); a space as ``+`` or ``%20`` in a query, ``%20`` in a path (the test's
    own writer, not the code under test)."""
    out = []
    for c in value:
        if c == " ":
            choices = ["%20"] if path else ["+", "%20"]
        else:
            choices = [c, quote(c, safe="")]
        out.append(data.draw(st.sampled_from(choices)))
    return "".join(out)


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    value=st.sampled_from(["Cäcilia Großmann", "Großmann, Cäcilia", "c.grossmann@example.org"]),
    frame=st.sampled_from(
        [
            "GET /opac/gym/search?q={}&page=2 HTTP/1.1",
            '"https://opac.example/search?lang=de&q={}" "Mozilla/5.0"',
            "Link: /account/{}/loans",
            "q={}",
        ]
    ),
)
def test_a_name_in_a_url_is_replaced_exactly_and_the_url_stays(data: st.DataObject, value: str, frame: str) -> None:
    written = encode(value, data, path="/account/" in frame)
    text = frame.format(written)
    start = text.index(written)
    hits = [h for h in find(text, G) if h.tier is Tier.REDACT]
    assert [(h.start, h.end) for h in hits] == [(start, start + len(written))], (text, hits)
    assert hits[0].kind is (Kind.EMAIL if "@" in value else Kind.NAME)
    before, after = frame.split("{}")
    out = apply(text, hits, "de")
    assert out.startswith(before) and out.endswith(after)  # everything around it byte for byte


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_the_view_decodes_a_query_as_the_standard_library_does(value: str) -> None:
    query = quote(value, safe="")
    text = f"/search?q={query}"
    view = decoded(text)
    expected = unquote_plus(query)
    if not expected.isprintable():
        return  # control characters stay escaped
    assert (view.text if view else text) == f"/search?q={expected}"
    if view is not None:  # every character maps back into the original, in order, end to end
        spans = [view.original(i, i + 1) for i in range(len(view.text))]
        assert all(s < e for s, e in spans) and all(a[1] == b[0] for a, b in itertools.pairwise(spans))
        assert (spans[0][0], spans[-1][1]) == (0, len(text))


def test_a_plus_outside_a_url_is_a_plus_and_broken_escapes_stay() -> None:
    assert decoded("Ruf +49 171 2345678 an") is None
    assert decoded("Rabatt 50% + Versand") is None
    view = decoded("/x?q=%0Aabc%C3&y=%ZZ")
    assert view is None or view.text == "/x?q=%0Aabc%C3&y=%ZZ"


@settings(max_examples=200, deadline=None)
@given(
    before=st.text(st.sampled_from("ab +%=/?-0123456789\n"), max_size=40),
    after=st.text(st.sampled_from("ab +%=/?-0123456789\n"), max_size=40),
)
def test_text_around_a_url_is_kept_character_for_character(before: str, after: str) -> None:
    text = f"{before} /search?q=Lena+Sommer {after}"
    view = decoded(text)
    assert view is not None
    # the oracle: the original with only that one "+" read as a space, wherever else "+"/"%" are
    expected = text.replace("/search?q=Lena+Sommer", "/search?q=Lena Sommer")
    words = [w for w in f"{before} {after}".split() if any(c in w for c in "/?=") and ("%" in w or "+" in w)]
    if not words:  # no other word that could be decoded: all else maps to itself
        assert view.text == expected
        assert [text[slice(*view.original(i, i + 1))] for i in range(len(before))] == list(before)
