"""Benchmark: `pulse db prune` and `pulse db stats` on a store with years of tagged posts.

    .venv/bin/python bench/prune.py                                  # SQLite, 100,000 posts
    .venv/bin/python bench/prune.py --posts 300000
    .venv/bin/python bench/prune.py --url postgresql+psycopg://pulse:pulse@127.0.0.1:5432/bench

Fills a new database (a temporary SQLite file, or the given URL, which should be an empty
database) with posts spread evenly over two years, three tags each, then times stats, a dry
run, the prune of everything older than 365 days (which folds those posts into weekly
aggregates first) and the weekly counts read over aggregates plus live posts afterwards.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.posts import Post, PostTags  # noqa: E402
from monitor.store import Store  # noqa: E402
from monitor.store.maintenance import database_stats, prune, weekly_counts  # noqa: E402

ENTITIES = ["Labubu", "Black Myth: Wukong", "Nezha 2", "Genshin Impact", "Love Between Fairy and Devil", "Li Ziqi"]
CATEGORIES = ["toys", "games", "film", "drama"]


def fill(store: Store, count: int, now: datetime) -> float:
    """Insert `count` tagged posts over the two years before `now`; returns seconds taken."""
    start = time.perf_counter()
    span = timedelta(days=730) / count
    batch = 2000
    for first in range(0, count, batch):
        posts = [
            Post(source="bench", id=str(i), text=f"post {i}", created_at=now - span * (i + 1), metrics={"score": i % 50})
            for i in range(first, min(first + batch, count))
        ]
        store.upsert_posts(posts)
        tagged = []
        for p in posts:
            i = int(p.id)
            tags = PostTags(
                entities=[ENTITIES[i % len(ENTITIES)], ENTITIES[(i // 7) % len(ENTITIES)]],
                categories=[CATEGORIES[i % len(CATEGORIES)]],
            )
            tagged.append((p.id, p.created_at, tags))
        row_ids = _row_ids(store, [p.id for p in posts])
        store.save_tags([(row_ids[ext], created, tags) for ext, created, tags in tagged])
    return time.perf_counter() - start


def _row_ids(store: Store, external_ids: list[str]) -> dict[str, int]:
    from sqlalchemy import select

    from monitor.store import schema

    t = schema.posts
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.c.external_id, t.c.id).where(t.c.source == "bench", t.c.external_id.in_(external_ids)))
        return {ext: row_id for ext, row_id in rows}


def timed(label: str, func):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    result = func()
    print(f"{label:<38} {time.perf_counter() - start:8.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--url", help="database URL (an empty database); default: a temporary SQLite file")
    args = parser.parse_args()
    tz = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = Store(url)
        print(f"backend: {store.dialect}, posts: {args.posts:,}")
        print(f"{'fill (upsert + tags)':<38} {fill(store, args.posts, now):8.2f} s")
        before = timed("stats", lambda: database_stats(store))
        print(f"  size before: {before.size_bytes / 2**20:.1f} MiB, posts {before.tables['posts']:,}, tags {before.tables['post_tags']:,}")
        dry = timed("prune --dry-run", lambda: prune(store, timedelta(days=365), tz, now=now, dry_run=True))
        result = timed("prune --older-than 365d", lambda: prune(store, timedelta(days=365), tz, now=now))
        assert result.posts == dry.posts
        print(f"  removed {result.posts:,} posts, {result.tags:,} tags, {len(result.weeks)} weeks aggregated")
        counts = timed("weekly_counts (aggregates + live)", lambda: weekly_counts(store, tz))
        total = sum(c.posts for c in counts if c.kind == "total")
        assert total == args.posts, (total, args.posts)
        print(f"  weekly totals still add up to {total:,} posts")
        after = database_stats(store)
        print(f"  size after: {after.size_bytes / 2**20:.1f} MiB (before VACUUM), aggregates {after.tables['weekly_aggregates']:,} rows")
        store.close()


if __name__ == "__main__":
    main()
