"""Three `pulse run --role collect,tag` processes on one PostgreSQL, RSS pointed at a fake news site.

What must hold: each schedule tick's requests are made once (counted at the fake), every post is
stored and tagged once, and when the process holding the source's lease is killed or frozen
mid-run, the next run happens in another process within the lease expiry.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select, text

from monitor.store import Store, schema
from monitor.store.run_slots import ABANDONED, slot_start
from tests.bot_harness import KEYWORDS
from tests.fakes.rss import Feed, FeedItem, _rss
from tests.fakes.server import FakeServer, Recorded, Reply

ROOT = Path(__file__).resolve().parent.parent
INTERVAL = timedelta(seconds=3)
LEASE = 1.5
PER_FEED = 4  # new items in every answer

pytestmark = pytest.mark.timeout(150)


class GrowingFeeds(FakeServer):
    """`/feeds/<name>`: every answer carries PER_FEED items never served before; one answer can be stalled."""

    def __init__(self) -> None:
        super().__init__()
        self.stall_seconds = 0.0
        self.stalled = threading.Event()
        self._count = Counter()
        self.route("GET", "/feeds/", self._feed)

    def stall_next(self, seconds: float) -> None:
        """The next request to /feeds/a waits `seconds` before answering (a run caught mid-flight)."""
        self.stalled.clear()
        self.stall_seconds = seconds

    def _feed(self, rec: Recorded) -> Reply:
        name = rec.path.rsplit("/", 1)[-1]
        with self._lock:
            self._count[name] += 1
            n = self._count[name]
            delay, self.stall_seconds = (self.stall_seconds, 0.0) if name == "a" else (0.0, self.stall_seconds)
        if delay:
            self.stalled.set()
        now = datetime.now(UTC)
        items = [
            FeedItem(f"{name}-{n}-{k}", f"My Labubu blind box haul {name}{n}.{k}", f"https://news.example/{name}/{n}/{k}", published=now)
            for k in range(PER_FEED)
        ]
        body = _rss(Feed(items=items, version=n))
        return Reply(200, body, {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": f'"{name}{n}"'}, delay=delay)


def _config(folder: Path, fake_url: str) -> Path:
    folder.mkdir()
    (folder / "keywords.yaml").write_text(KEYWORDS, encoding="utf-8")
    doc = {
        "timezone": "UTC",
        "keywords_file": "keywords.yaml",
        "schedules": {"lease_seconds": LEASE, "tag_poll_seconds": 1},
        "sources": {
            "rss": {
                "enabled": True,
                "interval_minutes": INTERVAL.total_seconds() / 60,
                "api_base_url": fake_url,
                "feeds": ["/feeds/a", "/feeds/b"],
                "per_host_delay_seconds": 0,
                "max_retries": 0,
                "timeout_seconds": 20,
            }
        },
        "digest": {"out_dir": str(folder / "out")},
    }
    path = folder / "pulse.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def _runs(store: Store) -> list[dict]:
    t = schema.collector_runs
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t).order_by(t.c.id)).mappings().all()]


def _holder_pid(store: Store) -> int | None:
    """The pid of the `pulse run` process holding the rss lease, from its lease connection's name."""
    query = text(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()"
    )
    with store.engine.connect() as conn:
        names = conn.execute(query).scalars().all()
    pids = [int(name.split(":")[1]) for name in names if name and name.startswith("pulse ")]
    return pids[0] if pids else None


def _wait(predicate, timeout: float, what: str):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} not met within {timeout}s"
        time.sleep(0.05)


def _ok_run_after(store: Store, moment: datetime) -> dict | None:
    return next((r for r in _runs(store) if r["status"] == "ok" and r["started_at"] > moment), None)


def _take_over(store: Store, fake: GrowingFeeds, procs: dict[int, subprocess.Popen], sig: signal.Signals) -> tuple[int, float]:
    """Catch the lease holder mid-run, send it `sig`; returns (its pid, seconds until another process's run)."""
    fake.stall_next(4.0)
    _wait(fake.stalled.is_set, 3 * INTERVAL.total_seconds() + 5, "a run reaching the stalled feed")
    pid = _wait(lambda: _holder_pid(store), 5, "the lease holder")
    assert pid in procs
    os.kill(pid, sig)
    hit = datetime.now(UTC)
    run = _wait(lambda: _ok_run_after(store, hit), INTERVAL.total_seconds() + LEASE + 8, "a run by another process")
    return pid, (run["started_at"] - hit).total_seconds()


def test_three_processes_collect_each_tick_once_and_hand_over_a_dead_lease(postgres_database_url: str, tmp_path: Path) -> None:
    with GrowingFeeds() as fake:
        config = _config(tmp_path / "config", fake.url)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PULSE_DATABASE_URL": postgres_database_url}
        env.pop("TELEGRAM_BOT_TOKEN", None)
        Store(postgres_database_url).close()  # migrate once, before the processes race for it
        logs = [tmp_path / f"p{n}.log" for n in range(3)]
        procs: dict[int, subprocess.Popen] = {}
        for log in logs:
            with log.open("w") as sink:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "monitor", "-vv", "--config", str(config), "run", "--role", "collect,tag"],
                    stdout=subprocess.DEVNULL, stderr=sink, env=env, cwd=tmp_path,
                )
            procs[proc.pid] = proc
        store = Store(postgres_database_url, migrate=False)
        stopped: list[int] = []
        try:
            _wait(lambda: all("pulse run started" in log.read_text() for log in logs), 60, "three processes started")
            started = datetime.now(UTC)
            _wait(lambda: sum(1 for r in _runs(store) if r["status"] == "ok" and r["started_at"] > started) >= 3, 30, "3 runs")

            killed, killed_after = _take_over(store, fake, procs, signal.SIGKILL)
            frozen, frozen_after = _take_over(store, fake, procs, signal.SIGSTOP)
            stopped.append(frozen)
            assert killed != frozen
            # The next run came within one tick plus the lease expiry (plus scheduling slack).
            assert killed_after <= INTERVAL.total_seconds() + 2.0  # a killed holder's connection closes: the lock is free at once
            assert frozen_after <= INTERVAL.total_seconds() + LEASE + 2.0  # a frozen one's session ends after the expiry

            survivor = next(pid for pid in procs if pid not in (killed, frozen))
            _wait(lambda: _untagged(store) == 0, 20, "every stored post tagged")
            procs[survivor].send_signal(signal.SIGTERM)
            assert procs[survivor].wait(20) == 0
        finally:
            for pid, proc in procs.items():
                if proc.poll() is None:
                    proc.kill()
                if pid in stopped:
                    os.kill(pid, signal.SIGCONT)
                proc.wait(10)

        try:
            runs = _runs(store)
            ok = [r for r in runs if r["status"] == "ok"]
            abandoned = [r for r in runs if r["message"] == ABANDONED]
            assert len(abandoned) == 2  # the killed run and the frozen run, closed by the process that took over
            assert {r["status"] for r in runs} == {"ok", "failed"}

            # Once per tick: no tick has two runs that made requests to completion.
            ticks = Counter(slot_start(r["started_at"], INTERVAL) for r in ok)
            assert max(ticks.values()) == 1, ticks
            # Counted at the fake: each finished run asked each feed once; each abandoned run asked /feeds/a once.
            assert len(fake.requests_to("/feeds/b")) == len(ok)
            assert len(fake.requests_to("/feeds/a")) == len(ok) + len(abandoned)

            # Every post stored once: what the finished runs were served, each counted new once.
            posts = store.count_posts()
            assert posts == 2 * PER_FEED * len(ok) == sum(r["new"] for r in ok)
            # ... and tagged once: the batches the processes committed add up to the posts, all tagged.
            tagged = sum(int(n) for log in logs for n in re.findall(r"tagging batch saved count=(\d+)", log.read_text()))
            assert _untagged(store) == 0 and tagged == posts
            assert store.tags_of(store.post_row_id("rss", "a-1-0"))["entity"] == ["Labubu"]
            # Every process said why it skipped a tick it did not run.
            texts = [log.read_text() for log in logs]
            assert all("collection skipped source=rss reason=" in t for t in texts)
            assert any("reason=busy holder=" in t for t in texts)
        finally:
            store.close()


def _untagged(store: Store) -> int:
    t = schema.posts
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(t).where(t.c.tagged_at.is_(None))).scalar_one()
