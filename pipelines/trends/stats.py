"""Significance tests for counts, written with `math` only: exact Poisson-rate test, G² (log-likelihood)."""

from __future__ import annotations

import math
from dataclasses import dataclass
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
    """A count compared with a baseline (the previous week, or the mean of earlier weeks).

    `pct` is only given when the baseline mean reaches the minimum count, so 1 → 3 is never "+200%".
    `direction` is "rising"/"falling" only when the larger side clears the minimum count and the
    exact Poisson-rate test gives p < alpha; otherwise "steady".
    """

    current: int
    baseline: float
    baseline_weeks: int
    p_value: float
    direction: Direction
    pct: float | None

    @property
    def delta(self) -> float:
        """current − baseline mean."""
        return self.current - self.baseline


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
    return Change(current, mean, baseline_weeks, p, direction, pct)


def compare_shares(
    hits: int, total: int, base_hits: int, base_total: int, *, min_count: int, alpha: float
) -> tuple[float, Direction]:
    """(p-value, direction) of a share hits/total against base_hits/base_total (G² test, 1 df)."""
    if total <= 0 or base_total <= 0:
        return 1.0, "steady"
    g2 = g2_2x2(hits, total, base_hits, base_total)
    p = chi2_sf_1df(g2)
    share, base_share = hits / total, base_hits / base_total
    if p >= alpha or total < min_count:
        return p, "steady"
    if share > base_share and hits >= min_count:
        return p, "rising"
    if share < base_share and base_share * total >= min_count:
        return p, "falling"
    return p, "steady"
