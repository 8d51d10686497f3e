"""RSS/Atom collector against a fake news site: conditional GET, back-off, dedupe, faults."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from monitor.collectors.rss import RssCollector
from monitor.collectors.runner import run_source
from monitor.config import AppConfig, load_config
from tests.fakes.rss import FakeNewsServer, Feed, FeedItem
from tests.fakes.server import Reply

KEYWORDS = """
categories:
  toy: {label: Toys}
entities:
  - {name: Labubu, category: toy, hashtags: [labubu], queries: [Labubu]}
  - {name: Pop Mart, category: toy, hashtags: [popmart], queries: [Pop Mart]}
"""
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
FAST = {"max_retries": 2, "backoff_seconds": 0.001, "max_backoff_seconds": 60, "timeout_seconds": 2,
        "per_host_delay_seconds": 0}


def make_config(tmp_path: Path, section: dict) -> AppConfig:
    (tmp_path / "keywords.yaml").write_text(KEYWORDS)
    settings = {"sources": {"rss": {"enabled": True, **FAST, **section}}}
    (tmp_path / "pulse.yaml").write_text(yaml.safe_dump(settings))
    return load_config(tmp_path / "pulse.yaml", env={})


def collector(config: AppConfig, sleeps: list[float] | None = None, now: datetime | None = None) -> RssCollector:
    c = RssCollector(config.sources["rss"], config.watchlist, {})
    c.sleep = (sleeps.append if sleeps is not None else (lambda s: None))
    if now is not None:
        c.now = lambda: now
    return c


def run(config: AppConfig, store, **kw):  # noqa: ANN001, ANN201
    return run_source("rss", config, store, {}, collector=collector(config, **kw))


def stored(store) -> dict[str, object]:  # noqa: ANN001
    return {post.id: post for _, post in store.iter_posts()}


@pytest.fixture
def news():
    with FakeNewsServer() as fake:
        fake.feeds["trade"] = Feed(items=[
            FeedItem("trade-1", "Pop Mart &amp; Labubu sales", "http://example.org/a1",
                     "<p>Labubu <b>blind boxes</b> sold out &amp; more.</p><script>x()</script>", T0, "Ann"),
            FeedItem("trade-2", "Second", "http://example.org/a2", "plain text", T0 + timedelta(hours=1)),
        ])
        fake.feeds["fans"] = Feed(atom=True, language="fr-FR", items=[
            FeedItem("urn:fans:1", "Atom entry", "http://fans.example/1", "<div>Genshin <i>fan art</i></div>", T0, "Bo"),
        ])
        yield fake


def test_collects_rss_and_atom_with_html_stripped(tmp_path: Path, store, news: FakeNewsServer) -> None:
    config = make_config(tmp_path, {"api_base_url": news.url, "feeds": ["/feeds/trade", "/feeds/fans"]})
    report = run(config, store)
    assert report.status == "ok", report
    posts = stored(store)
    assert set(posts) == {"trade-1", "trade-2", "urn:fans:1"}
    first = posts["trade-1"]
    assert first.text == "Labubu blind boxes sold out & more."
    assert first.title == "Pop Mart & Labubu sales"
    assert first.url == "http://example.org/a1" and first.author == "Ann" and first.lang == "en"
    assert first.created_at == T0
    atom = posts["urn:fans:1"]
    assert atom.text == "Genshin fan art" and atom.lang == "fr" and atom.author == "Bo"
    assert store.recent_runs(1)[0]["status"] == "ok"


def test_unchanged_feed_is_a_conditional_get_that_costs_nothing(tmp_path: Path, store, news: FakeNewsServer) -> None:
    config = make_config(tmp_path, {"api_base_url": news.url, "feeds": ["/feeds/trade"]})
    run(config, store)
    key = f"feed:{news.url}/feeds/trade"
    assert json.loads(store.get_checkpoint("rss", key))["etag"] == '"v1"'
    report = run(config, store)
    assert report.status == "ok" and report.total("fetched") == 0
    second = news.requests_to("/feeds/trade")[-1]
    assert second.headers.get("If-None-Match") == '"v1"'
    assert second.headers.get("If-Modified-Since")
    assert json.loads(store.get_checkpoint("rss", key))["etag"] == '"v1"'  # kept across a 304
    # The feed changes: a new ETag, the new entry arrives, the old ones are not duplicated.
    news.feeds["trade"].items.append(FeedItem("trade-3", "Third", "http://example.org/a3", "new", T0 + timedelta(hours=2)))
    news.feeds["trade"].version = 2
    report = run(config, store)
    assert report.total("fetched") == 3 and report.total("new") == 1 and report.total("updated") == 2
    assert store.count_posts() == 3


def test_search_feeds_from_watchlist_and_duplicates_stored_once(tmp_path: Path, store, news: FakeNewsServer) -> None:
    shared = FeedItem("news-42", "Labubu maker Pop Mart profits", "http://news.example/42", "both", T0)
    news.search_results = {
        "Labubu": [shared, FeedItem("news-1", "Labubu craze", "http://news.example/1", "x", T0)],
        "Pop Mart": [shared],
    }
    config = make_config(tmp_path, {"api_base_url": news.url, "search_feeds": ["/rss/search?q={query}&hl=en"]})
    report = run(config, store)
    assert [q.query for q in report.queries] == [
        f"feed:{news.url}/rss/search?q=Labubu&hl=en", f"feed:{news.url}/rss/search?q=Pop+Mart&hl=en"]
    assert {r.param("q") for r in news.requests_to("/rss/search")} == {"Labubu", "Pop Mart"}
    assert report.total("fetched") == 3 and report.total("new") == 2
    assert store.count_posts() == 2
    news.search_results["Labubu"][1] = FeedItem("news-1", "Labubu craze", "http://news.example/1", "x", T0)
    run(config, store)  # 304s now: nothing new
    assert store.count_posts() == 2


def test_missing_ids_dates_are_hashed_or_skipped_and_counted(tmp_path: Path, store, news: FakeNewsServer) -> None:
    news.feeds["odd"] = Feed(items=[
        FeedItem(None, "No guid, has link", "http://example.org/nolink-guid", "a", T0),
        FeedItem(None, "Neither guid nor link", None, "b", T0),
        FeedItem("dateless", "No date", "http://example.org/d", "c", None),
        FeedItem("x" * 300, "Very long guid", "http://example.org/long", "d", T0),
    ])
    config = make_config(tmp_path, {"api_base_url": news.url, "feeds": ["/feeds/odd"]})
    report = run(config, store)
    ids = set(stored(store))
    assert len(ids) == 2 and all(i.startswith("sha256:") for i in ids)
    assert report.total("skipped") == 2
    assert store.recent_runs(1)[0]["skipped"] == 2
    run(config, store)
    news.feeds["odd"].version = 2
    run(config, store)
    assert store.count_posts() == 2  # link hashes are stable across runs


def test_5xx_and_429_are_retried(tmp_path: Path, store, news: FakeNewsServer) -> None:
    config = make_config(tmp_path, {"api_base_url": news.url, "feeds": ["/feeds/trade"]})
    news.fail_next("/feeds/trade", Reply(503, "busy"))
    news.fail_next("/feeds/trade", Reply(429, "slow down", {"Retry-After": "7"}))
    sleeps: list[float] = []
    report = run(config, store, sleeps=sleeps)
    assert report.status == "ok" and store.count_posts() == 2
    assert len(news.requests_to("/feeds/trade")) == 3
    assert sleeps[1] == 7.0 and sleeps[0] < 0.01  # Retry-After honoured, otherwise tiny backoff
    news.fail_next("/feeds/trade", Reply(429, "slow down"))  # no Retry-After: usual backoff
    sleeps.clear()
    news.feeds["trade"].version = 2
    assert run(config, store, sleeps=sleeps).status == "ok"
    assert len(sleeps) == 1 and sleeps[0] < 0.01


def test_failing_feed_backs_off_and_recovers(tmp_path: Path, store, news: FakeNewsServer) -> None:
    config = make_config(tmp_path, {"api_base_url": news.url, "feeds": ["/feeds/trade", "/feeds/fans"],
                                    "feed_backoff_minutes": 30})
    key = f"feed:{news.url}/feeds/trade"
    news.fail_next("/feeds/trade", Reply(500, "boom"), times=3)  # first try + 2 retries
    report = run(config, store, now=T0)
    assert report.status == "partial"
    assert store.count_posts() == 1  # the other feed still arrived
    state = json.loads(store.get_checkpoint("rss", key))
    assert state["failures"] == 1 and state["retry_at"] == (T0 + timedelta(minutes=30)).isoformat()
    run_record = store.recent_runs(1)[0]
    assert run_record["status"] == "partial" and "HTTP 500" in run_record["message"]
    # Within the back-off window the feed is not requested at all.
    before = len(news.requests_to("/feeds/trade"))
    run(config, store, now=T0 + timedelta(minutes=10))
    assert len(news.requests_to("/feeds/trade")) == before
    # It fails again after the window: the next back-off doubles.
    news.fail_next("/feeds/trade", Reply(502, "bad gateway"), times=3)
    run(config, store, now=T0 + timedelta(minutes=31))
    state = json.loads(store.get_checkpoint("rss", key))
    assert state["failures"] == 2
    assert state["retry_at"] == (T0 + timedelta(minutes=31 + 60)).isoformat()
    # Then it recovers: posts arrive and the failure count is reset.
    report = run(config, store, now=T0 + timedelta(hours=2))
    assert store.count_posts() == 3
    assert json.loads(store.get_checkpoint("rss", key))["failures"] == 0


def test_timeout_is_retried_then_recorded(tmp_path: Path, store, news: FakeNewsServer) -> None:
    config = make_config(tmp_path, {"api_base_url": news.url, "feeds": ["/feeds/trade", "/feeds/fans"],
                                    "timeout_seconds": 0.2, "max_retries": 1})
    news.fail_next("/feeds/trade", Reply(200, "<rss/>", delay=0.6), times=2)
    report = run(config, store)
    assert report.status == "partial"
    assert "Timeout" in report.queries[0].messages[0] or "timed out" in report.queries[0].messages[0]
    assert len(news.requests_to("/feeds/trade")) == 2
    assert store.count_posts() == 1  # fans feed is on the same host but answered: host not dead


def test_connection_refused_is_a_recorded_failed_run(tmp_path: Path, store) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = make_config(tmp_path, {"feeds": [f"http://127.0.0.1:{port}/a", f"http://127.0.0.1:{port}/b"],
                                    "max_retries": 1})
    report = run(config, store)
    assert report.status == "failed" and "cannot reach" in report.message
    record = store.recent_runs(1)[0]
    assert record["status"] == "failed" and record["finished_at"] is not None


def test_malformed_xml_is_an_error_and_other_feeds_still_arrive(tmp_path: Path, store, news: FakeNewsServer) -> None:
    news.feeds["broken"] = Feed(raw="<<<this is not xml at all {]")
    news.feeds["half"] = Feed(raw=(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Half</title>'
        "<item><title>Good one</title><guid>half-1</guid><pubDate>Fri, 20 Nov 2026 08:00:00 GMT</pubDate>"
        "<description>ok &amp; fine</description></item>"
        "<item><title>Cut off</title><guid>half-2</guid><description>trunc"))
    news.route("GET", "/feeds/json", lambda rec: Reply(200, {"not": "a feed"}))
    config = make_config(tmp_path, {"api_base_url": news.url,
                                    "feeds": ["/feeds/broken", "/feeds/json", "/feeds/half", "/feeds/trade"]})
    report = run(config, store)
    by_query = {q.query.rsplit("/", 1)[1]: q for q in report.queries}
    assert by_query["broken"].errors == 1 and "not a feed" in by_query["broken"].messages[0]
    assert by_query["json"].errors == 1
    assert "half-1" in stored(store)  # a truncated feed still yields the entries it has
    assert by_query["trade"].new == 2
    assert report.status == "partial"


def test_crash_mid_run_keeps_stored_posts(tmp_path: Path, store, news: FakeNewsServer) -> None:
    config = make_config(tmp_path, {"api_base_url": news.url, "feeds": ["/feeds/trade", "/feeds/fans"]})

    class Crashing(RssCollector):
        def fetch(self, query, checkpoint):  # noqa: ANN001, ANN202
            if query.text.endswith("/fans"):
                raise KeyboardInterrupt  # the process dies: nothing in the runner catches this
            yield from super().fetch(query, checkpoint)

    crashing = Crashing(config.sources["rss"], config.watchlist, {})
    with pytest.raises(KeyboardInterrupt):
        run_source("rss", config, store, {}, collector=crashing)
    assert set(stored(store)) == {"trade-1", "trade-2"}
    assert store.get_checkpoint("rss", f"feed:{news.url}/feeds/fans") is None
    report = run(config, store)  # the next run picks up the rest
    assert set(stored(store)) == {"trade-1", "trade-2", "urn:fans:1"} and report.status == "ok"


def test_config_rejects_template_without_placeholder(tmp_path: Path) -> None:
    from monitor.config import ConfigError

    with pytest.raises(ConfigError, match="placeholder"):
        make_config(tmp_path, {"search_feeds": ["https://news.example/rss?q=fixed"]})


def test_feeds_on_an_unreachable_host_are_skipped_without_more_retries(tmp_path: Path, store, news: FakeNewsServer) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = [f"http://127.0.0.1:{port}/feed{i}" for i in range(5)]
    config = make_config(tmp_path, {"api_base_url": news.url, "feeds": ["/feeds/trade", *dead], "max_retries": 2})
    sleeps: list[float] = []
    report = run(config, store, sleeps=sleeps)
    assert report.status == "partial" and store.count_posts() == 2
    assert report.total("errors") == 1 and len(sleeps) == 2  # one feed's retries, the other four skipped
    assert json.loads(store.get_checkpoint("rss", f"feed:{dead[0]}"))["failures"] == 1
    assert store.get_checkpoint("rss", f"feed:{dead[1]}") is None  # no back-off for feeds never tried


def test_feeds_of_one_host_are_paced(tmp_path: Path, store, news: FakeNewsServer) -> None:
    config = make_config(tmp_path, {"api_base_url": news.url, "search_feeds": ["/rss/search?q={query}"],
                                    "feeds": ["/feeds/trade"], "per_host_delay_seconds": 5})
    sleeps: list[float] = []
    run(config, store, sleeps=sleeps)
    assert len(news.requests_to("/")) == 3
    assert len(sleeps) == 2 and all(4 < s <= 5 for s in sleeps)  # before the 2nd and 3rd request
