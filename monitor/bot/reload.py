"""Live config reload: watch pulse.yaml and the keywords file, validate, swap, report to the admin chat."""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
from dataclasses import dataclass, field
from pathlib import Path

from monitor.bot import jobs
from monitor.bot.runtime import Runtime, Snapshot
from monitor.bot.tagging_jobs import retag_once
from monitor.config import AppConfig, ConfigError, load_config
from monitor.config.watchlist import Watchlist

log = logging.getLogger(__name__)

RESTART_ONLY = ("storage", "telegram.api_base_url")


@dataclass
class WatchlistDiff:
    """What changed between two watchlists."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    categories_added: list[str] = field(default_factory=list)
    categories_removed: list[str] = field(default_factory=list)
    other: bool = False  # categories' cues or interests changed

    @property
    def empty(self) -> bool:
        """True if the watchlists are equal."""
        return not (self.added or self.removed or self.changed or self.categories_added or self.categories_removed or self.other)


def diff_watchlists(old: Watchlist, new: Watchlist) -> WatchlistDiff:
    """Entities added, removed or edited; categories added or removed; anything else changed."""
    old_e = {e.name: e for e in old.entities}
    new_e = {e.name: e for e in new.entities}
    diff = WatchlistDiff(
        added=[n for n in new_e if n not in old_e],
        removed=[n for n in old_e if n not in new_e],
        changed=[n for n in new_e if n in old_e and new_e[n] != old_e[n]],
        categories_added=[c for c in new.categories if c not in old.categories],
        categories_removed=[c for c in old.categories if c not in new.categories],
    )
    diff.other = (
        {k: v for k, v in old.categories.items() if k in new.categories}
        != {k: v for k, v in new.categories.items() if k in old.categories}
        or old.interests != new.interests
    )
    return diff


def describe_change(old: AppConfig, new: AppConfig) -> str:
    """Escaped HTML telling the admin what a reload changed."""
    diff = diff_watchlists(old.watchlist, new.watchlist)
    lines = ["<b>Config reloaded.</b>"]
    if diff.added:
        lines.append("Entities added: " + html.escape(", ".join(diff.added)))
    if diff.removed:
        lines.append("Entities removed: " + html.escape(", ".join(diff.removed)))
    if diff.changed:
        lines.append("Entities edited: " + html.escape(", ".join(diff.changed)))
    if diff.categories_added:
        lines.append("Categories added: " + html.escape(", ".join(diff.categories_added)))
    if diff.categories_removed:
        lines.append("Categories removed: " + html.escape(", ".join(diff.categories_removed)))
    if diff.other:
        lines.append("Category cues or interests edited.")
    if diff.empty:
        lines.append("Watchlist unchanged.")
    if old.settings != new.settings:
        changed = [name for name in type(new.settings).model_fields if getattr(old.settings, name) != getattr(new.settings, name)]
        lines.append("Settings changed: " + html.escape(", ".join(changed)))
        before, after = old.settings, new.settings
        if (before.storage, before.telegram.api_base_url, before.telegram.mode, before.telegram.webhook, before.metrics) != (
            after.storage, after.telegram.api_base_url, after.telegram.mode, after.telegram.webhook, after.metrics
        ):
            lines.append("<i>storage, telegram.api_base_url, telegram.mode/webhook and metrics take effect after a restart.</i>")
    return "\n".join(lines)


def describe_errors(exc: ConfigError) -> str:
    """Escaped HTML listing each problem as file:line: field: message."""
    problems = "\n".join(str(p) for p in exc.problems)
    return (
        "<b>Config not reloaded</b>; the previous config stays in force. Problems:\n"
        f"<pre>{html.escape(problems)}</pre>"
    )


def _fingerprint(paths: list[Path]) -> tuple:
    out = []
    for path in paths:
        try:
            out.append((str(path), hashlib.sha256(path.read_bytes()).hexdigest()))
        except OSError:
            out.append((str(path), None))
    return tuple(out)


class ConfigReloader:
    """Polls the config files; on a change validates, swaps the snapshot and reports.

    Files are compared by content hash (checked when their mtime or size moves), so an editor's
    touch without a change does not reload, and a half-written file is re-read once it settles.
    """

    def __init__(self, runtime: Runtime, *, poll_seconds: float | None = None, settle_seconds: float = 0.2):
        self.runtime = runtime
        self.poll_seconds = poll_seconds
        self.settle_seconds = settle_seconds
        self._lock = asyncio.Lock()
        self._stat: tuple = self._stats()
        self._seen: tuple = _fingerprint(self._paths())

    def _paths(self) -> list[Path]:
        config = self.runtime.config
        return [config.settings_path, config.keywords_path]

    def _stats(self) -> tuple:
        out = []
        for path in self._paths():
            try:
                st = path.stat()
                out.append((st.st_mtime_ns, st.st_size))
            except OSError:
                out.append(None)
        return tuple(out)

    async def watch(self) -> None:
        """Run forever (until cancelled): poll, and reload when a file's content changed."""
        while True:
            interval = self.poll_seconds or self.runtime.config.settings.schedules.config_poll_seconds
            await asyncio.sleep(interval)
            try:
                stat = self._stats()
                if stat == self._stat:
                    continue
                await asyncio.sleep(self.settle_seconds)  # let the editor finish writing
                self._stat = self._stats()
                if _fingerprint(self._paths()) == self._seen:
                    continue
                await self.reload(reason="file changed")
            except asyncio.CancelledError:
                raise
            except Exception:  # the watcher must survive anything
                log.exception("config watcher failed")

    async def reload(self, *, reason: str, reply_chat: int | None = None) -> bool:
        """Load, validate and swap in the config; tell the admin chat (and `reply_chat`). True if swapped."""
        async with self._lock:
            runtime = self.runtime
            old = runtime.snapshot
            self._seen = _fingerprint(self._paths())
            try:
                config = await asyncio.to_thread(load_config, old.config.settings_path, runtime.env)
                tagger = await asyncio.to_thread(runtime.tagger_factory, config.watchlist)
            except ConfigError as exc:
                log.warning("config reload rejected reason=%s problems=%d", reason, len(exc.problems))
                for problem in exc.problems:
                    log.warning("config problem %s", problem)
                await self._tell(describe_errors(exc), reply_chat)
                return False
            except Exception as exc:  # e.g. the tagger cannot be built from this watchlist
                log.exception("config reload failed reason=%s", reason)
                await self._tell(f"<b>Config not reloaded</b>: {html.escape(type(exc).__name__)}: {html.escape(str(exc))}", reply_chat)
                return False

            runtime.snapshot = Snapshot(config=config, tagger=tagger)  # the atomic swap
            self._seen = _fingerprint(self._paths())
            self._stat = self._stats()
            log.info("config reloaded reason=%s entities=%d", reason, len(config.watchlist.entities))
            if runtime.scheduler is not None:
                runtime.scheduler.build()
            message = describe_change(old.config, config)
            retag = config.watchlist != old.config.watchlist and tagger is not None
            days = config.settings.tagging.retag_window_days
            if retag and days:
                message += f"\nRe-tagging posts of the last {days} days…"
            await self._tell(message, reply_chat)
        if retag and days:
            count = await asyncio.to_thread(
                retag_once, runtime.store, runtime.leases, tagger, config.watchlist, days=days, now=runtime.clock(),
                batch_size=config.settings.tagging.batch_size, stop=runtime.stopping,
            )
            if count is None:  # another process sharing the database re-tags (or re-tagged) with this watchlist
                await self._tell(f"Posts of the last {days} days are re-tagged by another process.", reply_chat)
            else:
                await self._tell(f"Re-tagged {count} posts of the last {days} days.", reply_chat)
        return True

    async def _tell(self, text: str, reply_chat: int | None) -> None:
        await jobs.notify_admin(self.runtime, text)
        admin = self.runtime.config.settings.telegram.admin_chat_id
        if reply_chat is not None and reply_chat != admin and self.runtime.sender is not None:
            await self.runtime.sender.reply(reply_chat, text)
