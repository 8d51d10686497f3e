"""Life cycle of `pulse run`: scheduled collection + tagging, shutdown mid-send, SIGTERM on the real CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.bot.jobs import digest_week_for, last_digest_slot
from monitor.config import load_config
from monitor.store import Store
from monitor.store import deliveries
from tests.bot_harness import CHAT, MEMBER, ROOT_DIR, TOKEN, seed_week, start_bot, until, utc_now, write_config
from tests.bot_fixtures import db_url, fake  # noqa: F401 (fixtures)
from tests.fakes.telegram import FakeTelegram

pytestmark = pytest.mark.timeout(60)


async def test_scheduled_collection_stores_and_tags_posts(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    feed = tmp_path / "feed.jsonl"
    now = utc_now()
    rows = [
        {"source": "reddit", "id": "a1", "text": "My Labubu blind box haul", "created_at": (now - timedelta(hours=3)).isoformat()},
        {"source": "reddit", "id": "a2", "text": "genshin banner tonight", "created_at": (now - timedelta(hours=2)).isoformat()},
        {"source": "reddit", "id": "a3", "text": "nothing watched here", "created_at": (now - timedelta(hours=1)).isoformat()},
    ]
    feed.write_text("".join(json.dumps(r) + "\n" for r in rows))
    sources = {"jsonl_file": {"enabled": True, "paths": [str(feed)], "interval_minutes": 60}}
    config_path = write_config(tmp_path / "config", fake.url, slot=now - timedelta(hours=72), sources=sources)
    bot = await start_bot(config_path, fake, db_url, first_collection_delay=0)
    try:
        store = bot.runtime.store
        await until(lambda: bot.runtime.jobs.get("collect:jsonl_file") and bot.runtime.jobs["collect:jsonl_file"].last_end, what="collection")
        assert bot.runtime.jobs["collect:jsonl_file"].last_error is None
        assert store.count_posts() == 3
        assert store.tags_of(store.post_row_id("reddit", "a1"))["entity"] == ["Labubu"]
        assert store.tags_of(store.post_row_id("reddit", "a2"))["entity"] == ["Genshin Impact"]
        fake.send_command("/status", chat_id=CHAT, user_id=MEMBER)
        await until(lambda: fake.sent_texts(CHAT), what="status")
        assert "• jsonl_file: ok, " in fake.sent_texts(CHAT)[0] and "+3 new" in fake.sent_texts(CHAT)[0]
        assert "• collect:jsonl_file: " in fake.sent_texts(CHAT)[0]
    finally:
        await bot.stop()


async def test_shutdown_mid_send_releases_the_claim_and_the_restart_never_repeats_a_part(
    tmp_path: Path, fake: FakeTelegram, db_url: str
) -> None:
    config_path = write_config(tmp_path / "config", fake.url, slot=utc_now() - timedelta(hours=1))
    config = load_config(config_path, {"PULSE_DATABASE_URL": db_url})
    week = digest_week_for(last_digest_slot(utc_now(), config.settings.schedules.digest, ZoneInfo("UTC")), ZoneInfo("UTC"))
    seed_week(db_url, week)
    # Telegram is slow to answer the first part: the process is stopped while it is in flight.
    fake.slow("sendMessage", 5)
    bot = await start_bot(config_path, fake, db_url, shutdown_grace=0.3)
    await until(lambda: fake.calls_to("sendMessage", chat_id=CHAT), what="first part in flight")
    started = time.monotonic()
    await bot.stop()
    assert time.monotonic() - started < 4  # the job was cancelled, not waited for
    store = Store(db_url)
    (row,) = deliveries.digest_rows(store, week=str(week))
    assert (row["status"], row["error"], row["message_ids"]) == ("failed", "interrupted by shutdown", [None])
    store.close()

    first_text = fake.calls_to("sendMessage", chat_id=CHAT)[0].params["text"]
    bot = await start_bot(config_path, fake, db_url)
    try:
        await until(lambda: deliveries.digest_rows(bot.runtime.store)[0]["status"] == "sent", what="resumed and sent")
        texts = fake.sent_texts(CHAT)
        assert texts.count(first_text) == 1  # the possibly-delivered part is not sent again
        row = deliveries.digest_rows(bot.runtime.store)[0]
        assert row["message_ids"][0] is None and all(row["message_ids"][1:]) and row["attempts"] == 2
    finally:
        await bot.stop()


def test_sigterm_stops_pulse_run_cleanly(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    config_path = write_config(tmp_path / "config", fake.url, slot=utc_now() - timedelta(hours=72))
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "PULSE_DATABASE_URL": db_url,
        "PULSE_DOTENV": str(tmp_path / "no.env"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config_path), "-v", "run", "--poll-timeout", "1"],
        cwd=ROOT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        fake.wait_for(lambda: fake.calls_to("getUpdates"), timeout=40)
        fake.send_command("/help", chat_id=CHAT, user_id=MEMBER)
        fake.wait_for(lambda: fake.sent_texts(CHAT), timeout=10)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "pulse run stopping" in stderr and "pulse run stopped" in stderr
    assert TOKEN not in stderr  # the token never reaches the log
    polls = fake.calls_to("getUpdates")
    assert polls[-1].params["timeout"] == 0  # PTB confirmed the last offset on the way out


async def test_telegram_unreachable_at_start_is_retried(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    from tests.fakes.server import Reply

    fake.fail_next(f"/bot{TOKEN}/getMe", Reply(drop=True), times=2)
    config_path = write_config(tmp_path / "config", fake.url, slot=utc_now() - timedelta(hours=72))
    bot = await start_bot(config_path, fake, db_url)
    try:
        assert len(fake.requests_to(f"/bot{TOKEN}/getMe")) == 3
        fake.send_command("/help", chat_id=CHAT, user_id=MEMBER)
        await until(lambda: fake.sent_texts(CHAT), what="answer")
    finally:
        await bot.stop()
