"""Tagging inside `pulse run`: new posts after each collection, recent posts after a keyword edit."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from monitor.config.watchlist import Watchlist
from monitor.store import Store
from monitor.store.leases import Leases
from pipelines.tagging import Tagger
from pipelines.tagging.store_tagging import tag_backlog, tag_stored_posts

log = logging.getLogger(__name__)


class _Stopped(Exception):
    """Raised between two saved batches when the process is stopping."""

    def __init__(self, done: int):
        super().__init__(done)
        self.done = done


def _counter(stop: threading.Event | None) -> Callable[[int], None]:
    """A progress callback that counts saved posts and stops the run (after a saved batch) once `stop` is set."""
    done = 0

    def progress(count: int) -> None:
        nonlocal done
        done += count
        if stop is not None and stop.is_set():
            raise _Stopped(done)

    return progress


def tag_untagged(
    store: Store, tagger: Tagger, *, batch_size: int = 256, stop: threading.Event | None = None, claim_expiry: float = 60.0
) -> int:
    """Tag every stored post that has never been tagged, in batches shared with other processes
    (`tag_backlog`); returns how many this call tagged (stops early on `stop`)."""
    progress = _counter(stop)
    try:
        done = tag_backlog(store, tagger, batch_size=batch_size, on_progress=progress, claim_expiry=claim_expiry)
    except _Stopped as exc:
        log.info("tagging stopped by shutdown count=%d (the rest is tagged on the next run)", exc.done)
        return exc.done
    if done:
        log.info("tagged new posts count=%d", done)
    return done


def retag_recent(
    store: Store, tagger: Tagger, *, days: int, now: datetime, batch_size: int = 256, stop: threading.Event | None = None
) -> int:
    """Re-tag posts created in the last `days` days (after a watchlist change); stops early on `stop`."""
    if days <= 0:
        return 0
    progress = _counter(stop)
    try:
        done = tag_stored_posts(store, tagger, since=now - timedelta(days=days), batch_size=batch_size, on_progress=progress)
    except _Stopped as exc:
        log.warning("re-tagging stopped by shutdown count=%d days=%d: run `pulse tag --since` to finish it", exc.done, days)
        return exc.done
    log.info("re-tagged recent posts count=%d days=%d", done, days)
    return done


RETAG_LEASE = "retag"
RETAG_MARK = ("_retag", "watchlist")
"""The checkpoint row (source, key) holding the fingerprint of the last watchlist the window was re-tagged with."""


def watchlist_fingerprint(watchlist: Watchlist) -> str:
    """A stable hash of a watchlist: equal for equal keyword files on every host."""
    return hashlib.sha256(watchlist.model_dump_json().encode()).hexdigest()


def retag_once(
    store: Store,
    leases: Leases,
    tagger: Tagger,
    watchlist: Watchlist,
    *,
    days: int,
    now: datetime,
    batch_size: int = 256,
    stop: threading.Event | None = None,
) -> int | None:
    """`retag_recent` once per watchlist across processes: under the `retag` lease, and only if the
    window was not re-tagged with this very watchlist already. None when another process did (or does) it."""
    lease = leases.try_acquire(RETAG_LEASE)
    if lease is None:
        log.info("re-tagging skipped reason=busy holder=%s", leases.holder(RETAG_LEASE))
        return None
    with lease:
        fingerprint = watchlist_fingerprint(watchlist)
        if store.get_checkpoint(*RETAG_MARK) == fingerprint:
            log.info("re-tagging skipped reason=already-done (this watchlist was re-tagged by another process)")
            return None
        count = retag_recent(store, tagger, days=days, now=now, batch_size=batch_size, stop=stop)
        if stop is None or not stop.is_set():
            store.set_checkpoint(*RETAG_MARK, fingerprint)
    return count
