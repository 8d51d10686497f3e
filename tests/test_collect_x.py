"""The X collector: real tweepy against a fake X API v2 recent search, through the runner into a store."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest

from monitor.collectors.runner import run_source
from monitor.collectors.x import XCollector, XOptions
from monitor.config import AppConfig
from monitor.config.settings import Settings
from monitor.config.watchlist import Category, Entity, Watchlist
from monitor.store import Store, schema
from tests.collector_fixtures import any_store, Sleeps, store  # noqa: F401 (fixtures)
from tests.fakes.server import Reply
from tests.fakes.x_api import FakeX, tweet

ENV = {"X_BEARER_TOKEN": "fake-bearer"}
WATCHLIST = Watchlist(
    categories={"toy": Category(label="Toys"), "game": Category(label="Games")},
    entities=[
        Entity(name="Labubu", category="toy"),
        Entity(name="Pop Mart", category="toy"),
        Entity(name="Genshin Impact", category="game", queries=["Genshin Impact"]),
    ],
)
TOYS = '(Labubu OR "Pop Mart") -is:retweet'


@pytest.fixture(scope="module")
def x_server():
    with FakeX(default_count=25) as server:
        yield server


@pytest.fixture
def fake(x_server):
    x_server.reset()
    return x_server


def options(fake: FakeX, **overrides) -> XOptions:
    base = {
        "enabled": True, "api_base_url": fake.url, "entities": ["Labubu", "Pop Mart"],
        "backoff_seconds": 0.01, "max_backoff_seconds": 0.05, "timeout_seconds": 5,
    }
    return XOptions(**{**base, **overrides})


def run(store, opts: XOptions, sleeps: Sleeps | None = None, env=ENV):  # noqa: ANN001, ANN201
    config = AppConfig(Settings(), WATCHLIST, {"x": opts}, Path("pulse.yaml"), Path("keywords.yaml"), "")
    collector = XCollector(opts, WATCHLIST, env, sleep=sleeps if sleeps is not None else Sleeps())
    return run_source("x", config, store, env, collector=collector)


def stored(store) -> dict[str, dict]:  # noqa: ANN001
    with store.engine.connect() as conn:
        rows = conn.execute(schema.posts.select()).mappings().all()
    return {r["external_id"]: dict(r) for r in rows}


def checkpoint(store, query: str = TOYS) -> dict:  # noqa: ANN001
    return json.loads(store.get_checkpoint("x", f"q:{query}"))


def test_query_from_watchlist_auth_fields_and_normalised_posts(fake, store):
    report = run(store, options(fake))
    assert report.status == "ok", report.message
    [request] = fake.requests_to("/2/tweets/search/recent")
    assert request.headers["Authorization"] == "Bearer fake-bearer"
    assert request.param("query") == TOYS
    assert request.param("expansions") == "author_id"
    assert set(request.param("tweet.fields").split(",")) >= {"created_at", "public_metrics", "lang"}
    assert "username" in request.param("user.fields").split(",")
    assert request.param("since_id") is None and request.param("max_results") == "100"
    assert "culture-pulse" in request.headers["User-Agent"]
    posts = stored(store)
    assert len(posts) == 25
    first = fake.results_for(TOYS)[0]
    row = posts[first["id"]]
    assert row["source"] == "x" and row["author"] == f"fan_{first['author_id']}"
    assert row["url"] == f"https://x.com/fan_{first['author_id']}/status/{first['id']}"
    assert row["text"] == first["text"] and row["lang"] == first["lang"]
    assert row["metrics"]["likes"] == first["public_metrics"]["like_count"]
    assert row["metrics"]["reposts"] == first["public_metrics"]["retweet_count"]
    assert row["created_at"].isoformat().startswith(first["created_at"][:19])
    assert checkpoint(store) == {"since_id": first["id"]}
    assert store.recent_runs(1)[0]["status"] == "ok"


def test_language_operator_and_one_query_per_entity(fake, store):
    opts = options(fake, entities=[], languages=["en"], group_entities=False)
    queries = [q.text for q in XCollector(opts, WATCHLIST, ENV).queries()]
    assert sorted(queries) == sorted(
        ["Labubu -is:retweet lang:en", '"Pop Mart" -is:retweet lang:en', '"Genshin Impact" -is:retweet lang:en']
    )
    opts = options(fake, entities=[], languages=["en", "ja"])
    queries = [q.text for q in XCollector(opts, WATCHLIST, ENV).queries()]
    assert sorted(queries) == sorted(
        [f"{TOYS[:-12]} -is:retweet (lang:en OR lang:ja)", '"Genshin Impact" -is:retweet (lang:en OR lang:ja)']
    )


def test_second_run_sends_since_id_and_stores_only_new_tweets(fake, store):
    run(store, options(fake))
    newest = fake.results_for(TOYS)[0]["id"]
    fresh = fake.add_new(TOYS, 4)
    report = run(store, options(fake))
    last = fake.requests_to("/2/tweets/search/recent")[-1]
    assert last.param("since_id") == newest
    assert report.queries[0].new == 4 and report.queries[0].updated == 0
    assert checkpoint(store) == {"since_id": fresh[0]["id"]}
    assert len(stored(store)) == 29


def test_next_token_pagination_respects_the_page_budget_and_resumes(fake, store):
    fake.default_count = 250
    opts = options(fake, max_pages_per_run=2, max_pages_per_query=5)
    run(store, opts)
    requests = fake.requests_to("/2/tweets/search/recent")
    assert [r.param("next_token") for r in requests] == [None, "nt_100"]
    assert len(stored(store)) == 200
    state = checkpoint(store)
    assert state["since_id"] is None and state["next_token"] == "nt_200"  # since_id only after the last page

    newest = fake.results_for(TOYS)[0]["id"]
    run(store, opts)
    resumed = fake.requests_to("/2/tweets/search/recent")[2]
    assert resumed.param("next_token") == "nt_200" and resumed.param("since_id") is None
    assert len(stored(store)) == 250
    assert checkpoint(store) == {"since_id": newest}


def test_run_budget_is_shared_by_queries(fake, store):
    opts = options(fake, entities=[], max_pages_per_run=1)
    report = run(store, opts)
    assert len(fake.requests_to("/2/tweets/search/recent")) == 1
    assert report.status == "ok" and sum(1 for q in report.queries if q.fetched) == 1


def test_failure_mid_query_keeps_stored_pages_and_does_not_advance_since_id(fake, any_store):
    store = any_store
    fake.default_count = 250
    run(store, options(fake))  # fills since_id
    since = checkpoint(store)["since_id"]
    fake.add_new(TOYS, 150)
    original = fake._search

    calls = []

    def flaky(rec):  # noqa: ANN001, ANN202 - second page breaks for good
        calls.append(rec)
        if rec.param("next_token"):
            return Reply(503, {"title": "Service Unavailable"})
        return original(rec)

    fake.route("GET", "/2/tweets/search/recent", flaky, exact=True)
    try:
        report = run(store, options(fake, max_retries=1))
    finally:
        fake.route("GET", "/2/tweets/search/recent", original, exact=True)
    assert report.status == "partial" and report.queries[0].new == 100
    state = checkpoint(store)
    assert state["since_id"] == since and state["next_token"] == "nt_100"  # not past the unstored 50

    report = run(store, options(fake))
    assert report.queries[0].new == 50
    assert checkpoint(store) == {"since_id": fake.results_for(TOYS)[0]["id"]}
    assert len(stored(store)) == 250 + 150


def test_same_tweet_from_two_queries_and_two_runs_is_stored_once_with_fresh_metrics(fake, any_store):
    store = any_store
    shared = tweet("shared", 0)
    fake.results[TOYS] = [shared]
    fake.results['"Genshin Impact" -is:retweet'] = [dict(shared, public_metrics=dict(shared["public_metrics"], like_count=999))]
    report = run(store, options(fake, entities=[]))
    assert report.total("new") == 1 and report.total("updated") == 1
    assert len(stored(store)) == 1
    store.set_checkpoint("x", f"q:{TOYS}", "")
    fake.results[TOYS] = [dict(shared, public_metrics=dict(shared["public_metrics"], like_count=1234))]
    report = run(store, options(fake))
    assert report.queries[0].updated == 1 and report.queries[0].new == 0
    assert stored(store)[shared["id"]]["metrics"]["likes"] == 1234
    assert len(stored(store)) == 1


def test_malformed_tweets_are_skipped_and_counted_the_rest_is_kept(fake, store):
    items = fake.results_for(TOYS)
    del items[1]["created_at"]
    items[2]["id"] = "not-a-number"
    del items[3]["text"]
    items.insert(4, "garbage")
    report = run(store, options(fake))
    assert report.status == "partial"
    assert report.queries[0].skipped == 4 and report.queries[0].errors == 4
    assert len(stored(store)) == 22
    assert "malformed" in store.recent_runs(1)[0]["message"]


def test_malformed_json_is_retried(fake, store):
    fake.fail_next("/2/tweets/search/recent", Reply(200, '{"data": [', {"Content-Type": "application/json"}))
    report = run(store, options(fake))
    assert report.status == "ok" and len(stored(store)) == 25
    assert len(fake.requests_to("/2/tweets/search/recent")) == 2


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried_with_bounded_backoff(fake, store, status):
    fake.fail_next("/2/tweets/search/recent", Reply(status, {"title": "oops"}), times=2)
    sleeps = Sleeps()
    report = run(store, options(fake, max_retries=3, backoff_seconds=0.4, max_backoff_seconds=0.5), sleeps)
    assert report.status == "ok" and len(stored(store)) == 25
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 0.4 and 0 <= sleeps[1] <= 0.5


def test_429_with_near_reset_waits_then_continues(fake, store):
    headers = {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(time.time()) + 5)}
    fake.fail_next("/2/tweets/search/recent", Reply(429, {"title": "Too Many Requests"}, headers))
    sleeps = Sleeps()
    report = run(store, options(fake, max_rate_limit_wait_seconds=60), sleeps)
    assert report.status == "ok" and len(stored(store)) == 25
    assert len(sleeps) == 1 and 3 <= sleeps[0] <= 6.1


def test_429_with_distant_reset_gives_up_the_run_with_a_clear_record(fake, store):
    headers = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(time.time()) + 800)}
    fake.fail_next("/2/tweets/search/recent", Reply(429, {"title": "Too Many Requests"}, headers))
    sleeps = Sleeps()
    report = run(store, options(fake, entities=[], max_rate_limit_wait_seconds=60), sleeps)
    assert report.status == "failed" and "rate limited by X" in report.message and "gave up" in report.message
    assert len(fake.requests_to("/2/tweets/search/recent")) == 1 and not sleeps
    assert store.recent_runs(1)[0]["status"] == "failed"


def test_429_without_reset_header_is_bounded_unlike_wait_on_rate_limit(fake, store):
    fake.fail_next("/2/tweets/search/recent", Reply(429, {"title": "Too Many Requests"}), times=100)
    report = run(store, options(fake, max_retries=2))
    assert report.status == "failed" and "without x-rate-limit-reset" in report.message
    assert len(fake.requests_to("/2/tweets/search/recent")) == 3


def test_connection_refused_is_retried_then_recorded(store):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = Sleeps()
    opts = XOptions(enabled=True, api_base_url=f"http://127.0.0.1:{port}", max_retries=2, backoff_seconds=0.01)
    report = run(store, opts, sleeps)
    assert report.status == "failed" and "cannot reach X" in report.message
    assert len(sleeps) == 2 and store.recent_runs(1)[0]["status"] == "failed"


def test_timeout_is_retried(fake, store):
    fake.fail_next("/2/tweets/search/recent", Reply(200, {}, delay=1.0))
    report = run(store, options(fake, timeout_seconds=0.3, max_retries=2))
    assert report.status == "ok" and len(stored(store)) == 25


def test_bad_bearer_token_is_reported_without_leaking_it(fake, store):
    report = run(store, options(fake), env={"X_BEARER_TOKEN": "wrong-token-value"})
    assert report.status == "failed" and "X_BEARER_TOKEN" in report.message
    assert "wrong-token-value" not in report.message


def test_rejected_next_token_restarts_from_since_id(fake, store):
    store.set_checkpoint("x", f"q:{TOYS}", json.dumps({"since_id": None, "next_token": "bogus", "newest_id": None}))
    report = run(store, options(fake))
    assert report.status == "ok" and len(stored(store)) == 25
    tokens = [r.param("next_token") for r in fake.requests_to("/2/tweets/search/recent")]
    assert tokens == ["bogus", None]


def test_missing_token_skips_the_source(fake, store):
    report = run(store, options(fake), env={})
    assert report.status == "skipped" and "X_BEARER_TOKEN" in report.message
    assert not fake.requests


def test_fields_the_database_would_refuse_cost_only_their_tweet(fake, any_store):
    """The import's validation guards collectors too: NUL, lone surrogates, NaN and overlong fields."""
    items = fake.results_for(TOYS)
    items[0]["text"] = "nul \x00 inside"
    items[1]["text"] = "lone \ud800 surrogate"
    items[2]["lang"] = "x" * 17
    items[3]["public_metrics"]["like_count"] = "many"
    report = run(any_store, options(fake))
    assert report.queries[0].skipped == 4 and report.queries[0].errors == 4
    assert len(stored(any_store)) == 21
    assert {items[i]["id"] for i in range(4)}.isdisjoint(stored(any_store))
