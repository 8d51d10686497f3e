"""One async function per bot command; the blocking work runs in threads (see answers/reports)."""

from __future__ import annotations

import asyncio
import html
import logging

from telegram import Update

from monitor.bot import answers, reports
from monitor.bot.delivery import Undeliverable
from monitor.bot.runtime import PulseContext

log = logging.getLogger(__name__)


def _chat(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


def _arg(context: PulseContext) -> str | None:
    if not context.args:
        return None
    return " ".join(context.args).strip() or None


async def help_command(update: Update, context: PulseContext) -> None:
    """/help and /start: what the bot can do."""
    await context.runtime.sender.reply(_chat(update), answers.HELP)


async def digest_command(update: Update, context: PulseContext) -> None:
    """/digest [week]: the digest of a week (default: the latest complete one) now, to this chat."""
    runtime = context.runtime
    config = runtime.config  # one snapshot for the whole answer, even if a reload swaps it meanwhile
    chat = _chat(update)
    try:
        week = reports.parse_week(_arg(context), config, runtime.clock())
    except ValueError as exc:
        await runtime.sender.reply(chat, html.escape(str(exc)))
        return
    parts = await asyncio.to_thread(reports.digest_parts, runtime.store, config, week, runtime.clock())
    for index, part in enumerate(parts):
        try:
            await runtime.sender.send_part(chat, part)
        except Undeliverable as exc:
            runtime.sender.record_undeliverable(chat, f"/digest {week}", parts[index:], str(exc))
            return


async def _reply_all(context: PulseContext, chat: int, messages: list[str]) -> None:
    for message in messages:
        await context.runtime.sender.reply(chat, message)


async def trends_command(update: Update, context: PulseContext) -> None:
    """/trends [category]: this week's movers."""
    runtime = context.runtime
    messages = await asyncio.to_thread(reports.trends_messages, runtime.store, runtime.config, _arg(context), runtime.clock())
    await _reply_all(context, _chat(update), messages)


async def top_command(update: Update, context: PulseContext) -> None:
    """/top [category]: the week's top posts."""
    runtime = context.runtime
    messages = await asyncio.to_thread(reports.top_messages, runtime.store, runtime.config, _arg(context), runtime.clock())
    await _reply_all(context, _chat(update), messages)


async def search_command(update: Update, context: PulseContext) -> None:
    """/search TERM: recent stored posts containing TERM."""
    runtime = context.runtime
    term = _arg(context)
    if not term:
        await runtime.sender.reply(_chat(update), "Usage: /search TERM")
        return
    text = await asyncio.to_thread(answers.search_text, runtime.store, term, runtime.clock())
    await runtime.sender.reply(_chat(update), text)


async def keywords_command(update: Update, context: PulseContext) -> None:
    """/keywords [category]: the watchlist in force."""
    await context.runtime.sender.reply(_chat(update), answers.keywords_text(context.runtime.config, _arg(context)))


async def suggest_command(update: Update, context: PulseContext) -> None:
    """/suggest: emerging terms that are not watched yet."""
    runtime = context.runtime
    messages = await asyncio.to_thread(reports.suggest_messages, runtime.store, runtime.config, runtime.clock())
    await _reply_all(context, _chat(update), messages)


async def status_command(update: Update, context: PulseContext) -> None:
    """/status: collectors, job errors, database, next jobs, recent digests."""
    runtime = context.runtime
    next_jobs = runtime.scheduler.next_jobs() if runtime.scheduler is not None else []
    text = await asyncio.to_thread(answers.status_text, runtime, next_jobs)
    await runtime.sender.reply(_chat(update), text)


async def reload_command(update: Update, context: PulseContext) -> None:
    """/reload (admins only, enforced by the allow-list): re-read the config now."""
    runtime = context.runtime
    await runtime.reloader.reload(reason="/reload", reply_chat=_chat(update))


async def error_handler(update: object, context: PulseContext) -> None:
    """Log a handler's crash and tell the chat briefly; the bot keeps running."""
    log.error("handler failed update_id=%s", getattr(update, "update_id", None), exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None and context.bot_data.get("runtime"):
        error = context.error
        await context.runtime.sender.reply(
            update.effective_chat.id, f"Sorry, that failed ({html.escape(type(error).__name__)}). The error is logged."
        )
