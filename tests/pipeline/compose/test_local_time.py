"""Letters give times in German time: the portal stores UTC, the reader's clock shows CET/CEST."""

from __future__ import annotations

import datetime as dt

from dsr.pipeline.compose.values import date_text, datetime_text

UTC = dt.UTC


def test_a_request_received_on_a_winter_evening_reads_as_german_time() -> None:
    received = dt.datetime(2026, 11, 25, 17, 59, tzinfo=UTC)  # 18:59 CET
    assert datetime_text(received, "de") == "25.11.2026, 18:59 Uhr"
    assert datetime_text(received, "en") == "2026-11-25 18:59"


def test_summer_time_and_the_switch_back_in_october() -> None:
    assert datetime_text(dt.datetime(2026, 7, 1, 10, 0, tzinfo=UTC), "de") == "01.07.2026, 12:00 Uhr"  # CEST
    # 25 October 2026: clocks go back at 03:00 CEST (01:00 UTC)
    assert datetime_text(dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "de") == "25.10.2026, 02:30 Uhr"
    assert datetime_text(dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "de") == "25.10.2026, 02:30 Uhr"
    assert datetime_text(dt.datetime(2026, 10, 25, 2, 30, tzinfo=UTC), "de") == "25.10.2026, 03:30 Uhr"


def test_near_midnight_the_german_day_counts() -> None:
    late = dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 00:30 on New Year's Day in Germany
    assert datetime_text(late, "de") == "01.01.2027, 00:30 Uhr"
    assert date_text(late, "de") == "01.01.2027"
    assert date_text(late, "en") == "2027-01-01"
    summer = dt.datetime(2026, 6, 30, 22, 15, tzinfo=UTC)  # 00:15 CEST on 1 July
    assert date_text(summer, "de", long=False) == "01.07.2026"


def test_times_without_a_zone_from_the_stores_are_printed_as_they_are() -> None:
    assert datetime_text(dt.datetime(2026, 11, 25, 17, 59), "de") == "25.11.2026, 17:59 Uhr"
    assert date_text(dt.date(2026, 11, 25), "en", long=True) == "25 November 2026"
