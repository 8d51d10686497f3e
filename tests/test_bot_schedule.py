"""Digest slots and grace periods, the APScheduler jobs built from config, and the watchlist diff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from monitor.bot.jobs import digest_week_for, due_digest_week, last_digest_slot
from monitor.bot.reload import describe_change, describe_errors, diff_watchlists
from monitor.bot.runtime import Runtime, Snapshot
from monitor.bot.scheduler import PulseScheduler
from monitor.config import ConfigError, load_config
from monitor.config.settings import DigestSchedule
from monitor.store import Store
from tests.bot_harness import write_config

BERLIN = ZoneInfo("Europe/Berlin")


def at(text: str, tz: ZoneInfo = BERLIN) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        ("2026-11-23 09:00", "2026-11-23 09:00"),  # exactly at the slot (a Monday)
        ("2026-11-23 08:59", "2026-11-16 09:00"),  # a minute early: last week's slot
        ("2026-11-29 23:00", "2026-11-23 09:00"),  # Sunday night
        ("2026-03-30 10:00", "2026-03-30 09:00"),  # Monday after the spring DST change
    ],
)
def test_last_digest_slot(now: str, slot: str) -> None:
    schedule = DigestSchedule(weekday="mon", time="09:00")
    assert last_digest_slot(at(now), schedule, BERLIN) == at(slot)
    assert last_digest_slot(at(now).astimezone(UTC), schedule, BERLIN) == at(slot)


def test_the_monday_digest_covers_the_week_before() -> None:
    assert str(digest_week_for(at("2026-11-23 09:00"), BERLIN)) == "2026-W47"
    friday = last_digest_slot(at("2026-11-27 18:00"), DigestSchedule(weekday="fri", time="17:30"), BERLIN)
    assert str(digest_week_for(friday, BERLIN)) == "2026-W47"


def test_missed_digest_is_due_only_within_the_grace_period() -> None:
    schedule = DigestSchedule(weekday="mon", time="09:00", missed_grace_hours=24)
    assert str(due_digest_week(at("2026-11-23 09:00"), schedule, BERLIN)) == "2026-W47"
    assert str(due_digest_week(at("2026-11-24 08:59"), schedule, BERLIN)) == "2026-W47"
    assert due_digest_week(at("2026-11-24 09:01"), schedule, BERLIN) is None
    assert due_digest_week(at("2026-11-23 08:59"), schedule, BERLIN) is None  # last week's slot, long past
    strict = DigestSchedule(weekday="mon", time="09:00", missed_grace_hours=0)
    assert str(due_digest_week(at("2026-11-23 09:05"), strict, BERLIN)) == "2026-W47"  # a late-firing job
    assert due_digest_week(at("2026-11-23 09:11"), strict, BERLIN) is None


def _runtime(tmp_path: Path, **overrides) -> Runtime:  # noqa: ANN003
    path = write_config(tmp_path / "config", "http://127.0.0.1:9", slot=at("2026-11-23 09:00", UTC))
    doc = yaml.safe_load(path.read_text())
    doc["timezone"] = "Europe/Berlin"
    doc["schedules"]["digest"].update(weekday="mon", time="09:00")
    feed = tmp_path / "feed.jsonl"
    feed.write_text("")
    doc["sources"] = {"jsonl_file": {"enabled": True, "paths": [str(feed)], "interval_minutes": 30}}
    doc["telegram"]["send_spike_alerts"] = True
    for key, value in overrides.items():
        doc[key] = value
    path.write_text(yaml.safe_dump(doc))
    env = {"PULSE_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    config = load_config(path, env)
    return Runtime(snapshot=Snapshot(config, None), store=Store(env["PULSE_DATABASE_URL"]), env=env)


async def test_jobs_are_built_from_config_and_rebuilt_on_reload(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path)
    scheduler = PulseScheduler(runtime, catch_up_at_start=False)
    scheduler.start()
    try:
        jobs = {job.id: job for job in scheduler.scheduler.get_jobs()}
        assert set(jobs) == {"digest", "digest-check", "spikes", "collect:jsonl_file", "collect-start:jsonl_file", "tag-backlog"}
        digest = jobs["digest"]
        assert digest.next_run_time.tzinfo is not None and digest.next_run_time.astimezone(BERLIN).strftime("%a %H:%M") == "Mon 09:00"
        assert digest.misfire_grace_time == 24 * 3600 and digest.coalesce and digest.max_instances == 1
        assert jobs["spikes"].trigger.interval == timedelta(minutes=60)
        collect_next = jobs["collect:jsonl_file"].next_run_time

        # a reload that moves the digest and switches spike alerts off
        doc = yaml.safe_load(runtime.config.settings_path.read_text())
        doc["schedules"]["digest"].update(weekday="wed", time="18:30")
        doc["telegram"]["send_spike_alerts"] = False
        runtime.config.settings_path.write_text(yaml.safe_dump(doc))
        runtime.snapshot = Snapshot(load_config(runtime.config.settings_path, runtime.env), None)
        scheduler.build()
        jobs = {job.id: job for job in scheduler.scheduler.get_jobs()}
        assert set(jobs) == {"digest", "digest-check", "collect:jsonl_file", "collect-start:jsonl_file", "tag-backlog"}
        assert jobs["digest"].next_run_time.astimezone(BERLIN).strftime("%a %H:%M") == "Wed 18:30"
        assert jobs["collect:jsonl_file"].next_run_time == collect_next  # unchanged interval keeps its time
    finally:
        await scheduler.shutdown(timeout=0)
        runtime.store.close()


def test_watchlist_diff_and_messages(tmp_path: Path) -> None:
    path = write_config(tmp_path / "config", "http://127.0.0.1:9", slot=at("2026-11-23 09:00", UTC))
    old = load_config(path, {})
    keywords = path.parent / "keywords.yaml"
    keywords.write_text(
        keywords.read_text()
        .replace("  - {name: ReelShort, category: drama}\n", "  - {name: '<Nezha 2>', category: film}\n")
        .replace("  drama:\n", "  film:\n    label: Film\n  drama:\n")
        .replace("aliases: [genshin]", "aliases: [genshin, gi]")
    )
    new = load_config(path, {})
    diff = diff_watchlists(old.watchlist, new.watchlist)
    assert (diff.added, diff.removed, diff.changed, diff.categories_added) == (["<Nezha 2>"], ["ReelShort"], ["Genshin Impact"], ["film"])
    assert describe_change(old, new) == (
        "<b>Config reloaded.</b>\nEntities added: &lt;Nezha 2&gt;\nEntities removed: ReelShort\n"
        "Entities edited: Genshin Impact\nCategories added: film"
    )
    keywords.write_text("categories: {toy: {label: Toys}}\nentities:\n  - {name: X, category: toy, colour: red}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert describe_errors(caught.value) == (
        "<b>Config not reloaded</b>; the previous config stays in force. Problems:\n"
        f"<pre>{caught.value.problems[0].file}:3: entities[0].colour: unknown field</pre>"
    )
