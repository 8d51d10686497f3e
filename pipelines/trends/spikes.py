"""Spike detection on daily counts: rolling mean + k·σ with a Poisson variance floor, minimum count, cooldown."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pipelines.trends.stats import poisson_sf


@dataclass(frozen=True)
class SpikeRule:
    """Parameters of spike detection (defaults suit a few hundred posts per day overall)."""

    baseline_days: int = 28
    k: float = 3.0
    min_count: int = 5
    cooldown_days: int = 3
    min_history: int = 7
    max_p: float = 1e-4  # and the count must be this unlikely under Poisson(baseline mean)


@dataclass(frozen=True)
class Spike:
    """A day on which one entity's count jumped above its rolling baseline."""

    entity: str
    category: str | None
    day: date
    count: int
    baseline_mean: float
    baseline_sd: float
    threshold: float

    @property
    def key(self) -> str:
        """De-duplication key for `sent_alerts`, e.g. spike:Labubu:2026-11-20."""
        return f"spike:{self.entity}:{self.day.isoformat()}"

    @property
    def ratio(self) -> float:
        """count / baseline mean (baseline floored at 1 post per day)."""
        return self.count / max(self.baseline_mean, 1.0)


@dataclass(frozen=True)
class SpikePoint:
    """Where a spike is in a series, with the baseline it beat."""

    index: int
    mean: float
    sd: float
    threshold: float


def detect_spikes(counts: Sequence[int | None], rule: SpikeRule = SpikeRule()) -> list[SpikePoint]:
    """Indices of spike days in a daily series (oldest first); None marks a day without full data
    (a source down): it is never a spike and never part of a baseline.

    Day i is compared with the `baseline_days` days before it (at least `min_history` of them):
    threshold = mean + k·sqrt(max(variance, mean, 1)) — the floor stops a flat, quiet series from
    alerting on noise. A spike needs count >= `min_count`, count > threshold, and a Poisson tail
    P(X >= count | mean) < `max_p` (k·σ alone is lenient for small, skewed counts: with 70
    entities checked daily, 1.4 → 5 posts would alert several times a week by chance). One event
    alerts once: after a day above threshold, a new spike needs `cooldown_days` clear days first.
    """
    found: list[SpikePoint] = []
    last_elevated: int | None = None
    for i, count in enumerate(counts):
        if count is None:
            continue
        history = [c for c in counts[max(0, i - rule.baseline_days) : i] if c is not None]
        if len(history) < rule.min_history:
            continue
        mean = sum(history) / len(history)
        var = sum((c - mean) ** 2 for c in history) / len(history)
        sd = math.sqrt(var)
        threshold = mean + rule.k * math.sqrt(max(var, mean, 1.0))
        if count <= threshold:
            continue
        cooling = last_elevated is not None and i - last_elevated <= rule.cooldown_days
        last_elevated = i
        if count >= rule.min_count and not cooling and poisson_sf(count, max(mean, 0.5)) < rule.max_p:
            found.append(SpikePoint(i, mean, sd, threshold))
    return found


def spikes_in_series(
    entity: str,
    category: str | None,
    days: Sequence[date],
    counts: Sequence[int | None],
    rule: SpikeRule = SpikeRule(),
) -> list[Spike]:
    """detect_spikes on one entity's daily series, as Spike records."""
    if len(days) != len(counts):
        raise ValueError("days and counts differ in length")
    return [
        Spike(entity, category, days[p.index], counts[p.index] or 0, p.mean, p.sd, p.threshold)
        for p in detect_spikes(counts, rule)
    ]
