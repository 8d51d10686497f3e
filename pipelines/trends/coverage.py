"""Which sources were collected on which days: from `collector_runs`, and from the posts themselves for imported history.

A source's day is one of:
- `ok`: it was collected (a successful run, or posts of that day);
- `partial`: only partial runs that day and no successful one;
- `down`: after the source's first activity, nothing was collected although something was expected
  (failed runs only, or no run and no post on a day when the source's usual volume makes an empty
  day implausible);
- `off`: before the source's first run or post (its history has not begun: not zeros), or after its
  last activity when the source is disabled in `pulse.yaml`;
- `future`: the day has not ended yet at `now`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pipelines.trends.weeks import IsoWeek

DayState = Literal["ok", "partial", "down", "off", "future"]

# An empty day is called "down" when Poisson(mean daily posts) makes it this unlikely.
EMPTY_DAY_P = 0.01
_GOOD_RUNS = {"ok"}
_PARTIAL_RUNS = {"partial"}
_BAD_RUNS = {"failed"}


@dataclass(frozen=True)
class DayActivity:
    """What one source did on one local day: posts created that day and its runs by status."""

    posts: int = 0
    runs: Mapping[str, int] | None = None


@dataclass(frozen=True)
class Gap:
    """Consecutive days of one week on which one source was not (fully) collected."""

    source: str
    state: DayState  # partial | down | future
    first: date
    last: date

    @property
    def days(self) -> int:
        """Number of days in the gap."""
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class Coverage:
    """Per source, the state of every day in `days` (oldest first)."""

    days: tuple[date, ...]
    states: Mapping[str, tuple[DayState, ...]]

    @property
    def sources(self) -> list[str]:
        """Every source seen, sorted."""
        return sorted(self.states)

    def state(self, source: str, day: date) -> DayState:
        """The state of one source on one day ('off' outside the known days)."""
        try:
            return self.states[source][self.days.index(day)]
        except (KeyError, ValueError):
            return "off"

    def week_states(self, source: str, week: IsoWeek) -> list[DayState]:
        """The seven day states of one source in one week."""
        return [self.state(source, d) for d in week.days()]

    def full(self, source: str, week: IsoWeek) -> bool:
        """True when the source was collected on all seven days of the week."""
        return all(s == "ok" for s in self.week_states(source, week))

    def started(self, source: str, week: IsoWeek) -> bool:
        """True when the source's history had begun by the end of the week."""
        return any(s != "off" for s in self.week_states(source, week))

    def future(self, week: IsoWeek) -> bool:
        """True when some day of the week has not ended yet."""
        return any(s == "future" for states in self.states.values() for s in states[self._slice(week)])

    def _slice(self, week: IsoWeek) -> slice:
        first = week.monday
        start = next((i for i, d in enumerate(self.days) if d >= first), len(self.days))
        return slice(start, start + 7)

    def gaps(self, week: IsoWeek) -> list[Gap]:
        """Runs of partial/down/future days of started sources in a week, by source then day."""
        out: list[Gap] = []
        for source in self.sources:
            current: Gap | None = None
            for day, state in zip(week.days(), self.week_states(source, week), strict=True):
                if state in ("ok", "off"):
                    current = None
                    continue
                if current is not None and current.state == state:
                    current = Gap(source, state, current.first, day)
                    out[-1] = current
                else:
                    current = Gap(source, state, day, day)
                    out.append(current)
        return out

    def complete(self, week: IsoWeek) -> bool:
        """True when every started source was collected on all seven days."""
        return not self.gaps(week)

    def day_complete(self, day: date) -> bool:
        """True when every started source was collected on that day."""
        return all(self.state(s, day) in ("ok", "off") for s in self.sources)


def _day_state(activity: DayActivity, expected_per_day: float) -> DayState:
    runs = activity.runs or {}
    if activity.posts > 0 or any(runs.get(s, 0) for s in _GOOD_RUNS):
        return "ok"
    if any(runs.get(s, 0) for s in _PARTIAL_RUNS):
        return "partial"
    if any(runs.get(s, 0) for s in _BAD_RUNS):
        return "down"
    # No run and no post: a quiet day for a small source, an outage for a busy one.
    return "down" if math.exp(-expected_per_day) < EMPTY_DAY_P else "ok"


def source_states(
    days: Sequence[date], activity: Sequence[DayActivity], *, today: date, disabled: bool = False
) -> tuple[DayState, ...]:
    """The state of each day for one source, from its activity per day (aligned with `days`)."""
    active = [i for i, a in enumerate(activity) if a.posts or a.runs]
    if not active:
        return tuple("future" if d >= today else "off" for d in days)
    first, last = active[0], active[-1]
    observed_days = [a for a, d in zip(activity[first : last + 1], days[first : last + 1], strict=True) if d < today]
    expected = sum(a.posts for a in observed_days) / max(1, len(observed_days))
    out: list[DayState] = []
    for i, (day, act) in enumerate(zip(days, activity, strict=True)):
        if day >= today:
            out.append("future")
        elif i < first or (disabled and i > last):
            out.append("off")
        else:
            out.append(_day_state(act, expected))
    return tuple(out)


def build_coverage(
    days: Sequence[date],
    posts: Sequence[Mapping[str, int]],
    runs: Iterable[tuple[str, date, str]],
    *,
    now_day: date,
    disabled: Iterable[str] = (),
) -> Coverage:
    """Coverage of `days` from posts per (day, source) and runs as (source, local day, status).

    now_day: today in the report's timezone; it and later days are 'future'.
    """
    index = {d: i for i, d in enumerate(days)}
    run_counts: dict[str, list[dict[str, int]]] = {}
    for source, day, status in runs:
        if day in index:
            per_day = run_counts.setdefault(source, [{} for _ in days])[index[day]]
            per_day[status] = per_day.get(status, 0) + 1
    sources = set(run_counts) | {s for counts in posts for s in counts}
    off = set(disabled)
    states = {}
    for source in sorted(sources):
        runs_of = run_counts.get(source, [{} for _ in days])
        activity = [DayActivity(posts[i].get(source, 0), runs_of[i] or None) for i in range(len(days))]
        states[source] = source_states(days, activity, today=now_day, disabled=source in off)
    return Coverage(tuple(days), states)


@dataclass(frozen=True)
class Comparison:
    """Which sources and baseline weeks a week's figures are compared on."""

    sources: tuple[str, ...]  # collected on every day of the week and of every baseline week used
    baseline_weeks: tuple[IsoWeek, ...]
    previous: bool  # the week before is among the usable weeks for these sources
    excluded: tuple[str, ...]  # sources with data this week or in the baseline that are left out


def comparable(coverage: Coverage, week: IsoWeek, baseline: Sequence[IsoWeek], *, min_weeks: int = 2) -> Comparison:
    """Sources fully collected in `week` and in the baseline weeks, and those weeks.

    Starts from the sources collected all week that were also collected in some baseline week;
    while fewer than `min_weeks` baseline weeks (or as many as any source has) have all of them,
    the source with the fewest collected baseline weeks is left out (a source added mid-way).
    """
    full_base = {s: [w for w in baseline if coverage.full(s, w)] for s in coverage.sources}
    chosen = [s for s in coverage.sources if coverage.full(s, week) and full_base[s]]
    target = min(min_weeks, max((len(full_base[s]) for s in chosen), default=0))

    def usable() -> list[IsoWeek]:
        return [w for w in baseline if all(coverage.full(s, w) for s in chosen)]

    while len(chosen) > 1 and len(usable()) < target:
        chosen.remove(min(chosen, key=lambda s: (len(full_base[s]), s)))
    weeks = usable() if chosen else []
    previous = bool(chosen) and all(coverage.full(s, week.shift(-1)) for s in chosen)
    seen = [s for s in coverage.sources if coverage.started(s, week) or any(coverage.started(s, w) for w in baseline)]
    excluded = tuple(s for s in seen if s not in chosen)
    return Comparison(tuple(chosen), tuple(weeks), previous, excluded)
