"""Shared set-up of the chat-control tests: a commented keywords file, posts with an emerging term, helpers."""

from __future__ import annotations

import difflib
from datetime import timedelta
from pathlib import Path

import yaml

from monitor.bot.tagging_jobs import tag_untagged
from monitor.posts import Post
from monitor.store import Store
from pipelines.tagging import build_tagger
from pipelines.trends import IsoWeek, latest_complete_week
from tests.bot_harness import ADMIN_USER, CHAT, load_watchlist_text, utc_now, write_config
from tests.fakes.telegram import FakeTelegram

SECOND_ADMIN = 44

COMMENTED_KEYWORDS = """\
# The team's watchlist (comments like this one must survive every chat edit).
categories:
  toy:
    label: Toys   # designer toys
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
      en: [bought, haul, unboxing, queue]
entities:
  # toys
  - {name: Labubu, category: toy, aliases: [labubus], hashtags: [labubu]}
  # games
  - {name: Genshin Impact, category: game, aliases: [genshin]}
  # dramas
  - {name: ReelShort, category: drama}   # vertical dramas
"""

GENERIC = [
    "Labubu queue at the mall today",
    "Genshin Impact banner thoughts",
    "ReelShort ads again",
    "my cat sleeps all day",
    "coffee and a walk in the park",
    "blind box haul from the weekend",
]
TERM = "zimomo figure"


def control_config(tmp_path: Path, fake: FakeTelegram) -> Path:
    """pulse.yaml + the commented keywords file; two admins."""
    path = write_config(tmp_path / "config", fake.url, slot=utc_now() + timedelta(days=3))
    (path.parent / "keywords.yaml").write_text(COMMENTED_KEYWORDS, encoding="utf-8")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["telegram"]["admin_user_ids"] = [ADMIN_USER, SECOND_ADMIN]
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def seed_emerging(database_url: str) -> IsoWeek:
    """Five weeks of posts; in the latest complete one, eight mention a new 'Zimomo figure'. Returns that week."""
    week = latest_complete_week(utc_now(), "UTC")
    posts = []
    for back in range(5):
        w = week.shift(-back)
        start, _ = w.window("UTC")
        texts = [f"Got the new Zimomo figure, so cute {i}" for i in range(8)] if back == 0 else []
        texts += [GENERIC[i % len(GENERIC)] for i in range(12)]
        posts += [
            Post(source="jsonl_file", id=f"{w}-{i}", url=f"https://example.org/{w}/{i}", author=f"a{i % 5}", text=text,
                 created_at=start + timedelta(hours=2 + 8 * i))
            for i, text in enumerate(texts)
        ]
    store = Store(database_url)
    try:
        store.upsert_posts(posts)
        tag_untagged(store, build_tagger(load_watchlist_text(COMMENTED_KEYWORDS)))
    finally:
        store.close()
    return week


def diff(before: str, after: str) -> str:
    """A unified diff for assertion messages."""
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), "before", "after"))


def last_keyboard_message(fake: FakeTelegram, chat_id: int = CHAT) -> dict:
    """The newest message of a chat that carries buttons."""
    messages = fake.with_buttons(chat_id)
    assert messages, "no message with buttons"
    return messages[-1]


def button(fake: FakeTelegram, message: dict, starts: str, chat_id: int = CHAT) -> str:
    """Callback data of the first button under `message` whose text starts with `starts`."""
    for text, data in fake.buttons(chat_id, message["message_id"]):
        if text.startswith(starts):
            return data
    raise AssertionError(f"no button {starts!r} in {fake.buttons(chat_id, message['message_id'])}")
