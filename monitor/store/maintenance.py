"""Database upkeep: statistics, and retention that folds old posts into weekly aggregates first."""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from pathlib import Path

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from monitor.store import schema
from monitor.store.database import Store
from monitor.store.migrate import current_revision_of, head_revision

log = logging.getLogger(__name__)

TOTAL_KIND = "total"
TOTAL_LABEL = "*"


# -- weeks -----------------------------------------------------------------------------------


def week_start(moment: datetime, tz: tzinfo) -> datetime:
    """Monday 00:00 (in `tz`) of the week containing `moment`, as an aware UTC datetime."""
    local = moment.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0), tzinfo=tz).astimezone(UTC)


def iso_week(start: datetime, tz: tzinfo) -> str:
    """ISO week name of a week that starts at `start`, e.g. '2026-W47'."""
    year, week, _ = start.astimezone(tz).date().isocalendar()
    return f"{year}-W{week:02d}"


# -- statistics ------------------------------------------------------------------------------


@dataclass
class DatabaseStats:
    """What `pulse db stats` shows."""

    dialect: str
    url: str  # password hidden
    revision: str | None
    head: str | None
    tables: dict[str, int]
    size_bytes: int | None
    oldest_post: datetime | None
    newest_post: datetime | None
    aggregated_weeks: int = 0

    @property
    def migrated(self) -> bool:
        """True when the schema is at the newest revision shipped with the code."""
        return self.revision == self.head


def _sqlite_file_size(url: str) -> int | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database).expanduser()
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    return sum(os.path.getsize(f) for f in files if f.exists())


def database_stats(store: Store) -> DatabaseStats:
    """Rows per table, size on disk, schema revision and the time span of stored posts."""
    posts = schema.posts
    with store.engine.connect() as conn:
        revision = current_revision_of(conn)
        tables = {}
        for table in schema.metadata.sorted_tables:
            try:
                tables[table.name] = conn.execute(select(func.count()).select_from(table)).scalar_one()
            except Exception:  # noqa: BLE001 - a table of a newer migration not applied yet
                conn.rollback()
                tables[table.name] = -1
        oldest, newest = (None, None)
        if tables.get("posts", -1) > 0:
            oldest, newest = conn.execute(select(func.min(posts.c.created_at), func.max(posts.c.created_at))).one()
            oldest, newest = (as_utc(oldest), as_utc(newest))
        weeks = 0
        if tables.get("weekly_aggregates", -1) > 0:
            agg = schema.weekly_aggregates
            weeks = conn.execute(select(func.count(func.distinct(agg.c.week_start)))).scalar_one()
        if store.dialect == "postgresql":
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        else:
            size = _sqlite_file_size(store.url)
    return DatabaseStats(
        dialect=store.dialect,
        url=make_url(store.url).render_as_string(hide_password=True),
        revision=revision,
        head=head_revision(),
        tables=tables,
        size_bytes=int(size) if size is not None else None,
        oldest_post=oldest,
        newest_post=newest,
        aggregated_weeks=weeks,
    )


def as_utc(value: datetime | str | None) -> datetime | None:
    """min()/max() bypass the column type on SQLite and return text; make it an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# -- retention -------------------------------------------------------------------------------


@dataclass
class PruneResult:
    """What `pulse db prune` removed (or would remove, with dry_run)."""

    cutoff: datetime
    posts: int = 0
    tags: int = 0
    runs: int = 0
    weeks: set[str] = field(default_factory=set)
    dry_run: bool = False


def prune_cutoff(older_than: timedelta, tz: tzinfo, now: datetime | None = None) -> datetime:
    """Start of the week containing now - older_than: only whole weeks are ever pruned."""
    return week_start((now or datetime.now(UTC)) - older_than, tz)


def prune(
    store: Store,
    older_than: timedelta,
    tz: tzinfo,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    chunk: int = 2000,
) -> PruneResult:
    """Delete posts (and their tags) created before the cutoff week, and old collector runs.

    Before a post is deleted, it is counted into `weekly_aggregates` (per week, per tag and a
    total), in the same transaction as the delete, so weekly counts survive and no post is
    counted twice even when prune runs again or beside a collector. Sent digests, alerts and
    checkpoints are kept (they guard against double sending and refetching).
    """
    cutoff = prune_cutoff(older_than, tz, now)
    result = PruneResult(cutoff=cutoff, dry_run=dry_run)
    posts, tags, runs = schema.posts, schema.post_tags, schema.collector_runs
    if dry_run:
        with store.engine.connect() as conn:
            old = select(posts.c.id).where(posts.c.created_at < cutoff)
            result.posts = conn.execute(select(func.count()).select_from(old.subquery())).scalar_one()
            result.tags = conn.execute(select(func.count()).select_from(tags).where(tags.c.post_id.in_(old))).scalar_one()
            result.runs = conn.execute(
                select(func.count()).select_from(runs).where(runs.c.started_at < cutoff)
            ).scalar_one()
            for (created,) in conn.execute(
                select(posts.c.created_at).where(posts.c.created_at < cutoff).group_by(posts.c.created_at)
            ):
                result.weeks.add(iso_week(week_start(created, tz), tz))
        return result

    while True:
        with store.engine.begin() as conn:
            if store.dialect == "sqlite":
                # Take the write lock before reading: a read snapshot upgraded to a write later
                # fails at once ("database is locked") if the bot wrote in between.
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            batch = conn.execute(
                select(posts.c.id, posts.c.created_at, posts.c.engagement)
                .where(posts.c.created_at < cutoff)
                .order_by(posts.c.id)
                .limit(chunk)
            ).all()
            if not batch:
                break
            ids = [row.id for row in batch]
            week_of = {row.id: week_start(row.created_at, tz) for row in batch}
            engagement = {row.id: float(row.engagement or 0.0) for row in batch}
            counts: dict[tuple[datetime, str, str], list[float]] = defaultdict(lambda: [0, 0.0])
            for post_id in ids:
                bucket = counts[(week_of[post_id], TOTAL_KIND, TOTAL_LABEL)]
                bucket[0] += 1
                bucket[1] += engagement[post_id]
            tag_rows = conn.execute(select(tags.c.post_id, tags.c.kind, tags.c.label).where(tags.c.post_id.in_(ids))).all()
            for post_id, kind, label in tag_rows:
                bucket = counts[(week_of[post_id], kind, label)]
                bucket[0] += 1
                bucket[1] += engagement[post_id]
            _add_to_aggregates(store, conn, counts, tz)
            conn.execute(delete(tags).where(tags.c.post_id.in_(ids)))
            conn.execute(delete(posts).where(posts.c.id.in_(ids)))
        result.posts += len(ids)
        result.tags += len(tag_rows)
        result.weeks.update(iso_week(start, tz) for start, _, _ in counts)
    with store.engine.begin() as conn:
        result.runs = conn.execute(delete(runs).where(runs.c.started_at < cutoff)).rowcount or 0
    log.info(
        "pruned cutoff=%s posts=%d tags=%d runs=%d weeks=%d",
        cutoff.isoformat(), result.posts, result.tags, result.runs, len(result.weeks),
    )
    return result


def _add_to_aggregates(store: Store, conn, counts: dict[tuple[datetime, str, str], list[float]], tz: tzinfo) -> None:  # noqa: ANN001
    if not counts:
        return
    agg = schema.weekly_aggregates
    now = datetime.now(UTC)
    rows = [
        {
            "week_start": start,
            "kind": kind,
            "label": label,
            "week": iso_week(start, tz),
            "posts": int(n),
            "engagement": eng,
            "updated_at": now,
        }
        for (start, kind, label), (n, eng) in sorted(counts.items())
    ]
    insert = (postgresql.insert if store.dialect == "postgresql" else sqlite.insert)(agg)
    stmt = insert.on_conflict_do_update(
        index_elements=[agg.c.week_start, agg.c.kind, agg.c.label],
        set_={
            "posts": agg.c.posts + insert.excluded.posts,
            "engagement": agg.c.engagement + insert.excluded.engagement,
            "updated_at": insert.excluded.updated_at,
        },
    )
    conn.execute(stmt, rows)


def vacuum(store: Store) -> None:
    """Return freed space to the file system (SQLite VACUUM; PostgreSQL VACUUM ANALYZE)."""
    statement = "VACUUM ANALYZE" if store.dialect == "postgresql" else "VACUUM"
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(statement)


# -- reading weekly counts -------------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyCount:
    """Posts (and their summed engagement) carrying one label in one week."""

    week_start: datetime
    week: str
    kind: str
    label: str
    posts: int
    engagement: float


def weekly_counts(
    store: Store,
    tz: tzinfo,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    kinds: Iterable[str] | None = None,
) -> list[WeeklyCount]:
    """Per-week counts per (kind, label) over pruned and live posts together.

    Weeks are bucketed in `tz` (Monday 00:00). Pruned weeks come from `weekly_aggregates`;
    posts still stored are counted from `post_tags`; kind 'total' / label '*' counts all posts.
    `since`/`until` select weeks whose start lies in [since, until).
    """
    agg, tags, posts = schema.weekly_aggregates, schema.post_tags, schema.posts
    wanted = set(kinds) if kinds is not None else None
    totals: dict[tuple[datetime, str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    with store.engine.connect() as conn:
        query = select(agg.c.week_start, agg.c.kind, agg.c.label, agg.c.posts, agg.c.engagement)
        if since is not None:
            query = query.where(agg.c.week_start >= since)
        if until is not None:
            query = query.where(agg.c.week_start < until)
        for start, kind, label, n, eng in conn.execute(query):
            if wanted is None or kind in wanted:
                bucket = totals[(start, kind, label)]
                bucket[0] += n
                bucket[1] += eng
        live_since = week_start(since, tz) if since is not None else None
        post_query = select(posts.c.id, posts.c.created_at, posts.c.engagement)
        tag_query = select(tags.c.post_id, tags.c.kind, tags.c.label, tags.c.created_at)
        if live_since is not None:
            post_query = post_query.where(posts.c.created_at >= live_since)
            tag_query = tag_query.where(tags.c.created_at >= live_since)
        if until is not None:  # a week starting before `until` runs up to 7 days past it
            post_query = post_query.where(posts.c.created_at < until + timedelta(days=7))
            tag_query = tag_query.where(tags.c.created_at < until + timedelta(days=7))
        engagement: dict[int, float] = {}
        for post_id, created, eng in conn.execute(post_query):
            engagement[post_id] = float(eng or 0.0)
            start = week_start(created, tz)
            if _in_range(start, since, until) and (wanted is None or TOTAL_KIND in wanted):
                bucket = totals[(start, TOTAL_KIND, TOTAL_LABEL)]
                bucket[0] += 1
                bucket[1] += engagement[post_id]
        for post_id, kind, label, created in conn.execute(tag_query):
            start = week_start(created, tz)
            if _in_range(start, since, until) and (wanted is None or kind in wanted):
                bucket = totals[(start, kind, label)]
                bucket[0] += 1
                bucket[1] += engagement.get(post_id, 0.0)
    return [
        WeeklyCount(start, iso_week(start, tz), kind, label, int(n), eng)
        for (start, kind, label), (n, eng) in sorted(totals.items())
    ]


def _in_range(start: datetime, since: datetime | None, until: datetime | None) -> bool:
    return (since is None or start >= since) and (until is None or start < until)


__all__ = [
    "DatabaseStats",
    "PruneResult",
    "WeeklyCount",
    "database_stats",
    "iso_week",
    "prune",
    "prune_cutoff",
    "vacuum",
    "week_start",
    "weekly_counts",
]
