"""Watching from the chat: /suggest buttons, /watch, /unwatch, /undo, /history, ignore, refusals, races."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from monitor.store import Store, edit_log
from tests.bot_control_fixtures import (
    COMMENTED_KEYWORDS,
    SECOND_ADMIN,
    TERM,
    button,
    control_config,
    diff,
    last_keyboard_message,
    seed_emerging,
)
from tests.bot_harness import ADMIN_CHAT, ADMIN_USER, CHAT, MEMBER, STRANGER, running_bot, start_bot, until
from tests.fakes.telegram import FakeTelegram

pytest_plugins = ["tests.bot_fixtures"]
pytestmark = pytest.mark.timeout(90)


def _texts_with(fake: FakeTelegram, needle: str, chat: int = CHAT) -> list[str]:
    return [t for t in fake.sent_texts(chat) if needle in t]


async def _suggest(fake: FakeTelegram, user: int = ADMIN_USER) -> dict:
    before = len(fake.with_buttons(CHAT))
    fake.send_command("/suggest", chat_id=CHAT, user_id=user)
    await until(lambda: len(fake.with_buttons(CHAT)) > before, what="/suggest with buttons")
    return last_keyboard_message(fake)


async def test_watch_by_button_edits_the_file_keeps_comments_and_undo_restores_bytes(
    tmp_path: Path, fake: FakeTelegram, db_url: str
) -> None:
    config_path = control_config(tmp_path, fake)
    keywords = config_path.parent / "keywords.yaml"
    original = keywords.read_bytes()
    week = seed_emerging(db_url)
    async with running_bot(config_path, fake, db_url) as bot:
        menu = await _suggest(fake)
        assert TERM in menu["text"]
        for _, data in fake.buttons(CHAT, menu["message_id"]):
            assert len(data.encode()) <= 64 and "zimomo" not in data.lower()  # opaque ids, never the term
        fake.press_button(button(fake, menu, f"👁 watch “{TERM}”"), chat_id=CHAT, message_id=menu["message_id"], user_id=ADMIN_USER)
        await until(lambda: button(fake, menu, "as Toys") if any(t.startswith("as Toys") for t, _ in fake.buttons(CHAT, menu["message_id"])) else None, what="category keyboard")
        fake.press_button(button(fake, menu, "as Toys"), chat_id=CHAT, message_id=menu["message_id"], user_id=ADMIN_USER)
        done = await until(lambda: _texts_with(fake, "Now watching"), what="watch answer")

        after = keywords.read_text(encoding="utf-8")
        change = diff(COMMENTED_KEYWORDS, after)
        added = [line for line in change.splitlines() if line.startswith("+") and not line.startswith("+++")]
        removed = [line for line in change.splitlines() if line.startswith("-") and not line.startswith("---")]
        assert not removed and len(added) == 2, f"the edit must only add two lines:\n{change}"
        assert "# added by @user42 (id 42) via Telegram" in added[0], change
        assert added[1] == "+  - {name: zimomo figure, category: toy}", change
        assert after.index("zimomo figure") < after.index("# games"), f"added with the other toys:\n{change}"
        for line in COMMENTED_KEYWORDS.splitlines():  # comments, order and formatting intact
            assert line in after.splitlines(), f"lost {line!r}:\n{change}"
        assert "posts of the last 28 days match" in done[0] and "8 posts" in done[0]
        assert bot.runtime.config.watchlist.entity("zimomo figure").category == "toy"
        assert _texts_with(fake, "Entities added: zimomo figure")  # the reload's own report

        count = len(fake.sent_texts(CHAT))  # the next digest tracks the new entity
        fake.send_command(f"/digest {week}", chat_id=CHAT, user_id=MEMBER)
        await until(lambda: any("Titles:" in t for t in fake.sent_texts(CHAT)[count:]), what="digest")
        titles = [line for t in fake.sent_texts(CHAT)[count:] for line in t.splitlines() if line.startswith("Titles:")]
        assert any("zimomo figure 8" in line for line in titles), titles

        fake.send_command("/undo", chat_id=CHAT, user_id=ADMIN_USER)
        await until(lambda: _texts_with(fake, "Undone"), what="undo")
        assert keywords.read_bytes() == original, diff(original.decode(), keywords.read_text(encoding="utf-8"))
        await until(lambda: bot.runtime.config.watchlist.entity("zimomo figure") is None, what="reload after undo")

        fake.send_command("/history", chat_id=CHAT, user_id=MEMBER)
        history = (await until(lambda: _texts_with(fake, "Watchlist edits from the chat"), what="history"))[0]
        assert "undo zimomo figure" in history and "watch zimomo figure (toy) — undone by #2" in history


async def test_non_admin_press_and_command_are_refused(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    config_path = control_config(tmp_path, fake)
    keywords = config_path.parent / "keywords.yaml"
    seed_emerging(db_url)
    async with running_bot(config_path, fake, db_url) as bot:
        menu = await _suggest(fake, user=MEMBER)  # anyone may ask for suggestions
        query = fake.press_button(button(fake, menu, "🚫 ignore"), chat_id=CHAT, message_id=menu["message_id"], user_id=MEMBER)
        answer = (await until(lambda: fake.answers(query), what="refusal"))[0]
        assert answer["text"] == "Only admins can change the watchlist or the tags." and answer["show_alert"] in (True, "true")
        fake.send_command("/watch Foo as toy", chat_id=CHAT, user_id=MEMBER)
        await until(lambda: _texts_with(fake, "/watch is for admins only."), what="command refusal")
        fake.send_command("/history", chat_id=CHAT, user_id=MEMBER)
        history = (await until(lambda: _texts_with(fake, "Watchlist edits from the chat"), what="history"))[0]
        assert "none yet" in history and "Ignored terms</b>: none" in history
        assert keywords.read_text(encoding="utf-8") == COMMENTED_KEYWORDS


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("/watch Zimomo as nosuch", "keywords.yaml:25: entities[3].category: unknown category 'nosuch' (known: drama, game, toy)"),
        ("/watch labubu as Toys", "keywords.yaml:21: entities[1].name: 'labubu' is already entities[0]"),
        ('/watch Zimomo as toy "re:(zi"', "keywords.yaml:21: entities[1].aliases: invalid regular expression '(zi'"),
    ],
)
async def test_bad_watch_leaves_file_and_watchlist_unchanged(
    tmp_path: Path, fake: FakeTelegram, db_url: str, command: str, problem: str
) -> None:
    config_path = control_config(tmp_path, fake)
    keywords = config_path.parent / "keywords.yaml"
    async with running_bot(config_path, fake, db_url) as bot:
        watchlist = bot.runtime.config.watchlist
        fake.send_command(command, chat_id=CHAT, user_id=ADMIN_USER)
        answer = (await until(lambda: _texts_with(fake, "Not changed"), what="refusal"))[0]
        assert problem in answer, answer
        assert keywords.read_text(encoding="utf-8") == COMMENTED_KEYWORDS
        assert bot.runtime.config.watchlist is watchlist  # not even reloaded
        assert not [p for p in keywords.parent.iterdir() if p.name.startswith(".keywords")]  # no check file left
        store = Store(db_url)
        try:
            assert edit_log.history(store) == []
        finally:
            store.close()


async def test_watch_and_unwatch_typed_and_read_only_file(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    config_path = control_config(tmp_path, fake)
    keywords = config_path.parent / "keywords.yaml"
    bot = await start_bot(config_path, fake, db_url)
    try:
        fake.send_command('/watch "Star Rail" as Games hsr, "honkai sr"', chat_id=CHAT, user_id=ADMIN_USER)
        await until(lambda: _texts_with(fake, "Now watching"), what="watch")
        entity = bot.runtime.config.watchlist.entity("Star Rail")
        assert entity is not None and entity.category == "game" and entity.aliases == ["hsr", "honkai sr"]
        fake.send_command("/unwatch star rail", chat_id=CHAT, user_id=ADMIN_USER)
        await until(lambda: _texts_with(fake, "No longer watching"), what="unwatch")
        assert keywords.read_text(encoding="utf-8") == COMMENTED_KEYWORDS  # the comment line went with it
        await until(lambda: bot.runtime.config.watchlist.entity("Star Rail") is None, what="reload")

        keywords.chmod(0o444)  # what a read-only mount looks like to the bot
        fake.send_command("/watch Zimomo as toy", chat_id=CHAT, user_id=ADMIN_USER)
        answer = (await until(lambda: _texts_with(fake, "cannot write the keywords file"), what="read-only answer"))[0]
        assert "deploy/README.md" in answer and keywords.read_text(encoding="utf-8") == COMMENTED_KEYWORDS
    finally:
        keywords.chmod(0o644)
        await bot.stop()


async def test_ignore_is_stored_listed_and_reversible(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    config_path = control_config(tmp_path, fake)
    seed_emerging(db_url)
    async with running_bot(config_path, fake, db_url) as bot:
        menu = await _suggest(fake)
        fake.press_button(button(fake, menu, "🚫 ignore"), chat_id=CHAT, message_id=menu["message_id"], user_id=ADMIN_USER)
        await until(lambda: _texts_with(fake, "will not be suggested again"), what="ignore")
        assert fake.buttons(CHAT, menu["message_id"]) == []  # its row is gone (the only term)
        fake.send_command("/suggest", chat_id=CHAT, user_id=MEMBER)
        await until(lambda: _texts_with(fake, "No new term stood out"), what="suggest without the term")
        fake.send_command("/history", chat_id=CHAT, user_id=MEMBER)
        history = (await until(lambda: _texts_with(fake, "Ignored terms</b>: zimomo figure"), what="history"))[0]
        assert "ignore zimomo figure" in history
        fake.send_command("/undo", chat_id=CHAT, user_id=ADMIN_USER)
        await until(lambda: _texts_with(fake, "Undone: ignore zimomo figure"), what="undo")
        again = await _suggest(fake)
        assert TERM in again["text"]


async def test_two_admins_pressing_at_once_give_one_edit(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    config_path = control_config(tmp_path, fake)
    keywords = config_path.parent / "keywords.yaml"
    seed_emerging(db_url)
    async with running_bot(config_path, fake, db_url) as bot:
        menu = await _suggest(fake)
        fake.press_button(button(fake, menu, "👁 watch"), chat_id=CHAT, message_id=menu["message_id"], user_id=ADMIN_USER)
        await until(lambda: any(t.startswith("as Games") for t, _ in fake.buttons(CHAT, menu["message_id"])), what="categories")
        as_toys, as_games = button(fake, menu, "as Toys"), button(fake, menu, "as Games")
        fake.press_button(as_toys, chat_id=CHAT, message_id=menu["message_id"], user_id=ADMIN_USER)
        fake.press_button(as_games, chat_id=CHAT, message_id=menu["message_id"], user_id=SECOND_ADMIN)
        await until(lambda: _texts_with(fake, "Now watching") and _texts_with(fake, "Already decided"), what="both presses")
        assert keywords.read_text(encoding="utf-8").count("zimomo figure") == 1
        assert len(_texts_with(fake, "Now watching")) == 1
        store = Store(db_url)
        try:
            assert [e.action for e in edit_log.history(store)] == ["watch"]
        finally:
            store.close()


async def test_forged_foreign_and_restarted_buttons(
    tmp_path: Path, fake: FakeTelegram, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    config_path = control_config(tmp_path, fake)
    keywords = config_path.parent / "keywords.yaml"
    seed_emerging(db_url)
    async with running_bot(config_path, fake, db_url):
        menu = await _suggest(fake)
        watch = button(fake, menu, "👁 watch")
    caplog.set_level(logging.WARNING)
    async with running_bot(config_path, fake, db_url) as bot:  # a restart: the buttons still work
        sent = len(fake.calls_to("sendMessage"))
        stranger = fake.press_button(watch, chat_id=STRANGER, message_id=menu["message_id"], user_id=ADMIN_USER)
        forged = fake.press_button("pc:AAAAAAAAAAAAAAAA", chat_id=CHAT, message_id=menu["message_id"], user_id=ADMIN_USER)
        elsewhere = fake.press_button(watch, chat_id=ADMIN_CHAT, message_id=menu["message_id"], user_id=ADMIN_USER)
        await until(lambda: fake.answers(forged) and fake.answers(elsewhere), what="answers")
        assert fake.answers(forged)[0]["text"].startswith("This button has expired")
        assert fake.answers(elsewhere)[0]["text"] == "This button belongs to another chat."
        assert fake.answers(stranger) == []  # from outside the allowed chats: nothing at all
        await asyncio.sleep(0.3)
        assert len(fake.calls_to("sendMessage")) == sent and keywords.read_text(encoding="utf-8") == COMMENTED_KEYWORDS
        logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert any("reason=chat_not_allowed" in m and f"chat={STRANGER}" in m and "button=True" in m for m in logged), logged
        assert any("reason=unknown_id" in m for m in logged) and any("reason=other_chat" in m for m in logged), logged

        fake.press_button(watch, chat_id=CHAT, message_id=menu["message_id"], user_id=ADMIN_USER)
        await until(lambda: any(t.startswith("as Toys") for t, _ in fake.buttons(CHAT, menu["message_id"])), what="old button works")


async def test_undo_refuses_after_a_hand_edit_and_old_buttons_expire(tmp_path: Path, fake: FakeTelegram, db_url: str) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from monitor.store import schema

    config_path = control_config(tmp_path, fake)
    keywords = config_path.parent / "keywords.yaml"
    seed_emerging(db_url)
    async with running_bot(config_path, fake, db_url) as bot:
        fake.send_command("/watch Zimomo as toy", chat_id=CHAT, user_id=ADMIN_USER)
        await until(lambda: _texts_with(fake, "Now watching"), what="watch")
        by_hand = keywords.read_text(encoding="utf-8") + "# a hand edit after the chat's\n"
        keywords.write_text(by_hand, encoding="utf-8")
        fake.send_command("/undo", chat_id=CHAT, user_id=ADMIN_USER)
        answer = (await until(lambda: _texts_with(fake, "Cannot undo"), what="undo refused"))[0]
        assert "changed after it" in answer and keywords.read_text(encoding="utf-8") == by_hand

        menu = await _suggest(fake)
        store = Store(db_url)
        try:
            with store.engine.begin() as conn:  # fifteen days later
                old = bot.runtime.clock() - timedelta(days=15)
                conn.execute(update(schema.button_tokens).values(created_at=old))
        finally:
            store.close()
        query = fake.press_button(button(fake, menu, "👁 watch"), chat_id=CHAT, message_id=menu["message_id"], user_id=ADMIN_USER)
        answer = (await until(lambda: fake.answers(query), what="expired"))[0]
        assert answer["text"] == "This button has expired. Send the command again."
