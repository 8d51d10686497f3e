"""ISO weeks and calendar days in the configured timezone, as UTC [start, end) windows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class IsoWeek:
    """One ISO 8601 week (Monday to Sunday), e.g. 2026-W47."""

    year: int
    week: int

    def __post_init__(self) -> None:
        # date.fromisocalendar raises ValueError for weeks a year does not have (e.g. W53).
        date.fromisocalendar(self.year, self.week, 1)

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """Parse '2026-W47' (or '2026W47'); ValueError with a readable reason otherwise."""
        match = _WEEK_RE.match(text.strip())
        if not match:
            raise ValueError(f"not an ISO week: {text!r} (expected e.g. 2026-W47)")
        try:
            return cls(int(match.group(1)), int(match.group(2)))
        except ValueError:
            raise ValueError(f"{text!r}: year {match.group(1)} has no week {int(match.group(2))}") from None

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        """The week containing a calendar date."""
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def monday(self) -> date:
        """First day of the week."""
        return date.fromisocalendar(self.year, self.week, 1)

    def days(self) -> list[date]:
        """The seven calendar days, Monday first."""
        return [self.monday + timedelta(days=i) for i in range(7)]

    def shift(self, weeks: int) -> IsoWeek:
        """The week `weeks` later (negative: earlier)."""
        return IsoWeek.of(self.monday + timedelta(weeks=weeks))

    def previous(self, count: int) -> list[IsoWeek]:
        """The `count` weeks before this one, oldest first."""
        return [self.shift(-i) for i in range(count, 0, -1)]

    def window(self, tz: str | ZoneInfo) -> tuple[datetime, datetime]:
        """UTC [start, end) of the week in timezone `tz` (DST-aware: a week may be 167 or 169 hours)."""
        return day_window(self.monday, tz)[0], day_window(self.monday + timedelta(days=7), tz)[0]


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def day_window(day: date, tz: str | ZoneInfo) -> tuple[datetime, datetime]:
    """UTC [start, end) of a local calendar day (local midnight to next local midnight)."""
    zone = _zone(tz)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def local_date(moment: datetime, tz: str | ZoneInfo) -> date:
    """The calendar date of an aware datetime in timezone `tz`."""
    return moment.astimezone(_zone(tz)).date()


def week_containing(moment: datetime, tz: str | ZoneInfo) -> IsoWeek:
    """The ISO week (in `tz`) that contains an aware datetime."""
    return IsoWeek.of(local_date(moment, tz))


def latest_complete_week(now: datetime, tz: str | ZoneInfo) -> IsoWeek:
    """The most recent week that has fully ended by `now` in `tz` (the week the Monday digest covers)."""
    return week_containing(now, tz).shift(-1)


class FutureWeekError(ValueError):
    """A digest was asked for a week that has not begun yet."""


def check_not_future(week: IsoWeek, now: datetime, tz: str | ZoneInfo) -> None:
    """Raise FutureWeekError when `week` starts after today in `tz`."""
    current = week_containing(now, tz)
    if week > current:
        raise FutureWeekError(f"{week} has not begun yet (this week is {current}); choose {current.shift(-1)} or earlier")
