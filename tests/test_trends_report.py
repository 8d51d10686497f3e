"""build_weekly_report / find_spikes against a real SQLite store filled with constructed, known data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.store import Store
from pipelines.trends import IsoWeek, build_weekly_report, find_spikes
from trends_fixtures import Spec, add_posts, fill_known_weeks as fill, monday, settings, watchlist

BERLIN = {"timezone": "Europe/Berlin"}


def berlin_settings(**digest):
    s = settings(**digest)
    return s.model_copy(update=BERLIN)


@pytest.fixture
def report(store: Store):
    fill(store)
    return build_weekly_report(store, watchlist(), berlin_settings(), "2026-W47")


def test_volumes_and_changes(report):
    assert report.week == IsoWeek(2026, 47)
    assert report.start == datetime(2026, 11, 15, 23, 0, tzinfo=UTC)
    toy = report.category("toy")
    drama = report.category("Dramas")  # by label too
    game = report.category("game")
    assert toy.trend.count == 40
    assert toy.trend.vs_previous.baseline == 10
    assert toy.trend.vs_baseline.baseline == 10 and toy.trend.vs_baseline.baseline_weeks == 4
    assert toy.trend.vs_baseline.pct == pytest.approx(300.0)
    assert toy.trend.direction == "rising"
    # Drama: 20 a week before, 21 now (the Monday 00:30 Berlin post counts, the W48 one does not),
    # but its share of the week's posts halved (20 of 30 → 21 of 64): falling, as a share.
    assert drama.trend.count == 21
    assert drama.trend.vs_baseline.share == pytest.approx(21 / 64)
    assert drama.trend.direction == "falling"
    # Game: 1 → 3 is neither "rising" nor "+200 %".
    assert game.trend.count == 3
    assert game.trend.direction == "steady"
    assert game.trend.vs_previous.pct is None
    assert report.total.count == 64
    assert toy.series[-5:] == (10, 10, 10, 10, 40)


def test_entities_authors_engagement(report):
    toy = report.category("toy")
    labubu = toy.entities[0]
    assert (labubu.key, labubu.count, labubu.direction) == ("Labubu", 40, "rising")
    assert toy.trend.authors == 8
    assert toy.trend.engagement == float(sum(range(40)))
    drama_names = [e.key for e in report.category("drama").entities]
    assert drama_names == ["ReelShort", "Hidden Love"]
    # Shares of the week's posts: toys 33 % → 62 % rise; dramas (20 of 30 → 21 of 64) and
    # ReelShort lose share although their counts held.
    movers = {m.key: m.direction for m in report.movers()}
    assert movers == {"toy": "rising", "Labubu": "rising", "drama": "falling", "ReelShort": "falling"}


def test_top_posts_by_engagement_with_links(report):
    posts = report.category("toy").top_posts
    assert len(posts) == 5
    assert [p.engagement for p in posts] == [39.0, 38.0, 37.0, 36.0, 35.0]
    assert posts[0].url == "https://example.org/toy/39"
    assert "<b>sold</b>" in posts[0].snippet  # raw here; renderers escape


def test_interest_conversion(report):
    toy = report.category("toy")
    shopping = next(i for i in toy.interests if i.interest == "shopping")
    assert shopping.posts == 24 and shopping.share == pytest.approx(0.6)
    assert shopping.baseline_posts == 8 and shopping.baseline_share == pytest.approx(0.2)
    assert shopping.delta_pp == pytest.approx(40.0)
    assert shopping.direction == "rising"
    travel = next(i for i in toy.interests if i.interest == "travel")
    assert (travel.posts, travel.share, travel.direction) == (0, 0.0, "steady")
    assert report.interest_movers() == [(toy, shopping)]


def test_language_mix_and_suggestions(report):
    langs = {l.lang: l.posts for l in report.languages}
    assert langs == {"en": 44, "es": 20}
    assert report.languages[0].lang == "en"
    terms = [t.term for t in report.suggested_keywords]
    assert any("zimomo" in t for t in terms)
    assert not any("labubu" in t or "reelshort" in t for t in terms)


def test_spike_in_the_week(report):
    assert [a.key for a in report.spikes] == ["spike:Labubu:2026-11-19"]
    alert = report.spikes[0]
    assert alert.spike.count == 30
    assert alert.label == "Toys"
    assert alert.top_posts[0].engagement == 29.0
    assert not report.quiet


def test_find_spikes_mid_week(store: Store):
    fill(store)
    now = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)
    alerts = find_spikes(store, watchlist(), berlin_settings(), now=now)
    assert [a.key for a in alerts] == ["spike:Labubu:2026-11-19"]
    assert len(alerts[0].top_posts) == 3
    assert alerts[0].partial_day  # 19 November is still running at `now`
    # Three days later the event is out of the window: nothing new to send.
    assert find_spikes(store, watchlist(), berlin_settings(), now=now + timedelta(days=3)) == []


def test_quiet_week_and_empty_store(store: Store):
    empty = build_weekly_report(store, watchlist(), settings(), "2026-W47")
    assert empty.total.count == 0
    assert not empty.comparable and not empty.quiet  # nothing collected: no verdict, not "quiet"
    assert all(s.trend.count == 0 for s in empty.categories)
    specs = []
    for week in range(40, 48):
        start = monday(f"2026-W{week}")
        specs += [Spec(start + timedelta(days=i % 7, hours=i % 24), ["drama"], ["ReelShort"], author=f"a{i}") for i in range(30)]
    add_posts(store, specs)
    quiet = build_weekly_report(store, watchlist(), settings(), "2026-W47")
    assert quiet.total.count == 30
    assert quiet.quiet
    assert quiet.movers() == [] and quiet.spikes == ()


def test_default_week_is_latest_complete_and_report_is_deterministic(store: Store):
    fill(store)
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    first = build_weekly_report(store, watchlist(), berlin_settings(), now=now)
    assert first.week == IsoWeek(2026, 47)
    assert first == build_weekly_report(store, watchlist(), berlin_settings(), IsoWeek(2026, 47))


def test_pruned_weeks_still_count(store: Store):
    """After `pulse db prune`, old weeks come from weekly_aggregates: the chart series do not change.
    Comparisons need per-source counts, which only live posts have: pruned weeks drop out of them."""
    from zoneinfo import ZoneInfo

    from monitor.store.maintenance import prune

    fill(store)
    before = build_weekly_report(store, watchlist(), berlin_settings(), "2026-W47")
    result = prune(store, timedelta(days=14), ZoneInfo("Europe/Berlin"), now=datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    assert result.posts > 0
    after = build_weekly_report(store, watchlist(), berlin_settings(), "2026-W47")
    for key in ("toy", "drama", "game"):
        assert after.category(key).series == before.category(key).series
        assert after.category(key).trend.count == before.category(key).trend.count
    assert after.total_series == before.total_series
    assert before.baseline_weeks == tuple(IsoWeek(2026, w) for w in (43, 44, 45, 46))
    assert after.baseline_weeks == (IsoWeek(2026, 46),)  # W43-W45 are pruned: no per-source counts left
    assert [e.key for e in after.category("toy").entities] == ["Labubu"]
