"""The Store: engine set-up, migrations, and the writes and reads the pipeline needs."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, create_engine, delete, event, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from monitor.posts import Post, PostTags
from monitor.store import schema
from monitor.store.migrate import upgrade_to_head
from monitor.store.statistics import refresh_if_stale


@dataclass
class UpsertCounts:
    """How a batch of posts landed."""

    new: int = 0
    updated: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.new += other.new
        self.updated += other.updated
        return self


def _now() -> datetime:
    return datetime.now(UTC)


def _sqlite_timestamp(value: datetime) -> str:
    """A timestamp as `UTCDateTime` stores it on SQLite (naive UTC, microseconds)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store; use timezone-aware datetimes")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    # Switching a new file to WAL needs an exclusive lock and may report "locked" at once (no busy
    # wait) while another process opens the same new file: retry for a while.
    for attempt in range(200):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 199:
                raise
            time.sleep(0.05)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get their folder created and WAL mode."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Store:
    """All database access of the application goes through here."""

    BATCH = 1000

    def __init__(self, url: str, *, migrate: bool = True):
        self.url = url
        self.engine = make_engine(url)
        if migrate:
            self.upgrade()

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    def upgrade(self) -> None:
        """Apply Alembic migrations up to head, then make sure the planner has statistics."""
        upgrade_to_head(self.engine)
        refresh_if_stale(self.engine)

    def refresh_statistics(self) -> list[str]:
        """ANALYZE the tables whose planner statistics are stale (called after every bulk write)."""
        return refresh_if_stale(self.engine)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    # -- posts -------------------------------------------------------------------------------

    def _insert(self):  # noqa: ANN202
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(schema.posts)

    def upsert_posts(self, posts: Iterable[Post]) -> UpsertCounts:
        """Store posts; a post already stored (same source and id) gets its metrics updated."""
        counts = UpsertCounts()
        batch: list[Post] = []
        for post in posts:
            batch.append(post)
            if len(batch) >= self.BATCH:
                counts += self._upsert_batch(batch)
                batch = []
        if batch:
            counts += self._upsert_batch(batch)
        if counts.new:
            refresh_if_stale(self.engine)
        return counts

    def _upsert_batch(self, batch: Sequence[Post]) -> UpsertCounts:
        unique: dict[tuple[str, str], Post] = {}
        for post in batch:
            unique[(post.source, post.id)] = post
        if self.dialect == "sqlite":
            return self._upsert_batch_sqlite(unique)
        now = _now()
        rows = [
            {
                "source": p.source,
                "external_id": p.id,
                "url": p.url,
                "author": p.author,
                "title": p.title,
                "text": p.text,
                "lang": p.lang,
                "created_at": p.created_at,
                "collected_at": now,
                "updated_at": now,
                "metrics": p.metrics,
                "engagement": p.engagement,
            }
            # Sorted by key: concurrent writers then lock rows in one order and cannot deadlock.
            for _, p in sorted(unique.items(), key=lambda item: item[0])
        ]
        t = schema.posts
        with self.engine.begin() as conn:
            stmt = self._insert()
            stmt = stmt.on_conflict_do_update(
                index_elements=[t.c.source, t.c.external_id],
                set_={
                    "metrics": stmt.excluded.metrics,
                    "engagement": stmt.excluded.engagement,
                    "updated_at": stmt.excluded.updated_at,
                },
            )
            conn.execute(stmt, rows)
            # Rows this call inserted carry its own `collected_at` (an update keeps the old one):
            # counting them afterwards stays exact while another writer stores the same posts.
            new = 0
            by_source: dict[str, list[str]] = {}
            for source, ext in unique:
                by_source.setdefault(source, []).append(ext)
            for source, ids in by_source.items():
                new += conn.execute(
                    select(func.count())
                    .select_from(t)
                    .where(t.c.source == source, t.c.external_id.in_(ids), t.c.collected_at == now)
                ).scalar_one()
        return UpsertCounts(new=new, updated=len(rows) - new)

    # SQLite writers are serialised, so the fast path takes the write lock first (BEGIN IMMEDIATE),
    # counts which keys exist, then upserts every row in one executemany of pre-encoded values
    # (the same text SQLAlchemy stores: naive-UTC 'YYYY-MM-DD HH:MM:SS.ffffff', json.dumps).
    _SQLITE_UPSERT = (
        "INSERT INTO posts (source, external_id, url, author, title, text, lang, created_at, collected_at,"
        " updated_at, metrics, engagement) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (source, external_id) DO UPDATE SET metrics = excluded.metrics,"
        " engagement = excluded.engagement, updated_at = excluded.updated_at"
    )

    def _upsert_batch_sqlite(self, unique: dict[tuple[str, str], Post]) -> UpsertCounts:
        now = _sqlite_timestamp(_now())
        rows = [
            (
                p.source, p.id, p.url, p.author, p.title, p.text, p.lang, _sqlite_timestamp(p.created_at),
                now, now, json.dumps(p.metrics), p.engagement,
            )
            for _, p in sorted(unique.items(), key=lambda item: item[0])
        ]
        by_source: dict[str, list[str]] = {}
        for source, ext in unique:
            by_source.setdefault(source, []).append(ext)
        existing = 0
        with self.engine.begin() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            for source, ids in by_source.items():
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    existing += conn.exec_driver_sql(
                        f"SELECT count(*) FROM posts WHERE source = ? AND external_id IN ({', '.join('?' * len(chunk))})",
                        (source, *chunk),
                    ).scalar_one()
            conn.exec_driver_sql(self._SQLITE_UPSERT, rows)
        return UpsertCounts(new=len(rows) - existing, updated=existing)

    def count_posts(self) -> int:
        """Number of stored posts."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(schema.posts)).scalar_one()

    def iter_posts(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        untagged_only: bool = False,
        chunk: int = 2000,
    ) -> Iterator[tuple[int, Post]]:
        """(row id, post) in storage order, read in chunks so memory stays flat.

        untagged_only: only posts that were never tagged (new since the last tagging run).
        """
        t = schema.posts
        last_id = 0
        while True:
            query = select(t).where(t.c.id > last_id).order_by(t.c.id).limit(chunk)
            if untagged_only:
                query = query.where(t.c.tagged_at.is_(None))
            if since is not None:
                query = query.where(t.c.created_at >= since)
            if until is not None:
                query = query.where(t.c.created_at < until)
            with self.engine.connect() as conn:
                rows = conn.execute(query).mappings().all()
            if not rows:
                return
            for row in rows:
                yield row["id"], row_to_post(row)
            last_id = rows[-1]["id"]

    def newest_post_time(self) -> datetime | None:
        """Creation time of the newest stored post, or None when the store is empty."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.max(schema.posts.c.created_at))).scalar_one_or_none()

    def count_posts_between(self, since: datetime | None = None, until: datetime | None = None) -> int:
        """Number of posts created in [since, until)."""
        t = schema.posts
        query = select(func.count()).select_from(t)
        if since is not None:
            query = query.where(t.c.created_at >= since)
        if until is not None:
            query = query.where(t.c.created_at < until)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    # -- tags --------------------------------------------------------------------------------

    def save_tags(self, tagged: Sequence[tuple[int, datetime, PostTags]]) -> None:
        """Replace the tags of each (post row id, created_at, tags)."""
        if not tagged:
            return
        with self.engine.begin() as conn:
            write_tags(conn, tagged)
        refresh_if_stale(self.engine)

    def tags_of(self, post_id: int) -> dict[str, list[str]]:
        """{'category': [...], 'entity': [...], 'interest': [...]} for one stored post."""
        out: dict[str, list[str]] = {"category": [], "entity": [], "interest": []}
        t = schema.post_tags
        with self.engine.connect() as conn:
            for kind, label in conn.execute(
                select(t.c.kind, t.c.label).where(t.c.post_id == post_id).order_by(t.c.kind, t.c.label)
            ):
                out.setdefault(kind, []).append(label)
        return out

    def post_row_id(self, source: str, external_id: str) -> int | None:
        """Row id of a stored post, or None."""
        t = schema.posts
        with self.engine.connect() as conn:
            return conn.execute(
                select(t.c.id).where(t.c.source == source, t.c.external_id == external_id)
            ).scalar_one_or_none()

    # -- checkpoints and runs -----------------------------------------------------------------

    def get_checkpoint(self, source: str, key: str) -> str | None:
        """Last saved position of one source query."""
        t = schema.checkpoints
        with self.engine.connect() as conn:
            return conn.execute(select(t.c.value).where(t.c.source == source, t.c.key == key)).scalar_one_or_none()

    def set_checkpoint(self, source: str, key: str, value: str) -> None:
        """Save the position of one source query (insert or replace)."""
        t = schema.checkpoints
        stmt = (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(t).values(
            source=source, key=key, value=value, updated_at=_now()
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.c.source, t.c.key], set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at}
        )
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def start_run(self, source: str) -> int:
        """Record that a collector run began; returns its id."""
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(schema.collector_runs).values(
                    source=source, started_at=_now(), status="running", fetched=0, new=0, updated=0, skipped=0, errors=0
                )
            )
            return int(result.inserted_primary_key[0])

    def finish_run(self, run_id: int, *, status: str, message: str | None = None, **counts: Any) -> None:
        """Record a run's outcome: status, counts (fetched/new/updated/skipped/errors), details."""
        with self.engine.begin() as conn:
            conn.execute(
                update(schema.collector_runs)
                .where(schema.collector_runs.c.id == run_id)
                .values(status=status, message=message, finished_at=_now(), **counts)
            )

    def recent_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """Latest collector runs, newest first."""
        t = schema.collector_runs
        with self.engine.connect() as conn:
            rows = conn.execute(select(t).order_by(t.c.id.desc()).limit(limit)).mappings().all()
        return [dict(row) for row in rows]


def write_tags(conn: Connection, tagged: Sequence[tuple[int, datetime, PostTags]]) -> None:
    """Replace the tags of each (post row id, created_at, tags) inside the caller's transaction."""
    if not tagged:
        return
    now = _now()
    ids = [post_id for post_id, _, _ in tagged]
    tag_rows = [
        {"post_id": post_id, "kind": kind, "label": label, "created_at": created}
        for post_id, created, tags in tagged
        for kind, labels in (("category", tags.categories), ("entity", tags.entities), ("interest", tags.interests))
        for label in dict.fromkeys(labels)
    ]
    updates = [
        {"b_id": post_id, "b_lang": tags.lang, "b_spans": tags.spans, "b_now": now}
        for post_id, _, tags in tagged
    ]
    t = schema.posts
    sources = dict(conn.execute(select(t.c.id, t.c.source).where(t.c.id.in_(ids))).all())
    for row in tag_rows:
        row["source"] = sources.get(row["post_id"])
    conn.execute(delete(schema.post_tags).where(schema.post_tags.c.post_id.in_(ids)))
    if tag_rows:
        conn.execute(insert(schema.post_tags), tag_rows)
    conn.execute(
        update(t)
        .where(t.c.id == bindparam("b_id"))
        .values(lang=bindparam("b_lang"), tag_spans=bindparam("b_spans"), tagged_at=bindparam("b_now")),
        updates,
    )


def row_to_post(row: Any) -> Post:
    """Build a Post from a `posts` row mapping."""
    return Post.model_construct(
        source=row["source"],
        id=row["external_id"],
        url=row["url"],
        author=row["author"],
        title=row["title"],
        text=row["text"] or "",
        created_at=row["created_at"],
        lang=row["lang"],
        metrics=row["metrics"] or {},
    )
