"""Significance tests for counts, written with `math` only: exact Poisson-rate test, G² (log-likelihood)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

Direction = Literal["rising", "falling", "steady"]

_EPS = 1e-15
_TINY = 1e-300


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta function I_x(a, b) for a, b > 0 and 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    return betainc(n - k, k + 1, 1.0 - p)


def binom_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    return 1.0 - binom_cdf(k - 1, n, p) if k > 0 else 1.0


def poisson_rate_test(k1: int, t1: float, k0: int, t0: float) -> float:
    """Two-sided p-value that counts k1 (exposure t1) and k0 (exposure t0) share one Poisson rate.

    Exact conditional test: given n = k1 + k0, k1 ~ Binomial(n, t1 / (t1 + t0)) under H0.
    The p-value is twice the smaller tail, capped at 1.
    """
    if t1 <= 0 or t0 <= 0:
        raise ValueError("exposures must be positive")
    n = k1 + k0
    if n == 0:
        return 1.0
    p = t1 / (t1 + t0)
    lower = binom_cdf(k1, n, p)
    upper = binom_sf(k1, n, p)
    return min(1.0, 2.0 * min(lower, upper))


def poisson_sf(k: int, mu: float) -> float:
    """P(X >= k) for X ~ Poisson(mu), summed from k upwards (accurate for tiny tails)."""
    if k <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    if k <= mu:  # the upper tail is large here: complement of the lower sum
        term = math.exp(-mu)
        lower = 0.0
        for i in range(k):
            lower += term
            term *= mu / (i + 1)
        return max(0.0, 1.0 - lower)
    term = math.exp(-mu + k * math.log(mu) - math.lgamma(k + 1))
    total = 0.0
    i = k
    while term > total * 1e-17 and term > 0:
        total += term
        i += 1
        term *= mu / i
    return min(1.0, total)


def chi2_sf_1df(x: float) -> float:
    """Upper tail of the chi-squared distribution with one degree of freedom."""
    return math.erfc(math.sqrt(max(x, 0.0) / 2.0))


def _xlogy(x: float, y: float) -> float:
    return x * math.log(y) if x > 0 else 0.0


def g2_2x2(a: int, n1: int, b: int, n2: int) -> float:
    """Log-likelihood ratio G² of a term in a of n1 documents vs b of n2 documents (Dunning 1993)."""
    if n1 <= 0 or n2 <= 0:
        return 0.0
    total = n1 + n2
    hits = a + b
    misses = total - hits
    observed = ((a, n1, hits), (n1 - a, n1, misses), (b, n2, hits), (n2 - b, n2, misses))
    g2 = 0.0
    for o, row, col in observed:
        expected = row * col / total
        if o > 0 and expected > 0:
            g2 += _xlogy(o, o / expected)
    return max(0.0, 2.0 * g2)


def log_ratio(a: int, n1: int, b: int, n2: int, *, smoothing: float = 0.5) -> float:
    """Effect size: log2 of the relative document frequency (current / reference), smoothed."""
    return math.log2(((a + smoothing) / n1) / ((b + smoothing) / n2))


@dataclass(frozen=True)
class Change:
    """A label's posts this week compared with the baseline weeks, as counts and as shares.

    Counts are posts of the sources compared in both periods (`total` and `baseline_total` are all
    their posts: the denominators). `pct` is the change of the count, only when the baseline mean
    reaches the minimum count, so 1 → 3 is never "+200%". `p_value` tests the share (the count
    given the total's change); `q_value` is its Benjamini–Hochberg adjustment over every label of
    the report, and `direction` is "rising"/"falling" only when q < alpha and the larger side
    clears the minimum count; otherwise "steady".
    """

    current: int
    baseline: float  # mean weekly count over the baseline weeks
    baseline_weeks: int
    p_value: float
    direction: Direction
    pct: float | None
    total: int = 0
    baseline_total: float = 0.0  # mean weekly total over the baseline weeks
    q_value: float = 1.0

    @property
    def delta(self) -> float:
        """current − baseline mean."""
        return self.current - self.baseline

    @property
    def share(self) -> float | None:
        """This week's share of the compared sources' posts (None without posts)."""
        return self.current / self.total if self.total else None

    @property
    def baseline_share(self) -> float | None:
        """The baseline weeks' share (None without posts)."""
        return self.baseline / self.baseline_total if self.baseline_total else None

    @property
    def delta_pp(self) -> float:
        """Change of the share in percentage points (0 when either share is unknown)."""
        if self.share is None or self.baseline_share is None:
            return 0.0
        return (self.share - self.baseline_share) * 100.0


def compare_counts(
    current: int, baseline_total: int, baseline_weeks: int, *, min_count: int, alpha: float
) -> Change:
    """Compare this week's count with the mean weekly count over `baseline_weeks` earlier weeks."""
    if baseline_weeks <= 0:
        return Change(current, 0.0, 0, 1.0, "steady", None)
    mean = baseline_total / baseline_weeks
    p = poisson_rate_test(current, 1.0, baseline_total, float(baseline_weeks))
    direction: Direction = "steady"
    if p < alpha:
        if current > mean and current >= min_count:
            direction = "rising"
        elif current < mean and mean >= min_count:
            direction = "falling"
    pct = (current - mean) / mean * 100.0 if mean >= min_count else None
    return Change(current, mean, baseline_weeks, p, direction, pct, current, mean, p)


def compare_share(
    current: int, total: int, base_hits: int, base_total: int, baseline_weeks: int, *, min_count: int
) -> Change:
    """A label's count as a share of `total` posts vs `base_hits` of `base_total` over `baseline_weeks`.

    Likelihood-ratio (G², 1 df) test of two binomial proportions, current of total vs base_hits of
    base_total: a rise of the total volume alone is never a rise of the label. The direction is
    provisional (before `apply_fdr`).
    """
    if baseline_weeks <= 0 or total <= 0 or base_total <= 0:
        return Change(current, base_hits / baseline_weeks if baseline_weeks else 0.0, max(baseline_weeks, 0), 1.0, "steady", None, total, base_total / baseline_weeks if baseline_weeks else 0.0)
    mean, mean_total = base_hits / baseline_weeks, base_total / baseline_weeks
    p = chi2_sf_1df(g2_2x2(current, total, base_hits, base_total))
    share, base_share = current / total, base_hits / base_total
    direction: Direction = "steady"
    if share > base_share and current >= min_count:
        direction = "rising"
    elif share < base_share and base_share * total >= min_count:
        direction = "falling"
    pct = (current - mean) / mean * 100.0 if mean >= min_count else None
    return Change(current, mean, baseline_weeks, p, direction, pct, total, mean_total, p)


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (q-values), in the input order."""
    n = len(p_values)
    order = sorted(range(n), key=lambda i: p_values[i])
    q = [1.0] * n
    running = 1.0
    for rank in range(n, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * n / rank)
        q[i] = min(1.0, running)
    return q


def apply_fdr(changes: Sequence[Change], alpha: float) -> list[Change]:
    """The changes with q-values over all of them; a provisional direction stays only when q < alpha."""
    qs = benjamini_hochberg([c.p_value for c in changes])
    return [replace(c, q_value=q, direction=c.direction if q < alpha else "steady") for c, q in zip(changes, qs, strict=True)]


@dataclass(frozen=True)
class TrendFit:
    """A log-linear Poisson fit of weekly counts with the weekly totals as offset (quasi-Poisson errors)."""

    weeks: int
    slope: float  # change of log share per week
    se: float
    p_value: float

    @property
    def weekly_change(self) -> float:
        """Relative change of the share per week, e.g. 0.15 for +15 %/week."""
        return math.exp(self.slope) - 1.0


def _information(points: Sequence[tuple[int, int, int]], a: float, b: float) -> tuple[list[float], float, float, float]:
    """Fitted means and the Fisher information (aa, ab, bb) of the log-linear model at (a, b)."""
    mu = [t * math.exp(a + b * w) for w, _, t in points]
    h_aa = sum(mu)
    h_ab = sum(w * m for (w, _, _), m in zip(points, mu, strict=True))
    h_bb = sum(w * w * m for (w, _, _), m in zip(points, mu, strict=True))
    return mu, h_aa, h_ab, h_bb


def poisson_trend(counts: Sequence[int], totals: Sequence[int]) -> TrendFit | None:
    """Fit log E[count_w] = a + b·w + log(total_w) by Newton's method; None when it cannot be fitted.

    The standard error is scaled by the Pearson dispersion (at least 1), so week-to-week noise
    larger than Poisson does not turn into a trend.
    """
    points = [(w, c, t) for w, (c, t) in enumerate(zip(counts, totals, strict=True)) if t > 0]
    if len(points) < 3 or sum(c for _, c, _ in points) == 0:
        return None
    hits, exposure = sum(c for _, c, _ in points), sum(t for _, _, t in points)
    a, b = math.log(hits / exposure), 0.0
    for _ in range(50):
        mu, h_aa, h_ab, h_bb = _information(points, a, b)
        det = h_aa * h_bb - h_ab * h_ab
        if det <= 0:
            return None
        g_a = sum(c - m for (_, c, _), m in zip(points, mu, strict=True))
        g_b = sum(w * (c - m) for (w, c, _), m in zip(points, mu, strict=True))
        step_a = (h_bb * g_a - h_ab * g_b) / det
        step_b = (h_aa * g_b - h_ab * g_a) / det
        a, b = a + step_a, b + step_b
        if abs(step_a) < 1e-10 and abs(step_b) < 1e-10:
            break
    mu, h_aa, h_ab, h_bb = _information(points, a, b)
    det = h_aa * h_bb - h_ab * h_ab
    if det <= 0:
        return None
    pearson = sum((c - m) ** 2 / m for (_, c, _), m in zip(points, mu, strict=True) if m > 0)
    dispersion = max(1.0, pearson / (len(points) - 2))
    se = math.sqrt(dispersion * h_aa / det)
    p = math.erfc(abs(b / se) / math.sqrt(2.0)) if se > 0 else 1.0
    return TrendFit(len(points), b, se, p)
