"""Count statistics: exact binomial/Poisson tests, G², and the rising/falling rule, on known answers."""

from __future__ import annotations

import math

import pytest

from pipelines.trends.stats import (
    betainc,
    binom_cdf,
    binom_sf,
    chi2_sf_1df,
    compare_counts,
    apply_fdr,
    benjamini_hochberg,
    compare_share,
    g2_2x2,
    log_ratio,
    poisson_rate_test,
    poisson_sf,
    poisson_trend,
)


def brute_cdf(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))


@pytest.mark.parametrize(
    ("k", "n", "p"),
    [(0, 1, 0.5), (3, 10, 0.5), (7, 10, 0.2), (15, 40, 0.3), (50, 120, 0.5), (1, 4, 0.2), (199, 200, 0.99)],
)
def test_binomial_cdf_matches_direct_summation(k: int, n: int, p: float):
    assert binom_cdf(k, n, p) == pytest.approx(brute_cdf(k, n, p), rel=1e-9, abs=1e-14)
    assert binom_sf(k, n, p) == pytest.approx(1 - brute_cdf(k - 1, n, p), rel=1e-9, abs=1e-14)


def test_betainc_edges_and_symmetry():
    assert betainc(2, 3, 0.0) == 0.0
    assert betainc(2, 3, 1.0) == 1.0
    assert betainc(1, 1, 0.3) == pytest.approx(0.3)  # uniform distribution
    assert betainc(2.5, 4.0, 0.4) == pytest.approx(1 - betainc(4.0, 2.5, 0.6))


def test_poisson_rate_test_known_values():
    # 10 vs 0 with equal exposure: P(X=10 | n=10, p=.5) = 1/1024, two-sided doubles it.
    assert poisson_rate_test(10, 1, 0, 1) == pytest.approx(2 / 1024)
    # Equal counts are perfectly compatible.
    assert poisson_rate_test(20, 1, 20, 1) == 1.0
    # 1 vs 3: nowhere near significant.
    assert poisson_rate_test(3, 1, 1, 1) == pytest.approx(2 * (1 - brute_cdf(2, 4, 0.5)))
    # Exposure matters: 40 this week vs 160 over 4 weeks is exactly the baseline rate.
    assert poisson_rate_test(40, 1, 160, 4) > 0.9
    assert poisson_rate_test(0, 1, 0, 4) == 1.0
    with pytest.raises(ValueError):
        poisson_rate_test(1, 0, 1, 1)


def test_large_counts_are_fast_and_sane():
    p = poisson_rate_test(21_000, 1, 80_000, 4)  # +5 % on a big base is significant
    assert p < 1e-6
    assert poisson_rate_test(20_050, 1, 80_000, 4) > 0.5


def test_one_to_three_is_not_a_trend_and_has_no_percentage():
    change = compare_counts(3, 1, 1, min_count=5, alpha=0.01)
    assert change.direction == "steady"
    assert change.pct is None
    assert change.baseline == 1


def test_rising_and_falling_need_significance_and_minimum_count():
    up = compare_counts(200, 100, 1, min_count=5, alpha=0.01)
    assert up.direction == "rising"
    assert up.pct == pytest.approx(100.0)
    down = compare_counts(100, 800, 4, min_count=5, alpha=0.01)
    assert down.direction == "falling"
    assert down.pct == pytest.approx(-50.0)
    assert down.baseline == 200
    # Significant at a loose alpha, but below the minimum count: not called.
    small = compare_counts(4, 0, 1, min_count=5, alpha=0.5)
    assert small.p_value < 0.5
    assert small.direction == "steady"
    # Big but noise-sized change.
    assert compare_counts(105, 100, 1, min_count=5, alpha=0.01).direction == "steady"


def test_no_baseline_weeks_is_steady():
    change = compare_counts(50, 0, 0, min_count=5, alpha=0.01)
    assert (change.direction, change.pct, change.baseline_weeks) == ("steady", None, 0)


def test_g2_matches_hand_computation_and_chi2_tail():
    a, n1, b, n2 = 30, 100, 10, 400
    cells = [(a, n1, a + b), (n1 - a, n1, n1 + n2 - a - b), (b, n2, a + b), (n2 - b, n2, n1 + n2 - a - b)]
    expected = 2 * sum(o * math.log(o / (r * c / (n1 + n2))) for o, r, c in cells)
    assert g2_2x2(a, n1, b, n2) == pytest.approx(expected)
    assert g2_2x2(10, 100, 40, 400) == pytest.approx(0.0, abs=1e-12)
    assert chi2_sf_1df(3.841458820694124) == pytest.approx(0.05, rel=1e-6)
    assert chi2_sf_1df(10.827566170662733) == pytest.approx(0.001, rel=1e-6)
    assert log_ratio(30, 100, 10, 400) == pytest.approx(math.log2((30.5 / 100) / (10.5 / 400)))


def test_compare_share_tests_the_share_not_the_count():
    c = compare_share(60, 100, 100, 400, 4, min_count=5)  # 60 % vs 25 %
    assert c.direction == "rising" and c.p_value < 1e-6
    assert (c.share, c.baseline_share, c.baseline, c.baseline_total) == (0.6, 0.25, 25.0, 100.0)
    assert compare_share(5, 100, 100, 400, 4, min_count=5).direction == "falling"  # 5 % vs 25 %
    # Total volume +44 %, the label's count +33 %: its share fell, so it is not rising.
    volume_up = compare_share(400, 1440, 300, 1000, 1, min_count=5)
    assert volume_up.pct == pytest.approx(33.3, abs=0.1)
    assert volume_up.direction == "falling" and volume_up.share < volume_up.baseline_share
    assert compare_share(2, 3, 1, 30, 1, min_count=5).direction == "steady"  # too few posts to call
    assert compare_share(0, 0, 5, 10, 1, min_count=5).p_value == 1.0


def test_benjamini_hochberg_matches_hand_computation():
    # p sorted: .01 (rank 1), .03 (2), .04 (3), .5 (4); q = min over ranks >= r of p·n/rank.
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])
    assert benjamini_hochberg([]) == []
    changes = [compare_share(60, 100, 100, 400, 4, min_count=5), compare_share(36, 100, 100, 400, 4, min_count=5)]
    assert changes[1].p_value < 0.05 and changes[1].direction == "rising"
    kept = apply_fdr(changes + [compare_share(25, 100, 100, 400, 4, min_count=5)] * 20, alpha=0.05)
    assert kept[0].direction == "rising"
    assert kept[1].direction == "steady"  # p=0.03 alone, not after correcting for 22 labels
    assert kept[1].q_value > changes[1].p_value


def test_poisson_trend_finds_a_slow_riser_and_not_noise():
    totals = [1000, 1500, 900, 1200, 1100, 1600, 1000, 1300]
    riser = [round(20 * 1.15**w * t / 1000) for w, t in enumerate(totals)]
    fit = poisson_trend(riser, totals)
    assert fit is not None and fit.weekly_change == pytest.approx(0.15, abs=0.03) and fit.p_value < 1e-4
    flat = [round(20 * t / 1000) + (1 if w % 2 else -1) for w, t in enumerate(totals)]
    assert poisson_trend(flat, totals).p_value > 0.05
    # A total that doubles with a constant share is not a trend of the share.
    growing = [20 * 2**w for w in range(6)]
    assert poisson_trend([n // 10 for n in growing], growing).slope == pytest.approx(0.0, abs=1e-9)
    assert poisson_trend([0, 0, 0], [10, 10, 10]) is None


@pytest.mark.parametrize(("k", "mu"), [(0, 2.0), (1, 0.5), (5, 1.4), (3, 7.0), (25, 4.0), (60, 30.0)])
def test_poisson_tail_matches_direct_summation(k: int, mu: float):
    def pmf(i: int) -> float:
        return math.exp(-mu + i * math.log(mu) - math.lgamma(i + 1))

    lower = sum(pmf(i) for i in range(k))
    upper = sum(pmf(i) for i in range(k, k + 300))
    assert poisson_sf(k, mu) == pytest.approx(upper, rel=1e-9, abs=1e-15)
    assert poisson_sf(k, mu) == pytest.approx(1 - lower, abs=1e-12)
