"""Mastodon collector with Mastodon.py against fake instances: paging, since_id, rate limits, faults."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from monitor.collectors.mastodon import MastodonCollector
from monitor.collectors.runner import run_source
from monitor.config import AppConfig, load_config
from tests.fakes.mastodon import FakeMastodon, status
from tests.fakes.server import Reply

KEYWORDS = """
categories:
  toy: {label: Toys}
  game: {label: Games}
entities:
  - {name: Labubu, category: toy, hashtags: ["#labubu"], queries: [Labubu]}
  - {name: Genshin Impact, category: game, hashtags: [genshinimpact], queries: [Genshin Impact]}
"""
FAST = {"max_retries": 2, "backoff_seconds": 0.001, "max_backoff_seconds": 60, "timeout_seconds": 2}


def make_config(tmp_path: Path, section: dict) -> AppConfig:
    (tmp_path / "keywords.yaml").write_text(KEYWORDS)
    settings = {"sources": {"mastodon": {"enabled": True, **FAST, **section}}}
    (tmp_path / "pulse.yaml").write_text(yaml.safe_dump(settings))
    return load_config(tmp_path / "pulse.yaml", env={})


def run(config: AppConfig, store, sleeps: list[float] | None = None, cls=MastodonCollector):  # noqa: ANN001, ANN201
    collector = cls(config.sources["mastodon"], config.watchlist, {})
    collector.sleep = sleeps.append if sleeps is not None else (lambda s: None)
    return run_source("mastodon", config, store, {}, collector=collector)


def stored(store) -> dict:  # noqa: ANN001
    return {post.id: post for _, post in store.iter_posts()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def instances():
    with FakeMastodon("one.social") as one, FakeMastodon("two.social") as two:
        yield one, two


def test_two_instances_store_a_federated_post_once(tmp_path: Path, store, instances) -> None:
    one, two = instances
    shared = dict(origin="one.social", origin_id=500, acct="maker", html="<p>New <a href='x'>#Labubu</a> drop &amp; restock</p>")
    one.tags["labubu"] = [status(500, **shared), status(501, origin="one.social", acct="kid")]
    two.tags["labubu"] = [status(9000, **shared, local=False, counts=(4, 5, 6))]
    two.tags["genshinimpact"] = [status(9001, origin="two.social", acct="gamer", language="ja")]
    config = make_config(tmp_path, {"instances": [one.url, two.url]})
    report = run(config, store)
    assert report.status == "ok", report
    host1, host2 = one.url.split("//")[1], two.url.split("//")[1]
    assert [q.query for q in report.queries] == [
        f"{host1}#labubu", f"{host1}#genshinimpact", f"{host2}#labubu", f"{host2}#genshinimpact"]
    posts = stored(store)
    assert set(posts) == {
        "https://one.social/users/maker/statuses/500",
        "https://one.social/users/kid/statuses/501",
        "https://two.social/users/gamer/statuses/9001",
    }
    post = posts["https://one.social/users/maker/statuses/500"]
    assert post.text == "New #Labubu drop & restock"
    assert post.author == "maker@one.social" and post.lang == "en"
    assert post.url == "https://one.social/@maker/500"
    assert post.metrics == {"replies": 4, "reposts": 5, "likes": 6}  # the later sighting's counts
    assert report.total("fetched") == 4 and report.total("new") == 3 and report.total("updated") == 1
    assert posts["https://two.social/users/gamer/statuses/9001"].lang == "ja"
    # Public timelines: no token, the tag without '#', the instance's feed access checked once.
    timeline = one.requests_to("/api/v1/timelines/tag/")[0]
    assert timeline.path == "/api/v1/timelines/tag/labubu"  # '#labubu' in the watchlist
    assert "Authorization" not in timeline.headers
    assert len(one.requests_to("/api/v2/instance")) == 1
    assert store.get_checkpoint("mastodon", f"{host1}#labubu") == "501"


def test_since_id_checkpoint_fetches_only_new_posts(tmp_path: Path, store, instances) -> None:
    one, _ = instances
    one.tags["labubu"] = [status(i, origin="one.social") for i in range(100, 105)]
    config = make_config(tmp_path, {"instances": [one.url], "use_watchlist_hashtags": False, "hashtags": ["labubu"]})
    run(config, store)
    host = one.url.split("//")[1]
    assert store.get_checkpoint("mastodon", f"{host}#labubu") == "104"
    one.tags["labubu"].append(status(105, origin="one.social"))
    report = run(config, store)
    assert one.requests_to("/api/v1/timelines/tag/labubu")[-1].param("since_id") == "104"
    assert report.total("fetched") == 1 and report.total("new") == 1
    assert store.get_checkpoint("mastodon", f"{host}#labubu") == "105"
    report = run(config, store)  # nothing new: checkpoint kept
    assert report.total("fetched") == 0 and store.get_checkpoint("mastodon", f"{host}#labubu") == "105"


def test_link_header_paging_stops_at_checkpoint_and_page_budget(tmp_path: Path, store, instances) -> None:
    one, _ = instances
    one.tags["labubu"] = [status(i, origin="one.social") for i in range(1000, 1100)]
    config = make_config(tmp_path, {"instances": [one.url], "use_watchlist_hashtags": False, "hashtags": ["labubu"],
                                    "page_size": 20, "max_pages": 2})
    report = run(config, store)
    assert report.total("fetched") == 40  # page budget on a first run: the newest 40
    calls = one.requests_to("/api/v1/timelines/tag/labubu")
    assert len(calls) == 2 and calls[1].param("max_id") == "1080"  # followed the Link header
    host = one.url.split("//")[1]
    assert store.get_checkpoint("mastodon", f"{host}#labubu") == "1099"
    # 30 new posts: two pages, the second page crosses the checkpoint and paging stops there.
    one.tags["labubu"] += [status(i, origin="one.social") for i in range(1100, 1130)]
    report = run(config, store)
    assert report.total("fetched") == 30 and report.total("new") == 30
    assert len(one.requests_to("/api/v1/timelines/tag/labubu")) == 4
    assert store.get_checkpoint("mastodon", f"{host}#labubu") == "1129"


def test_rate_limit_headers_are_respected(tmp_path: Path, store, instances) -> None:
    one, two = instances
    for fake in instances:
        fake.tags["labubu"] = [status(1, origin=fake.domain)]
        fake.tags["genshinimpact"] = [status(2, origin=fake.domain)]
    one.remaining, one.reset_in = 6, timedelta(seconds=20)  # near the limit, resets soon: pause
    two.remaining, two.reset_in = 2, timedelta(hours=1)  # limit far away: leave the instance
    config = make_config(tmp_path, {"instances": [one.url, two.url], "rate_limit_reserve": 5})
    sleeps: list[float] = []
    report = run(config, store, sleeps)
    assert any(15 < s <= 21.5 for s in sleeps), sleeps  # Mastodon.py adds the Date skew
    assert len(one.requests_to("/api/v1/timelines/tag/")) == 2
    assert len(two.requests_to("/api/v1/timelines/tag/")) == 0  # instance info said 2 left, reset in 1 h
    assert report.status == "partial"
    assert "rate-limited until" in report.queries[2].messages[0]
    assert report.queries[3].messages == []  # the other tag there is skipped quietly
    assert store.count_posts() == 2


def test_429_with_and_without_reset_headers(tmp_path: Path, store, instances) -> None:
    one, _ = instances
    one.tags["labubu"] = [status(1, origin="one.social")]
    one.tags["genshinimpact"] = [status(2, origin="one.social")]
    reset = (datetime.now(UTC) + timedelta(seconds=9)).isoformat()
    one.fail_next("/api/v1/timelines/tag/labubu", Reply(429, {"error": "Too many requests"},
                                                        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}))
    one.fail_next("/api/v1/timelines/tag/genshinimpact", Reply(429, {"error": "Too many requests"}))
    config = make_config(tmp_path, {"instances": [one.url]})
    sleeps: list[float] = []
    report = run(config, store, sleeps)
    assert report.status == "ok" and store.count_posts() == 2
    assert 7 < sleeps[0] <= 10.5  # waited for the reset the 429 announced (plus Date skew)
    assert sleeps[-1] < 0.01  # no headers: the usual short backoff, not the stale reset
    # A 429 storm beyond the retry budget stops the instance for this run, recorded as an error.
    one.fail_next("/api/v1/timelines/tag/", Reply(429, {"error": "Too many requests"}), times=10)
    report = run(config, store)
    assert report.status == "failed" and "rate-limited" in report.message


def test_5xx_retried_and_timeout_recorded(tmp_path: Path, store, instances) -> None:
    one, _ = instances
    one.tags["labubu"] = [status(1, origin="one.social")]
    one.tags["genshinimpact"] = [status(2, origin="one.social")]
    one.fail_next("/api/v1/timelines/tag/labubu", Reply(503, {"error": "busy"}))
    one.fail_next("/api/v1/timelines/tag/labubu", Reply(502, "<html>bad gateway</html>", {"Content-Type": "text/html"}))
    one.fail_next("/api/v1/timelines/tag/genshinimpact", Reply(200, [], delay=0.6), times=3)
    config = make_config(tmp_path, {"instances": [one.url], "timeout_seconds": 0.2})
    report = run(config, store)
    assert report.queries[0].new == 1 and report.queries[0].errors == 0
    assert len(one.requests_to("/api/v1/timelines/tag/labubu")) == 3
    assert report.queries[1].errors == 1 and "timed out" in report.queries[1].messages[0].lower()
    assert len(one.requests_to("/api/v1/timelines/tag/genshinimpact")) == 3
    assert report.status == "partial"


def test_unreachable_instances(tmp_path: Path, store, instances) -> None:
    one, _ = instances
    one.tags["labubu"] = [status(1, origin="one.social")]
    dead = f"http://127.0.0.1:{free_port()}"
    config = make_config(tmp_path, {"instances": [dead, one.url], "max_retries": 1})
    report = run(config, store)
    assert report.status == "partial" and store.count_posts() == 1
    assert "unreachable" in report.queries[0].messages[0] and report.queries[1].errors == 0
    report = run(make_config(tmp_path, {"instances": [dead], "max_retries": 1}), store)
    assert report.status == "failed" and "unreachable" in report.message
    assert store.recent_runs(1)[0]["status"] == "failed"


def test_malformed_json_missing_fields_and_closed_hashtag_feeds(tmp_path: Path, store) -> None:
    with FakeMastodon("one.social") as one, FakeMastodon("closed.social", hashtags_public=False) as closed:
        good = status(3, origin="one.social")
        no_uri = {k: v for k, v in status(2, origin="one.social").items() if k != "uri"}
        bad_date = {**status(1, origin="one.social"), "created_at": "yesterday-ish"}
        one.tags["labubu"] = [good, no_uri, bad_date]
        config = make_config(tmp_path, {"instances": [one.url, closed.url]})
        report = run(config, store)
        assert set(stored(store)) == {good["uri"]}
        assert report.queries[0].skipped == 2 and report.queries[0].fetched == 1
        assert "hashtag timelines are not public" in report.queries[2].messages[0]
        assert not closed.requests_to("/api/v1/timelines/")
        one.raw_body = '[{"id": "4", "uri": '
        report = run(config, store)
        assert report.queries[0].errors == 1 and "JSON" in report.queries[0].messages[0]
        assert len(one.requests_to("/api/v1/timelines/tag/labubu")) == 2  # malformed JSON is not retried


def test_crash_mid_paging_keeps_stored_posts_and_checkpoint(tmp_path: Path, store, instances) -> None:
    one, _ = instances
    one.tags["labubu"] = [status(i, origin="one.social") for i in range(10, 30)]
    config = make_config(tmp_path, {"instances": [one.url], "use_watchlist_hashtags": False, "hashtags": ["labubu"],
                                    "page_size": 10})
    host = one.url.split("//")[1]
    store.set_checkpoint("mastodon", f"{host}#labubu", "5")

    class Crashing(MastodonCollector):
        def fetch(self, query, checkpoint):  # noqa: ANN001, ANN202
            for number, batch in enumerate(super().fetch(query, checkpoint)):
                if number == 1:
                    raise KeyboardInterrupt  # dies while paging
                yield batch

    with pytest.raises(KeyboardInterrupt):
        run(config, store, cls=Crashing)
    assert store.count_posts() == 10  # the first page is stored
    assert store.get_checkpoint("mastodon", f"{host}#labubu") == "5"  # not moved past unstored posts
    report = run(config, store)
    assert report.total("new") == 10 and store.count_posts() == 20
    assert store.get_checkpoint("mastodon", f"{host}#labubu") == "29"
