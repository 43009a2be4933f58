"""DIN 5008 Form B positions, measured in the rendered PDF (±1 mm), page furniture, and what
the renderer may fetch."""

from __future__ import annotations

import io

import pdfplumber
import pikepdf
import pytest
import weasyprint

from dsr.pipeline import compose, render
from dsr.pipeline.compose import specimen
from dsr.pipeline.render.fonts import TemplateFetcher

MM = 72 / 25.4


@pytest.fixture(scope="module")
def pages():
    letter = compose.disclosure(specimen.SCHOOL, specimen.gathering(3), specimen.request("de"))
    with pdfplumber.open(io.BytesIO(render.pdf(letter, attach=False))) as pdf:
        yield [(p.extract_words(keep_blank_chars=False), p.rects, p.extract_text()) for p in pdf.pages]


def word(words, text):
    w = next(w for w in words if w["text"] == text)
    return w["x0"] / MM, w["top"] / MM, w["bottom"] / MM


def test_address_field_and_information_block_sit_where_din_5008_b_puts_them(pages):
    words, _, _ = pages[0]
    x, top, bottom = word(words, "Anna")  # first line of the recipient
    assert x == pytest.approx(25, abs=1)
    assert 62.7 - 0.2 <= top <= 62.7 + 2  # first line in the recipient zone
    x, top, bottom = word(words, "Lindenweg")
    assert bottom < 90
    # return address: one 8 pt line in the zone y 45 – 62.7, text from x 25
    ret = [w for w in words if 45 <= w["top"] / MM and w["bottom"] / MM <= 62.7 and w["x0"] / MM < 100]
    assert ret and min(w["x0"] for w in ret) / MM == pytest.approx(25, abs=1)
    assert len({round(w["top"]) for w in ret}) == 1
    x, top, _ = word(words, "Unser")
    assert x == pytest.approx(125, abs=1) and top == pytest.approx(50, abs=1.5)
    assert max(w["x1"] for w in words if w["top"] / MM > 45) / MM <= 190 + 1


def test_subject_line_starts_below_the_address_field(pages):
    words, _, _ = pages[0]
    _, top, _ = word(words, "Ihre")  # subject "Ihre Auskunft …" (info block says "Ihre Anfrage" higher up)
    tops = [w["top"] / MM for w in words if w["text"] == "Auskunft"]
    assert min(tops) >= 98.5 - 1
    assert min(tops) <= 98.5 + 3


def test_fold_and_hole_marks(pages):
    _, rects, _ = pages[0]
    marks = sorted(round(r["top"] / MM, 1) for r in rects if r["x0"] / MM < 20)
    assert marks == [pytest.approx(105, abs=1), pytest.approx(148.5, abs=1), pytest.approx(210, abs=1)]


def test_page_numbers_on_every_page_and_footer_on_every_page(pages):
    assert len(pages) >= 3
    for number, (_, _, text) in enumerate(pages, start=1):
        assert f"Seite {number} von {len(pages)}" in text


def test_page_one_number_stands_above_the_letterhead_at_the_right_margin(pages):
    words, _, _ = pages[0]
    line = [w for w in words if w["top"] / MM < 12]
    assert " ".join(w["text"] for w in line if w["x0"] / MM > 150) == f"Seite 1 von {len(pages)}"
    assert max(w["x1"] for w in line) / MM == pytest.approx(190, abs=1)
    # above the letterhead (12 mm down) and inside what printers print (4 mm from the edge)
    assert all(4 <= w["top"] / MM and w["bottom"] / MM <= 12 for w in line)
    for _, _, text in pages:
        assert "Schulnummer 0123" in text  # footer details


def test_fetcher_serves_only_template_files(tmp_path):
    fetcher = TemplateFetcher()
    secret = tmp_path / "secret.txt"
    secret.write_text("do not embed")
    for url in (secret.as_uri(), "file:///etc/hostname", "http://127.0.0.1:9/x.css", "https://example.org/a.png"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch(render.fonts.FONTS.joinpath("OFL.txt").as_uri()).read()


def test_references_inside_html_are_neither_embedded_nor_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not embed")
    markup = f'<link rel="attachment" href="{secret.as_uri()}"><img src="http://127.0.0.1:9/x.png"><p>x</p>'
    pdf = weasyprint.HTML(string=markup, base_url=tmp_path.as_uri() + "/", url_fetcher=TemplateFetcher()).write_pdf()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert len(doc.attachments) == 0


def test_markup_in_data_is_printed_as_text_not_followed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not embed")
    request = specimen.request("de")
    evil = f'<link rel="attachment" href="{secret.as_uri()}">Eva'
    request = compose.Request(
        **{**{f: getattr(request, f) for f in request.__struct_fields__}, "recipient": compose.Recipient(name=evil)}
    )
    letter = compose.disclosure(specimen.SCHOOL, specimen.gathering(1), request)
    pdf = render.pdf(letter)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert set(doc.attachments) == {"disclosure.json", "school-person.csv", "school-loan.csv", "school-fee.csv"}
    assert b"do not embed" not in pdf


def test_only_the_shipped_fonts_are_used(pages):
    letter = compose.disclosure(specimen.SCHOOL, specimen.gathering(1), specimen.request("de"))
    # a family the letter never ships, as a mapping or a controller's logo text might ask for
    markup = '<link rel="stylesheet" href="../base/style.css"><p style="font-family: Helvetica, Arial">Grüße ĳ</p>'
    pdf = weasyprint.HTML(
        string=markup, base_url=render.templates.base_url("disclosure"), url_fetcher=TemplateFetcher()
    ).write_pdf()
    names = set()
    for data in (pdf, render.pdf(letter, attach=False)):
        with pikepdf.open(io.BytesIO(data)) as doc:
            for page in doc.pages:
                for font in page.Resources.get("/Font", {}).values():
                    names.add(str(font.BaseFont).split("+")[-1])
    assert names and all(n.startswith(("Letter-Sans", "Noto-Sans", "NotoSans")) for n in names), names


LONG_SENDER = dict(
    name="Goethe-Gymnasium Regensburg",
    street="Cynthia-Hoffmann-Straße 77b",
    postal_code="93047",
    city="Regensburg",
    email="sekretariat@gym-regensburg.example",
)


@pytest.fixture(scope="module")
def long_sender_page():
    import msgspec

    school = msgspec.structs.replace(specimen.SCHOOL, **LONG_SENDER)
    letter = compose.disclosure(school, specimen.gathering(1), specimen.request("de"), draft=True)
    with pdfplumber.open(io.BytesIO(render.pdf(letter, attach=False))) as pdf:
        page = pdf.pages[0]
        yield page.extract_words(), page.extract_text(), page.chars


def test_a_long_return_address_is_whole_inside_the_address_field_above_the_recipient(long_sender_page):
    words, _, _ = long_sender_page
    small = [w for w in words if 40 <= w["top"] / MM < 62.7 and w["x0"] / MM < 110]
    line = " ".join(w["text"] for w in sorted(small, key=lambda w: (round(w["top"]), w["x0"])))
    assert line == "Goethe-Gymnasium Regensburg · Cynthia-Hoffmann-Straße 77b · 93047 Regensburg"
    for w in small:  # in the zone 45 – 62.7 mm, inside x 25 – 105 mm
        assert 45 <= w["top"] / MM and w["bottom"] / MM <= 62.7 + 0.2
        assert 25 - 0.5 <= w["x0"] / MM and w["x1"] / MM <= 105
    assert max(w["bottom"] for w in small) / MM > 62.7 - 4  # ends just above the recipient
    x, top, _ = word(words, "Anna")
    assert 62.7 - 0.2 <= top <= 62.7 + 2


def test_the_draft_mark_on_page_one_is_whole_on_the_page(long_sender_page):
    _, _, chars = long_sender_page
    mark = [c for c in chars if c["non_stroking_color"] in ((0.8, 0, 0), (0.8, 0.0, 0.0)) and c["top"] < 12 * MM]
    assert "".join(c["text"] for c in mark) == "Entwurf"
    assert all(c["top"] >= 1 * MM for c in mark)


def test_an_email_address_in_the_information_block_breaks_only_after_the_at_sign(long_sender_page):
    words, _, _ = long_sender_page
    block = [w["text"] for w in words if w["x0"] / MM >= 124 and 48 <= w["top"] / MM <= 90]
    text = " ".join(block)
    assert "sekretariat@gym-regensburg.example" in text or "sekretariat@ gym-regensburg.example" in text, text


def test_the_closing_and_the_authoritys_address_are_never_split_or_alone():
    import msgspec

    request = specimen.request("de")
    seen = set()
    for extra in range(0, 40, 2):  # a longer representative's name pushes the end of the letter down
        acting = " ".join(["Maximiliane"] * extra) or None
        recipient = msgspec.structs.replace(request.recipient, acting_for=acting)
        letter = compose.notice(
            "refusal",
            specimen.SCHOOL,
            msgspec.structs.replace(request, recipient=recipient),
            reasons="Begründung. " * (1 + extra * 6),
        )
        with pdfplumber.open(io.BytesIO(render.pdf(letter))) as pdf:
            pages = [p.extract_text() for p in pdf.pages]
        closing = next(i for i, t in enumerate(pages) if "Mit freundlichen Grüßen" in t)
        seen.add(closing)
        body = pages[closing].split("Mit freundlichen Grüßen")[0]
        signatory = specimen.SCHOOL.signatory.name
        assert signatory in pages[closing].split("Mit freundlichen Grüßen")[1]  # with the greeting
        assert len(body.split("\n")) > 3, extra  # not alone at the top of a page: text above it
        authority = next(i for i, t in enumerate(pages) if "Wagmüllerstraße 18" in t)
        assert "80538 München" in pages[authority]
    assert len(seen) > 1  # the range moved the closing across a page break
