"""The store keeps planner statistics fresh after bulk writes, so the digest's joins get the right plan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from monitor.posts import Post, PostTags
from monitor.store import Store
from monitor.store.statistics import stale_tables
from pipelines.trends import queries

START = datetime(2026, 11, 16, tzinfo=UTC)
CATEGORIES = ["drama", "game", "toy", "animation", "film", "literature", "music"]  # the shipped watchlist's
INTERESTS = ["travel", "food", "study", "language", "business", "shopping"]


def _fill(store: Store, n: int) -> None:
    """n posts through the same Store calls `pulse import` and `pulse tag` make; 1 in 50 shows an interest."""
    posts = [
        Post(source="reddit", id=f"p{i}", text=f"post {i}", created_at=START + timedelta(minutes=i), metrics={})
        for i in range(n)
    ]
    for start in range(0, n, 1000):
        store.upsert_posts(posts[start : start + 1000])
    with store.engine.connect() as conn:
        ids = dict(conn.execute(text("SELECT external_id, id FROM posts")).all())
    tagged = [
        (
            ids[p.id],
            p.created_at,
            PostTags([CATEGORIES[i % 7]], [], [INTERESTS[i % 6]] if i % 50 == 0 else [], "en"),
        )
        for i, p in enumerate(posts)
    ]
    for start in range(0, n, 1000):
        store.save_tags(tagged[start : start + 1000])


def _plan(store: Store) -> str:
    window = (START, START + timedelta(days=7))
    with store.engine.connect() as conn:
        query = queries.category_interest_query(CATEGORIES, INTERESTS, window)
        compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
        rows = conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return "\n".join(str(r[-1]) for r in rows)


def test_bulk_writes_leave_no_stale_statistics(store: Store):
    _fill(store, 3000)
    with store.engine.connect() as conn:
        assert stale_tables(conn) == []
        if store.dialect == "sqlite":
            analysed = {t for (t,) in conn.execute(text("SELECT DISTINCT tbl FROM sqlite_stat1"))}
            assert {"posts", "post_tags"} <= analysed


def test_statistics_make_the_interest_join_start_from_interest_tags(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    _fill(store, 6000)
    plan = _plan(store)
    assert plan.startswith("SEARCH i "), plan  # the few interest tags drive the join
    with store.engine.begin() as conn:  # what a store that never ran ANALYZE looks like
        conn.exec_driver_sql("DROP TABLE sqlite_stat1")
    store.engine.dispose()  # connections cache the statistics they loaded
    assert _plan(store).startswith("SEARCH c "), "without statistics SQLite starts from the category tags"
    assert store.refresh_statistics() == ["post_tags", "posts"]
    store.engine.dispose()
    assert _plan(store).startswith("SEARCH i ")
    store.close()


@pytest.mark.parametrize(("extra", "stale"), [(50, []), (1500, ["posts"])])
def test_only_a_real_change_in_size_marks_a_table_stale(tmp_path, extra: int, stale: list[str]):
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    _fill(store, 2000)
    rows = [(f"n{i}",) for i in range(extra)]
    with store.engine.begin() as conn:  # rows written behind the store's back: nothing re-analyses them
        conn.exec_driver_sql(
            "INSERT INTO posts (source, external_id, text, created_at, collected_at, updated_at, metrics, engagement) "
            "VALUES ('x', ?, 't', '2026-11-16 00:00:00', '2026-11-16 00:00:00', '2026-11-16 00:00:00', '{}', 0)",
            rows,
        )
    with store.engine.connect() as conn:
        assert stale_tables(conn) == stale
    store.close()
