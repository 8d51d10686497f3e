"""ISO weeks in a timezone: parsing, DST-aware windows, year boundaries, the latest complete week."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from pipelines.trends.weeks import IsoWeek, day_window, latest_complete_week, week_containing


def test_parse_and_format():
    assert IsoWeek.parse("2026-W47") == IsoWeek(2026, 47)
    assert IsoWeek.parse("2026w5") == IsoWeek(2026, 5)
    assert str(IsoWeek(2026, 5)) == "2026-W05"
    for bad in ("2026-47", "W47", "2026-W", "2025-W53", "2026-W54", "2026-W00"):
        with pytest.raises(ValueError):
            IsoWeek.parse(bad)


def test_year_boundaries_and_shifts():
    assert IsoWeek(2026, 53).monday == date(2026, 12, 28)  # 2026 has 53 ISO weeks
    assert IsoWeek(2026, 53).shift(1) == IsoWeek(2027, 1)
    assert IsoWeek(2027, 1).previous(2) == [IsoWeek(2026, 52), IsoWeek(2026, 53)]
    assert IsoWeek.of(date(2027, 1, 1)) == IsoWeek(2026, 53)


def test_window_in_timezone_follows_dst():
    start, end = IsoWeek(2026, 47).window("Europe/Berlin")
    assert start == datetime(2026, 11, 15, 23, 0, tzinfo=UTC)
    assert end - start == timedelta(days=7)
    # Week 13 of 2026 contains the spring-forward night (29 March): 167 hours.
    start, end = IsoWeek(2026, 13).window("Europe/Berlin")
    assert end - start == timedelta(hours=167)
    day_start, day_end = day_window(date(2026, 3, 29), "Europe/Berlin")
    assert day_end - day_start == timedelta(hours=23)


def test_week_containing_uses_local_time():
    sunday_late_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # Monday 00:30 in Berlin
    assert week_containing(sunday_late_utc, "UTC") == IsoWeek(2026, 47)
    assert week_containing(sunday_late_utc, "Europe/Berlin") == IsoWeek(2026, 48)


def test_latest_complete_week():
    monday_morning = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert latest_complete_week(monday_morning, "Europe/Berlin") == IsoWeek(2026, 47)
    # Still Sunday in Los Angeles: week 47 is not over there yet.
    assert latest_complete_week(monday_morning - timedelta(hours=1), "America/Los_Angeles") == IsoWeek(2026, 46)
