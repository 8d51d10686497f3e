"""Benchmark: resident memory of `pulse run` idle and after a flood of 1,000 commands.

    .venv/bin/python bench/bot_memory.py                  # 1,000 commands on 20,000 tagged posts
    .venv/bin/python bench/bot_memory.py --commands 3000

Starts the real `pulse run` (its own process, so its RSS is its own) against the fake Telegram
server and a temporary SQLite store of tagged posts, sends each command once and waits until it
is idle (imports and lazy caches are paid once, not per command), then queues the
commands all at once (/search, /digest, /trends, /top, /keywords, /status, /suggest, /help in
turn) and waits for every answer. Prints RSS idle, peak during the flood and after it settles
(VmRSS and VmHWM from /proc), and whether the growth stays within the 50 MB target.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot_latency import fill  # noqa: E402  (this folder is on sys.path when run as a script)
from monitor.store import Store  # noqa: E402
from tests.bot_harness import CHAT, MEMBER, TOKEN, write_config  # noqa: E402
from tests.fakes.telegram import FakeTelegram  # noqa: E402

COMMANDS = ["/search labubu", "/digest", "/trends", "/top", "/keywords", "/status", "/suggest", "/help", "/search genshin banner"]
TARGET_MB = 50


def fill_tagged(database_url: str, count: int) -> None:
    """bot_latency's posts over the last weeks, tagged as the bot would have tagged them."""
    import yaml

    from monitor.bot.tagging_jobs import tag_untagged
    from monitor.config.watchlist import Watchlist
    from pipelines.tagging import build_tagger
    from tests.bot_harness import KEYWORDS

    fill(database_url, count)
    store = Store(database_url)
    tag_untagged(store, build_tagger(Watchlist.model_validate(yaml.safe_load(KEYWORDS))))
    store.close()


def rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process, in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def settle(pid: int, seconds: float = 3.0) -> float:
    """RSS once it has stopped moving for a while."""
    last, stable_since = rss_mb(pid)[0], time.monotonic()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = rss_mb(pid)[0]
        if abs(now - last) > 1:
            last, stable_since = now, time.monotonic()
        elif time.monotonic() - stable_since >= seconds:
            break
    return last


def main(posts: int, commands: int) -> int:
    with tempfile.TemporaryDirectory() as tmp, FakeTelegram() as fake:
        folder = Path(tmp)
        db_url = f"sqlite:///{folder / 'bench.db'}"
        started = time.monotonic()
        fill_tagged(db_url, posts)
        print(f"filled and tagged {posts:,} posts in {time.monotonic() - started:.1f}s")
        config = write_config(folder / "config", fake.url, slot=datetime.now(UTC) - timedelta(days=3))
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "PULSE_DATABASE_URL": db_url, "PULSE_DOTENV": str(folder / "none")}
        proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "run", "--poll-timeout", "1"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            fake.wait_for(lambda: fake.calls_to("getUpdates"), timeout=120)
            for command in COMMANDS:  # warm up: every command once (imports, lazy caches), as a bot soon after start
                fake.send_command(command, chat_id=CHAT, user_id=MEMBER)
            fake.wait_for(lambda: len(fake.calls_to("sendMessage")) >= len(COMMANDS), timeout=300)
            idle = settle(proc.pid)
            print(f"idle after warm-up: {idle:.0f} MB")
            sent = time.monotonic()
            for i in range(commands):
                fake.send_command(COMMANDS[i % len(COMMANDS)], chat_id=CHAT, user_id=MEMBER)
            expected = len(fake.calls_to("sendMessage")) + commands
            fake.wait_for(lambda: len(fake.calls_to("sendMessage")) >= expected, timeout=900, interval=0.5)
            took = time.monotonic() - sent
            peak = rss_mb(proc.pid)[1]
            after = settle(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    growth = after - idle
    print(f"{commands:,} commands answered in {took:.1f}s ({commands / took:.0f}/s)")
    print(f"RSS idle {idle:.0f} MB, peak {peak:.0f} MB, after the flood {after:.0f} MB: growth {growth:+.0f} MB "
          f"({'within' if growth <= TARGET_MB else 'OVER'} the {TARGET_MB} MB target)")
    return 0 if growth <= TARGET_MB else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20000)
    parser.add_argument("--commands", type=int, default=1000)
    args = parser.parse_args()
    sys.exit(main(args.posts, args.commands))
