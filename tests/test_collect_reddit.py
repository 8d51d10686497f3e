"""The Reddit collector: real praw against a fake Reddit API, through the runner into a store."""

from __future__ import annotations

import base64
import json
import socket
import time
from pathlib import Path

import pytest

from monitor.collectors.reddit import RedditCollector, RedditOptions
from monitor.collectors.runner import run_source
from monitor.config import AppConfig
from monitor.config.settings import Settings
from monitor.config.watchlist import Category, Entity, Watchlist
from monitor.store import Store, schema
from tests.collector_fixtures import any_store, Sleeps, store  # noqa: F401 (fixtures)
from tests.fakes.reddit import FakeReddit, submission
from tests.fakes.server import Reply

ENV = {"REDDIT_CLIENT_ID": "fake-client-id", "REDDIT_CLIENT_SECRET": "fake-client-secret"}
WATCHLIST = Watchlist(
    categories={"toy": Category(label="Toys")},
    entities=[Entity(name="Labubu", category="toy"), Entity(name="Pop Mart", category="toy", queries=["Pop Mart"])],
)


@pytest.fixture(scope="module")
def reddit_server():
    with FakeReddit(default_count=30) as server:
        yield server


@pytest.fixture
def fake(reddit_server):
    reddit_server.reset()
    return reddit_server


def options(fake: FakeReddit, **overrides) -> RedditOptions:
    base = {
        "enabled": True, "api_base_url": fake.url, "subreddits": ["Labubu"], "search": False,
        "backoff_seconds": 0.01, "max_backoff_seconds": 0.05, "timeout_seconds": 5, "page_size": 100,
    }
    return RedditOptions(**{**base, **overrides})


def run(store, opts: RedditOptions, sleeps: Sleeps | None = None, env=ENV):  # noqa: ANN001, ANN201
    config = AppConfig(Settings(), WATCHLIST, {"reddit": opts}, Path("pulse.yaml"), Path("keywords.yaml"), store.url if store else "")
    collector = RedditCollector(opts, WATCHLIST, env, sleep=sleeps if sleeps is not None else Sleeps())
    return run_source("reddit", config, store, env, collector=collector)


def stored(store) -> dict[str, dict]:  # noqa: ANN001
    with store.engine.connect() as conn:
        rows = conn.execute(schema.posts.select()).mappings().all()
    return {r["external_id"]: dict(r) for r in rows}


def last_run(store) -> dict:  # noqa: ANN001
    return store.recent_runs(1)[0]


def test_app_only_auth_user_agent_listing_and_normalised_posts(fake, store):
    report = run(store, options(fake))
    assert report.status == "ok", report.message
    token = fake.requests_to("/api/v1/access_token")
    assert len(token) == 1
    assert token[0].headers["Authorization"] == "Basic " + base64.b64encode(b"fake-client-id:fake-client-secret").decode()
    assert token[0].form()["grant_type"] == ["client_credentials"]
    listing = fake.requests_to("/r/Labubu/new")
    assert listing and all(r.headers["Authorization"] == f"bearer fake-token-{fake.tokens_issued}" for r in listing)
    assert "culture-pulse" in listing[0].headers["User-Agent"]
    assert listing[0].param("limit") == "100"
    posts = stored(store)
    assert len(posts) == 30 and report.total("new") == 30
    first = fake.listing("r/Labubu")[0]["data"]
    row = posts[first["name"]]
    assert row["source"] == "reddit"
    assert row["url"] == f"https://www.reddit.com{first['permalink']}"
    assert row["title"] == first["title"] and row["text"] == first["selftext"] and row["author"] == first["author"]
    assert row["metrics"]["score"] == first["score"] and row["metrics"]["comments"] == first["num_comments"]
    assert row["created_at"].timestamp() == first["created_utc"]
    assert not fake.requests_to("/comments/")  # comments are off by default
    run_row = last_run(store)
    assert run_row["status"] == "ok" and run_row["new"] == 30 and run_row["fetched"] == 30


def test_site_wide_search_per_entity_query(fake, store):
    report = run(store, options(fake, subreddits=[], search=True, search_time_filter="week"))
    assert report.status == "ok"
    searches = fake.requests_to("/r/all/search/")
    assert sorted(r.param("q") for r in searches) == ['"Pop Mart"', "Labubu"]  # phrases quoted
    for r in searches:
        assert (r.param("sort"), r.param("t"), r.param("restrict_sr")) == ("new", "week", "False")
    assert [q.query for q in report.queries] == ["search:Labubu", "search:Pop Mart"]
    assert len(stored(store)) == 60


def test_paging_follows_after_and_second_run_stops_at_checkpoint(fake, any_store):
    store = any_store
    fake.default_count = 250
    run(store, options(fake))
    pages = fake.requests_to("/r/Labubu/new")
    assert [r.param("after") is None for r in pages] == [True, False, False]
    assert len(stored(store)) == 250
    checkpoint = json.loads(store.get_checkpoint("reddit", "r/Labubu"))
    assert checkpoint["stop"][1] == fake.listing("r/Labubu")[0]["data"]["name"] and "after" not in checkpoint

    fresh = fake.add_new("r/Labubu", 5)
    report = run(store, options(fake))
    assert report.queries[0].new == 5 and report.queries[0].updated == 0
    assert len(fake.requests_to("/r/Labubu/new")) == 4  # one page: it met the checkpoint
    assert len(stored(store)) == 255
    assert json.loads(store.get_checkpoint("reddit", "r/Labubu"))["stop"][1] == fresh[0]["name"]


def test_page_budget_resumes_next_run_without_gaps(fake, store):
    opts = options(fake, page_size=10, max_pages_per_query=2)
    run(store, opts)
    assert len(stored(store)) == 20
    checkpoint = json.loads(store.get_checkpoint("reddit", "r/Labubu"))
    assert checkpoint["stop"] is None and checkpoint["after"]  # resumable, not marked done
    fake.add_new("r/Labubu", 3)
    run(store, opts)  # continues down the listing where it stopped
    assert len(stored(store)) == 30
    assert json.loads(store.get_checkpoint("reddit", "r/Labubu"))["stop"][1] == fake.listing("r/Labubu")[3]["data"]["name"]
    run(store, opts)  # now the three that arrived meanwhile
    assert len(stored(store)) == 33


def test_same_post_from_two_queries_and_two_runs_is_stored_once_with_fresh_metrics(fake, any_store):
    store = any_store
    shared = fake.listing("r/Labubu")[:3]
    fake.listings["search:Labubu"] = list(shared) + [{"kind": "t3", "data": submission("popmart", 1)}]
    fake.listings["search:Pop Mart"] = list(shared)
    opts = options(fake, search=True)
    first = run(store, opts)
    assert first.total("new") == 31 and first.total("updated") == 6
    assert len(stored(store)) == 31
    for item in shared:
        item["data"]["score"] += 100
    store.set_checkpoint("reddit", "r/Labubu", "")  # forget the checkpoint: the same posts come again
    second = run(store, opts)
    assert second.queries[0].new == 0 and second.queries[0].updated == 30
    name = shared[0]["data"]["name"]
    assert stored(store)[name]["metrics"]["score"] == shared[0]["data"]["score"]
    assert len(stored(store)) == 31


def test_deleted_and_removed_posts_are_skipped_and_counted(fake, store):
    items = fake.listing("r/Labubu")
    items[1]["data"]["selftext"] = "[deleted]"
    items[2]["data"]["selftext"] = "[removed]"
    items[3]["data"]["removed_by_category"] = "moderator"
    report = run(store, options(fake))
    assert report.status == "ok"
    assert report.queries[0].skipped == 3 and report.queries[0].errors == 0
    assert len(stored(store)) == 27
    assert items[1]["data"]["name"] not in stored(store)
    assert last_run(store)["skipped"] == 3


def test_malformed_items_are_skipped_and_counted_the_rest_is_kept(fake, store):
    items = fake.listing("r/Labubu")
    del items[4]["data"]["created_utc"]
    del items[5]["data"]["permalink"]
    items[6]["data"]["created_utc"] = "yesterday"
    items.insert(7, "not an object")
    items.insert(8, {"kind": "t3"})
    report = run(store, options(fake))
    assert report.status == "partial"
    assert report.queries[0].skipped == 5 and report.queries[0].errors == 5
    assert len(stored(store)) == 27
    run_row = last_run(store)
    assert run_row["status"] == "partial" and "malformed" in run_row["message"]


def test_malformed_json_page_is_retried(fake, store):
    fake.fail_next("/r/Labubu/new", Reply(200, "{\"kind\": \"Listing\", \"data\": {"))
    report = run(store, options(fake))
    assert report.status == "ok"
    assert len(fake.requests_to("/r/Labubu/new")) == 2 and len(stored(store)) == 30


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried_with_bounded_jittered_backoff(fake, store, status):
    fake.fail_next("/r/Labubu/new", Reply(status, {"message": "oops"}), times=3)
    sleeps = Sleeps()
    opts = options(fake, max_retries=3, backoff_seconds=0.5, max_backoff_seconds=0.8)
    report = run(store, opts, sleeps)
    assert report.status == "ok"
    assert len(fake.requests_to("/r/Labubu/new")) == 4 and len(stored(store)) == 30
    assert len(sleeps) == 3
    assert 0 <= sleeps[0] <= 0.5 and 0 <= sleeps[1] <= 0.8 and 0 <= sleeps[2] <= 0.8  # capped exponential


def test_persistent_server_errors_fail_the_query_then_the_source(fake, store):
    fake.fail_next("/r/", Reply(503, {"message": "down"}), times=100)
    opts = options(fake, subreddits=["a", "b", "c", "d"], max_retries=1, max_failed_queries=2)
    report = run(store, opts)
    assert report.status == "failed"
    assert "gave up" in report.message and "503" in report.message
    assert [q.query for q in report.queries] == ["r/a", "r/b"]  # r/c and r/d were not tried
    assert report.queries[0].errors == 1 and store.get_checkpoint("reddit", "r/a") is None
    assert len(fake.requests_to("/r/")) == 4
    assert last_run(store)["status"] == "failed"


def test_missing_or_private_subreddit_fails_only_its_query(fake, store):
    fake.fail_next("/r/gone/new", Reply(404, {"message": "Not Found", "error": 404}))
    fake.fail_next("/r/private/new", Reply(403, {"reason": "private", "message": "Forbidden", "error": 403}))
    report = run(store, options(fake, subreddits=["gone", "private", "Labubu"], max_failed_queries=1))
    assert report.status == "partial"
    assert [(q.query, q.errors, q.new) for q in report.queries] == [("r/gone", 1, 0), ("r/private", 1, 0), ("r/Labubu", 0, 30)]
    assert "404" in report.queries[0].messages[0]
    assert len(fake.requests_to("/r/gone/new")) == 1  # a 404 is not retried


def test_429_with_reset_header_waits_then_continues(fake, store):
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-used": "1000", "x-ratelimit-reset": "1"}
    fake.fail_next("/r/Labubu/new", Reply(429, {"message": "Too Many Requests", "error": 429}, headers))
    sleeps = Sleeps()
    report = run(store, options(fake, max_rate_limit_wait_seconds=30), sleeps)
    assert report.status == "ok"
    assert sleeps and 1 <= sleeps[-1] < 2
    assert len(stored(store)) == 30


def test_429_with_distant_reset_gives_up_the_run_with_a_clear_record(fake, store):
    headers = {"x-ratelimit-reset": "540"}
    fake.fail_next("/r/", Reply(429, {"message": "Too Many Requests", "error": 429}, headers))
    report = run(store, options(fake, subreddits=["Labubu", "popmart"], max_rate_limit_wait_seconds=60))
    assert report.status == "failed"
    assert "rate limited" in report.message and "540" in report.message
    assert len(fake.requests_to("/r/")) == 1  # r/popmart was not tried
    assert "rate limited" in last_run(store)["message"]


def test_429_without_headers_is_retried_a_bounded_number_of_times(fake, store):
    fake.fail_next("/r/", Reply(429, {"message": "Too Many Requests"}), times=50)
    report = run(store, options(fake, max_retries=2))
    assert report.status == "failed" and "without a reset header" in report.message
    assert len(fake.requests_to("/r/")) == 3


def test_praw_spreads_requests_by_the_rate_limit_headers(fake, store):
    fake.default_count, fake.ratelimit_remaining, fake.ratelimit_reset = 150, 0, 1
    start = time.monotonic()
    report = run(store, options(fake, max_rate_limit_wait_seconds=30))
    assert report.status == "ok" and len(stored(store)) == 150
    assert len(fake.requests_to("/r/Labubu/new")) == 2
    assert time.monotonic() - start >= 0.9  # praw waited for the reset before page 2


def test_used_up_rate_limit_with_a_distant_reset_ends_the_run_after_storing(fake, store):
    fake.default_count, fake.ratelimit_remaining, fake.ratelimit_reset = 250, 0, 500
    report = run(store, options(fake, subreddits=["Labubu", "popmart"], max_rate_limit_wait_seconds=30))
    assert report.status == "partial" and "rate limit used up" in report.message and "500" in report.message
    assert len(fake.requests_to("/r/")) == 1 and len(stored(store)) == 100
    assert json.loads(store.get_checkpoint("reddit", "r/Labubu"))["after"]  # resumes next run


def test_connection_refused_is_retried_then_recorded(store):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    opts = RedditOptions(enabled=True, api_base_url=f"http://127.0.0.1:{port}", max_retries=2, backoff_seconds=0.01)
    sleeps = Sleeps()
    report = run(store, opts, sleeps)
    assert report.status == "failed" and "cannot reach Reddit" in report.message
    assert len(sleeps) == 2
    assert last_run(store)["status"] == "failed"


def test_timeout_is_retried(fake, store):
    fake.fail_next("/r/Labubu/new", Reply(200, {}, delay=1.0))
    report = run(store, options(fake, timeout_seconds=0.3, max_retries=2))
    assert report.status == "ok"
    assert len(stored(store)) == 30


def test_wrong_credentials_are_reported(fake, store):
    env = {"REDDIT_CLIENT_ID": "fake-client-id", "REDDIT_CLIENT_SECRET": "wrong"}
    report = run(store, options(fake), env=env)
    assert report.status == "failed" and "credentials" in report.message
    assert "wrong" not in report.message


def test_missing_credentials_skip_the_source(fake, store):
    report = run(store, options(fake), env={})
    assert report.status == "skipped" and "REDDIT_CLIENT_ID" in report.message
    assert not fake.requests


def test_top_level_comments_of_matching_submissions_when_enabled(fake, store):
    items = fake.listing("r/Labubu")[:4]
    fake.listings["r/Labubu"] = items
    items[0]["data"]["title"] = "My Labubu collection"
    for item in items[1:]:
        item["data"]["title"], item["data"]["selftext"] = "unrelated", "nothing here"
    fake.comments_per_post = 2
    report = run(store, options(fake, include_comments=True, comments_per_submission=7))
    assert report.status == "ok"
    requests = fake.requests_to("/comments/")
    assert len(requests) == 1 and requests[0].param("depth") == "1" and requests[0].param("limit") == "7"
    posts = stored(store)
    comments = [p for p in posts.values() if p["external_id"].startswith("t1_")]
    assert len(comments) == 2 and comments[0]["url"].startswith("https://www.reddit.com/r/Labubu/comments/")
    assert len(posts) == 6


def test_token_and_api_hosts_are_configured_separately(fake, store):
    with FakeReddit() as auth:
        report = run(store, options(fake, auth_base_url=auth.url))
    assert report.status == "ok"
    assert len(auth.requests_to("/api/v1/access_token")) == 1 and not fake.requests_to("/api/v1/access_token")
    assert fake.requests_to("/r/Labubu/new")


def test_dry_run_stores_nothing(fake, store):
    report = run(None, options(fake))
    assert report.status == "ok" and report.total("fetched") == 30
    assert store.count_posts() == 0
