"""Who may talk to the bot: an allow-list run before every handler, logging each refusal."""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from monitor.bot.runtime import PulseContext

log = logging.getLogger(__name__)

ADMIN_COMMANDS = frozenset({"reload", "watch", "unwatch", "undo", "unignore"})
ACCESS_GROUP = -1
"""Handler group of the allow-list: lower groups run first, so it sees every update."""


def command_of(update: Update) -> str | None:
    """'digest' for '/digest@pulse_bot 2026-W47', None for anything that is not a command."""
    message = update.effective_message
    text = message.text if message and message.text else ""
    if not text.startswith("/"):
        return None
    return text.split()[0][1:].split("@", 1)[0].lower() or None


async def gatekeeper(update: Update, context: PulseContext) -> None:
    """Stop updates from chats not in config, and admin commands from users not listed as admins."""
    runtime = context.runtime
    telegram = runtime.config.settings.telegram
    chat = update.effective_chat
    user = update.effective_user
    command = command_of(update)
    allowed_chats = set(telegram.chat_ids)
    if telegram.admin_chat_id is not None:
        allowed_chats.add(telegram.admin_chat_id)

    if chat is None or chat.id not in allowed_chats:
        # A command or a button press is a request and its refusal a warning; other chatter in a
        # stranger's group (privacy mode off) is dropped with a debug line, so it cannot flood the log.
        button = update.callback_query is not None
        log.log(
            logging.WARNING if command or button else logging.DEBUG,
            "refused reason=chat_not_allowed chat=%s user=%s command=%s button=%s",
            chat.id if chat else None, user.id if user else None, command, button,
        )
        # One polite refusal per stranger chat (per process), only if configured, only to commands.
        if telegram.refusal_message and chat is not None and command and chat.id not in runtime.refused_chats:
            runtime.refused_chats.add(chat.id)
            await runtime.sender.reply(chat.id, html.escape(telegram.refusal_message))
        raise ApplicationHandlerStop

    if command in ADMIN_COMMANDS and (user is None or user.id not in telegram.admin_user_ids):
        log.warning("refused reason=not_admin chat=%s user=%s command=%s", chat.id, user.id if user else None, command)
        await runtime.sender.reply(chat.id, f"/{html.escape(command)} is for admins only.")
        raise ApplicationHandlerStop


def access_handler() -> TypeHandler:
    """The allow-list as a TypeHandler; add it in ACCESS_GROUP."""
    return TypeHandler(Update, gatekeeper)
