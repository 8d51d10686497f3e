"""Watchlist edits from the chat: write the keywords file as a person would, validate, reload, log, undo."""

from __future__ import annotations

import asyncio
import errno
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from monitor.atomic_file import write_atomic
from monitor.bot.runtime import Runtime
from monitor.config import ConfigError
from monitor.config.keywords_editor import NOTE_MARK, EditError, NewEntity, add_entity, remove_entity, validate_text, writable
from monitor.store import edit_log, schema
from monitor.untrusted import one_line

log = logging.getLogger(__name__)

READ_ONLY = (
    "<b>Not changed</b>: the bot cannot write the keywords file <code>{path}</code> (read-only mount or "
    "permissions). Either let it write there (mount the config folder read-write, see deploy/README.md, "
    "“Editing the watchlist from the chat”) or edit the file by hand on the server."
)


@dataclass(frozen=True)
class Actor:
    """Who asked for an edit, and where."""

    user_id: int
    name: str
    chat_id: int

    def note(self, now: datetime) -> str:
        """The comment line written above an entity added from the chat."""
        return f"added by {one_line(self.name)[:64]} (id {self.user_id}) {NOTE_MARK}, {now.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _problems(exc: ConfigError) -> str:
    text = "\n".join(str(p) for p in exc.problems)
    return f"<b>Not changed</b>: the edited file would not be valid, so the old file and watchlist stay.\n<pre>{html.escape(text, quote=False)}</pre>"


class WatchlistEditor:
    """Serialises the chat's edits in this process (an asyncio lock; buttons also claim in the database)."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self._lock = asyncio.Lock()

    @property
    def path(self) -> Path:
        """The keywords file in force."""
        return self.runtime.config.keywords_path

    async def watch(self, actor: Actor, entity: NewEntity) -> str:
        """Add an entity; the answer says what changed and how many recent posts match it."""
        now = self.runtime.clock()
        category = self.runtime.config.watchlist.categories.get(entity.category)
        label = category.label if category else entity.category

        def edit(text: str) -> str:
            return add_entity(text, entity, actor.note(now))

        outcome = await self._edit_file(actor, "watch", entity.name, entity.category, edit)
        if outcome is not None:
            return outcome
        matches = await asyncio.to_thread(self._matching_posts, entity.name)
        days = self.runtime.config.settings.tagging.retag_window_days
        return (
            f"✅ Now watching <b>{html.escape(entity.name)}</b> as {html.escape(label)}"
            + (f" (aliases: {html.escape(', '.join(entity.aliases))})" if entity.aliases else "")
            + f". {matches} posts of the last {days} days match. /undo reverts it."
        )

    async def unwatch(self, actor: Actor, name: str) -> str:
        """Remove an entity (and the comment line the chat wrote above it)."""
        def edit(text: str) -> str:
            return remove_entity(text, name)[0]

        outcome = await self._edit_file(actor, "unwatch", name, None, edit)
        if outcome is not None:
            return outcome
        return f"✅ No longer watching <b>{html.escape(name)}</b>. /undo reverts it."

    async def ignore(self, actor: Actor, term: str) -> str:
        """Keep a suggested term out of future suggestions (stored in the database, listed by /history)."""
        async with self._lock:
            added = await asyncio.to_thread(edit_log.ignore_term, self.runtime.store, term, actor.user_id)
            if not added:
                return f"“{html.escape(term)}” was already ignored."
            await asyncio.to_thread(
                edit_log.record_edit, self.runtime.store, user_id=actor.user_id, user_name=actor.name,
                chat_id=actor.chat_id, action="ignore", target=term,
            )
        log.info("term ignored term=%r user=%s", term, actor.user_id)
        return f"🚫 “{html.escape(term)}” will not be suggested again. /undo or /unignore {html.escape(term)} reverts it."

    async def unignore(self, actor: Actor, term: str) -> str:
        """Let an ignored term be suggested again."""
        async with self._lock:
            removed = await asyncio.to_thread(edit_log.unignore_term, self.runtime.store, term)
            if not removed:
                return f"“{html.escape(term)}” is not ignored."
            await asyncio.to_thread(
                edit_log.record_edit, self.runtime.store, user_id=actor.user_id, user_name=actor.name,
                chat_id=actor.chat_id, action="unignore", target=term,
            )
        return f"“{html.escape(term)}” may be suggested again."

    async def undo(self, actor: Actor) -> str:
        """Revert the newest chat edit not yet reverted: the keywords file byte for byte, or an ignore."""
        store = self.runtime.store
        async with self._lock:
            last = await asyncio.to_thread(edit_log.last_undoable, store)
            if last is None:
                return "Nothing to undo."
            what = f"{last.action} {html.escape(last.target)} (by {html.escape(last.user_name or str(last.user_id))})"
            if last.action in ("ignore", "unignore"):
                change = edit_log.unignore_term if last.action == "ignore" else edit_log.ignore_term
                args = (store, last.target) if last.action == "ignore" else (store, last.target, actor.user_id)
                await asyncio.to_thread(change, *args)
                await asyncio.to_thread(
                    edit_log.record_edit, store, user_id=actor.user_id, user_name=actor.name, chat_id=actor.chat_id,
                    action="undo", target=last.target, detail=f"#{last.id} {last.action}", undoes=last.id,
                )
                return f"↩️ Undone: {what}."
            current = await asyncio.to_thread(self._read)
            if current != last.after_text:
                return (
                    f"Cannot undo {what}: the keywords file changed after it (a later edit by hand?). "
                    "Nothing was changed; edit the file by hand."
                )
            outcome = await self._write_and_reload(actor, f"undo of #{last.id}", last.before_text or "")
            if outcome is not None:
                return outcome
            await asyncio.to_thread(
                edit_log.record_edit, store, user_id=actor.user_id, user_name=actor.name, chat_id=actor.chat_id,
                action="undo", target=last.target, detail=f"#{last.id} {last.action}", before_text=current,
                after_text=last.before_text, undoes=last.id,
            )
        log.info("chat edit undone edit=%d user=%s", last.id, actor.user_id)
        return f"↩️ Undone: {what}. The keywords file is back as it was, byte for byte."

    # -- internals ----------------------------------------------------------------------------

    def _read(self) -> str:
        return self.path.read_bytes().decode("utf-8")

    async def _edit_file(
        self, actor: Actor, action: str, target: str, detail: str | None, edit: Callable[[str], str]
    ) -> str | None:
        """Apply `edit` to the file, validate, write, reload, log; None on success, else the answer."""
        async with self._lock:
            try:
                before = await asyncio.to_thread(self._read)
            except (OSError, UnicodeDecodeError) as exc:
                return f"<b>Not changed</b>: cannot read the keywords file ({html.escape(type(exc).__name__)})."
            try:
                after = await asyncio.to_thread(edit, before)  # ruamel's parse of the shipped file: ~0.3 s
            except EditError as exc:
                return f"<b>Not changed</b>: {html.escape(str(exc))}."
            try:
                await asyncio.to_thread(validate_text, self.path, after)
            except ConfigError as exc:
                log.info("chat edit rejected action=%s target=%r problems=%d", action, target, len(exc.problems))
                return _problems(exc)
            except OSError:  # the check file cannot even be created next to the keywords file
                return READ_ONLY.format(path=html.escape(str(self.path)))
            outcome = await self._write_and_reload(actor, f"/{action} {target}", after, restore=before)
            if outcome is not None:
                return outcome
            await asyncio.to_thread(
                edit_log.record_edit, self.runtime.store, user_id=actor.user_id, user_name=actor.name,
                chat_id=actor.chat_id, action=action, target=target, detail=detail, before_text=before, after_text=after,
            )
        log.info("chat edit applied action=%s target=%r user=%s", action, target, actor.user_id)
        return None

    async def _write_and_reload(self, actor: Actor, reason: str, text: str, *, restore: str | None = None) -> str | None:
        if not writable(self.path):
            return READ_ONLY.format(path=html.escape(str(self.path)))
        try:
            await asyncio.to_thread(write_atomic, self.path, text.encode("utf-8"))
        except OSError as exc:
            if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.EBUSY, errno.EXDEV):
                return READ_ONLY.format(path=html.escape(str(self.path)))
            raise
        reloader = self.runtime.reloader
        if reloader is None:
            return None
        ok = await reloader.reload(reason=f"{reason} by {actor.name}", reply_chat=actor.chat_id)
        if not ok and restore is not None:  # e.g. the tagger could not be built: put the old file back
            await asyncio.to_thread(write_atomic, self.path, restore.encode("utf-8"))
            return "<b>Not changed</b>: the reload failed (see above); the old keywords file is back."
        return None

    def _matching_posts(self, name: str) -> int:
        days = self.runtime.config.settings.tagging.retag_window_days
        since = self.runtime.clock() - timedelta(days=days)
        t = schema.post_tags
        query = select(func.count()).where(t.c.kind == "entity", t.c.label == name, t.c.created_at >= since)
        with self.runtime.store.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())


def history_text(runtime: Runtime) -> str:
    """/history: the last ten chat edits and the ignored terms (blocking: run in a thread)."""
    edits = edit_log.history(runtime.store)
    tz = ZoneInfo(str(runtime.config.settings.timezone))
    lines = ["<b>Watchlist edits from the chat</b> (newest first)"]
    for edit in edits:
        when = edit.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        who = edit.user_name or str(edit.user_id)
        what = f"{edit.action} {edit.target}" + (f" ({edit.detail})" if edit.detail else "")
        undone = f" — undone by #{edit.undone_by}" if edit.undone_by else ""
        lines.append(f"#{edit.id} {html.escape(when)} {html.escape(who)}: {html.escape(what)}{undone}")
    if not edits:
        lines.append("<i>none yet</i>")
    ignored = edit_log.ignored_terms(runtime.store)
    lines.append("<b>Ignored terms</b>: " + (html.escape(", ".join(ignored)) if ignored else "none") + " (/unignore TERM)")
    return "\n".join(lines)
