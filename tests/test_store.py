"""The store on SQLite and PostgreSQL: migrations, duplicates, tags, checkpoints, time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from monitor.posts import Post, PostTags
from monitor.store import Store, schema
from monitor.store.migrate import current_revision_of, head_revision

T0 = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)


def post(i: int | str, *, source: str = "reddit", created: datetime = T0, **metrics: float) -> Post:
    return Post(
        source=source,
        id=f"t3_{i}",
        url=f"https://example.org/{i}",
        author="someone",
        title=f"title {i}",
        text=f"text {i}",
        created_at=created,
        metrics=metrics or {"score": 1},
    )


# -- migrations --------------------------------------------------------------------------------


def test_fresh_database_is_migrated_to_head_and_matches_the_table_definitions(database_url):
    store = Store(database_url)
    try:
        with store.engine.connect() as conn:
            assert current_revision_of(conn) == head_revision() is not None
            tables = set(inspect(conn).get_table_names())
            assert {t.name for t in schema.metadata.sorted_tables} | {"alembic_version"} == tables
            # What Alembic would autogenerate against schema.py: nothing (migrations and models agree).
            diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
        assert [d for d in diff if d[0] != "modify_default"] == []
    finally:
        store.close()


def test_opening_again_is_a_noop_and_keeps_data(database_url):
    first = Store(database_url)
    first.upsert_posts([post(1)])
    first.close()
    again = Store(database_url)
    try:
        assert again.count_posts() == 1
        with again.engine.connect() as conn:
            assert current_revision_of(conn) == head_revision()
    finally:
        again.close()


def test_unmigrated_open_leaves_the_database_empty(database_url):
    store = Store(database_url, migrate=False)
    try:
        with store.engine.connect() as conn:
            assert current_revision_of(conn) is None
            assert "posts" not in inspect(conn).get_table_names()
        store.upgrade()
        assert store.count_posts() == 0
    finally:
        store.close()


def test_single_migration_head():
    from alembic.script import ScriptDirectory

    from monitor.store.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    heads = script.get_heads()
    assert heads == [head_revision()]  # one line of migrations, no branches
    chain = [rev.revision for rev in script.walk_revisions()]
    assert chain[-2:] == ["0002", "0001"]  # weekly_aggregates follows the initial schema


# -- posts ---------------------------------------------------------------------------------------


def test_same_post_twice_is_stored_once_with_metrics_updated(store):
    first = store.upsert_posts([post(1, score=10, comments=2), post(2)])
    assert (first.new, first.updated) == (2, 0)
    row_id = store.post_row_id("reddit", "t3_1")

    again = store.upsert_posts([post(1, score=99, comments=7)])
    assert (again.new, again.updated) == (0, 1)
    assert store.count_posts() == 2
    assert store.post_row_id("reddit", "t3_1") == row_id  # same row, not a new one
    with store.engine.connect() as conn:
        row = conn.execute(select(schema.posts).where(schema.posts.c.id == row_id)).mappings().one()
    assert row["metrics"] == {"score": 99, "comments": 7}
    assert row["engagement"] == 106
    assert row["updated_at"] >= row["collected_at"]


def test_duplicates_inside_one_batch_keep_the_last_version(store):
    counts = store.upsert_posts([post(1, score=1), post(1, score=5), post(2)])
    assert (counts.new, counts.updated) == (2, 0)
    stored = {p.id: p for _, p in store.iter_posts()}
    assert stored["t3_1"].metrics == {"score": 5}


def test_same_id_on_two_sources_are_two_posts(store):
    counts = store.upsert_posts([post(1, source="reddit"), post(1, source="x")])
    assert counts.new == 2
    assert store.count_posts() == 2


def test_large_batch_counts_new_and_updated_exactly(store):
    store.upsert_posts([post(i) for i in range(0, 1500, 2)])  # 750 even ids
    counts = store.upsert_posts([post(i) for i in range(1500)])  # crosses the 1000-row batch
    assert (counts.new, counts.updated) == (750, 750)
    assert store.count_posts() == 1500


# -- tags ----------------------------------------------------------------------------------------


def test_save_tags_replaces_previous_tags(store):
    store.upsert_posts([post(1), post(2)])
    one, two = store.post_row_id("reddit", "t3_1"), store.post_row_id("reddit", "t3_2")
    store.save_tags([
        (one, T0, PostTags(categories=["toys"], entities=["Labubu", "Pop Mart"], lang="en")),
        (two, T0, PostTags(entities=["Black Myth: Wukong"])),
    ])
    assert store.tags_of(one) == {"category": ["toys"], "entity": ["Labubu", "Pop Mart"], "interest": []}

    store.save_tags([(one, T0, PostTags(interests=["collecting"], entities=["Labubu", "Labubu"], lang="fr"))])
    assert store.tags_of(one) == {"category": [], "entity": ["Labubu"], "interest": ["collecting"]}
    assert store.tags_of(two) == {"category": [], "entity": ["Black Myth: Wukong"], "interest": []}  # untouched
    with store.engine.connect() as conn:
        lang, tagged_at = conn.execute(
            select(schema.posts.c.lang, schema.posts.c.tagged_at).where(schema.posts.c.id == one)
        ).one()
    assert lang == "fr" and tagged_at is not None and tagged_at.tzinfo is not None

    store.save_tags([(one, T0, PostTags())])  # no tags at all: old ones are gone
    assert store.tags_of(one) == {"category": [], "entity": [], "interest": []}


def test_deleting_a_post_deletes_its_tags(store):
    store.upsert_posts([post(1)])
    one = store.post_row_id("reddit", "t3_1")
    store.save_tags([(one, T0, PostTags(entities=["Labubu"]))])
    with store.engine.begin() as conn:
        conn.execute(schema.posts.delete().where(schema.posts.c.id == one))
    with store.engine.connect() as conn:
        assert conn.execute(select(schema.post_tags)).all() == []


# -- checkpoints and runs ------------------------------------------------------------------------


def test_checkpoints_insert_then_replace(store):
    assert store.get_checkpoint("reddit", "r/CDrama") is None
    store.set_checkpoint("reddit", "r/CDrama", "t3_a")
    store.set_checkpoint("reddit", "r/Labubu", "t3_x")
    store.set_checkpoint("reddit", "r/CDrama", "t3_b")
    assert store.get_checkpoint("reddit", "r/CDrama") == "t3_b"
    assert store.get_checkpoint("reddit", "r/Labubu") == "t3_x"
    assert store.get_checkpoint("x", "r/CDrama") is None
    with store.engine.connect() as conn:
        assert conn.execute(select(schema.checkpoints)).all().__len__() == 2


def test_runs_are_recorded(store):
    run_id = store.start_run("reddit")
    store.finish_run(run_id, status="ok", fetched=10, new=7, updated=3)
    (run,) = store.recent_runs()
    assert (run["source"], run["status"], run["fetched"], run["new"], run["updated"]) == ("reddit", "ok", 10, 7, 3)
    assert run["finished_at"] >= run["started_at"]


# -- time zones ----------------------------------------------------------------------------------


def test_timestamps_round_trip_as_the_same_instant_in_utc(store):
    berlin = datetime(2026, 3, 29, 1, 59, 59, 123456, tzinfo=ZoneInfo("Europe/Berlin"))  # just before DST
    shanghai = datetime(2026, 11, 20, 23, 30, tzinfo=timezone(timedelta(hours=8)))
    store.upsert_posts([post("b", created=berlin), post("s", created=shanghai)])
    stored = {p.id: p.created_at for _, p in store.iter_posts()}
    assert stored["t3_b"] == berlin and stored["t3_b"].utcoffset() == timedelta(0)
    assert stored["t3_s"] == shanghai and stored["t3_s"].tzinfo is not None
    assert stored["t3_s"].hour == 15  # 23:30 +08:00 is 15:30 UTC
    # Range queries compare instants, whatever offset the bound has.
    bound = datetime(2026, 11, 20, 16, 0, tzinfo=timezone(timedelta(hours=1)))  # 15:00 UTC
    assert store.count_posts_between(since=bound) == 1
    assert [p.id for _, p in store.iter_posts(until=bound)] == ["t3_b"]


def test_naive_datetimes_are_refused(store):
    with pytest.raises(Exception, match="naive datetime"):
        store.set_checkpoint("x", "k", "v") or store.count_posts_between(since=datetime(2026, 1, 1))
