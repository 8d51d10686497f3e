"""Tagging inside `pulse run`: new posts after each collection, recent posts after a keyword edit."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from monitor.store import Store, schema
from monitor.store.database import row_to_post

log = logging.getLogger(__name__)


def _save(store: Store, tagger: Any, rows: list[tuple[int, Any]]) -> int:
    tags = list(tagger.tag_posts([post for _, post in rows]))
    store.save_tags([(row_id, post.created_at, tag) for (row_id, post), tag in zip(rows, tags, strict=True)])
    return len(rows)


def tag_untagged(store: Store, tagger: Any, *, batch_size: int = 256) -> int:
    """Tag every stored post that has never been tagged; returns how many were tagged."""
    t = schema.posts
    done = 0
    last_id = 0
    while True:
        query = select(t).where(t.c.tagged_at.is_(None), t.c.id > last_id).order_by(t.c.id).limit(batch_size)
        with store.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        if not rows:
            break
        done += _save(store, tagger, [(row["id"], row_to_post(row)) for row in rows])
        last_id = rows[-1]["id"]
    if done:
        log.info("tagged new posts count=%d", done)
    return done


def retag_recent(store: Store, tagger: Any, *, days: int, now: datetime, batch_size: int = 256) -> int:
    """Re-tag posts created in the last `days` days (after a watchlist change)."""
    if days <= 0:
        return 0
    done = 0
    batch: list[tuple[int, Any]] = []
    for row_id, post in store.iter_posts(since=now - timedelta(days=days)):
        batch.append((row_id, post))
        if len(batch) >= batch_size:
            done += _save(store, tagger, batch)
            batch = []
    if batch:
        done += _save(store, tagger, batch)
    log.info("re-tagged recent posts count=%d days=%d", done, days)
    return done
