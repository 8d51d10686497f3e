"""The Prometheus endpoint of `pulse run`: series from the database, Telegram errors and memory, scraped over HTTP."""

from __future__ import annotations

import asyncio
import os
import socket
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, update

from monitor.config import load_config
from monitor.metrics import DatabaseView, StoreCollector
from monitor.posts import Post, PostTags
from monitor.store import Store, deliveries, schema
from tests.bot_fixtures import db_url, fake  # noqa: F401 (fixtures)
from tests.bot_harness import ADMIN_CHAT, CHAT, MEMBER, start_bot, until, utc_now, write_config
from tests.fakes.telegram import FakeTelegram

pytestmark = pytest.mark.timeout(60)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) -> value, parsed by prometheus-client's own text parser."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def seed(database_url: str) -> None:
    """Runs (rss fresh, jsonl_file stale), 3 posts of which 1 untagged, digests sent and failed."""
    store = Store(database_url)
    now = datetime.now(UTC)
    try:
        for source, status, minutes_ago, errors in [
            ("rss", "ok", 200, 0), ("rss", "failed", 150, 2), ("rss", "partial", 30, 1),
            ("jsonl_file", "ok", 500, 0), ("jsonl_file", "failed", 10, 1),
        ]:
            run_id = store.start_run(source)
            store.finish_run(run_id, status=status, errors=errors)
            started = now - timedelta(minutes=minutes_ago)
            with store.engine.begin() as conn:
                conn.execute(update(schema.collector_runs).where(schema.collector_runs.c.id == run_id)
                             .values(started_at=started, finished_at=started + timedelta(minutes=1)))
        store.upsert_posts([
            Post(source="rss", id="r1", text="Labubu blind box", created_at=now - timedelta(days=1)),
            Post(source="rss", id="r2", text="genshin", created_at=now - timedelta(days=1)),
            Post(source="jsonl_file", id="j1", text="untagged", created_at=now - timedelta(days=1)),
        ])
        store.save_tags([(store.post_row_id("rss", pid), now - timedelta(days=1), PostTags()) for pid in ("r1", "r2")])
        for week, status in [("2026-W40", "sent"), ("2026-W41", "sent"), ("2026-W42", "failed")]:
            claim = deliveries.claim_digest(store, week, CHAT, "test")
            if status == "sent":
                deliveries.finish_digest(store, claim)
            else:
                deliveries.fail_digest(store, claim, "Forbidden")
    finally:
        store.close()


def metrics_config(tmp_path: Path, fake: FakeTelegram, port: int) -> Path:
    path = write_config(tmp_path / "config", fake.url, slot=utc_now() - timedelta(days=3),
                        sources={"rss": {"enabled": True, "interval_minutes": 60, "feeds": ["http://127.0.0.1:9/f"]},
                                 "jsonl_file": {"enabled": True, "interval_minutes": 120}})
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["metrics"] = {"enabled": True, "listen": f"127.0.0.1:{port}"}
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


async def test_endpoint_serves_database_series_telegram_errors_and_memory(tmp_path, fake: FakeTelegram, db_url) -> None:
    seed(db_url)
    port = free_port()
    bot = await start_bot(metrics_config(tmp_path, fake, port), fake, db_url, first_collection_delay=3600)
    try:
        fake.flood("sendMessage", retry_after=1, times=1)  # a 429, then the answer goes through
        fake.send_command("/help", chat_id=CHAT, user_id=MEMBER)
        await until(lambda: fake.sent_texts(CHAT), what="/help answered after the flood")
        m = await asyncio.to_thread(scrape, port)
    finally:
        await bot.stop()
    assert m[("pulse_database_up", ())] == 1
    rss, jsonl = (("source", "rss"),), (("source", "jsonl_file"),)
    last_rss = m[("pulse_source_last_success_timestamp_seconds", rss)]
    assert abs(last_rss - (datetime.now(UTC) - timedelta(minutes=29)).timestamp()) < 120
    assert m[("pulse_source_runs_total", (("source", "rss"), ("status", "failed")))] == 1
    assert m[("pulse_source_runs_total", (("source", "rss"), ("status", "ok")))] == 1
    assert m[("pulse_source_errors_total", rss)] == 3
    assert m[("pulse_source_stale", rss)] == 0  # partial 30 min ago, every 60 min
    assert m[("pulse_source_stale", jsonl)] == 1  # last success 499 min ago, every 120 min
    assert m[("pulse_posts_stored", rss)] == 2 and m[("pulse_posts_stored", jsonl)] == 1
    assert m[("pulse_tagging_backlog_posts", (("reason", "untagged"),))] == 1
    sent = (("chat_id", str(CHAT)), ("status", "sent"))
    failed = (("chat_id", str(CHAT)), ("status", "failed"))
    assert m[("pulse_digests_total", sent)] == 2 and m[("pulse_digests_total", failed)] == 1
    assert m[("pulse_telegram_api_errors_total", (("error", "RetryAfter"), ("method", "sendMessage")))] >= 1
    assert m[("process_resident_memory_bytes", ())] > 50e6
    with socket.socket() as s:  # the endpoint closes with the bot
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_keywords_edit_counts_recent_posts_tagged_before_it(tmp_path, fake: FakeTelegram, db_url) -> None:
    config = load_config(metrics_config(tmp_path, fake, free_port()), {"PULSE_DATABASE_URL": db_url})
    hour_ago = time.time() - 3600
    os.utime(config.keywords_path, (hour_ago, hour_ago))  # keywords last edited before the posts were tagged
    seed(db_url)
    engine = create_engine(db_url)
    try:
        collector = StoreCollector(DatabaseView(engine, lambda: config), cache_seconds=0)

        def backlog() -> dict[str, float]:
            return {s.labels["reason"]: s.value for f in collector.collect() if f.name == "pulse_tagging_backlog_posts"
                    for s in f.samples}

        assert backlog() == {"untagged": 1, "keywords_changed": 0}
        config.keywords_path.touch()  # edited after the posts were tagged
        assert backlog() == {"untagged": 1, "keywords_changed": 2}
    finally:
        engine.dispose()


def test_a_database_that_does_not_answer_is_a_zero_not_a_failed_scrape(tmp_path, fake: FakeTelegram) -> None:
    config = load_config(metrics_config(tmp_path, fake, free_port()), {})
    engine = create_engine(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    collector = StoreCollector(DatabaseView(engine, lambda: config))
    families = list(collector.collect())
    assert [(f.name, [s.value for s in f.samples]) for f in families] == [("pulse_database_up", [0])]
    assert ADMIN_CHAT  # the harness's admin chat is configured (metrics never message it)


def test_untagged_posts_are_found_through_the_partial_index(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'plan.db'}")
    try:
        with store.engine.connect() as conn:
            backlog = conn.exec_driver_sql("EXPLAIN QUERY PLAN SELECT count(*) FROM posts WHERE tagged_at IS NULL").all()
            batch = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT * FROM posts WHERE id > 7 AND tagged_at IS NULL ORDER BY id LIMIT 2000").all()
    finally:
        store.close()
    assert "USING INDEX ix_posts_untagged" in backlog[0][-1]  # not a scan of every post
    assert "SEARCH posts USING INDEX ix_posts_untagged (id>?)" in batch[0][-1]
