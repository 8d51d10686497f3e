"""`pulse run --role`: which jobs each role schedules, what it needs, and `pulse collect` beside a running holder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from monitor.bot.app import make_runtime
from monitor.bot.roles import ALL_ROLES, parse_roles
from monitor.bot.runtime import Runtime, Snapshot
from monitor.bot.scheduler import PulseScheduler
from monitor.config import load_config
from monitor.store import Store
from monitor.store.leases import Leases
from tests.bot_harness import KEYWORDS
from tests.cli_helpers import invoke
from tests.fakes.rss import Feed, FakeNewsServer, FeedItem

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime.now(UTC) - timedelta(hours=1)

pytestmark = pytest.mark.timeout(60)


def test_roles_parse_from_repeated_and_comma_separated_values() -> None:
    assert parse_roles(None) == ALL_ROLES == parse_roles(["all"]) == parse_roles(["collect", "tag,bot"])
    assert parse_roles(["collect, tag"]) == {"collect", "tag"}
    assert parse_roles(["BOT"]) == {"bot"}
    with pytest.raises(ValueError, match="unknown role 'tagger'"):
        parse_roles(["collect,tagger"])


def _config(folder: Path, database_url: str, fake_url: str = "http://127.0.0.1:9"):  # noqa: ANN202
    folder.mkdir(exist_ok=True)
    (folder / "keywords.yaml").write_text(KEYWORDS, encoding="utf-8")
    doc = {
        "keywords_file": "keywords.yaml",
        "storage": {"url": database_url},
        "sources": {"rss": {"enabled": True, "api_base_url": fake_url, "feeds": ["/feeds/news"], "per_host_delay_seconds": 0}},
        "telegram": {"chat_ids": [-1001], "send_spike_alerts": True},
        "digest": {"out_dir": str(folder / "out")},
    }
    path = folder / "pulse.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("roles", "jobs"),
    [
        ({"collect"}, {"collect:rss", "collect-start:rss"}),
        ({"tag"}, {"tag-backlog"}),
        ({"bot"}, {"digest", "digest-check", "spikes"}),
        ({"collect", "tag"}, {"collect:rss", "collect-start:rss", "tag-backlog"}),
    ],
)
async def test_each_role_schedules_only_its_jobs(tmp_path: Path, roles: set[str], jobs: set[str]) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    config = load_config(_config(tmp_path / "config", url), {})
    runtime = Runtime(snapshot=Snapshot(config, None), store=Store(url), env={}, roles=frozenset(roles))
    scheduler = PulseScheduler(runtime, catch_up_at_start=True)
    scheduler.start()
    try:
        assert {job.id for job in scheduler.scheduler.get_jobs()} == jobs
    finally:
        await scheduler.shutdown(timeout=0)
        runtime.close()


def test_a_process_without_the_tag_role_builds_no_tagger(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    config = load_config(_config(tmp_path / "config", url), {})
    built = []
    runtime = make_runtime(config, {}, Store(url), tagger_factory=built.append, roles=frozenset({"collect", "bot"}))
    try:
        assert runtime.snapshot.tagger is None and built == []
        assert runtime.tagger_factory(config.watchlist) is None  # a reload builds none either
    finally:
        runtime.close()


def test_run_checks_the_role_and_the_token_only_for_the_bot(tmp_path: Path, capsys, monkeypatch) -> None:  # noqa: ANN001
    from monitor.cli import context

    path = _config(tmp_path / "config", f"sqlite:///{tmp_path / 'p.db'}")
    monkeypatch.setattr(context.STATE, "env", {})
    code, out = invoke(["--config", str(path), "run", "--role", "collector"], capsys)
    assert code == 2 and "unknown role 'collector'" in out and "Traceback" not in out
    code, out = invoke(["--config", str(path), "run", "--role", "bot"], capsys)
    assert code == 1 and "TELEGRAM_BOT_TOKEN is not set" in out and "--role collect,tag" in out


def test_a_collect_only_process_runs_without_a_telegram_token_and_stops_on_sigterm(tmp_path: Path) -> None:
    with FakeNewsServer() as fake:
        fake.feeds["news"] = Feed(items=[FeedItem("n1", "Labubu blind box haul", "https://news.example/1", published=NOW)])
        path = _config(tmp_path / "config", f"sqlite:///{tmp_path / 'p.db'}", fake.url)
        env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "PULSE_DATABASE_URL")}
        env.update(PYTHONPATH=str(ROOT), PULSE_DOTENV=str(tmp_path / "none.env"))
        log = tmp_path / "run.log"
        with log.open("w") as sink:
            proc = subprocess.Popen(
                [sys.executable, "-m", "monitor", "-v", "--config", str(path), "run", "--role", "collect"],
                stdout=subprocess.DEVNULL, stderr=sink, env=env, cwd=tmp_path,
            )
        try:
            deadline = time.monotonic() + 30
            while "pulse run started" not in log.read_text():
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(15) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
        text = log.read_text()
        assert "roles=collect" in text and "warning" in text.lower()  # roles split on SQLite: told to use PostgreSQL
        assert "pipelines.tagging" not in text


def test_pulse_collect_skips_a_source_another_process_is_collecting(
    postgres_database_url: str, tmp_path: Path, capsys, monkeypatch  # noqa: ANN001
) -> None:
    from monitor.cli import context

    with FakeNewsServer() as fake:
        fake.feeds["news"] = Feed(items=[FeedItem("n1", "Labubu blind box haul", "https://news.example/1", published=NOW)])
        path = _config(tmp_path / "config", postgres_database_url, fake.url)
        monkeypatch.setattr(context.STATE, "env", {})
        monkeypatch.delenv("PULSE_DATABASE_URL", raising=False)
        store = Store(postgres_database_url)
        other = Leases(store, "host-b:4242:cafe")
        held = other.try_acquire("collect:rss")
        try:
            code, out = invoke(["--config", str(path), "collect"], capsys)
            assert code == 1 and "another process is collecting it (host-b:4242:cafe)" in " ".join(out.split())
            assert fake.requests_to("/feeds/") == [] and store.count_posts() == 0
        finally:
            held.release()
            other.close()
        code, out = invoke(["--config", str(path), "collect"], capsys)
        assert code == 0, out
        assert len(fake.requests_to("/feeds/")) == 1 and store.count_posts() == 1
        store.close()


def test_ticks_are_the_same_instants_on_every_host() -> None:
    from monitor.store.run_slots import next_slot, slot_start

    at = datetime(2026, 12, 4, 10, 37, 12, tzinfo=UTC)
    assert slot_start(at, timedelta(hours=2)) == datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    assert slot_start(at, timedelta(minutes=30)) == datetime(2026, 12, 4, 10, 30, tzinfo=UTC)
    assert next_slot(at, timedelta(minutes=30)) == datetime(2026, 12, 4, 11, 0, tzinfo=UTC)
    assert slot_start(at, timedelta(days=7)).weekday() == 0  # weekly ticks start on Mondays, 00:00 UTC
    tick = slot_start(at, timedelta(seconds=3))
    assert tick <= at < tick + timedelta(seconds=3) and slot_start(tick, timedelta(seconds=3)) == tick
