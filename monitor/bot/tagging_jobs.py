"""Tagging inside `pulse run`: new posts after each collection, recent posts after a keyword edit."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from monitor.store import Store
from pipelines.tagging import Tagger
from pipelines.tagging.store_tagging import tag_stored_posts

log = logging.getLogger(__name__)


def tag_untagged(store: Store, tagger: Tagger, *, batch_size: int = 256) -> int:
    """Tag every stored post that has never been tagged; returns how many were tagged."""
    done = tag_stored_posts(store, tagger, untagged_only=True, batch_size=batch_size)
    if done:
        log.info("tagged new posts count=%d", done)
    return done


def retag_recent(store: Store, tagger: Tagger, *, days: int, now: datetime, batch_size: int = 256) -> int:
    """Re-tag posts created in the last `days` days (after a watchlist change)."""
    if days <= 0:
        return 0
    done = tag_stored_posts(store, tagger, since=now - timedelta(days=days), batch_size=batch_size)
    log.info("re-tagged recent posts count=%d days=%d", done, days)
    return done
