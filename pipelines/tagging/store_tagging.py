"""Tags posts that are already in the store, in batches, and saves the tags back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from monitor.store import Store
from pipelines.tagging.pipeline import Tagger

SAVE_EVERY = 1000


def tag_stored_posts(
    store: Store,
    tagger: Tagger,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    untagged_only: bool = False,
    batch_size: int = SAVE_EVERY,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """(Re)tag every stored post created in [since, until); returns how many were tagged.

    untagged_only: tag only posts never tagged before (what a collection run just stored).

    Reads and saves in batches of `batch_size` so memory stays flat on a year of posts;
    `on_progress(n)` is called after each saved batch with its size.
    """
    done = 0
    rows: list = []

    def flush() -> None:
        nonlocal done, rows
        if not rows:
            return
        posts = [post for _, post in rows]
        tagged = [(row_id, post.created_at, tags) for (row_id, post), tags in zip(rows, tagger.tag_posts(posts), strict=True)]
        store.save_tags(tagged)
        done += len(tagged)
        if on_progress:
            on_progress(len(tagged))
        rows = []

    for row in store.iter_posts(since, until, untagged_only=untagged_only):
        rows.append(row)
        if len(rows) >= batch_size:
            flush()
    flush()
    return done
