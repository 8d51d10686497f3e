"""The chat as control room: /watch, /unwatch, /undo, /unignore, /history, and /suggest and /search with buttons."""

from __future__ import annotations

import asyncio
import html
import re
import shlex
from collections.abc import Callable

from telegram import Update
from telegram.ext import CallbackQueryHandler

from monitor.bot import answers, reports, suggest_buttons
from monitor.bot.button_presses import actor_of, editor_of, on_button
from monitor.bot.runtime import PulseApplication, PulseContext
from monitor.bot.tag_feedback import tags_markup
from monitor.bot.watch_edits import history_text
from monitor.config.keywords_editor import NewEntity
from monitor.config.watchlist import Watchlist

WATCH_USAGE = "Usage: /watch NAME as CATEGORY [aliases…] (quote a name or alias with spaces: \"Star Rail\")"
_WATCH = re.compile(r"^(?P<name>.+?)\s+as\s+(?P<category>\S+)(?:\s+(?P<aliases>.+))?$", re.IGNORECASE | re.DOTALL)


def _text(update: Update) -> str:
    message = update.effective_message
    raw = message.text if message and message.text else ""
    return raw.split(maxsplit=1)[1].strip() if len(raw.split(maxsplit=1)) > 1 else ""


def _words(text: str) -> list[str]:
    try:
        parts = shlex.split(text)
    except ValueError:  # an unbalanced quote: split on spaces
        parts = text.split()
    return [p.strip(",") for p in parts if p.strip(",")]


def category_key(watchlist: Watchlist, given: str) -> str:
    """A category's key from its key or label (any case); `given` itself when unknown (the validator says so)."""
    for key, category in watchlist.categories.items():
        if given.casefold() in (key.casefold(), category.label.casefold()):
            return key
    return given


def parse_watch(text: str, watchlist: Watchlist) -> NewEntity | None:
    """'"Star Rail" as Games hsr' -> NewEntity('Star Rail', 'game', ('hsr',)); None when it does not parse."""
    match = _WATCH.match(" ".join(text.split()))
    if not match:
        return None
    name = " ".join(_words(match["name"])) or match["name"].strip("\"' ")
    if not name:
        return None
    aliases = tuple(_words(match["aliases"] or ""))
    return NewEntity(name, category_key(watchlist, match["category"]), aliases)


async def watch_command(update: Update, context: PulseContext) -> None:
    """/watch NAME as CATEGORY [aliases…] (admins only, enforced by the allow-list)."""
    runtime = context.runtime
    actor = actor_of(update)
    entity = parse_watch(_text(update), runtime.config.watchlist)
    if entity is None:
        await runtime.sender.reply(actor.chat_id, html.escape(WATCH_USAGE))
        return
    await runtime.sender.reply(actor.chat_id, await editor_of(context).watch(actor, entity))


async def unwatch_command(update: Update, context: PulseContext) -> None:
    """/unwatch NAME (admins only)."""
    runtime = context.runtime
    actor = actor_of(update)
    name = " ".join(_words(_text(update)))
    if not name:
        await runtime.sender.reply(actor.chat_id, "Usage: /unwatch NAME")
        return
    await runtime.sender.reply(actor.chat_id, await editor_of(context).unwatch(actor, name))


async def undo_command(update: Update, context: PulseContext) -> None:
    """/undo (admins only): revert the last chat edit."""
    actor = actor_of(update)
    await context.runtime.sender.reply(actor.chat_id, await editor_of(context).undo(actor))


async def unignore_command(update: Update, context: PulseContext) -> None:
    """/unignore TERM (admins only)."""
    actor = actor_of(update)
    term = _text(update)
    if not term:
        await context.runtime.sender.reply(actor.chat_id, "Usage: /unignore TERM")
        return
    await context.runtime.sender.reply(actor.chat_id, await editor_of(context).unignore(actor, term))


async def history_command(update: Update, context: PulseContext) -> None:
    """/history: the last ten chat edits and the ignored terms."""
    runtime = context.runtime
    text = await asyncio.to_thread(history_text, runtime)
    await runtime.sender.reply(actor_of(update).chat_id, text)


async def suggest_command(update: Update, context: PulseContext) -> None:
    """/suggest: emerging terms, with "watch as …" and "ignore" buttons under the answer."""
    runtime = context.runtime
    chat = actor_of(update).chat_id
    messages, terms = await asyncio.to_thread(reports.suggest_answer, runtime.store, runtime.config, runtime.clock())
    markup = await asyncio.to_thread(suggest_buttons.new_menu, runtime, chat, terms)
    for index, message in enumerate(messages):
        await runtime.sender.reply(chat, message, markup=markup if index == len(messages) - 1 else None)


async def search_command(update: Update, context: PulseContext) -> None:
    """/search TERM: recent stored posts containing TERM, each with a "tags?" button."""
    runtime = context.runtime
    chat = actor_of(update).chat_id
    term = _text(update)
    if not term:
        await runtime.sender.reply(chat, "Usage: /search TERM")
        return
    text, posts = await asyncio.to_thread(answers.search_hits, runtime.store, term, runtime.clock())
    markup = await asyncio.to_thread(tags_markup, runtime.store, chat, posts)
    await runtime.sender.reply(chat, text, markup=markup)


COMMAND_HANDLERS: dict[str, Callable] = {
    "suggest": suggest_command,
    "search": search_command,
    "watch": watch_command,
    "unwatch": unwatch_command,
    "undo": undo_command,
    "unignore": unignore_command,
    "history": history_command,
}
"""Merged into monitor.bot.app's table (these replace the plain /suggest and /search)."""


def button_handler() -> CallbackQueryHandler:
    """Every button press (unknown or forged callback data too: it is refused and logged)."""
    return CallbackQueryHandler(on_button)


def register(application: PulseApplication) -> None:
    """Add the button handler (the commands go through monitor.bot.app's table)."""
    application.add_handler(button_handler())
