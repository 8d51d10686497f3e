"""The /suggest keyboard: per suggested term "watch as …" (a second keyboard of categories) and "ignore"."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from monitor.bot.runtime import Runtime
from monitor.bot.watch_edits import Actor, WatchlistEditor
from monitor.config.keywords_editor import NewEntity
from monitor.store import buttons
from monitor.store.buttons import Button

log = logging.getLogger(__name__)

LABEL_CHARS = 28
"""Longest term shown on a button (Telegram shows little more on a phone)."""


@dataclass(frozen=True)
class Pressed:
    """What a button press produced: a short toast, an optional message to the chat, an optional new keyboard
    (and new HTML text) for the message whose button was pressed."""

    toast: str
    message: str | None = None
    markup: InlineKeyboardMarkup | None = None
    alert: bool = False
    text: str | None = None


def _short(term: str) -> str:
    return term if len(term) <= LABEL_CHARS else term[: LABEL_CHARS - 1] + "…"


def decision_key(menu: str, term: str) -> str:
    """The claim of one term of one /suggest answer: pressed once, whatever the button."""
    return f"term:{menu}:{hashlib.sha256(term.encode('utf-8')).hexdigest()[:24]}"


def menu_markup(runtime: Runtime, chat_id: int, menu: str, terms: list[str]) -> InlineKeyboardMarkup | None:
    """Level one: per undecided term, "watch “term”…" and "ignore" (blocking: stores button ids)."""
    done = buttons.claimed(runtime.store, [decision_key(menu, t) for t in terms])
    open_terms = [t for t in terms if decision_key(menu, t) not in done]
    if not open_terms:
        return None
    items = []
    for term in open_terms:
        items += [("pick", {"menu": menu, "term": term}), ("ignore", {"menu": menu, "term": term})]
    data = buttons.new_tokens(runtime.store, chat_id, items)
    rows = []
    for index, term in enumerate(open_terms):
        rows.append(
            [
                InlineKeyboardButton(f"👁 watch “{_short(term)}”…", callback_data=data[2 * index]),
                InlineKeyboardButton("🚫 ignore", callback_data=data[2 * index + 1]),
            ]
        )
    return InlineKeyboardMarkup(rows)


def new_menu(runtime: Runtime, chat_id: int, terms: list[str]) -> InlineKeyboardMarkup | None:
    """The keyboard under a /suggest answer (None when nothing is suggested)."""
    if not terms:
        return None
    buttons.prune(runtime.store)  # now and then (each /suggest), drop buttons nobody can use any more
    menu = buttons.new_tokens(runtime.store, chat_id, [("menu", {"terms": terms})])[0].removeprefix(buttons.PREFIX)
    return menu_markup(runtime, chat_id, menu, terms)


def _menu_terms(runtime: Runtime, menu: str) -> list[str]:
    found = buttons.lookup(runtime.store, buttons.PREFIX + menu)
    return list(found.payload.get("terms", [])) if found else []


def categories_markup(runtime: Runtime, chat_id: int, menu: str, term: str) -> InlineKeyboardMarkup:
    """Level two: "as Dramas", "as Games", … for one term, and "« back"."""
    categories = runtime.config.watchlist.categories
    items = [("watch", {"menu": menu, "term": term, "category": key}) for key in categories]
    items.append(("back", {"menu": menu}))
    data = buttons.new_tokens(runtime.store, chat_id, items)
    labels = [f"as {c.label}" for c in categories.values()]
    row_of_buttons = [InlineKeyboardButton(label, callback_data=d) for label, d in zip(labels, data, strict=False)]
    rows = [row_of_buttons[i : i + 3] for i in range(0, len(row_of_buttons), 3)]
    rows.append([InlineKeyboardButton(f"« back (“{_short(term)}”)", callback_data=data[-1])])
    return InlineKeyboardMarkup(rows)


async def press(runtime: Runtime, editor: WatchlistEditor, button: Button, actor: Actor) -> Pressed:
    """Run a /suggest button (the caller checked the chat and that `actor` is an admin)."""
    payload = button.payload
    menu, term = payload.get("menu", ""), payload.get("term", "")
    if button.kind == "back":
        markup = await asyncio.to_thread(menu_markup, runtime, actor.chat_id, menu, _menu_terms(runtime, menu))
        return Pressed("", markup=markup or InlineKeyboardMarkup([]))
    key = decision_key(menu, term)
    if button.kind == "pick":
        outcome = await asyncio.to_thread(buttons.claim_outcome, runtime.store, key)
        if outcome is not None:
            return Pressed(f"Already decided: {outcome or 'in progress'}", alert=True)
        markup = await asyncio.to_thread(categories_markup, runtime, actor.chat_id, menu, term)
        return Pressed("Choose a category", markup=markup)
    if not await asyncio.to_thread(buttons.claim, runtime.store, key, actor.user_id):
        outcome = await asyncio.to_thread(buttons.claim_outcome, runtime.store, key)
        log.info("button press lost the race term=%r user=%s", term, actor.user_id)
        return Pressed(f"Already decided: {outcome or 'in progress'}", alert=True)
    if button.kind == "ignore":
        answer = await editor.ignore(actor, term)
        outcome = f"ignored by {actor.name}"
        ok = True
    else:
        category = str(payload.get("category", ""))
        answer = await editor.watch(actor, NewEntity(term.lstrip("#"), category))
        label = runtime.config.watchlist.categories.get(category)
        outcome = f"watched as {label.label if label else category} by {actor.name}"
        ok = answer.startswith("✅")
    if ok:
        await asyncio.to_thread(buttons.settle, runtime.store, key, outcome)
    else:
        await asyncio.to_thread(buttons.release, runtime.store, key)
    markup = await asyncio.to_thread(menu_markup, runtime, actor.chat_id, menu, _menu_terms(runtime, menu))
    return Pressed("Done" if ok else "Not changed", message=answer, markup=markup or InlineKeyboardMarkup([]))
