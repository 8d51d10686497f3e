"""Untagged posts handed out in batches that no two processes share (`FOR NO KEY UPDATE SKIP LOCKED`).

A batch is claimed, tagged and saved in one transaction: the row locks are the claim. Another
process's claim skips locked rows instead of waiting, so N taggers split the backlog without
tagging a post twice; a tagger that dies rolls back and its posts go to the next claim. On SQLite
(one writer at a time, one process by design) the claim takes the database's write lock instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, text

from monitor.posts import Post, PostTags
from monitor.store import schema
from monitor.store.database import Store, row_to_post, write_tags
from monitor.store.statistics import refresh_if_stale


@dataclass
class ClaimedBatch:
    """Posts claimed for tagging: (row id, post); `save` writes their tags in the claiming transaction."""

    rows: list[tuple[int, Post]]
    _conn: Connection

    def save(self, tags: list[PostTags]) -> None:
        """Store one PostTags per claimed post (same order); committed when the claim ends."""
        tagged: list[tuple[int, datetime, PostTags]] = [
            (row_id, post.created_at, tag) for (row_id, post), tag in zip(self.rows, tags, strict=True)
        ]
        write_tags(self._conn, tagged)


@contextmanager
def claim_untagged(store: Store, limit: int, *, expiry: float = 60.0) -> Iterator[ClaimedBatch]:
    """Claim up to `limit` untagged posts (oldest rows first); an empty batch means nothing is left to claim.

    `expiry` bounds a hung claimer on PostgreSQL: a claim left idle that long (a frozen process) is ended
    by the server (`idle_in_transaction_session_timeout`), which frees its posts for the others.
    """
    t = schema.posts
    query = select(t).where(t.c.tagged_at.is_(None)).order_by(t.c.id).limit(limit)
    postgres = store.dialect == "postgresql"
    if postgres:
        query = query.with_for_update(skip_locked=True, key_share=True)  # FOR NO KEY UPDATE SKIP LOCKED
    with store.engine.begin() as conn:
        if postgres:
            conn.execute(text(f"SET LOCAL idle_in_transaction_session_timeout = {max(int(expiry * 1000), 1)}"))
        else:  # take SQLite's write lock first: a read snapshot could not be upgraded once a collector wrote
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        rows = [(row["id"], row_to_post(row)) for row in conn.execute(query).mappings().all()]
        yield ClaimedBatch(rows, conn)
    if rows:
        refresh_if_stale(store.engine)
