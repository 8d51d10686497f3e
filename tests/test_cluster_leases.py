"""Leases on PostgreSQL session advisory locks: one holder, who holds it, and how a claim passes on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from monitor.store import Store
from monitor.store.leases import Leases

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.timeout(60)


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
        other = b.try_acquire("collect:x")  # names are independent
        assert other is not None
        other.release()
        first.release()
        assert b.holder("collect:reddit") is None
        again = b.try_acquire("collect:reddit")
        assert again is not None
        again.release()
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
        taken = b.try_acquire("collect:rss")
        assert taken is not None
        taken.release()
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
        taken = b.try_acquire("collect:x")
        assert taken is not None
        taken.release()
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
