"""Benchmark: collect N posts from the fake Reddit and X servers into a temporary SQLite store.

    .venv/bin/python bench/collect.py                   # 50,000 posts (half Reddit, half X)
    .venv/bin/python bench/collect.py --posts 10000 --keep /tmp/collect-bench.db

Prints posts/s for fetch + normalise + store through the real runner, praw and tweepy (the fake
servers run in this process, so their time is included in "fetch"), the share of the time spent
in the store, and the throughput of `Store.upsert_posts` alone (new rows, then the same rows again
as metric updates). Numbers only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.collectors.reddit import RedditOptions  # noqa: E402
from monitor.collectors.runner import run_source  # noqa: E402
from monitor.collectors.x import XCollector, XOptions  # noqa: E402
from monitor.config import AppConfig  # noqa: E402
from monitor.config.settings import Settings  # noqa: E402
from monitor.config.watchlist import Category, Entity, Watchlist  # noqa: E402
from monitor.posts import Post  # noqa: E402
from monitor.store import Store  # noqa: E402
from tests.fakes.reddit import FakeReddit  # noqa: E402
from tests.fakes.x_api import FakeX  # noqa: E402

SUBREDDITS = ["CDrama", "shortdramas", "Labubu", "popmart", "Genshin_Impact"]
ENTITIES = ["Labubu", "Pop Mart", "ReelShort", "Genshin Impact", "Black Myth Wukong"]
ENV = {"REDDIT_CLIENT_ID": "fake-client-id", "REDDIT_CLIENT_SECRET": "fake-client-secret", "X_BEARER_TOKEN": "fake-bearer"}


class TimedStore:
    """Wraps a Store and adds up the time spent in its writes."""

    def __init__(self, store: Store):
        self.store = store
        self.seconds = 0.0

    def __getattr__(self, name: str):  # noqa: ANN204
        attr = getattr(self.store, name)
        if name not in {"upsert_posts", "set_checkpoint", "get_checkpoint", "start_run", "finish_run"}:
            return attr

        def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            start = time.perf_counter()
            try:
                return attr(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        return timed


def collect(posts: int, db: Path) -> None:
    per_reddit = posts // 2 // len(SUBREDDITS)
    per_x = (posts - per_reddit * len(SUBREDDITS)) // len(ENTITIES)
    watchlist = Watchlist(
        categories={"any": Category(label="Any")}, entities=[Entity(name=n, category="any") for n in ENTITIES]
    )
    fast = {"enabled": True, "backoff_seconds": 0.01, "max_backoff_seconds": 0.1}
    store = Store(f"sqlite:///{db}")
    timed = TimedStore(store)
    with FakeReddit(default_count=per_reddit) as reddit, FakeX(default_count=per_x) as x:
        pages = per_reddit // 100 + 2
        sources = {
            "reddit": RedditOptions(api_base_url=reddit.url, subreddits=SUBREDDITS, search=False, max_pages_per_query=pages, **fast),
            "x": XOptions(
                api_base_url=x.url, group_entities=False, max_pages_per_query=per_x // 100 + 2,
                max_pages_per_run=len(ENTITIES) * (per_x // 100 + 2), **fast,
            ),
        }
        for key in SUBREDDITS:  # generate the data before the clock starts
            reddit.listing(f"r/{key}")
        for query in XCollector(sources["x"], watchlist, ENV).queries():
            x.results_for(query.text)
        config = AppConfig(Settings(), watchlist, sources, Path("pulse.yaml"), Path("keywords.yaml"), store.url)
        results = {}
        cpu: dict[str, float] = {}
        for name in ("reddit", "x"):
            timed.seconds = 0.0
            start, cpu_start = time.perf_counter(), time.process_time()
            report = run_source(name, config, timed, ENV)  # type: ignore[arg-type]
            elapsed = time.perf_counter() - start
            cpu[name] = time.process_time() - cpu_start
            results[name] = (report, elapsed, timed.seconds, len(x.requests) if name == "x" else len(reddit.requests))
    total_posts = sum(r.total("new") for r, *_ in results.values())
    total_time = sum(e for _, e, _, _ in results.values())
    total_store = sum(s for _, _, s, _ in results.values())
    print(f"collect: {total_posts:,} posts from the fake Reddit and X servers into SQLite ({db})")
    for name, (report, elapsed, in_store, requests) in results.items():
        fetched = report.total("fetched")
        print(
            f"  {name:6} status={report.status:7} posts={fetched:>7,} requests={requests:>5}  "
            f"{fetched / elapsed:>8,.0f} posts/s  store share {in_store / elapsed:5.1%}"
        )
    print(f"  total  {total_posts:,} posts in {total_time:.1f}s = {total_posts / total_time:,.0f} posts/s "
          f"(fetch+normalise+store); time in store {total_store:.2f}s = {total_store / total_time:.1%}")
    print(f"  CPU of this process (client and the in-process fake servers): {sum(cpu.values()):.1f}s = "
          f"{total_posts / sum(cpu.values()):,.0f} posts/CPU-s")
    stored = store.count_posts()
    store.close()
    if stored != total_posts:
        print(f"  WARNING: {stored:,} posts in the store, expected {total_posts:,}")


def upsert_only(posts: int, db: Path) -> None:
    base = datetime(2026, 11, 18, tzinfo=UTC)
    items = [
        Post(
            source="reddit" if i % 2 else "x", id=f"bench{i}", url=f"https://example.org/p/{i}", author=f"user{i % 977}",
            title=None if i % 2 == 0 else f"Title {i} Labubu", text=f"post {i} about Pop Mart and ReelShort " * 4,
            created_at=base - timedelta(seconds=i), lang="en", metrics={"score": i % 500, "comments": i % 30},
        )
        for i in range(posts)
    ]
    print(f"Store.upsert_posts alone, {posts:,} posts (wall clock, and per CPU-second of this process):")
    store = Store(f"sqlite:///{db}")
    cases = [("new, batches of 100 (one page)", 100), ("same posts again (metric updates), batches of 100", 100)]
    for label, batch in cases:
        wall, cpu = time.perf_counter(), time.process_time()
        for offset in range(0, posts, batch):
            store.upsert_posts(items[offset : offset + batch])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"  {label:52} {posts / wall:>9,.0f} posts/s wall {posts / cpu:>9,.0f} posts/CPU-s")
    store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    store = Store(f"sqlite:///{db}")
    wall, cpu = time.perf_counter(), time.process_time()
    store.upsert_posts(items)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"  {'new, one call (Store.BATCH rows per transaction)':52} {posts / wall:>9,.0f} posts/s wall {posts / cpu:>9,.0f} posts/CPU-s")
    store.close()
    sqlite_floor(items, db.with_name("floor.db"))


def sqlite_floor(items: list[Post], db: Path) -> None:
    """The same rows through plain sqlite3 executemany (no Store, no counting): what SQLite itself costs."""
    store = Store(f"sqlite:///{db}")
    store.close()
    rows = [
        (p.source, p.id, p.url, p.author, p.title, p.text, p.lang, p.created_at.isoformat(), "2026-11-25 00:00:00.000000",
         "2026-11-25 00:00:00.000000", json.dumps(p.metrics), 0.0)
        for p in items
    ]
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    wall, cpu = time.perf_counter(), time.process_time()
    for offset in range(0, len(rows), 100):
        conn.executemany(Store._SQLITE_UPSERT, rows[offset : offset + 100])
        conn.commit()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    conn.close()
    print(f"  {'reference: bare sqlite3 executemany, batches of 100':52} {len(rows) / wall:>9,.0f} posts/s wall {len(rows) / cpu:>9,.0f} posts/CPU-s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--keep", type=Path, default=None, help="write the collect database here and keep it")
    parser.add_argument("--upsert-only", action="store_true", help="only time Store.upsert_posts")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (wall-clock numbers shrink when other work shares the CPUs)")
    with tempfile.TemporaryDirectory() as tmp:
        db = args.keep or Path(tmp) / "collect.db"
        if db.exists():
            db.unlink()
        if not args.upsert_only:
            collect(args.posts, db)
        upsert_only(args.posts, Path(tmp) / "upsert.db")


if __name__ == "__main__":
    main()
