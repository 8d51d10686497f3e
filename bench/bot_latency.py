"""Benchmark: how fast `pulse run` answers a command while idle and while re-tagging many posts.

    .venv/bin/python bench/bot_latency.py                 # 20,000 posts
    .venv/bin/python bench/bot_latency.py --posts 50000

Runs the real bot (monitor.bot.app.serve) against the fake Telegram server, fills a temporary
SQLite store, then sends /help every 100 ms and measures the time from the update being queued
to the bot's sendMessage arriving: first idle, then while a watchlist edit re-tags every post
(spaCy in a worker thread, as in production). Prints p50/p95/max latency per phase.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.posts import Post  # noqa: E402
from monitor.store import Store  # noqa: E402
from tests.bot_harness import CHAT, MEMBER, start_bot, write_config  # noqa: E402
from tests.fakes.telegram import FakeTelegram  # noqa: E402

WORDS = "labubu blind box haul genshin banner gacha game reelshort short drama queue unboxing weekend".split()


def fill(database_url: str, count: int) -> None:
    store = Store(database_url)
    now = datetime.now(UTC)
    posts = (
        Post(
            source="bench",
            id=str(i),
            text=" ".join(WORDS[(i * 7 + j) % len(WORDS)] for j in range(25)),
            created_at=now - timedelta(minutes=i % (20 * 24 * 60)),
        )
        for i in range(count)
    )
    store.upsert_posts(posts)
    store.close()


async def probe(fake: FakeTelegram, seconds: float, busy: asyncio.Task | None = None) -> list[float]:
    """Send /help every 100 ms for `seconds` (or until `busy` finishes); latency of each answer."""
    latencies = []
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (busy is not None and busy.done()):
        before = len(fake.sent_texts(CHAT))
        sent = time.monotonic()
        fake.send_command("/help", chat_id=CHAT, user_id=MEMBER)
        while len(fake.sent_texts(CHAT)) == before:
            await asyncio.sleep(0.001)
        latencies.append((time.monotonic() - sent) * 1000)
        await asyncio.sleep(0.1)
    return latencies


def show(name: str, values: list[float]) -> None:
    if not values:
        print(f"{name:>22}: no samples")
        return
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    print(f"{name:>22}: n={len(values):4d} p50={statistics.median(values):7.1f} ms  p95={p95:7.1f} ms  max={values[-1]:7.1f} ms")


async def main(posts: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeTelegram() as fake:
        folder = Path(tmp)
        db_url = f"sqlite:///{folder / 'bench.db'}"
        started = time.monotonic()
        fill(db_url, posts)
        print(f"filled {posts} posts in {time.monotonic() - started:.1f}s")
        config_path = write_config(folder / "config", fake.url, slot=datetime.now(UTC) - timedelta(days=3))
        bot = await start_bot(config_path, fake, db_url)
        try:
            show("idle", await probe(fake, 3.0))
            keywords = config_path.parent / "keywords.yaml"
            keywords.write_text(keywords.read_text().replace("aliases: [genshin]", "aliases: [genshin, gi]"))
            started = time.monotonic()
            reload_done = asyncio.ensure_future(_wait_retag(fake))
            show("during re-tag", await probe(fake, 600.0, busy=reload_done))
            count = await reload_done
            print(f"re-tagged {count} posts in {time.monotonic() - started:.1f}s while answering")
        finally:
            await bot.stop()


async def _wait_retag(fake: FakeTelegram) -> int:
    from tests.bot_harness import ADMIN_CHAT

    while True:
        for text in fake.sent_texts(ADMIN_CHAT):
            if text.startswith("Re-tagged "):
                return int(text.split()[1])
        await asyncio.sleep(0.05)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20000)
    asyncio.run(main(parser.parse_args().posts))
