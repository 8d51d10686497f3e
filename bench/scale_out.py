"""Benchmark: posts/s end to end (collect from fakes → store → tag) for 1, 2 and 3 `pulse run` workers on one PostgreSQL.

    .venv/bin/python bench/scale_out.py                                   # starts a throw-away PostgreSQL (.ci/with-postgres.sh)
    .venv/bin/python bench/scale_out.py --database-url postgresql+psycopg://user:pw@host/db   # a role that may CREATE DATABASE
    .venv/bin/python bench/scale_out.py --workers 1 2 3 4 --posts-per-source 20000

For each worker count: a new database, the fake Reddit, X and news sites (in this process) serving
`--posts-per-source` posts each, and N real `pulse run --role collect,tag` processes. The three
sources run on the next clock-aligned tick in whichever process takes each source's lease; every
process tags the backlog in shared claimed batches. Time: from the first run's start to the last
post's tagging (both read from the database), so process start-up and the spaCy load are excluded.
Numbers only: nothing is asserted. On a small machine the workers, PostgreSQL and the fakes share
the same cores: the ratio between rows says more than the absolute numbers.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from monitor.store import Store, schema  # noqa: E402
from monitor.store.run_slots import next_slot  # noqa: E402
from tests.bot_harness import KEYWORDS  # noqa: E402
from tests.fakes.reddit import FakeReddit  # noqa: E402
from tests.fakes.rss import FakeNewsServer, Feed, FeedItem  # noqa: E402
from tests.fakes.x_api import FakeX  # noqa: E402

ENV = {"REDDIT_CLIENT_ID": "fake-client-id", "REDDIT_CLIENT_SECRET": "fake-client-secret", "X_BEARER_TOKEN": "fake-bearer"}
SUBREDDITS = ["CDrama", "shortdramas", "Labubu", "popmart", "Genshin_Impact"]
ENTITIES = ["Labubu", "Genshin Impact", "ReelShort"]
FEEDS = 10
TICK = timedelta(seconds=30)
TEXTS = ["My Labubu blind box haul", "Genshin Impact banner tonight", "ReelShort short drama ads", "hot pot night in Chengdu"]


def _config(folder: Path, reddit: str, x: str, news: str, per_source: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "keywords.yaml").write_text(KEYWORDS, encoding="utf-8")
    fast = {"enabled": True, "interval_minutes": TICK.total_seconds() / 60, "backoff_seconds": 0.01, "max_backoff_seconds": 0.1}
    doc = {
        "timezone": "UTC",
        "keywords_file": "keywords.yaml",
        "schedules": {"lease_seconds": 30, "tag_poll_seconds": 1},
        "sources": {
            "reddit": {**fast, "api_base_url": reddit, "subreddits": SUBREDDITS, "search": False,
                       "max_pages_per_query": per_source // len(SUBREDDITS) // 100 + 2},
            "x": {**fast, "api_base_url": x, "entities": ENTITIES, "group_entities": False,
                  "max_pages_per_query": per_source // len(ENTITIES) // 100 + 2, "max_pages_per_run": 1000},
            "rss": {**fast, "api_base_url": news, "feeds": [f"/feeds/f{i}" for i in range(FEEDS)],
                    "per_host_delay_seconds": 0, "max_entries_per_feed": per_source // FEEDS},
        },
        "tagging": {"batch_size": 256},
        "digest": {"out_dir": str(folder / "out")},
    }
    path = folder / "pulse.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def _news(per_source: int) -> FakeNewsServer:
    """The fake news site: FEEDS feeds sharing `per_source` items."""
    news = FakeNewsServer()
    now = datetime.now(UTC)
    per_feed = per_source // FEEDS
    for f in range(FEEDS):
        news.feeds[f"f{f}"] = Feed(items=[
            FeedItem(f"f{f}-{i}", f"{TEXTS[i % len(TEXTS)]} {f}.{i}", f"https://news.example/{f}/{i}",
                     html=f"{TEXTS[(i + 1) % len(TEXTS)]} story {i}", published=now - timedelta(minutes=i))
            for i in range(per_feed)
        ])
    return news


def _fake_reddit(per_source: int) -> FakeReddit:
    reddit = FakeReddit(default_count=per_source // len(SUBREDDITS))
    for sub in SUBREDDITS:  # generate the data before the clock starts
        reddit.listing(f"r/{sub}")
    return reddit


def _fake_x(per_source: int) -> FakeX:
    return FakeX(default_count=per_source // len(ENTITIES))


def _serve(factory, per_source: int, conn) -> None:  # noqa: ANN001
    """Child process: one fake server until the parent closes the pipe."""
    with factory(per_source) as fake:
        conn.send(fake.url)
        try:
            conn.recv()
        except EOFError:
            pass


class FakeProcesses:
    """The three fake services, each in its own process (their HTTP work must not share one interpreter)."""

    def __init__(self, per_source: int):
        self.per_source = per_source
        self.children: list[tuple[multiprocessing.Process, object]] = []
        self.urls: list[str] = []

    def cpu_seconds(self) -> float:
        """CPU time the fake servers used so far."""
        return sum(_cpu_seconds(proc.pid) for proc, _ in self.children)

    def __enter__(self) -> list[str]:
        context = multiprocessing.get_context("fork")
        for factory in (_fake_reddit, _fake_x, _news):
            parent, child = context.Pipe()
            proc = context.Process(target=_serve, args=(factory, self.per_source, child), daemon=True)
            proc.start()
            self.children.append((proc, parent))
            self.urls.append(parent.recv())
        return self.urls

    def __exit__(self, *exc: object) -> None:
        for proc, parent in self.children:
            parent.close()
            proc.join(5)
            if proc.is_alive():
                proc.terminate()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _new_database(admin_url: str) -> str:
    admin = make_url(admin_url)
    name = f"pulse_scale_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False)


def _drop_database(admin_url: str, url: str) -> None:
    engine = create_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def _progress(store: Store) -> tuple[int, int, int, datetime | None, datetime | None, datetime | None]:
    """(posts, untagged, finished runs, first run start, last tagging, last run end)."""
    posts, runs = schema.posts, schema.collector_runs
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(posts)).scalar_one()
        untagged = conn.execute(select(func.count()).select_from(posts).where(posts.c.tagged_at.is_(None))).scalar_one()
        finished = conn.execute(select(func.count()).select_from(runs).where(runs.c.status == "ok")).scalar_one()
        first = conn.execute(select(func.min(runs.c.started_at))).scalar_one()
        last = conn.execute(select(func.max(posts.c.tagged_at))).scalar_one()
        collected = conn.execute(select(func.max(runs.c.finished_at)).where(runs.c.new > 0)).scalar_one()
    return total, untagged, finished, first, last, collected


def run_case(workers: int, admin_url: str, per_source: int, tmp: Path) -> None:
    url = _new_database(admin_url)
    Store(url).close()  # migrated once, before the workers start
    fakes = FakeProcesses(per_source)
    with fakes as (reddit, x, news):
        config = _config(tmp / f"w{workers}", reddit, x, news, per_source)
        env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT), "PULSE_DATABASE_URL": url, "PULSE_DOTENV": str(tmp / "none.env")}
        env.pop("TELEGRAM_BOT_TOKEN", None)
        logs = [tmp / f"w{workers}-{n}.log" for n in range(workers)]
        procs = []
        for log in logs:
            with log.open("w") as sink:
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "monitor", "-v", "--config", str(config), "run", "--role", "collect,tag",
                     "--first-collection-delay", "86400"],
                    stdout=subprocess.DEVNULL, stderr=sink, env=env, cwd=tmp,
                ))
        store = Store(url, migrate=False)
        try:
            deadline = time.monotonic() + 120
            while not all("pulse run started" in log.read_text() for log in logs):
                if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                    raise SystemExit(f"workers did not start; see {logs}")
                time.sleep(0.1)
            tick = next_slot(datetime.now(UTC), TICK)
            cpu_before, fakes_before = sum(_cpu_seconds(p.pid) for p in procs), fakes.cpu_seconds()
            deadline = time.monotonic() + 600
            while True:
                total, untagged, finished, first, last, collected = _progress(store)
                if finished >= 3 and total and not untagged:
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"not done after 10 minutes: {total} posts, {untagged} untagged, {finished} runs")
                time.sleep(0.2)
            cpu = sum(_cpu_seconds(p.pid) for p in procs) - cpu_before
            fakes_cpu = fakes.cpu_seconds() - fakes_before
            seconds = (last - first).total_seconds()
            ran = [sum(1 for line in log.read_text().splitlines() if "collection done source=" in line and " new=0 " not in line)
                   for log in logs]
            print(
                f"  {workers} worker(s), tick {tick:%H:%M:%S}: {total:,} posts in {seconds:5.1f}s = {total / seconds:6,.0f} posts/s "
                f"end to end (collection done after {(collected - first).total_seconds():4.1f}s, tagged "
                f"{(last - collected).total_seconds():4.1f}s later); workers' CPU {cpu:5.1f}s = {total / cpu:6,.0f} posts/CPU-s; "
                f"fakes' CPU {fakes_cpu:4.1f}s; sources run per worker {ran}; load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
            store.close()
            _drop_database(admin_url, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("PULSE_TEST_DATABASE_URL"),
                        help="PostgreSQL URL of a role that may CREATE DATABASE (default: PULSE_TEST_DATABASE_URL, "
                             "else a throw-away server via .ci/with-postgres.sh)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--posts-per-source", type=int, default=10_000, help="posts each of reddit, x and rss serves")
    args = parser.parse_args()
    if not args.database_url:
        os.execvp("bash", ["bash", str(ROOT / ".ci" / "with-postgres.sh"), sys.executable, *sys.argv])
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"{3 * args.posts_per_source:,} posts from 3 sources per case; PostgreSQL at "
          f"{make_url(args.database_url).render_as_string(hide_password=True)}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            run_case(workers, args.database_url, args.posts_per_source, Path(tmp))


if __name__ == "__main__":
    main()
