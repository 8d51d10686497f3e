"""`pulse import` without the CLI: JSON Lines into the store in batches, every bad line kept apart with its reason."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import DBAPIError, OperationalError, StatementError

from monitor.post_lines import LineError, open_jsonl, read_posts
from monitor.posts import Post
from monitor.store import Store

log = logging.getLogger(__name__)

BATCH = Store.BATCH
"""One batch, one transaction: when the database fails, exactly the batches before are stored and counted."""


@dataclass
class ImportResult:
    """What one import did: counts, and every rejected line with its reason."""

    new: int = 0
    updated: int = 0
    duplicates: int = 0
    errors: list[LineError] = field(default_factory=list)
    stopped: str | None = None  # why the import ended before the end of the file, if it did

    @property
    def stored(self) -> int:
        """Posts written (new or updated)."""
        return self.new + self.updated


class StoreUnavailable(Exception):
    """The database cannot go on (down, read-only, disk full); what was stored before stays stored."""


def _is_connection_error(exc: DBAPIError) -> bool:
    return isinstance(exc, OperationalError) or bool(getattr(exc, "connection_invalidated", False))


def _reason(exc: StatementError) -> str:
    """The driver's first line (no SQL, no parameters: they may hold post text)."""
    orig = getattr(exc, "orig", None)
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0] if orig else str(exc).splitlines()[0]


def _store_batch(store: Store, batch: list[tuple[int, Post]], result: ImportResult) -> None:
    """Upsert one batch; if the database rejects it, store post by post and report the lines it rejects."""
    if not batch:
        return
    try:
        counts = store.upsert_posts(post for _, post in batch)
    except DBAPIError as exc:
        if _is_connection_error(exc):
            raise StoreUnavailable(_reason(exc)) from exc
        log.info("batch rejected by the database, storing post by post error=%r", _reason(exc))
    except StatementError as exc:
        log.info("batch rejected by the database, storing post by post error=%r", _reason(exc))
    else:
        result.new += counts.new
        result.updated += counts.updated
        return
    for number, post in batch:
        try:
            counts = store.upsert_posts([post])
        except DBAPIError as exc:
            if _is_connection_error(exc):
                raise StoreUnavailable(_reason(exc)) from exc
            result.errors.append(LineError(number, f"the database rejected it: {_reason(exc)}"))
        except StatementError as exc:
            result.errors.append(LineError(number, f"the database rejected it: {_reason(exc)}"))
        else:
            result.new += counts.new
            result.updated += counts.updated


def import_file(path: Path, store: Store, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import every good line of `path`; raise OSError if it cannot be opened at all."""
    result = ImportResult()
    seen: set[int] = set()
    batch: list[tuple[int, Post]] = []
    with open_jsonl(path) as handle:
        try:
            for number, post in read_posts(handle, result.errors):
                key = hash((post.source, post.id))
                if key in seen:
                    result.duplicates += 1
                seen.add(key)
                batch.append((number, post))
                if len(batch) >= BATCH:
                    _store_batch(store, batch, result)
                    if progress:
                        progress(len(batch))
                    batch = []
            _store_batch(store, batch, result)
            if progress:
                progress(len(batch))
        except StoreUnavailable as exc:
            first = batch[0][0] if batch else 0
            result.stopped = f"at line {first}, the database failed: {exc}"
    result.errors.sort(key=lambda e: e.line)
    return result
