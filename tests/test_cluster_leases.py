"""Leases on PostgreSQL session advisory locks: one holder, who holds it, and how a claim passes on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from monitor.store import Store
from monitor.store.leases import Leases

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.timeout(60)


def _can_take(leases: Leases, name: str) -> bool:
    """True if `leases` gets `name` now (given back at once)."""
    lease = leases.try_acquire(name)
    if lease is not None:
        lease.release()
    return lease is not None


@pytest.fixture
def pg_store(postgres_database_url: str):
    store = Store(postgres_database_url)
    yield store
    store.close()


def test_one_holder_at_a_time_and_who_holds_it(pg_store: Store) -> None:
    a, b = Leases(pg_store, "host-a:1:aaaa", expiry=5), Leases(pg_store, "host-b:2:bbbb", expiry=5)
    try:
        first = a.try_acquire("collect:reddit")
        assert first is not None and first.held
        assert b.try_acquire("collect:reddit") is None
        assert a.try_acquire("collect:reddit") is None  # a second claim from the same process is refused too
        assert b.holder("collect:reddit") == "host-a:1:aaaa"
        assert _can_take(b, "collect:x")  # names are independent
        first.release()
        assert b.holder("collect:reddit") is None
        assert _can_take(b, "collect:reddit")
    finally:
        a.close()
        b.close()


def test_a_lease_whose_session_is_ended_is_lost_and_passes_on(pg_store: Store) -> None:
    a, b = Leases(pg_store, "a", expiry=0.6), Leases(pg_store, "b", expiry=0.6)
    try:
        lease = a.try_acquire("collect:rss")
        assert lease is not None
        with pg_store.engine.begin() as conn:  # what a server restart or a DBA's pg_terminate_backend does
            ended = conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pulse a'")
            ).scalars().all()
        assert ended == [True]
        assert lease.lost.wait(3)  # the heartbeat noticed within a third of the expiry (+ slack)
        assert not lease.held
        assert _can_take(b, "collect:rss")
        lease.release()  # releasing a lost lease is harmless
    finally:
        a.close()
        b.close()


def test_a_holder_stuck_past_max_hold_gives_the_lease_up(pg_store: Store) -> None:
    a, b = Leases(pg_store, "a", expiry=0.3), Leases(pg_store, "b", expiry=0.3)
    try:
        lease = a.try_acquire("collect:x", max_hold=0.5)
        assert lease is not None
        assert not lease.lost.wait(0.3)  # alive and within max_hold: still held
        assert b.try_acquire("collect:x") is None
        assert lease.lost.wait(3)
        assert _can_take(b, "collect:x")
    finally:
        a.close()
        b.close()


HOLDER = r"""
import sys, time
from monitor.store import Store
from monitor.store.leases import Leases
store = Store(sys.argv[1], migrate=False)
lease = Leases(store, "frozen", expiry=float(sys.argv[2])).try_acquire("collect:reddit")
print("held" if lease else "refused", flush=True)
time.sleep(120)
"""


def test_a_hung_holder_loses_the_lease_after_the_expiry(pg_store: Store, postgres_database_url: str) -> None:
    expiry = 1.5
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, postgres_database_url, str(expiry)], stdout=subprocess.PIPE, text=True, env=env
    )
    other = Leases(pg_store, "other", expiry=expiry)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert other.try_acquire("collect:reddit") is None
        assert other.holder("collect:reddit") == "frozen"
        os.kill(holder.pid, signal.SIGSTOP)  # hung: alive, its connection open, no heartbeat any more
        stopped = time.monotonic()
        lease = None
        while lease is None and time.monotonic() - stopped < expiry + 5:
            lease = other.try_acquire("collect:reddit")
            time.sleep(0.1)
        waited = time.monotonic() - stopped
        assert lease is not None, "the frozen holder kept its lease"
        assert waited <= expiry + 2.0  # the server ended the idle session after the expiry
        lease.release()
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        os.kill(holder.pid, signal.SIGCONT)
        holder.wait(10)
        other.close()


def test_sqlite_leases_are_process_local_locks(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    leases = Leases(store, "me")
    try:
        assert not leases.shared
        lease = leases.try_acquire("collect:rss")
        assert lease is not None
        assert leases.try_acquire("collect:rss") is None
        assert leases.holder("collect:rss") == "me"
        lease.release()
        assert leases.holder("collect:rss") is None
        with leases.try_acquire("collect:rss") as again:
            assert again.held
        assert not again.held
    finally:
        store.close()


def test_a_run_stuck_past_its_interval_loses_the_lease_and_stops_at_the_next_page(pg_store: Store) -> None:
    from monitor.collectors.leased_run import collect_under_lease
    from monitor.collectors.reddit import RedditOptions
    from monitor.config import AppConfig
    from monitor.config.settings import Settings
    from monitor.config.watchlist import Category, Entity, Watchlist
    from monitor.store.run_slots import collected_since
    from tests.fakes.reddit import FakeReddit

    env = {"REDDIT_CLIENT_ID": "fake-client-id", "REDDIT_CLIENT_SECRET": "fake-client-secret"}
    watchlist = Watchlist(categories={"toy": Category(label="Toys")}, entities=[Entity(name="Labubu", category="toy")])
    with FakeReddit(default_count=100) as reddit:
        listing = reddit._listing
        reddit.route("GET", "/r/", lambda rec: (time.sleep(0.4), listing(rec))[1])  # a slow API: 0.4 s a page
        options = RedditOptions(
            enabled=True, api_base_url=reddit.url, subreddits=["Labubu"], search=False, page_size=10,
            interval_minutes=0.05, backoff_seconds=0.001, max_backoff_seconds=0.005,
        )
        config = AppConfig(Settings(), watchlist, {"reddit": options}, Path("pulse.yaml"), Path("keywords.yaml"), "")
        # expiry 1 s: the heartbeat has slack on a loaded machine (0.2 s lost the session early in CI);
        # the maximum hold is still one interval, max(3 s, 3 expiries) = 3 s
        leases, other = Leases(pg_store, "slow", expiry=1.0), Leases(pg_store, "other", expiry=1.0)
        try:
            started = time.monotonic()
            run = collect_under_lease("reddit", config, pg_store, env, leases, scheduled=False)
            took = time.monotonic() - started
            assert run.outcome == "ran" and run.report is not None
            # Held at most one interval (3 s): the run stopped there instead of reading all 10 pages (4 s).
            assert 3.0 <= took < 3.9
            assert run.report.status == "partial" and "no longer holds the source's lease" in (run.report.message or "")
            assert 0 < pg_store.count_posts() < 100
            assert collected_since(pg_store, "reddit", datetime.now(UTC) - timedelta(minutes=1))
            assert _can_take(other, "collect:reddit")
        finally:
            leases.close()
            other.close()
