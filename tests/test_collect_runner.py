"""The runner with real collectors: crashes keep stored posts, checkpoints, isolation, runs table, CLI."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from monitor.collectors.reddit import RedditCollector, RedditOptions
from monitor.collectors.runner import run_source, run_sources
from monitor.collectors.x import XOptions
from monitor.config import AppConfig
from monitor.config.settings import Settings
from monitor.config.watchlist import Category, Entity, Watchlist
from monitor.store import Store, schema
from tests.collector_fixtures import any_store, store  # noqa: F401 (fixtures)
from tests.fakes.reddit import FakeReddit
from tests.fakes.server import Reply
from tests.fakes.x_api import FakeX

ENV = {"REDDIT_CLIENT_ID": "fake-client-id", "REDDIT_CLIENT_SECRET": "fake-client-secret", "X_BEARER_TOKEN": "fake-bearer"}
WATCHLIST = Watchlist(categories={"toy": Category(label="Toys")}, entities=[Entity(name="Labubu", category="toy")])
FAST = {"backoff_seconds": 0.001, "max_backoff_seconds": 0.005, "timeout_seconds": 5}


class Killed(BaseException):
    """Stands for the process dying (not an Exception: nothing in the runner may swallow it)."""


@pytest.fixture(scope="module")
def servers():
    with FakeReddit(default_count=30) as reddit, FakeX(default_count=30) as x:
        yield reddit, x


@pytest.fixture
def fakes(servers):
    for server in servers:
        server.reset()
    return servers


def dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def config_for(sources: dict) -> AppConfig:
    return AppConfig(Settings(), WATCHLIST, sources, Path("pulse.yaml"), Path("keywords.yaml"), "")


def posts_by_id(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return [r[0] for r in conn.execute(schema.posts.select().with_only_columns(schema.posts.c.external_id))]


def test_crash_between_store_and_checkpoint_keeps_posts_and_never_skips_any(fakes, any_store, monkeypatch):
    store = any_store
    reddit, _ = fakes
    opts = RedditOptions(enabled=True, api_base_url=reddit.url, subreddits=["Labubu"], search=False, page_size=10, **FAST)
    config = config_for({"reddit": opts})
    saved: list[str] = []
    real_set = store.set_checkpoint

    def set_checkpoint(source: str, key: str, value: str) -> None:
        if len(saved) == 1:
            raise Killed  # dies after storing page 2, before saving its checkpoint
        saved.append(value)
        real_set(source, key, value)

    monkeypatch.setattr(store, "set_checkpoint", set_checkpoint)
    with pytest.raises(Killed):
        run_source("reddit", config, store, ENV)
    monkeypatch.undo()

    items = [i["data"]["name"] for i in reddit.listing("r/Labubu")]
    assert sorted(posts_by_id(store)) == sorted(items[:20])  # both fetched pages are kept
    position = json.loads(store.get_checkpoint("reddit", "r/Labubu"))
    assert position["after"] == items[9] and position["stop"] is None  # not past the page whose checkpoint was lost
    assert store.recent_runs(1)[0]["status"] == "running"  # the dead run stays visible as unfinished

    report = run_source("reddit", config, store, ENV)
    assert report.status == "ok"
    assert report.total("new") == 10 and report.total("updated") == 10  # page 2 again, stored once
    ids = posts_by_id(store)
    assert len(ids) == len(set(ids)) == 30
    assert json.loads(store.get_checkpoint("reddit", "r/Labubu"))["stop"][1] == items[0]


def test_source_failing_midway_keeps_what_it_stored(fakes, store):
    reddit, _ = fakes
    reddit.default_count = 25
    opts = RedditOptions(enabled=True, api_base_url=reddit.url, subreddits=["Labubu"], search=False, page_size=10, max_retries=1, **FAST)
    original = reddit._listing

    def second_page_drops(rec):  # noqa: ANN001, ANN202
        return Reply(drop=True) if rec.param("after") else original(rec)

    reddit.route("GET", "/r/", second_page_drops)
    try:
        report = run_source("reddit", config_for({"reddit": opts}), store, ENV)
    finally:
        reddit.route("GET", "/r/", original)
    assert report.status == "partial" and "cannot reach Reddit" in report.message
    assert store.count_posts() == 10
    run = store.recent_runs(1)[0]
    assert run["status"] == "partial" and run["new"] == 10 and run["finished_at"] is not None
    assert json.loads(store.get_checkpoint("reddit", "r/Labubu"))["stop"] is None


def test_one_source_failing_never_stops_another(fakes, any_store):
    store = any_store
    _, x = fakes
    config = config_for({
        "reddit": RedditOptions(enabled=True, api_base_url=dead_url(), max_retries=1, **FAST),
        "x": XOptions(enabled=True, api_base_url=x.url, **FAST),
    })
    reports = run_sources(config, store, ENV)
    assert [(r.source, r.status) for r in reports] == [("reddit", "failed"), ("x", "ok")]
    assert store.count_posts() == 30
    runs = {r["source"]: r for r in store.recent_runs(5)}
    assert runs["reddit"]["status"] == "failed" and "cannot reach Reddit" in runs["reddit"]["message"]
    assert runs["x"]["status"] == "ok" and runs["x"]["new"] == 30


def test_a_collector_bug_is_contained_and_recorded(fakes, store):
    reddit, x = fakes

    class Broken(RedditCollector):
        def queries(self):  # noqa: ANN202
            raise RuntimeError("bug in queries")

    opts = RedditOptions(enabled=True, api_base_url=reddit.url, **FAST)
    config = config_for({"reddit": opts, "x": XOptions(enabled=True, api_base_url=x.url, **FAST)})
    broken = run_source("reddit", config, store, ENV, collector=Broken(opts, WATCHLIST, ENV))
    assert broken.status == "failed" and "bug in queries" in broken.message
    assert run_source("x", config, store, ENV).status == "ok"
    statuses = [r["status"] for r in store.recent_runs(2)]
    assert statuses == ["ok", "failed"]


def test_runs_table_records_every_outcome(fakes, any_store):
    store = any_store
    reddit, x = fakes
    reddit.listing("r/Labubu")[0]["data"]["selftext"] = "[removed]"
    del reddit.listing("r/Labubu")[1]["data"]["created_utc"]
    config = config_for({
        "reddit": RedditOptions(enabled=True, api_base_url=reddit.url, subreddits=["Labubu"], search=False, **FAST),
        "x": XOptions(enabled=True, api_base_url=x.url, **FAST),
    })
    run_source("reddit", config, store, ENV)
    run_source("x", config, store, {})
    x.fail_next("/2/", Reply(401, {"title": "Unauthorized"}))
    run_source("x", config, store, ENV)
    partial, skipped, failed = sorted(store.recent_runs(3), key=lambda r: r["id"])
    assert (partial["source"], partial["status"], partial["fetched"], partial["new"], partial["skipped"], partial["errors"]) == (
        "reddit", "partial", 28, 28, 2, 1,
    )
    assert partial["details"][0]["query"] == "r/Labubu" and partial["finished_at"] >= partial["started_at"]
    assert skipped["status"] == "skipped" and "X_BEARER_TOKEN" in skipped["message"]
    assert failed["status"] == "failed" and "bearer token" in failed["message"]


def test_pulse_collect_command_against_the_fakes(fakes, config_dir, tmp_path, monkeypatch):
    from monitor.cli import context
    from monitor.cli.main import app

    reddit, x = fakes
    settings_path = config_dir / "pulse.yaml"
    settings = yaml.safe_load(settings_path.read_text())
    settings["storage"] = {"url": f"sqlite:///{tmp_path / 'cli.db'}"}
    settings.setdefault("sources", {})
    for name in list(settings["sources"]):
        settings["sources"][name]["enabled"] = False
    settings["sources"]["reddit"] = {"enabled": True, "api_base_url": reddit.url, "subreddits": ["Labubu"], "search": False, **FAST}
    settings["sources"]["x"] = {"enabled": True, "api_base_url": x.url, "entities": ["Labubu"], **FAST}
    settings_path.write_text(yaml.safe_dump(settings))
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PULSE_DOTENV", str(tmp_path / "no.env"))
    monkeypatch.setattr(context.STATE, "env", dict(ENV))  # for a CLI that does not reload it
    monkeypatch.delenv("PULSE_DATABASE_URL", raising=False)

    result = CliRunner().invoke(app, ["--config", str(settings_path), "collect"])
    assert result.exit_code == 0, result.output
    assert "r/Labubu" in result.output and "Collection summary" in result.output
    store = Store(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        assert store.count_posts() == 60
    finally:
        store.close()

    result = CliRunner().invoke(app, ["--config", str(settings_path), "collect", "--source", "x", "--dry-run"])
    assert result.exit_code == 0, result.output


def test_the_runner_validates_posts_again_before_the_store(fakes, store):
    """A collector that builds posts without validation (model_construct) cannot lose its batch."""
    from datetime import UTC, datetime

    from monitor.collectors.base import Batch, Collector, Query
    from monitor.posts import Post

    class Sloppy(Collector):
        name = "reddit"

        def queries(self):  # noqa: ANN202
            return [Query(key="q", text="q")]

        def fetch(self, query, checkpoint):  # noqa: ANN001, ANN202
            good = Post(source="reddit", id="good", text="fine", created_at=datetime(2026, 11, 1, tzinfo=UTC))
            bad = Post.model_construct(source="reddit", id="bad", text="nul\x00", url=None, author="a" * 300, title=None,
                                       lang=None, created_at=datetime(2026, 11, 1, tzinfo=UTC), metrics={})
            yield Batch(posts=[good, bad])

    opts = RedditOptions(enabled=True, api_base_url=fakes[0].url, **FAST)
    config = config_for({"reddit": opts})
    report = run_source("reddit", config, store, ENV, collector=Sloppy(opts, WATCHLIST, ENV))
    assert posts_by_id(store) == ["good"]
    assert report.queries[0].skipped == 1 and "post 'bad' skipped" in report.queries[0].messages[0]
