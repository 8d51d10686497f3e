"""Shared tagging: claimed batches never overlap, a dead claim goes back, N processes tag each post once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.posts import Post, PostTags
from monitor.store import Store, schema
from monitor.store.tag_claims import claim_untagged
from tests.bot_harness import KEYWORDS

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 11, 20, tzinfo=UTC)

pytestmark = pytest.mark.timeout(90)


def _fill(store: Store, count: int) -> None:
    texts = ["My Labubu blind box haul", "genshin banner tonight", "ReelShort short drama ads", "nothing here"]
    store.upsert_posts(
        Post(source="reddit", id=f"p{i}", text=f"{texts[i % len(texts)]} #{i}", created_at=T0 + timedelta(seconds=i))
        for i in range(count)
    )


def _untagged(store: Store) -> int:
    t = schema.posts
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(t).where(t.c.tagged_at.is_(None))).scalar_one()


def test_open_claims_never_share_a_post_and_a_failed_one_goes_back(store: Store) -> None:
    _fill(store, 30)
    if store.dialect == "postgresql":
        with claim_untagged(store, 10) as first, claim_untagged(store, 10) as second:
            a, b = {i for i, _ in first.rows}, {i for i, _ in second.rows}
            assert len(a) == len(b) == 10 and not a & b  # the second skipped the locked rows
            second.save([PostTags(entities=["Labubu"])] * 10)
        assert _untagged(store) == 20  # first saved nothing: its posts are untagged again
    with pytest.raises(RuntimeError):
        with claim_untagged(store, 5) as doomed:
            doomed.save([PostTags(entities=["Labubu"])] * 5)
            raise RuntimeError("tagger crashed")  # rolled back: the tags and the claim are gone
    before = _untagged(store)
    with claim_untagged(store, 100) as rest:
        rest.save([PostTags()] * len(rest.rows))
    assert len(rest.rows) == before and _untagged(store) == 0
    with claim_untagged(store, 10) as empty:
        assert empty.rows == []


TAGGER = r"""
import json, sys, time
from pathlib import Path
from monitor.store import Store
from pipelines.tagging import build_tagger
from pipelines.tagging.store_tagging import tag_backlog
from tests.bot_harness import KEYWORDS, load_watchlist_text

url, go = sys.argv[1], Path(sys.argv[2])
tagger = build_tagger(load_watchlist_text(KEYWORDS))
store = Store(url, migrate=False)
Path(sys.argv[3]).touch()  # ready
while not go.exists():
    time.sleep(0.005)
batches = []
done = tag_backlog(store, tagger, batch_size=50, on_progress=batches.append)
store.close()
print(json.dumps({"tagged": done, "batches": len(batches)}))
"""


def test_three_processes_split_the_backlog_and_tag_each_post_once(postgres_database_url: str, tmp_path: Path) -> None:
    total = 3000
    store = Store(postgres_database_url)
    _fill(store, total)
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", TAGGER, postgres_database_url, str(go), str(tmp_path / f"ready{n}")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )
        for n in range(3)
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready{n}").exists() for n in range(3)):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "taggers did not start"
        time.sleep(0.05)
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    try:
        assert _untagged(store) == 0
        assert sum(r["tagged"] for r in results) == total  # tagged once: no post counted by two processes
        assert sum(1 for r in results if r["tagged"]) >= 2, results  # and the work was split
        labubu = store.tags_of(store.post_row_id("reddit", "p0"))
        assert labubu["entity"] == ["Labubu"]
        with store.engine.connect() as conn:  # one tag row per label: nothing written twice
            rows = conn.execute(select(func.count()).select_from(schema.post_tags)).scalar_one()
            distinct = conn.execute(
                select(func.count()).select_from(
                    select(schema.post_tags.c.post_id, schema.post_tags.c.kind, schema.post_tags.c.label).distinct().subquery()
                )
            ).scalar_one()
        assert rows == distinct > 0
    finally:
        store.close()


def test_a_watchlist_edit_is_retagged_once_whichever_process_reloads_it(store: Store) -> None:
    from monitor.bot.tagging_jobs import RETAG_LEASE, retag_once
    from monitor.store.leases import Leases
    from pipelines.tagging import build_tagger
    from tests.bot_harness import load_watchlist_text

    now = T0 + timedelta(days=1)
    _fill(store, 40)
    edited = load_watchlist_text(KEYWORDS)
    tagger = build_tagger(edited)
    first, second = Leases(store, "host-a:1:a"), Leases(store, "host-b:2:b")
    try:
        assert retag_once(store, first, tagger, edited, days=7, now=now) == 40
        assert retag_once(store, second, tagger, edited, days=7, now=now) is None  # the same edit, reloaded elsewhere
        held = first.try_acquire(RETAG_LEASE)
        again = load_watchlist_text(KEYWORDS.replace("aliases: [genshin]", "aliases: [genshin, gi]"))
        assert retag_once(store, second, tagger, again, days=7, now=now) is None  # someone is re-tagging right now
        held.release()
        assert retag_once(store, second, tagger, again, days=7, now=now) == 40  # a new edit is re-tagged once more
    finally:
        first.close()
        second.close()
