"""Storage of posts, tags, runs, checkpoints and sent digests (SQLite or PostgreSQL)."""

from monitor.store.database import Store, UpsertCounts

__all__ = ["Store", "UpsertCounts"]
