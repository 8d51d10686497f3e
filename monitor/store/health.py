"""What the database says about the deployment's health: runs per source, posts, tagging backlog, digests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine

from monitor.store import schema
from monitor.store.maintenance import as_utc

SUCCESS = ("ok", "partial")
"""Run statuses that count as the source working (partial: some queries failed, posts were still stored)."""


@dataclass
class SourceRuns:
    """One source's recorded collector runs (as many as retention kept)."""

    source: str
    by_status: dict[str, int] = field(default_factory=dict)
    errors: int = 0  # summed per-run error counts (failed queries, skipped posts)
    last_success: datetime | None = None  # when the newest ok/partial run finished
    first_started: datetime | None = None


def source_runs(engine: Engine) -> dict[str, SourceRuns]:
    """Runs per source and status, summed errors, last success and first start."""
    t = schema.collector_runs
    success = t.c.status.in_(SUCCESS)
    query = select(
        t.c.source,
        t.c.status,
        func.count(),
        func.coalesce(func.sum(t.c.errors), 0),
        func.max(case((success, t.c.finished_at), else_=None)),
        func.min(t.c.started_at),
    ).group_by(t.c.source, t.c.status)
    out: dict[str, SourceRuns] = {}
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    for source, status, count, errors, last_ok, first in rows:
        runs = out.setdefault(source, SourceRuns(source))
        runs.by_status[status] = int(count)
        runs.errors += int(errors or 0)
        last_ok, first = as_utc(last_ok), as_utc(first)
        if last_ok is not None and (runs.last_success is None or last_ok > runs.last_success):
            runs.last_success = last_ok
        if first is not None and (runs.first_started is None or first < runs.first_started):
            runs.first_started = first
    return out


@dataclass(frozen=True)
class Staleness:
    """An enabled source and how long it has gone without a successful run."""

    source: str
    interval: timedelta
    since: datetime | None  # last success, else its first attempt; None: never run
    succeeded: bool

    def age(self, now: datetime) -> timedelta | None:
        """Time since `since`, or None if the source never ran."""
        return None if self.since is None else now - self.since

    def stale(self, now: datetime) -> bool:
        """True when it has not succeeded for longer than twice its interval (never run: not stale yet)."""
        age = self.age(now)
        return age is not None and age > 2 * self.interval


def staleness(runs: Mapping[str, SourceRuns], intervals: Mapping[str, int]) -> list[Staleness]:
    """For each source with an interval in minutes: since when it has gone without success."""
    out = []
    for source, minutes in intervals.items():
        record = runs.get(source)
        last = record.last_success if record else None
        since = last if last is not None else (record.first_started if record else None)
        out.append(Staleness(source, timedelta(minutes=minutes), since, last is not None))
    return out


def posts_per_source(engine: Engine) -> dict[str, int]:
    """Stored posts per source (index-only on (source, external_id))."""
    p = schema.posts
    with engine.connect() as conn:
        return {source: int(n) for source, n in conn.execute(select(p.c.source, func.count()).group_by(p.c.source))}


def tagging_backlog(engine: Engine, keywords_changed_at: datetime | None, retag_since: datetime) -> tuple[int, int]:
    """(posts never tagged, posts created since `retag_since` but tagged before the keywords last changed).

    The second are what a keyword edit re-tags (`tagging.retag_window_days`); older posts keep their
    tags until `pulse tag --since`.
    """
    p = schema.posts
    with engine.connect() as conn:
        untagged = conn.execute(select(func.count()).where(p.c.tagged_at.is_(None))).scalar_one()
        stale = 0
        if keywords_changed_at is not None:
            stale = conn.execute(
                select(func.count()).where(p.c.created_at >= retag_since, p.c.tagged_at < keywords_changed_at)
            ).scalar_one()
    return int(untagged or 0), int(stale or 0)


def digest_outcomes(engine: Engine) -> dict[tuple[int, str], int]:
    """(chat id, status) -> weekly digests recorded: sent, failed, or claimed (being sent)."""
    d = schema.sent_digests
    with engine.connect() as conn:
        rows = conn.execute(select(d.c.chat_id, d.c.status, func.count()).group_by(d.c.chat_id, d.c.status))
        return {(int(chat), str(status)): int(n) for chat, status, n in rows}

