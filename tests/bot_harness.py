"""Runs the real `pulse run` life cycle (monitor.bot.app.serve) against FakeTelegram inside a test."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from monitor.bot.app import RunOptions, make_runtime, serve
from monitor.bot.jobs import WEEKDAYS
from monitor.bot.runtime import Runtime
from monitor.config import load_config
from monitor.posts import Post
from monitor.bot.tagging_jobs import tag_untagged
from monitor.store import Store
from pipelines.tagging import build_tagger
from pipelines.trends import IsoWeek
from tests.fakes.telegram import FakeTelegram

TOKEN = "123456:TEST-token-abcdef"
CHAT = -1001
ADMIN_CHAT = -1002
ADMIN_USER = 42
MEMBER = 43
STRANGER = 999

KEYWORDS = """\
categories:
  toy:
    label: Toys
    cues: [blind box, designer toy]
  game:
    label: Games
    cues: [gacha game]
  drama:
    label: Dramas
    cues: [short drama, cdrama]
interests:
  shopping:
    label: Shopping
    phrases:
      en: [bought, haul, unboxing]
entities:
  - {name: Labubu, category: toy, aliases: [labubus], hashtags: [labubu]}
  - {name: Genshin Impact, category: game, aliases: [genshin]}
  - {name: ReelShort, category: drama}
"""


def settings_doc(
    fake_url: str,
    *,
    slot: datetime,
    grace_hours: int = 24,
    refusal: str | None = "Sorry, this is a private bot.",
    sources: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A pulse.yaml whose digest slot is `slot` (UTC)."""
    return {
        "timezone": "UTC",
        "keywords_file": "keywords.yaml",
        "schedules": {
            "digest": {
                "weekday": WEEKDAYS[slot.weekday()],
                "time": slot.strftime("%H:%M"),
                "missed_grace_hours": grace_hours,
                "stale_claim_minutes": 15,
            },
            "config_poll_seconds": 0.1,
        },
        "sources": sources or {},
        "telegram": {
            "api_base_url": fake_url,
            "chat_ids": [CHAT],
            "admin_chat_id": ADMIN_CHAT,
            "admin_user_ids": [ADMIN_USER],
            "refusal_message": refusal,
            "send_spike_alerts": False,
        },
        "tagging": {"retag_window_days": 28},
    }


def write_config(folder: Path, fake_url: str, **options: Any) -> Path:
    """Write pulse.yaml + keywords.yaml into `folder`; returns the pulse.yaml path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "keywords.yaml").write_text(KEYWORDS, encoding="utf-8")
    path = folder / "pulse.yaml"
    doc = settings_doc(fake_url, **options)
    doc["digest"] = {"out_dir": str(folder.parent / "out")}
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


SAMPLE_TEXTS = [
    "Finally got my Labubu blind box haul <3 #labubu",
    "Unboxing three labubus & a <b>secret</b> one",
    "Genshin Impact 5.2 banner is wild, this gacha game eats my wallet",
    "genshin fans, is the new region worth it?",
    "ReelShort short drama ads are everywhere",
    "Bought another Labubu, the queue was 2 hours",
]


def seed_week(database_url: str, week: IsoWeek, texts: list[str] = SAMPLE_TEXTS, *, tz: str = "UTC") -> None:
    """Store (and tag with the real tagger) one post per text, spread over `week`."""
    start, _ = week.window(tz)
    store = Store(database_url)
    try:
        posts = [
            Post(
                source="jsonl_file",
                id=f"{week}-p{i}",
                url=f"https://example.org/p/{i}?a=1&b=2",
                author=f"author{i % 4}",
                text=text,
                created_at=start + timedelta(hours=6 + 20 * i),
                metrics={"likes": 10 * i},
            )
            for i, text in enumerate(texts)
        ]
        store.upsert_posts(posts)
        watchlist = load_watchlist_text(KEYWORDS)
        tag_untagged(store, build_tagger(watchlist))
    finally:
        store.close()


def seed_posts_at(database_url: str, items: list[tuple[datetime, str]]) -> None:
    """Store (and tag) one post per (created_at, text)."""
    store = Store(database_url)
    try:
        store.upsert_posts(
            Post(source="jsonl_file", id=f"at{i}", author=f"a{i}", text=text, created_at=created, url=f"https://example.org/{i}")
            for i, (created, text) in enumerate(items)
        )
        tag_untagged(store, build_tagger(load_watchlist_text(KEYWORDS)))
    finally:
        store.close()


def load_watchlist_text(text: str):  # noqa: ANN201
    """The Watchlist of a keywords YAML string."""
    from monitor.config.watchlist import Watchlist

    return Watchlist.model_validate(yaml.safe_load(text))


async def until(predicate: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    """Await until `predicate()` is truthy (polling, never a fixed sleep); fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        await asyncio.sleep(0.02)


@dataclass
class RunningBot:
    """One `serve` task; `stop()` is what SIGTERM does."""

    runtime: Runtime
    task: asyncio.Task
    stop_event: asyncio.Event

    async def stop(self, timeout: float = 15.0) -> None:
        self.stop_event.set()
        await asyncio.wait_for(self.task, timeout)


async def start_bot(
    config_path: Path, fake: FakeTelegram, database_url: str, *, token: str = TOKEN, **options: Any
) -> RunningBot:
    """Start the bot like `pulse run` does and wait until it long-polls the fake."""
    env = {"PULSE_DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": token}
    config = await asyncio.to_thread(load_config, config_path, env)
    store = Store(database_url)
    runtime = await asyncio.to_thread(make_runtime, config, env, store)
    stop = asyncio.Event()
    defaults: dict[str, Any] = {"poll_timeout": 1, "config_poll_seconds": 0.1, "shutdown_grace": 3, "backoff": 0.05}
    task = asyncio.create_task(serve(runtime, token, stop, RunOptions(**{**defaults, **options})))
    polls_before = len([c for c in fake.calls_to("getUpdates") if c.token == token])
    await until(
        lambda: task.done() or len([c for c in fake.calls_to("getUpdates") if c.token == token]) > polls_before,
        what="polling started",
    )
    if task.done():
        task.result()  # raise the start-up error
    return RunningBot(runtime, task, stop)


@asynccontextmanager
async def running_bot(config_path: Path, fake: FakeTelegram, database_url: str, **options: Any) -> AsyncIterator[RunningBot]:
    """`start_bot`, stopped again (as SIGTERM would) when the block ends, however it ends."""
    bot = await start_bot(config_path, fake, database_url, **options)
    try:
        yield bot
    finally:
        await bot.stop()


def utc_now() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


ROOT_DIR = Path(__file__).resolve().parent.parent
"""The repository root (where `python -m monitor` runs)."""
