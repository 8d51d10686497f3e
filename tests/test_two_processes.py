"""Two OS processes writing the same posts into one new database never store a post twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from monitor.store import Store, schema
from monitor.store.migrate import current_revision_of, head_revision

ROOT = Path(__file__).resolve().parent.parent
POSTS = 600

# Each writer opens the (new, unmigrated) database itself, so the two also race on the
# migration, then upserts the same posts in its own shuffled order, in small batches.
WRITER = r"""
import json, random, sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from monitor.posts import Post
from monitor.store import Store

url, count, seed, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
deadline = time.monotonic() + 60
while not go.exists():
    if time.monotonic() > deadline:
        sys.exit("start signal never came")
    time.sleep(0.002)
store = Store(url)
base = datetime(2026, 11, 1, tzinfo=UTC)
posts = [
    Post(source="reddit", id=f"t3_{i}", text=f"post {i}", created_at=base + timedelta(minutes=i),
         metrics={"score": seed * 1000 + i})
    for i in range(count)
]
random.Random(seed).shuffle(posts)
new = updated = 0
for start in range(0, count, 25):
    counts = store.upsert_posts(posts[start:start + 25])
    new += counts.new
    updated += counts.updated
store.close()
print(json.dumps({"new": new, "updated": updated}))
"""


def test_two_processes_store_each_post_once(database_url, tmp_path):
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, database_url, str(POSTS), str(seed), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        for seed in (1, 2)
    ]
    time.sleep(0.5)  # both interpreters up and waiting, then start them together
    go.touch()
    results = []
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))

    store = Store(database_url, migrate=False)
    try:
        posts = schema.posts
        with store.engine.connect() as conn:
            assert current_revision_of(conn) == head_revision()
            total, distinct = conn.execute(
                select(func.count(), func.count(func.distinct(posts.c.external_id))).select_from(posts)
            ).one()
            scores = conn.execute(select(posts.c.external_id, posts.c.metrics)).all()
        assert total == distinct == POSTS
        # Each writer saw every post once, as new or as an update, and together they created each once.
        assert all(r["new"] + r["updated"] == POSTS for r in results)
        assert sum(r["new"] for r in results) == POSTS
        # Every stored row carries one writer's version of that very post.
        for external_id, metrics in scores:
            i = int(external_id.removeprefix("t3_"))
            assert metrics["score"] in (1000 + i, 2000 + i)
    finally:
        store.close()


# One process prunes (in small chunks) while another keeps storing posts, old and new ones.
PRUNER = r"""
import sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo
from monitor.store import Store
from monitor.store.maintenance import prune

url, go = sys.argv[1], Path(sys.argv[2])
while not go.exists():
    time.sleep(0.002)
store = Store(url)
result = prune(store, timedelta(days=365), ZoneInfo("Europe/Berlin"), now=datetime(2026, 11, 25, tzinfo=UTC), chunk=40)
print(result.posts)
"""

BACKFILLER = r"""
import sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from monitor.posts import Post
from monitor.store import Store

url, count, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
while not go.exists():
    time.sleep(0.002)
store = Store(url)
old, recent = datetime(2025, 3, 1, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC)
posts = [
    Post(source="x", id=f"late{i}", text="t", created_at=(old if i % 2 else recent) + timedelta(hours=i), metrics={"likes": 1})
    for i in range(count)
]
for start in range(0, count, 20):
    store.upsert_posts(posts[start:start + 20])
print(count)
"""


def test_prune_beside_a_writer_loses_and_double_counts_nothing(database_url, tmp_path):
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from monitor.posts import Post, PostTags
    from monitor.store.maintenance import weekly_counts

    store = Store(database_url)
    base = datetime(2025, 1, 6, tzinfo=UTC)
    seeded = [Post(source="reddit", id=f"old{i}", text="t", created_at=base + timedelta(hours=7 * i)) for i in range(400)]
    store.upsert_posts(seeded)
    store.save_tags([
        (store.post_row_id("reddit", p.id), p.created_at, PostTags(entities=["Labubu"])) for p in seeded
    ])
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen([sys.executable, "-c", PRUNER, database_url, str(go)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path),
        subprocess.Popen([sys.executable, "-c", BACKFILLER, database_url, "300", str(go)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path),
    ]
    time.sleep(0.5)
    go.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-3000:]
    try:
        counts = weekly_counts(store, ZoneInfo("Europe/Berlin"))
        total = sum(c.posts for c in counts if c.kind == "total")
        labubu = sum(c.posts for c in counts if c.label == "Labubu")
        assert total == 400 + 300  # every post counted once: pruned into aggregates or still stored
        assert labubu == 400
        assert store.count_posts() < 700  # the prune did remove old posts
    finally:
        store.close()
