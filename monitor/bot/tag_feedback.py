"""The "tags?" view of a post (its labels and the words behind them) and admins' corrections of it."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from monitor.bot.runtime import Runtime
from monitor.bot.suggest_buttons import Pressed
from monitor.bot.watch_edits import Actor
from monitor.config.watchlist import Watchlist
from monitor.store import Store, buttons, feedback, schema
from monitor.store.buttons import Button
from monitor.untrusted import one_line, safe_url

log = logging.getLogger(__name__)

ANY_CHAT = 0
"""Chat id of buttons valid in every allowed chat (a digest goes to several chats with the same parts)."""
MAX_POSTS = 12
"""Most "tags?" buttons under one message."""
BUTTON_CHARS = 30


def tags_markup(store: Store, chat_id: int, posts: Sequence[tuple[int | None, str]]) -> InlineKeyboardMarkup | None:
    """A "tags?" button per (post id, headline), at most MAX_POSTS (blocking: stores the button ids)."""
    seen: dict[int, str] = {}
    for post_id, headline in posts:
        if post_id is not None and post_id not in seen:
            seen[post_id] = one_line(headline)
    chosen = list(seen.items())[:MAX_POSTS]
    if not chosen:
        return None
    data = buttons.new_tokens(store, chat_id, [("tags", {"post": post_id}) for post_id, _ in chosen])
    rows = []
    for (_, headline), callback in zip(chosen, data, strict=True):
        short = headline if len(headline) <= BUTTON_CHARS else headline[: BUTTON_CHARS - 1] + "…"
        rows.append([InlineKeyboardButton(f"🏷 tags? {short or '(no text)'}", callback_data=callback)])
    return InlineKeyboardMarkup(rows)


def _words(spans: list[dict], kind: str, label: str) -> list[str]:
    out: list[str] = []
    for span in spans:
        if span.get("kind") == kind and span.get("label") == label:
            text = one_line(str(span.get("text", "")))[:40]
            word = f"“{text}”" if text else ""
            if span.get("by"):  # the learned model: the word that weighed most, and its probability
                word = f"{word} ({span['by']})".strip()
            if word not in out:
                out.append(word)
    return out


def _reasons(spans: list[dict], watchlist: Watchlist, kind: str, label: str) -> str:
    words = _words(spans, kind, label)
    if kind == "category":
        for entity in watchlist.entities_in(label):
            if _words(spans, "entity", entity.name):
                words.append(f"via {entity.name}")
    return ", ".join(words) if words else "no words recorded"


def _spans(runtime: Runtime, post_id: int) -> list[dict]:
    t = schema.posts
    with runtime.store.engine.connect() as conn:
        row = conn.execute(t.select().with_only_columns(t.c.tag_spans).where(t.c.id == post_id)).first()
    return list(row[0] or []) if row else []


def view(runtime: Runtime, chat_id: int, post_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """The tags of a post with the words that caused them, and the admins' correction buttons (blocking)."""
    post = feedback.stored_post(runtime.store, post_id)
    if post is None:
        return "That post is no longer stored (pruned?).", None
    watchlist = runtime.config.watchlist
    tags = runtime.store.tags_of(post_id)
    gold = feedback.current_gold(runtime.store, post, tags)
    spans = _spans(runtime, post_id)
    headline = one_line(post.title or post.text)[:160] or "(no text)"
    link = safe_url(post.url)
    title = f'<a href="{html.escape(link, quote=True)}">{html.escape(headline)}</a>' if link else html.escape(headline)
    lines = [f"<b>Tags of</b> {title} <i>({html.escape(post.source)})</i>"]
    for kind, group, heading in (("category", "categories", "Categories"), ("entity", "entities", "Entities"), ("interest", "interests", "Interests")):
        labels = gold.get(group, [])
        parts = []
        for label in labels:
            reason = _reasons(spans, watchlist, kind, label) if label in tags.get(kind, []) else "added by a correction"
            parts.append(f"{html.escape(label)} ({html.escape(reason)})")
        removed = [x for x in tags.get(kind, []) if x not in labels]
        line = f"<b>{heading}</b>: " + ("; ".join(parts) if parts else "none")
        if removed:
            line += " — <s>" + html.escape(", ".join(removed)) + "</s> marked wrong"
        lines.append(line)
    lines.append("<i>Admins: ✗ marks a tag wrong, ＋ adds a missing one; each press is saved as a labelled example.</i>")
    return "\n".join(lines), correction_markup(runtime, chat_id, post_id, gold)


def correction_markup(runtime: Runtime, chat_id: int, post_id: int, gold: dict) -> InlineKeyboardMarkup:
    """✗ per label the post has (gold so far), ＋ per category or interest it lacks."""
    watchlist = runtime.config.watchlist
    present = [(kind, label) for kind, group in (("category", "categories"), ("entity", "entities"), ("interest", "interests")) for label in gold.get(group, [])]
    missing = [("category", k) for k in watchlist.categories if k not in gold.get("categories", [])]
    missing += [("interest", k) for k in watchlist.interests if k not in gold.get("interests", [])]
    items = [("fix", {"post": post_id, "kind": k, "label": lab, "op": "-"}) for k, lab in present]
    items += [("fix", {"post": post_id, "kind": k, "label": lab, "op": "+"}) for k, lab in missing]
    data = buttons.new_tokens(runtime.store, chat_id, items)
    texts = [f"✗ {lab}" for _, lab in present] + [f"＋ {lab}" for _, lab in missing]
    flat = [InlineKeyboardButton(text[:40], callback_data=d) for text, d in zip(texts, data, strict=True)]
    return InlineKeyboardMarkup([flat[i : i + 3] for i in range(0, len(flat), 3)])


async def show(runtime: Runtime, button: Button, actor: Actor) -> Pressed:
    """A "tags?" press: send the view to the chat (anyone in an allowed chat may look)."""
    post_id = int(button.payload.get("post", 0))
    text, markup = await asyncio.to_thread(view, runtime, actor.chat_id, post_id)
    if markup is not None:
        await runtime.sender.reply(actor.chat_id, text, markup=markup)
        return Pressed("")
    return Pressed(text, alert=True)


async def correct(runtime: Runtime, button: Button, actor: Actor) -> Pressed:
    """A ✗ or ＋ press (the caller checked that `actor` is an admin): store the correction once."""
    payload = button.payload
    post_id, kind, label, op = int(payload["post"]), str(payload["kind"]), str(payload["label"]), str(payload["op"])
    if not await asyncio.to_thread(buttons.claim, runtime.store, f"fix:{button.token}", actor.user_id):
        return Pressed("Already saved.", alert=True)

    def save() -> tuple[str, InlineKeyboardMarkup | None]:
        post = feedback.stored_post(runtime.store, post_id)
        if post is None:
            return "That post is no longer stored.", None
        gold = feedback.current_gold(runtime.store, post, runtime.store.tags_of(post_id))
        gold = feedback.apply_change(gold, kind, label, op == "+")
        feedback.record_correction(
            runtime.store, post, change=f"{op}{kind}:{label}", gold=gold, user_id=actor.user_id, user_name=actor.name
        )
        return view(runtime, actor.chat_id, post_id)  # the view again: text and keyboard after this correction

    text, markup = await asyncio.to_thread(save)
    if markup is None:
        return Pressed(text, alert=True)
    log.info("tag corrected post=%s change=%s%s:%s user=%s", post_id, op, kind, label, actor.user_id)
    said = "marked wrong" if op == "-" else "added"
    return Pressed(f"Saved: {kind} {label} {said}.", markup=markup, text=text)
