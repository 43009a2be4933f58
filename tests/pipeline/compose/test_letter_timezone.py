"""A letter prints times on the clock of ``[dsr] timezone``: a loan and the receipt as the reader's
clock showed them, around midnight and the end of summer time — Europe/Berlin when nothing is set."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from dsr.model import Field, Gathering
from dsr.pipeline import compose, render
from dsr.pipeline.compose import specimen
from dsr.pipeline.compose.typed import DateTime
from dsr.pipeline.render.export import export_document

UTC = dt.UTC
#: 25 October 2026, 00:30 UTC: 02:30 CEST in Berlin (an hour before the clocks go back),
#: 20:30 EDT on the 24th in New York, 13:30 NZDT on the 25th in Auckland
LOANED = dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
#: 28 March 2026, 23:30 UTC: already 29 March in Berlin (00:30 CET), still the 28th in New York
RECEIVED = dt.datetime(2026, 3, 28, 23, 30, tzinfo=UTC)


def _one_loan_at(moment: dt.datetime) -> Gathering:
    found = specimen.gathering(1)
    records = tuple(
        msgspec.structs.replace(
            r,
            fields=tuple(
                Field("loaned_at", moment, f.classification) if f.name == "loaned_at" else f for f in r.fields
            ),
        )
        if r.collection == "loan"
        else r
        for r in found.records
    )
    return msgspec.structs.replace(found, records=records)


def _letter(timezone: str | None, language: str = "de") -> compose.Disclosure:
    request = msgspec.structs.replace(specimen.request(language), received_at=RECEIVED)
    if timezone is not None:
        request = msgspec.structs.replace(request, timezone=timezone)
    return compose.disclosure(specimen.SCHOOL, _one_loan_at(LOANED), request)


def _loan_cell(letter: compose.Disclosure) -> tuple[str, object]:
    (section,) = [s for s in letter.sections if s.collection == "loan"]
    at = [c.name for c in section.columns].index("loaned_at")
    (row,) = section.rows
    return row.values[at], row.data[at]


@pytest.mark.parametrize(
    ("timezone", "loan", "received", "offset"),
    [
        (None, "25.10.2026, 02:30 Uhr", "29.03.2026, 00:30 Uhr", dt.timedelta(hours=2)),
        ("Europe/Berlin", "25.10.2026, 02:30 Uhr", "29.03.2026, 00:30 Uhr", dt.timedelta(hours=2)),
        ("America/New_York", "24.10.2026, 20:30 Uhr", "28.03.2026, 19:30 Uhr", dt.timedelta(hours=-4)),
        ("Pacific/Auckland", "25.10.2026, 13:30 Uhr", "29.03.2026, 12:30 Uhr", dt.timedelta(hours=13)),
    ],
)
def test_the_letter_prints_times_on_the_configured_clock(
    timezone: str | None, loan: str, received: str, offset: dt.timedelta
) -> None:
    letter = _letter(timezone)
    text, data = _loan_cell(letter)
    assert text == loan
    assert letter.received == received
    # the machine-readable copy gives the same moment with the same clock's offset
    assert isinstance(data, DateTime)
    # (compared in UTC: 02:30 on 25 October is twice in Berlin, and Python never calls such a time
    # equal to one in another zone)
    assert data.value.astimezone(UTC) == LOANED and data.value.utcoffset() == offset
    # and the receipt as the printed wall clock shows it, with that clock's offset
    assert export_document(letter)["received"] == RECEIVED.astimezone(dt.timezone(copy_offset(received))).isoformat()


def copy_offset(received: str) -> dt.timedelta:
    """The offset the receipt's printed wall-clock time implies (an oracle independent of zoneinfo)."""
    printed = dt.datetime.strptime(received, "%d.%m.%Y, %H:%M Uhr")
    return printed - RECEIVED.replace(tzinfo=None)


def test_the_printed_pdf_reads_the_configured_clock() -> None:
    from tests.pipeline.compose.test_disclosure import text_of

    # the copy's table gives a time short ("24.10.2026 20:30"), the prose with "Uhr"
    new_york = text_of(render.pdf(_letter("America/New_York")))
    assert "24.10.2026 20:30" in new_york and "28.03.2026, 19:30 Uhr" in new_york
    assert "25.10.2026 02:30" not in new_york
    berlin = text_of(render.pdf(_letter(None)))
    assert "25.10.2026 02:30" in berlin and "29.03.2026, 00:30 Uhr" in berlin


def test_the_composed_letter_keeps_its_clock_when_stored() -> None:
    letter = _letter("Pacific/Auckland")
    again = msgspec.json.decode(msgspec.json.encode(letter), type=compose.Disclosure)
    assert again.request.timezone == "Pacific/Auckland"
    assert again.request.zone.key == "Pacific/Auckland"
