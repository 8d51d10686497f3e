"""Coverage and shares on a generated corpus: an outage, a source added mid-way, a slow riser, a tiny group.

Eight weeks (W40–W47) of posts from three sources, all through the real Store:
- rss (imported history, no collector runs): 200 posts a week: dramas 100, games rising 15 %/week
  (20 → 53), toys 6 (3 of them shopping), the rest untagged;
- reddit (collector runs every day): 100 posts a week, dramas 60, games 20; down Tue–Thu of W47
  (failed runs, no posts);
- youtube: added in W46, 150 posts a week, all toys.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from monitor.digest import render_markdown, render_telegram
from monitor.store import Store, schema
from pipelines.trends import IsoWeek, build_weekly_report
from pipelines.trends.coverage import DayActivity, build_coverage, comparable, source_states
from pipelines.trends.weeks import FutureWeekError
from trends_fixtures import Spec, add_posts, monday, settings, watchlist

WEEKS = range(40, 48)
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # Wednesday of W48
OUTAGE = {1, 2, 3}  # Tue, Wed, Thu (days after Monday) of W47


def _spread(start: datetime, i: int) -> datetime:
    return start + timedelta(days=i % 7, hours=1 + (i // 7) % 22)


def _week_specs(week: int) -> list[Spec]:
    start = monday(f"2026-W{week}")
    k = week - 40
    specs: list[Spec] = []
    games = round(20 * 1.15**k)
    rss = ["drama"] * 100 + ["game"] * games + ["toy"] * 6 + [None] * (94 - games)
    for i, cat in enumerate(rss):
        shopping = ["shopping"] if cat == "toy" and i % 2 else []
        specs.append(Spec(_spread(start, i), [cat] if cat else [], [], shopping, source="rss", author=f"r{i}"))
    reddit = ["drama"] * 60 + ["game"] * 20 + [None] * 20
    for i, cat in enumerate(reddit):
        when = _spread(start, i)
        if week == 47 and (when - start).days in OUTAGE:
            continue
        specs.append(Spec(when, [cat] if cat else [], [], source="reddit", author=f"d{i}"))
    if week >= 46:
        specs += [Spec(_spread(start, i), ["toy"], ["Labubu"], source="youtube", author=f"y{i}") for i in range(150)]
    return specs


def _runs(store: Store) -> None:
    """One reddit run a day: 'ok', except 'failed' on the outage days."""
    rows = []
    for week in WEEKS:
        start = monday(f"2026-W{week}")
        for day in range(7):
            failed = week == 47 and day in OUTAGE
            at = start + timedelta(days=day, hours=6)
            rows.append(
                {"source": "reddit", "started_at": at, "finished_at": at + timedelta(minutes=2),
                 "status": "failed" if failed else "ok", "fetched": 0, "new": 0, "updated": 0, "skipped": 0, "errors": int(failed)}
            )
    with store.engine.begin() as conn:
        conn.execute(insert(schema.collector_runs), rows)


@pytest.fixture
def corpus(store: Store) -> Store:
    add_posts(store, [spec for week in WEEKS for spec in _week_specs(week)])
    _runs(store)
    return store


@pytest.fixture
def report(corpus: Store):
    return build_weekly_report(corpus, watchlist(), settings(), "2026-W47", now=NOW)


def test_outage_is_marked_and_excluded(report):
    reddit = [g for g in report.gaps if g.source == "reddit"]
    assert [(g.state, g.first.strftime("%a"), g.last.strftime("%a")) for g in reddit] == [("down", "Tue", "Thu")]
    assert report.incomplete and not report.unfinished
    assert report.compared_sources == ("rss",)
    assert set(report.excluded_sources) == {"reddit", "youtube"}
    # Reddit's dramas are missing for three days: the raw count fell, but nothing is called falling.
    drama = report.category("drama")
    assert drama.trend.count < drama.series[-2]
    assert all(m.direction != "falling" for m in report.movers())
    assert report.spikes == ()


def test_source_added_mid_way_shifts_no_trend(report):
    toy = report.category("toy")
    assert toy.series[-3:] == (6, 156, 156)  # youtube's toys from W46 on
    assert toy.trend.direction == "steady" and toy.trend.deciding.share == pytest.approx(0.03)
    assert [e.key for e in toy.entities] == ["Labubu"] and toy.entities[0].direction == "steady"


def test_weeks_before_collection_are_not_zeros(report, corpus: Store):
    drama = report.category("drama")
    assert drama.series[:2] == (None, None)  # chart weeks W38, W39: nothing was collected yet
    assert report.total_series[:2] == (None, None) and report.total_series[2] == 300
    w46 = build_weekly_report(corpus, watchlist(), settings(), "2026-W46", now=NOW)
    assert "youtube" in w46.excluded_sources  # its first week: no baseline of its own, not "+∞ %"
    assert w46.category("toy").trend.direction == "steady"
    assert w46.spikes == ()  # 0 → 21 Labubu posts a day is youtube starting, not a spike


def test_slow_riser_is_found_and_the_weekly_test_alone_misses_it(report):
    game = report.category("game").trend
    assert game.direction == "steady"  # W47 vs the 4 weeks before is not enough on its own
    assert game.slow is not None and game.slow.direction == "rising" and game.slow.weeks == 8
    assert game.slow.weekly_change == pytest.approx(0.15, abs=0.03)
    assert [t.key for t in report.slow_movers()] == ["game"]
    md = render_markdown(report)
    assert "**Games**: rising for 8 weeks (share +15%/week" in md


def test_small_groups_say_few_posts_and_no_minus_zero(report):
    toy = report.category("toy")
    assert toy.interests[0].n == 6
    md = render_markdown(report)
    assert "| Toys (n=6) | few posts (n=6) | few posts (n=6) | few posts (n=6) |" in md
    assert "(-0" not in md and "-0 pts" not in md
    telegram = "\n".join(render_telegram(report))
    assert "<b>Toys</b>: few posts (n=6)" in telegram
    assert "62% of" not in telegram  # no share on a handful of posts anywhere


def test_coverage_is_said_in_every_format(report):
    md = render_markdown(report)
    telegram = "\n".join(render_telegram(report))
    for body in (md, telegram):
        assert "reddit was down Tue–Thu; figures exclude it" in body
        assert "youtube is left out of comparisons" in body
    assert "Incomplete week" in md


def test_default_week_is_latest_ended_week_with_posts_and_future_week_is_an_error(corpus: Store):
    later = NOW + timedelta(weeks=3)  # W51: W48-W50 have no posts
    assert build_weekly_report(corpus, watchlist(), settings(), now=later).week == IsoWeek(2026, 47)
    with pytest.raises(FutureWeekError, match="2026-W49 has not begun"):
        build_weekly_report(corpus, watchlist(), settings(), "2026-W49", now=NOW)
    running = build_weekly_report(corpus, watchlist(), settings(), "2026-W48", now=NOW)
    assert running.unfinished and not running.comparable and not running.quiet
    assert "Incomplete week: it has not ended yet" in render_markdown(running)


def test_day_states_from_runs_and_posts():
    days = [datetime(2026, 11, 16 + i, tzinfo=UTC).date() for i in range(6)]
    busy = [DayActivity(30), DayActivity(0), DayActivity(0, {"failed": 2}), DayActivity(0, {"ok": 1}),
            DayActivity(0, {"partial": 1}), DayActivity(5)]
    assert source_states(days, busy, today=days[-1]) == ("ok", "down", "down", "ok", "partial", "future")
    quiet = [DayActivity(0), DayActivity(1), DayActivity(0), DayActivity(2), DayActivity(0), DayActivity(0)]
    # Before the first post: off. An empty day of a source that posts about once a day: just quiet.
    assert source_states(days, quiet, today=days[-1] + timedelta(days=1)) == ("off", "ok", "ok", "ok", "ok", "ok")
    assert source_states(days, quiet, today=days[-1] + timedelta(days=1), disabled=True)[-2:] == ("off", "off")


def test_comparable_drops_the_source_without_history():
    week = IsoWeek(2026, 47)
    base = week.previous(4)
    days = [d for w in (*base, week) for d in w.days()]
    posts = [{"old": 50, **({"new": 50} if d >= week.shift(-1).monday else {})} for d in days]
    coverage = build_coverage(days, posts, [], now_day=week.shift(1).monday)
    cmp = comparable(coverage, week, base)
    assert cmp.sources == ("old",) and cmp.baseline_weeks == tuple(base) and cmp.excluded == ("new",)
    assert coverage.state("new", base[0].monday) == "off"
