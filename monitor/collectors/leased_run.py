"""One run of a source at a time across every process on the database: the run under its lease.

A scheduled run takes the source's lease (`monitor.store.leases`), then runs only if no run of this
schedule tick has finished yet; a manual run (`pulse collect`) only needs the lease. A process that
cannot take the lease, or finds the tick already collected, skips and logs why.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from monitor.collectors.runner import ProgressCallback, SourceReport, run_source
from monitor.config import AppConfig
from monitor.store import Store
from monitor.store.leases import Lease, Leases
from monitor.store.run_slots import abandon_unfinished, collected_since, slot_start

log = logging.getLogger(__name__)

Outcome = Literal["ran", "busy", "done"]


@dataclass
class LeasedRun:
    """What happened: `ran` (report set), `busy` (another process holds the lease: `holder`), `done` (tick collected)."""

    source: str
    outcome: Outcome
    report: SourceReport | None = None
    holder: str | None = None

    @property
    def reason(self) -> str:
        """One line for logs and the CLI."""
        if self.outcome == "busy":
            return f"another process is collecting it ({self.holder or 'holder unknown'})"
        if self.outcome == "done":
            return "already collected in this schedule tick"
        return self.report.status if self.report else "ran"


def lease_name(source: str) -> str:
    """The lease that guards collection of `source`."""
    return f"collect:{source}"


def take_lease(name: str, config: AppConfig, leases: Leases) -> Lease | None:
    """The lease of source `name`, or None when another process holds it.

    A run may hold it one interval (at least three expiries): longer, it is stuck and the lease passes on.
    """
    interval = timedelta(minutes=config.sources[name].interval_minutes)
    max_hold = max(interval.total_seconds(), 3 * leases.expiry)
    return leases.try_acquire(lease_name(name), max_hold=max_hold)


def collect_under_lease(
    name: str,
    config: AppConfig,
    store: Store,
    env: Mapping[str, str],
    leases: Leases,
    *,
    scheduled: bool,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
    lease: Lease | None = None,
) -> LeasedRun:
    """Run source `name` once if this process gets its lease (and, when `scheduled`, the tick is not collected yet).

    `lease`: one already taken with `take_lease` (released here); by default it is taken here.
    """
    lease = lease or take_lease(name, config, leases)
    if lease is None:
        outcome = LeasedRun(name, "busy", holder=leases.holder(lease_name(name)))
        log.info("collection skipped source=%s reason=busy holder=%s", name, outcome.holder)
        return outcome
    with lease:
        if leases.shared:
            abandoned = abandon_unfinished(store, name)
            if abandoned:
                log.warning("abandoned runs closed source=%s count=%d (their process stopped holding the lease)", name, abandoned)
        if scheduled:
            interval = timedelta(minutes=config.sources[name].interval_minutes)
            tick = slot_start(now or datetime.now(UTC), interval)
            if collected_since(store, name, tick):
                log.info("collection skipped source=%s reason=already-collected tick=%s", name, tick.isoformat())
                return LeasedRun(name, "done")
        report = run_source(name, config, store, env, progress=progress, keep_going=lambda: lease.held)
    return LeasedRun(name, "ran", report=report)
