"""Every inline-button press: look the opaque id up, check chat, age and admin rights, run it, answer."""

from __future__ import annotations

import asyncio
import html
import logging
from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from monitor.bot import suggest_buttons, tag_feedback
from monitor.bot.delivery import NO_PREVIEW
from monitor.bot.runtime import PulseContext, Runtime
from monitor.bot.suggest_buttons import Pressed
from monitor.bot.watch_edits import Actor, WatchlistEditor
from monitor.store import buttons

log = logging.getLogger(__name__)

BUTTON_LIFETIME = timedelta(days=14)
"""A button older than this says it expired (its id is kept, so the answer is clear, until pruned)."""
ADMIN_KINDS = frozenset({"pick", "watch", "ignore", "back", "fix"})
"""Buttons that change something: admins only. "tags?" may be pressed by anyone in an allowed chat."""
SLOW_KINDS = frozenset({"watch", "ignore"})


def editor_of(context: PulseContext) -> WatchlistEditor:
    """The process's one WatchlistEditor (kept in bot_data)."""
    editor = context.bot_data.get("watchlist_editor")
    if editor is None:
        editor = context.bot_data["watchlist_editor"] = WatchlistEditor(context.runtime)
    return editor


def actor_of(update: Update) -> Actor:
    """Who sent an update, and in which chat."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    name = f"@{user.username}" if user.username else (user.full_name or str(user.id))
    return Actor(user.id, name, chat.id)


async def on_button(update: Update, context: PulseContext) -> None:
    """CallbackQueryHandler callback (the allow-list has already dropped presses from other chats)."""
    query = update.callback_query
    if query is None or update.effective_chat is None or update.effective_user is None:
        return
    runtime = context.runtime
    actor = actor_of(update)
    button = await asyncio.to_thread(buttons.lookup, runtime.store, query.data)
    if button is None:
        log.warning("button refused reason=unknown_id chat=%s user=%s", actor.chat_id, actor.user_id)
        await _answer(query, "This button has expired. Send the command again.", alert=True)
        return
    if button.chat_id not in (actor.chat_id, tag_feedback.ANY_CHAT):
        log.warning("button refused reason=other_chat chat=%s user=%s kind=%s", actor.chat_id, actor.user_id, button.kind)
        await _answer(query, "This button belongs to another chat.", alert=True)
        return
    if runtime.clock() - button.created_at > BUTTON_LIFETIME:
        await _answer(query, "This button has expired. Send the command again.", alert=True)
        return
    if button.kind in ADMIN_KINDS and actor.user_id not in runtime.config.settings.telegram.admin_user_ids:
        log.warning("button refused reason=not_admin chat=%s user=%s kind=%s", actor.chat_id, actor.user_id, button.kind)
        await _answer(query, "Only admins can change the watchlist or the tags.", alert=True)
        return
    slow = button.kind in SLOW_KINDS
    if slow:  # a watchlist edit reloads and re-tags: stop the client's spinner first
        await _answer(query, "Working on it…")
    pressed = await _run(runtime, context, button, actor)
    if not slow:
        await _answer(query, pressed.toast, alert=pressed.alert)
    elif pressed.alert and pressed.toast:  # e.g. another admin was faster: say so in the chat
        await runtime.sender.reply(actor.chat_id, html.escape(pressed.toast))
    if pressed.text is not None and pressed.markup is not None and query.message is not None:
        await _edit_text(runtime, actor.chat_id, query.message.message_id, pressed.text, pressed.markup)
    elif pressed.markup is not None and query.message is not None:
        await _edit_markup(runtime, actor.chat_id, query.message.message_id, pressed.markup)
    if pressed.message:
        await runtime.sender.reply(actor.chat_id, pressed.message)


async def _run(runtime: Runtime, context: PulseContext, button: buttons.Button, actor: Actor) -> Pressed:
    if button.kind == "tags":
        return await tag_feedback.show(runtime, button, actor)
    if button.kind == "fix":
        return await tag_feedback.correct(runtime, button, actor)
    if button.kind in ("pick", "watch", "ignore", "back"):
        return await suggest_buttons.press(runtime, editor_of(context), button, actor)
    log.warning("button refused reason=unknown_kind kind=%s chat=%s", button.kind, actor.chat_id)
    return Pressed("This button does nothing.", alert=True)


async def _answer(query, text: str, *, alert: bool = False) -> None:  # noqa: ANN001 - telegram.CallbackQuery
    """answerCallbackQuery (stops the client's spinner); a too-old query is only logged."""
    try:
        await query.answer(text[:200] or None, show_alert=alert and bool(text))
    except TelegramError as exc:
        log.info("answerCallbackQuery failed error=%r", str(exc))


async def _edit_text(runtime: Runtime, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup) -> None:
    try:
        await runtime.sender.bot.edit_message_text(
            text[:4096], chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML, reply_markup=markup,
            link_preview_options=NO_PREVIEW,
        )
    except TelegramError as exc:  # e.g. too long after the edit: the keyboard alone still changes
        log.info("editMessageText refused chat=%s error=%r", chat_id, str(exc))
        await _edit_markup(runtime, chat_id, message_id, markup)


async def _edit_markup(runtime: Runtime, chat_id: int, message_id: int, markup: InlineKeyboardMarkup) -> None:
    try:
        await runtime.sender.bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=markup)
    except BadRequest as exc:  # "message is not modified", or the message is gone
        log.info("editMessageReplyMarkup refused chat=%s error=%r", chat_id, str(exc))
    except TelegramError as exc:
        log.warning("editMessageReplyMarkup failed chat=%s error=%r", chat_id, str(exc))
