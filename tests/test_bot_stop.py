"""`pulse run` keeps answering and ends within 10 s of SIGTERM while it re-tags a large history in a thread."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.posts import Post
from monitor.store import Store, schema
from tests.bot_fixtures import db_url, fake  # noqa: F401 (fixtures)
from tests.bot_harness import CHAT, MEMBER, ROOT_DIR, TOKEN, utc_now, write_config
from tests.fakes.telegram import FakeTelegram

pytestmark = pytest.mark.timeout(120)
POSTS = 80_000


def _tagged(store: Store) -> int:
    with store.engine.connect() as conn:
        query = select(func.count()).select_from(schema.posts).where(schema.posts.c.tagged_at.is_not(None))
        return conn.execute(query).scalar_one()


def test_sigterm_during_a_long_retag_ends_the_process_within_10_seconds(tmp_path: Path, fake: FakeTelegram, db_url: str):
    now = utc_now()
    store = Store(db_url)
    store.upsert_posts(
        Post(source="reddit", id=f"p{i}", text=f"day {i % 7}: my Labubu blind box haul number {i}",
             created_at=now - timedelta(minutes=i % 9000))
        for i in range(POSTS)
    )
    config_path = write_config(tmp_path / "config", fake.url, slot=now - timedelta(hours=72))
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "PULSE_DATABASE_URL": db_url, "PULSE_DOTENV": str(tmp_path / "no.env")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config_path), "-v", "run", "--poll-timeout", "1"],
        cwd=ROOT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        fake.wait_for(lambda: fake.calls_to("getUpdates"), timeout=60)
        keywords = config_path.parent / "keywords.yaml"
        keywords.write_text(keywords.read_text(encoding="utf-8") + "  - {name: Pop Mart, category: toy}\n", encoding="utf-8")
        deadline = time.monotonic() + 60
        while _tagged(store) == 0 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert 0 < _tagged(store) < POSTS, "the re-tag should be under way"
        asked = time.monotonic()
        fake.send_command("/help", chat_id=CHAT, user_id=MEMBER)
        fake.wait_for(lambda: fake.sent_texts(CHAT), timeout=10)
        answered = time.monotonic() - asked
        assert _tagged(store) < POSTS, "the answer came while tagging was still running"
        proc.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        _, stderr = proc.communicate(timeout=30)
        took = time.monotonic() - signalled
    finally:
        if proc.poll() is None:
            proc.kill()
    print(f"/help answered in {answered:.2f} s during the re-tag; SIGTERM to exit: {took:.2f} s")
    assert answered < 3  # tagging runs in a thread: polling and commands go on
    assert took < 10, stderr[-3000:]
    assert proc.returncode == 0, stderr[-3000:]
    assert "re-tagging stopped by shutdown" in stderr
    assert _tagged(store) < POSTS  # it stopped mid-way instead of finishing first
    store.close()
