"""Tagging posts in the store: all of a window, or only the ones never tagged."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.config import load_watchlist
from monitor.posts import Post
from pipelines.tagging import build_tagger
from pipelines.tagging.store_tagging import tag_stored_posts

from tests.conftest import ROOT


def _post(n: int, text: str, day: int) -> Post:
    return Post(source="x", id=str(n), text=text, created_at=datetime(2026, 11, day, 12, tzinfo=UTC))


def test_untagged_only_then_window_retag(store):
    tagger = build_tagger(load_watchlist(ROOT / "config" / "keywords.yaml"))
    store.upsert_posts([_post(1, "Queued for Labubu at Pop Mart", 10), _post(2, "Genshin Impact banner tonight", 20)])
    seen: list[int] = []
    assert tag_stored_posts(store, tagger, untagged_only=True, on_progress=seen.append) == 2
    assert seen == [2]
    assert tag_stored_posts(store, tagger, untagged_only=True) == 0  # nothing new

    store.upsert_posts([_post(3, "ReelShort ads everywhere", 21)])
    assert tag_stored_posts(store, tagger, untagged_only=True) == 1
    assert store.tags_of(store.post_row_id("x", "3"))["entity"] == ["ReelShort"]

    # A window re-tag touches only posts created in it.
    since = datetime(2026, 11, 15, tzinfo=UTC)
    assert tag_stored_posts(store, tagger, since=since, batch_size=1) == 2
    assert "Labubu" in store.tags_of(store.post_row_id("x", "1"))["entity"]
