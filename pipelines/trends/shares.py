"""Label figures from per-source weekly counts: shares of the compared sources, slow trends, one FDR pass."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from pipelines.trends.coverage import Comparison, Coverage
from pipelines.trends.queries import SourceCounts
from pipelines.trends.report import InterestShare, LabelTrend, SlowTrend
from pipelines.trends.stats import Change, Direction, apply_fdr, benjamini_hochberg, compare_share, poisson_trend
from pipelines.trends.weeks import IsoWeek

SLOW_WEEKS = (8, 7, 6)  # windows tried for "rising for N weeks", longest first


def summed(counts: Mapping[tuple[str, str], int], label: str, sources: Sequence[str]) -> int:
    """Posts of one label from the given sources."""
    return sum(counts.get((label, s), 0) for s in sources)


@dataclass(frozen=True)
class WeeklyCounts:
    """Per week: posts per source (`totals`) and per (label, source) of one kind (`labels`)."""

    totals: Mapping[IsoWeek, Mapping[str, int]]
    labels: Mapping[IsoWeek, SourceCounts]

    def label(self, week: IsoWeek, label: str, sources: Sequence[str]) -> int:
        """Posts of `label` from `sources` in `week`."""
        return summed(self.labels.get(week, {}), label, sources)

    def total(self, week: IsoWeek, sources: Sequence[str]) -> int:
        """All posts from `sources` in `week`."""
        totals = self.totals.get(week, {})
        return sum(totals.get(s, 0) for s in sources)


def changes(
    counts: WeeklyCounts, label: str, week: IsoWeek, cmp: Comparison, min_count: int
) -> tuple[Change, Change]:
    """(vs previous week, vs baseline weeks) of one label's share, provisional directions."""
    src = cmp.sources
    current, total = counts.label(week, label, src), counts.total(week, src)
    base = sum(counts.label(w, label, src) for w in cmp.baseline_weeks)
    base_total = sum(counts.total(w, src) for w in cmp.baseline_weeks)
    vs_base = compare_share(current, total, base, base_total, len(cmp.baseline_weeks), min_count=min_count)
    prev = week.shift(-1)
    if cmp.previous:
        vs_prev = compare_share(
            current, total, counts.label(prev, label, src), counts.total(prev, src), 1, min_count=min_count
        )
    else:
        vs_prev = compare_share(current, total, 0, 0, 0, min_count=min_count)
    return vs_prev, vs_base


@dataclass(frozen=True)
class SlowWindow:
    """The weeks and sources a slow trend is fitted on: sources collected every day of every week."""

    weeks: tuple[IsoWeek, ...]
    sources: tuple[str, ...]


def slow_window(coverage: Coverage, week: IsoWeek) -> SlowWindow | None:
    """The longest window of 8, 7 or 6 weeks ending with `week` that some sources covered in full."""
    for n in SLOW_WEEKS:
        weeks = (*week.previous(n - 1), week)
        sources = tuple(s for s in coverage.sources if all(coverage.full(s, w) for w in weeks))
        if sources:
            return SlowWindow(weeks, sources)
    return None


def slow_trend(counts: WeeklyCounts, label: str, window: SlowWindow, *, min_count: int) -> tuple[float, Direction, int]:
    """(p-value, provisional direction, weeks) of a steady change of one label's share over the window.

    A direction needs the fit on the whole window and on the window without its last week to agree
    (a one-week jump is a spike or a weekly change, not a slow trend) and at least `min_count`
    posts in the last week (rising) or the first week (falling).
    """
    series = [counts.label(w, label, window.sources) for w in window.weeks]
    totals = [counts.total(w, window.sources) for w in window.weeks]
    fit, before = poisson_trend(series, totals), poisson_trend(series[:-1], totals[:-1])
    if fit is None or before is None:
        return 1.0, "steady", len(window.weeks)
    direction: Direction = "steady"
    if fit.slope > 0 and before.slope > 0 and series[-1] >= min_count:
        direction = "rising"
    elif fit.slope < 0 and before.slope < 0 and series[0] >= min_count:
        direction = "falling"
    return max(fit.p_value, before.p_value), direction, len(window.weeks)


def weekly_change(counts: WeeklyCounts, label: str, window: SlowWindow) -> float:
    """Fitted relative change of the share per week over the window."""
    series = [counts.label(w, label, window.sources) for w in window.weeks]
    totals = [counts.total(w, window.sources) for w in window.weeks]
    fit = poisson_trend(series, totals)
    return fit.weekly_change if fit else 0.0


def finalise(
    trends: Sequence[LabelTrend],
    interests: Sequence[Sequence[InterestShare]],
    slow: Sequence[tuple[float, Direction, int, float] | None],
    alpha: float,
) -> tuple[list[LabelTrend], list[list[InterestShare]]]:
    """One Benjamini–Hochberg pass over every weekly test (labels and interest shares), one over
    the slow-trend tests; a provisional direction stays only when its q-value is below alpha."""
    deciding = [t.deciding for t in trends]
    flat = [i for group in interests for i in group]
    as_changes = [Change(i.posts, 0.0, 1, i.p_value, i.direction, None) for i in flat]
    decided = apply_fdr([*deciding, *as_changes], alpha)
    out_trends = []
    for t, c in zip(trends, decided[: len(trends)], strict=True):
        if t.vs_baseline.baseline_weeks >= 2:
            out_trends.append(replace(t, vs_baseline=c))
        else:
            out_trends.append(replace(t, vs_previous=c))
    slow_p = [x[0] for x in slow if x is not None]
    slow_q = iter(benjamini_hochberg(slow_p))
    for i, x in enumerate(slow):
        if x is None:
            continue
        p, direction, weeks, change = x
        q = next(slow_q)
        out_trends[i] = replace(out_trends[i], slow=SlowTrend(weeks, change, p, q, direction if q < alpha else "steady"))
    decided_interests = iter(decided[len(trends) :])
    out_interests = [
        [replace(i, q_value=(c := next(decided_interests)).q_value, direction=c.direction) for i in group]
        for group in interests
    ]
    return out_trends, out_interests
