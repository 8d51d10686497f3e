"""Bluesky collector with atproto against a fake PDS: login, refresh, cursor paging, faults."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from monitor.collectors.bluesky import BlueskyCollector
from monitor.collectors.runner import run_source
from monitor.config import AppConfig, load_config
from tests.fakes.bluesky import FakeBluesky, at, post_view
from tests.fakes.server import Reply

KEYWORDS = """
categories:
  toy: {label: Toys}
entities:
  - {name: Labubu, category: toy, queries: [Labubu]}
  - {name: Pop Mart, category: toy, queries: [Pop Mart]}
"""
FAST = {"max_retries": 2, "backoff_seconds": 0.001, "max_backoff_seconds": 60, "timeout_seconds": 2}
ENV = {"BLUESKY_HANDLE": "pulse.bsky.social", "BLUESKY_APP_PASSWORD": "app-pass-1234"}


def make_config(tmp_path: Path, section: dict) -> AppConfig:
    (tmp_path / "keywords.yaml").write_text(KEYWORDS)
    settings = {"sources": {"bluesky": {"enabled": True, **FAST, **section}}}
    (tmp_path / "pulse.yaml").write_text(yaml.safe_dump(settings))
    return load_config(tmp_path / "pulse.yaml", env=ENV)


def run(config: AppConfig, store, sleeps: list[float] | None = None, env: dict | None = None,  # noqa: ANN001, ANN201
        cls=BlueskyCollector):
    env = ENV if env is None else env
    collector = cls(config.sources["bluesky"], config.watchlist, env)
    collector.sleep = sleeps.append if sleeps is not None else (lambda s: None)
    return run_source("bluesky", config, store, env, collector=collector)


def stored(store) -> dict:  # noqa: ANN001
    return {post.id: post for _, post in store.iter_posts()}


@pytest.fixture
def bsky():
    with FakeBluesky() as fake:
        yield fake


def test_search_logged_in_with_engagement_and_dedupe(tmp_path: Path, store, bsky: FakeBluesky) -> None:
    both = post_view("3kboth", "Pop Mart's Labubu everywhere", at(30), handle="news.bsky.social",
                     did="did:plc:newsnewsnewsnewsnewsnews", counts=(40, 12, 7, 3))
    bsky.results["Labubu"] = [post_view("3kaaa", "my labubu arrived!", at(10), langs=["en", "ja"]), both]
    bsky.results["Pop Mart"] = [both, post_view("3kbad", "broken handle", at(5), handle="handle.invalid")]
    config = make_config(tmp_path, {"api_base_url": bsky.url, "page_size": 50})
    report = run(config, store)
    assert report.status == "ok", report
    assert len(bsky.requests_to("/xrpc/com.atproto.server.createSession")) == 1  # one login per run
    search = bsky.requests_to("/xrpc/app.bsky.feed.searchPosts")[0]
    assert (search.param("q"), search.param("sort"), search.param("limit")) == ("Labubu", "latest", "50")
    assert search.headers["Authorization"].startswith("Bearer ")
    posts = stored(store)
    assert len(posts) == 3 and report.total("new") == 3 and report.total("updated") == 1
    p = posts["at://did:plc:newsnewsnewsnewsnewsnews/app.bsky.feed.post/3kboth"]
    assert p.url == "https://bsky.app/profile/news.bsky.social/post/3kboth"
    assert p.metrics == {"likes": 40, "reposts": 12, "replies": 7, "quotes": 3}
    assert p.author == "news.bsky.social" and p.text == "Pop Mart's Labubu everywhere" and p.created_at == at(30)
    assert posts["at://did:plc:fanfanfanfanfanfanfanfan/app.bsky.feed.post/3kbad"].url == \
        "https://bsky.app/profile/did:plc:fanfanfanfanfanfanfanfan/post/3kbad"
    assert posts["at://did:plc:fanfanfanfanfanfanfanfan/app.bsky.feed.post/3kaaa"].lang == "en"
    assert store.get_checkpoint("bluesky", "q:Labubu") == at(30).isoformat()


def test_checkpoint_is_sent_as_since_and_cursor_paging_respects_budget(tmp_path: Path, store, bsky: FakeBluesky) -> None:
    bsky.results["Labubu"] = [post_view(f"3k{i:03d}", f"post {i}", at(i)) for i in range(25)]
    config = make_config(tmp_path, {"api_base_url": bsky.url, "page_size": 10, "max_pages": 2})
    report = run(config, store)
    calls = bsky.requests_to("/xrpc/app.bsky.feed.searchPosts")
    labubu = [c for c in calls if c.param("q") == "Labubu"]
    assert [c.param("cursor") for c in labubu] == [None, "10"]
    assert report.queries[0].fetched == 20  # page budget: the newest 20
    assert store.get_checkpoint("bluesky", "q:Labubu") == at(24).isoformat()
    bsky.results["Labubu"] += [post_view("3knew", "fresh", at(60))]
    report = run(config, store)
    last = [c for c in bsky.requests_to("/xrpc/app.bsky.feed.searchPosts") if c.param("q") == "Labubu"][-1]
    assert last.param("since") == at(24).isoformat()
    assert report.queries[0].new == 1 and report.queries[0].updated == 1  # the boundary post is inclusive
    assert store.get_checkpoint("bluesky", "q:Labubu") == at(60).isoformat()


def test_session_is_refreshed_before_expiry_and_relogin_when_rejected(tmp_path: Path, store, bsky: FakeBluesky) -> None:
    bsky.results["Labubu"] = [post_view("3kaaa", "one", at(1))]
    bsky.access_lifetime = timedelta(minutes=10)  # atproto refreshes 15 minutes before expiry
    config = make_config(tmp_path, {"api_base_url": bsky.url})
    report = run(config, store)
    assert report.status == "ok" and store.count_posts() == 1
    assert len(bsky.requests_to("/xrpc/com.atproto.server.refreshSession")) >= 1
    assert len(bsky.requests_to("/xrpc/com.atproto.server.createSession")) == 1
    # The server forgets every access token mid-run: one fresh login, then the search succeeds.
    bsky.access_lifetime = timedelta(hours=2)
    collector = BlueskyCollector(config.sources["bluesky"], config.watchlist, ENV)
    collector.sleep = lambda s: None
    batches = list(collector.fetch(collector.queries()[0], None))
    bsky.revoke_access_tokens()
    bsky.results["Pop Mart"] = [post_view("3kpop", "pop", at(2))]
    batches += list(collector.fetch(collector.queries()[1], None))
    collector.close()
    assert [p.text for b in batches for p in b.posts] == ["one", "pop"]
    assert len(bsky.requests_to("/xrpc/com.atproto.server.createSession")) == 3


def test_missing_or_wrong_credentials(tmp_path: Path, store, bsky: FakeBluesky) -> None:
    config = make_config(tmp_path, {"api_base_url": bsky.url})
    report = run_source("bluesky", config, store, {"BLUESKY_HANDLE": "x"})
    assert report.status == "skipped" and "BLUESKY_APP_PASSWORD" in report.message
    report = run(config, store, env={**ENV, "BLUESKY_APP_PASSWORD": "wrong"})
    assert report.status == "failed" and "login failed" in report.message
    assert "wrong" not in report.message
    assert store.recent_runs(1)[0]["status"] == "failed"
    assert len(bsky.requests_to("/xrpc/com.atproto.server.createSession")) == 1  # a 401 is not retried


def test_429_and_5xx_are_retried(tmp_path: Path, store, bsky: FakeBluesky) -> None:
    bsky.results["Labubu"] = [post_view("3kaaa", "one", at(1))]
    bsky.results["Pop Mart"] = [post_view("3kpop", "pop", at(2))]
    search = "/xrpc/app.bsky.feed.searchPosts"
    bsky.fail_next(search, Reply(429, {"error": "RateLimitExceeded", "message": "slow"},
                                 {"ratelimit-limit": "3000", "ratelimit-remaining": "0", "retry-after": "12"}))
    bsky.fail_next(search, Reply(429, {"error": "RateLimitExceeded", "message": "slow"}))
    bsky.fail_next(search, Reply(500, {"error": "InternalServerError"}))
    bsky.fail_next(search, Reply(502, "<html>bad gateway</html>", {"Content-Type": "text/html"}))
    config = make_config(tmp_path, {"api_base_url": bsky.url, "max_retries": 4})
    sleeps: list[float] = []
    report = run(config, store, sleeps)
    assert report.status == "ok" and store.count_posts() == 2
    assert sleeps[0] == 12.0 and all(s < 0.01 for s in sleeps[1:]) and len(sleeps) == 4
    # A rate limit that resets later than max_backoff_seconds stops the source for this run.
    bsky.fail_next(search, Reply(429, {"error": "RateLimitExceeded"}, {"retry-after": "3600"}))
    report = run(config, store)
    assert report.status == "failed" and "rate limit" in report.message


def test_connection_refused_and_timeout(tmp_path: Path, store, bsky: FakeBluesky) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    report = run(make_config(tmp_path, {"api_base_url": f"http://127.0.0.1:{port}", "max_retries": 1}), store)
    assert report.status == "failed" and "login failed" in report.message
    bsky.results["Pop Mart"] = [post_view("3kpop", "pop", at(2))]
    bsky.fail_next("/xrpc/app.bsky.feed.searchPosts", Reply(200, {"posts": []}, delay=0.6), times=2)
    report = run(make_config(tmp_path, {"api_base_url": bsky.url, "timeout_seconds": 0.2, "max_retries": 1}), store)
    assert report.queries[0].errors == 1 and "Timeout" in report.queries[0].messages[0]
    assert report.queries[1].new == 1 and report.status == "partial"


def test_malformed_json_and_bad_posts_are_skipped_and_counted(tmp_path: Path, store, bsky: FakeBluesky) -> None:
    good = post_view("3kgood", "fine", at(3))
    no_author = {k: v for k, v in post_view("3knoauth", "x", at(2)).items() if k != "author"}
    bad_record = post_view("3knotext", "x", at(1))
    del bad_record["record"]["text"]
    bsky.results["Labubu"] = [good, no_author, bad_record, {"garbage": True}]
    config = make_config(tmp_path, {"api_base_url": bsky.url})
    report = run(config, store)
    assert set(stored(store)) == {good["uri"]}
    assert report.queries[0].skipped == 3 and report.queries[0].fetched == 1
    assert store.recent_runs(1)[0]["skipped"] == 3
    bsky.raw_body = '{"posts": [ {"uri": '
    report = run(config, store)
    assert report.queries[0].errors == 1 and report.status == "partial"
    assert store.get_checkpoint("bluesky", "q:Labubu") == at(3).isoformat()


def test_crash_mid_paging_keeps_stored_posts(tmp_path: Path, store, bsky: FakeBluesky) -> None:
    bsky.results["Labubu"] = [post_view(f"3k{i:03d}", f"post {i}", at(i)) for i in range(20)]
    config = make_config(tmp_path, {"api_base_url": bsky.url, "page_size": 10})

    class Crashing(BlueskyCollector):
        def fetch(self, query, checkpoint):  # noqa: ANN001, ANN202
            for number, batch in enumerate(super().fetch(query, checkpoint)):
                if number == 1:
                    raise KeyboardInterrupt
                yield batch

    with pytest.raises(KeyboardInterrupt):
        run(config, store, cls=Crashing)
    assert store.count_posts() == 10 and store.get_checkpoint("bluesky", "q:Labubu") is None
    report = run(config, store)
    assert store.count_posts() == 20 and report.queries[0].new == 10
