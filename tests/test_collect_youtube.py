"""YouTube collector against a fake Data API: quota budget per run and per day, comments, faults."""

from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from monitor.collectors.runner import run_source
from monitor.collectors.youtube import YoutubeCollector
from monitor.config import AppConfig, load_config
from tests.fakes.server import Reply
from tests.fakes.youtube import FakeYouTube, at, comment_thread, error, video

KEYWORDS = """
categories:
  toy: {label: Toys}
  game: {label: Games}
entities:
  - {name: Labubu, category: toy, queries: [Labubu]}
  - {name: Pop Mart, category: toy, queries: [Pop Mart]}
  - {name: Genshin Impact, category: game, queries: [Genshin Impact]}
"""
FAST = {"max_retries": 2, "backoff_seconds": 0.001, "max_backoff_seconds": 60, "timeout_seconds": 2}
KEY = "yt-test-key-123456"
ENV = {"YOUTUBE_API_KEY": KEY}
NOW = at(24)  # 2026-11-21 08:00 UTC = 00:00 in Los Angeles: a fresh quota day


def make_config(tmp_path: Path, section: dict) -> AppConfig:
    (tmp_path / "keywords.yaml").write_text(KEYWORDS)
    settings = {"sources": {"youtube": {"enabled": True, **FAST, **section}}}
    (tmp_path / "pulse.yaml").write_text(yaml.safe_dump(settings))
    return load_config(tmp_path / "pulse.yaml", env=ENV)


def run(config: AppConfig, store, *, now: datetime = NOW, sleeps: list[float] | None = None,  # noqa: ANN001, ANN201
        env: dict | None = None, cls=YoutubeCollector):
    env = ENV if env is None else env
    collector = cls(config.sources["youtube"], config.watchlist, env)
    collector.sleep = sleeps.append if sleeps is not None else (lambda s: None)
    collector.now = lambda: now
    return run_source("youtube", config, store, env, collector=collector)


def state(store) -> dict:  # noqa: ANN001
    return json.loads(store.get_checkpoint("youtube", "search"))


def stored(store) -> dict:  # noqa: ANN001
    return {post.id: post for _, post in store.iter_posts()}


@pytest.fixture
def yt():
    with FakeYouTube(KEY) as fake:
        yield fake


def test_search_with_details_and_dedupe_across_queries(tmp_path: Path, store, yt: FakeYouTube) -> None:
    shared = video("vidShared01", "Labubu x Pop Mart: what's next", at(20), description="full description " * 5,
                   views=9000, likes=300, comments=40, audio_lang="en-US")
    yt.results["Labubu"] = [shared, video("vidLabubu02", "Labubu haul", at(21), audio_lang=None)]
    yt.results["Pop Mart"] = [shared]
    config = make_config(tmp_path, {"api_base_url": f"{yt.url}/youtube/v3"})
    report = run(config, store)
    assert report.status == "ok", report
    search = yt.requests_to("/youtube/v3/search")[0]
    assert (search.param("type"), search.param("order"), search.param("q")) == ("video", "date", "Labubu")
    assert search.param("publishedAfter") == "2026-11-14T08:00:00Z"  # initial look-back: 7 days
    assert "key" not in search.query and search.headers["X-Goog-Api-Key"] == KEY
    posts = stored(store)
    assert set(posts) == {"vidShared01", "vidLabubu02"}
    p = posts["vidShared01"]
    assert p.title == "Labubu x Pop Mart: what's next"  # HTML entities of search snippets decoded
    assert p.text == "full description " * 5  # videos.list's full text, not the 40-character search snippet
    assert p.url == "https://www.youtube.com/watch?v=vidShared01" and p.author == "Fan Channel"
    assert p.metrics == {"views": 9000, "likes": 300, "comments": 40} and p.lang == "en"
    assert p.engagement == 340  # views are reach, not engagement
    assert report.total("new") == 2 and report.total("updated") == 1
    s = state(store)
    assert s["day"] == "2026-11-21" and s["units"] == 3 * 100 + 2  # three searches, two with videos to detail
    assert s["units"] == yt.units
    assert s["after"]["Labubu"] == "2026-11-21T05:00:00Z"
    # Next run: publishedAfter is the newest video seen per query.
    run(config, store, now=NOW + timedelta(hours=3))
    assert yt.requests_to("/youtube/v3/search")[-3].param("publishedAfter") == "2026-11-21T05:00:00Z"


def test_run_budget_and_daily_quota_are_never_exceeded(tmp_path: Path, store, yt: FakeYouTube) -> None:
    for q in ("Labubu", "Pop Mart", "Genshin Impact"):
        yt.results[q] = [video(f"v{q[:3]}", q, at(1))]
    config = make_config(tmp_path, {"api_base_url": f"{yt.url}/youtube/v3", "units_per_run": 250,
                                    "daily_quota": 450, "video_details": False})
    run(config, store)
    assert [r.param("q") for r in yt.requests_to("/youtube/v3/search")] == ["Labubu", "Pop Mart"]
    assert state(store)["units"] == 200 and state(store)["next"] == 2
    run(config, store, now=NOW + timedelta(hours=1))  # rotation: the next run starts where this one stopped
    assert [r.param("q") for r in yt.requests_to("/youtube/v3/search")][2:] == ["Genshin Impact", "Labubu"]
    assert state(store)["units"] == 400
    run(config, store, now=NOW + timedelta(hours=2))  # 50 units left today: nothing affordable
    assert len(yt.requests_to("/youtube/v3/search")) == 4 and state(store)["units"] == 400
    assert yt.units <= 450
    run(config, store, now=NOW + timedelta(hours=24))  # midnight in Los Angeles: a new quota day
    assert len(yt.requests_to("/youtube/v3/search")) == 6
    assert state(store)["day"] == "2026-11-22" and state(store)["units"] == 200


def test_retries_are_charged_to_the_quota(tmp_path: Path, store, yt: FakeYouTube) -> None:
    yt.results["Labubu"] = [video("v1", "a", at(1))]
    yt.fail_next("/youtube/v3/search", Reply(503, error(503, "backendError")))
    yt.fail_next("/youtube/v3/search", Reply(429, error(429, "rateLimitExceeded"), {"Retry-After": "4"}))
    yt.fail_next("/youtube/v3/search", Reply(500, error(500, "backendError")))
    config = make_config(tmp_path, {"api_base_url": f"{yt.url}/youtube/v3", "units_per_run": 300,
                                    "video_details": False, "max_retries": 5})
    sleeps: list[float] = []
    report = run(config, store, sleeps=sleeps)
    # 3 failed attempts + 0 successes fit in 300 units; the 4th attempt would exceed the run budget.
    assert len(yt.requests_to("/youtube/v3/search")) == 3
    assert 4.0 in sleeps
    assert state(store)["units"] == 300 and store.count_posts() == 0
    assert report.status == "ok"  # stopping at the budget is not an error


def test_5xx_then_success_and_429_without_headers(tmp_path: Path, store, yt: FakeYouTube) -> None:
    yt.results["Labubu"] = [video("v1", "a", at(1))]
    yt.fail_next("/youtube/v3/search", Reply(502, "<html>bad gateway</html>", {"Content-Type": "text/html"}))
    yt.fail_next("/youtube/v3/search", Reply(429, error(429, "rateLimitExceeded")))
    config = make_config(tmp_path, {"api_base_url": f"{yt.url}/youtube/v3", "units_per_run": 1000})
    sleeps: list[float] = []
    report = run(config, store, sleeps=sleeps)
    assert report.status == "ok" and "v1" in stored(store)
    assert len(sleeps) == 2 and all(s < 0.01 for s in sleeps)


def test_comments_of_new_videos(tmp_path: Path, store, yt: FakeYouTube) -> None:
    yt.results["Labubu"] = [video("v1", "a", at(1)), video("v2", "b", at(2)), video("v3", "c", at(3))]
    yt.comments["v3"] = [comment_thread("Ugx1", "v3", "so cute", at(3.5), likes=9, replies=2),
                         {"id": "broken", "snippet": {}}]
    yt.comments["v1"] = [comment_thread("Ugx9", "v1", "never read: only the newest two videos", at(1.5))]
    yt.comments_disabled.add("v2")
    config = make_config(tmp_path, {"api_base_url": f"{yt.url}/youtube/v3", "comments_per_video": 20,
                                    "max_comment_videos": 2})
    report = run(config, store)
    posts = stored(store)
    comment = posts["comment:Ugx1"]
    assert comment.text == "so cute" and comment.url == "https://www.youtube.com/watch?v=v3&lc=Ugx1"
    assert "comment:Ugx9" not in posts
    assert comment.metrics == {"likes": 9, "replies": 2}
    assert len(yt.requests_to("/youtube/v3/commentThreads")) == 2  # max_comment_videos
    assert report.total("skipped") == 1  # the broken thread; disabled comments are not an error
    assert state(store)["units"] == yt.units


def test_quota_exceeded_stops_the_source_until_the_next_day(tmp_path: Path, store, yt: FakeYouTube) -> None:
    yt.results["Labubu"] = [video("v1", "a", at(1))]
    config = make_config(tmp_path, {"api_base_url": f"{yt.url}/youtube/v3", "video_details": False})
    yt.quota = 0  # the project's quota was used up elsewhere
    report = run(config, store)
    assert report.status == "failed" and "quota exhausted" in report.message
    assert state(store)["units"] == 10_000
    before = len(yt.requests)
    run(config, store, now=NOW + timedelta(hours=1))
    assert len(yt.requests) == before  # no call for the rest of the day
    yt.quota = 10_000
    report = run(config, store, now=NOW + timedelta(days=1))
    assert report.status == "ok" and "v1" in stored(store)


def test_bad_key_stops_the_source_without_leaking_it(tmp_path: Path, store, yt: FakeYouTube) -> None:
    config = make_config(tmp_path, {"api_base_url": f"{yt.url}/youtube/v3"})
    report = run(config, store, env={"YOUTUBE_API_KEY": "wrong-key-999999"})
    assert report.status == "failed" and "rejected the API key (keyInvalid)" in report.message
    assert len(yt.requests_to("/youtube/v3/search")) == 1  # a 400 is not retried
    record = store.recent_runs(1)[0]
    assert "wrong-key" not in json.dumps(record, default=str)


def test_missing_key_is_skipped(tmp_path: Path, store) -> None:
    config = make_config(tmp_path, {})
    report = run_source("youtube", config, store, {})
    assert report.status == "skipped" and "YOUTUBE_API_KEY" in report.message


def test_malformed_json_missing_fields_timeout_and_refused(tmp_path: Path, store, yt: FakeYouTube) -> None:
    yt.results["Labubu"] = [video("v1", "good", at(1))]
    yt.raw_items["Labubu"] = [{"id": {"kind": "youtube#channel", "channelId": "UCx"}, "snippet": {}},
                              {"id": {"videoId": "v9"}, "snippet": {"publishedAt": "not a date"}}]
    yt.fail_next("/youtube/v3/search", Reply(200, "{not json", {"Content-Type": "application/json"}))  # Labubu
    yt.fail_next("/youtube/v3/search", Reply(200, {"items": []}, delay=0.6), times=2)  # Pop Mart times out
    config = make_config(tmp_path, {"api_base_url": f"{yt.url}/youtube/v3", "timeout_seconds": 0.2,
                                    "max_retries": 1, "video_details": False})
    report = run(config, store)
    messages = " ".join(report.queries[0].messages)
    assert "not JSON" in messages and "Timeout" in messages
    assert report.status == "partial"
    run(config, store, now=NOW + timedelta(hours=1))  # Labubu comes round again and now answers
    assert set(stored(store)) == {"v1"}
    assert store.recent_runs(1)[0]["skipped"] == 2
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = make_config(tmp_path, {"api_base_url": f"http://127.0.0.1:{port}/youtube/v3", "max_retries": 1})
    report = run(dead, store, now=NOW + timedelta(hours=2))
    assert report.status == "failed" and "cannot reach" in report.message


def test_crash_mid_run_keeps_posts_and_units(tmp_path: Path, store, yt: FakeYouTube) -> None:
    for q in ("Labubu", "Pop Mart", "Genshin Impact"):
        yt.results[q] = [video(f"v{q[:3]}", q, at(1))]
    config = make_config(tmp_path, {"api_base_url": f"{yt.url}/youtube/v3", "video_details": False})

    class Crashing(YoutubeCollector):
        def _search(self, text):  # noqa: ANN001, ANN202
            if text == "Pop Mart":
                raise KeyboardInterrupt
            yield from super()._search(text)

    with pytest.raises(KeyboardInterrupt):
        run(config, store, cls=Crashing)
    assert set(stored(store)) == {"vLab"}
    assert state(store)["units"] == 100 and state(store)["next"] == 1
    run(config, store, now=NOW + timedelta(hours=1))
    assert set(stored(store)) == {"vLab", "vPop", "vGen"}
    assert state(store)["units"] == 400 == yt.units  # the second run went round all three queries
