"""Tags posts that are already in the store, in batches, and saves the tags back."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from monitor.store import Store
from monitor.store.tag_claims import claim_untagged
from pipelines.tagging.pipeline import Tagger

SAVE_EVERY = 1000

log = logging.getLogger(__name__)


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

    untagged_only: tag only posts never tagged before (what a collection run just stored); without
    a time window that is `tag_backlog`, shared safely with other processes.

    Reads and saves in batches of `batch_size` so memory stays flat on a year of posts;
    `on_progress(n)` is called after each saved batch with its size.
    """
    if untagged_only and since is None and until is None:
        return tag_backlog(store, tagger, batch_size=batch_size, on_progress=on_progress)
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


def tag_backlog(
    store: Store,
    tagger: Tagger,
    *,
    batch_size: int = SAVE_EVERY,
    on_progress: Callable[[int], None] | None = None,
    claim_expiry: float = 60.0,
) -> int:
    """Tag posts never tagged, in claimed batches (`claim_untagged`): any number of processes may
    run this at once on one PostgreSQL database and each post is tagged by exactly one of them.

    `on_progress(n)` is called after each committed batch; returns how many posts this call tagged.
    """
    done = 0
    while True:
        with claim_untagged(store, batch_size, expiry=claim_expiry) as batch:
            if not batch.rows:
                return done
            batch.save(tagger.tag_posts([post for _, post in batch.rows]))
        log.debug("tagging batch saved count=%d", len(batch.rows))
        done += len(batch.rows)
        if on_progress:
            on_progress(len(batch.rows))
