"""Schedule ticks of a source read from its run records: was this tick collected, which runs died."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, select, update

from monitor.store import schema
from monitor.store.database import Store

EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday at 00:00 UTC: ticks of whole hours and days line up with the clock
ABANDONED = "abandoned: the process running it stopped holding the source's lease (crashed, killed or hung)"


def slot_start(now: datetime, interval: timedelta) -> datetime:
    """Start of the schedule tick containing `now`: ticks are `interval` long, counted from a fixed epoch.

    Every process computes the same ticks from the clock alone, so "this tick was collected" means
    the same thing on every host (clocks kept by NTP; a skew of seconds only matters at a boundary).
    """
    ticks = (now - EPOCH) // interval
    return EPOCH + ticks * interval


def next_slot(now: datetime, interval: timedelta) -> datetime:
    """Start of the tick after the one containing `now`."""
    return slot_start(now, interval) + interval


def collected_since(store: Store, source: str, since: datetime) -> bool:
    """True if a run of `source` that started at or after `since` has finished (any outcome)."""
    t = schema.collector_runs
    query = select(
        exists().where(t.c.source == source, t.c.started_at >= since, t.c.status != "running", t.c.finished_at.is_not(None))
    )
    with store.engine.connect() as conn:
        return bool(conn.execute(query).scalar_one())


def abandon_unfinished(store: Store, source: str, now: datetime | None = None) -> int:
    """Mark runs of `source` still 'running' as failed; call only while holding the source's lease."""
    t = schema.collector_runs
    with store.engine.begin() as conn:
        result = conn.execute(
            update(t)
            .where(t.c.source == source, t.c.status == "running")
            .values(status="failed", finished_at=now or datetime.now(UTC), message=ABANDONED)
        )
    return result.rowcount
