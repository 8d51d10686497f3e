"""Blocking answers of /search, /keywords and /status, as escaped HTML (run them in a thread)."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.engine import make_url

from monitor.bot.runtime import Runtime
from monitor.config import AppConfig
from monitor.store import Store, schema
from monitor.store.deliveries import digest_rows
from monitor.untrusted import one_line, safe_url

SEARCH_DAYS = 30
SEARCH_LIMIT = 10

HELP = """<b>Culture Pulse</b>: how Chinese pop culture travels abroad.

/digest [week] – the weekly digest now (e.g. /digest 2026-W47)
/trends [category] – this week's movers
/top [category] – top posts of the week
/search TERM – recent posts mentioning TERM
/keywords [category] – what is watched
/suggest – emerging terms not watched yet (buttons: watch / ignore)
/status – collectors, errors, database, schedule
/reload – re-read the config now (admins)
/watch NAME as CATEGORY [aliases…] – watch a name (admins)
/unwatch NAME – stop watching a name (admins)
/undo – revert the last watchlist edit made from the chat (admins)
/unignore TERM – let an ignored term be suggested again (admins)
/history – the last ten edits made from the chat, and ignored terms
/help – this text"""

COMMANDS = [
    ("digest", "The weekly digest now: /digest [week]"),
    ("trends", "This week's movers: /trends [category]"),
    ("top", "Top posts: /top [category]"),
    ("search", "Recent matching posts: /search TERM"),
    ("keywords", "What is watched: /keywords [category]"),
    ("suggest", "Emerging terms not yet watched"),
    ("status", "Collectors, errors, database, schedule"),
    ("reload", "Re-read the config now (admins only)"),
    ("watch", "Watch a name: /watch NAME as CATEGORY [aliases] (admins)"),
    ("unwatch", "Stop watching a name: /unwatch NAME (admins)"),
    ("undo", "Revert the last watchlist edit from the chat (admins)"),
    ("history", "The last ten watchlist edits from the chat"),
    ("help", "What the bot can do"),
]


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def post_line(text: str, url: str | None, source: str, created_at: datetime, engagement: float | None = None) -> str:
    """One escaped line about a stored post, linked when it has an http(s) URL."""
    snippet = one_line(text)
    snippet = snippet[:160] + ("…" if len(snippet) > 160 else "")
    label = html.escape(snippet or "(no text)")
    link = safe_url(url)
    if link:
        label = f'<a href="{html.escape(link, quote=True)}">{label}</a>'
    meta = f"{html.escape(one_line(source))}, {created_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    if engagement:
        meta += f", {engagement:g} interactions"
    return f"• {label} <i>({meta})</i>"


def search_text(store: Store, term: str, now: datetime, *, days: int = SEARCH_DAYS, limit: int = SEARCH_LIMIT) -> str:
    """Newest posts of the last `days` whose title or text contains `term` (case-insensitive)."""
    return search_hits(store, term, now, days=days, limit=limit)[0]


def search_hits(
    store: Store, term: str, now: datetime, *, days: int = SEARCH_DAYS, limit: int = SEARCH_LIMIT
) -> tuple[str, list[tuple[int, str]]]:
    """The /search answer and the (post id, headline) of each post in it (for its "tags?" buttons)."""
    term = " ".join(term.split())
    if not term:
        return "Usage: /search TERM", []
    t = schema.posts
    pattern = _like_pattern(term.lower())
    query = (
        select(t.c.id, t.c.source, t.c.url, t.c.title, t.c.text, t.c.created_at, t.c.engagement)
        .where(
            t.c.created_at >= now - timedelta(days=days),
            or_(
                func.lower(t.c.text).like(pattern, escape="\\"),
                func.lower(func.coalesce(t.c.title, "")).like(pattern, escape="\\"),
            ),
        )
        .order_by(t.c.created_at.desc())
        .limit(limit)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    head = f"<b>Search</b> “{html.escape(term)}” (last {days} days)"
    if not rows:
        return f"{head}\n<i>No matching posts.</i>", []
    lines = [head]
    for row in rows:
        lines.append(post_line(row["title"] or row["text"], row["url"], row["source"], row["created_at"], row["engagement"]))
    return "\n".join(lines), [(row["id"], row["title"] or row["text"] or "") for row in rows]


def keywords_text(config: AppConfig, category: str | None = None) -> str:
    """The watchlist: entities per category, or one category in detail."""
    watchlist = config.watchlist
    if category:
        key = next((k for k, c in watchlist.categories.items() if category.casefold() in (k.casefold(), c.label.casefold())), None)
        if key is None:
            known = ", ".join(watchlist.categories)
            return f"Unknown category {html.escape(category)!s}. Known: {html.escape(known)}"
        cat = watchlist.categories[key]
        lines = [f"<b>{html.escape(cat.label)}</b> ({html.escape(key)})"]
        if cat.cues:
            lines.append("Cues: " + html.escape(", ".join(cat.cues)))
        for entity in watchlist.entities_in(key):
            extra = []
            if entity.aliases:
                extra.append("aka " + ", ".join(entity.aliases[:6]))
            if entity.hashtags:
                extra.append(" ".join("#" + h for h in entity.hashtags[:6]))
            suffix = f" – {html.escape('; '.join(extra))}" if extra else ""
            lines.append(f"• {html.escape(entity.name)}{suffix}")
        return "\n".join(lines)
    lines = [f"<b>Watchlist</b>: {len(watchlist.entities)} entities in {len(watchlist.categories)} categories"]
    for key, cat in watchlist.categories.items():
        names = [e.name for e in watchlist.entities_in(key)]
        shown = ", ".join(names[:12]) + (f" (+{len(names) - 12})" if len(names) > 12 else "")
        lines.append(f"<b>{html.escape(cat.label)}</b> ({len(names)}): {html.escape(shown) or '–'}")
    if watchlist.interests:
        lines.append("<b>Interests</b>: " + html.escape(", ".join(i.label for i in watchlist.interests.values())))
    return "\n".join(lines)


def database_size(store: Store) -> int | None:
    """Bytes used by the database (SQLite file + WAL, or pg_database_size)."""
    if store.dialect == "sqlite":
        database = make_url(store.url).database
        if not database or database == ":memory:":
            return None
        return sum(p.stat().st_size for p in (Path(database), Path(database + "-wal")) if p.exists())
    if store.dialect == "postgresql":
        with store.engine.connect() as conn:
            return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    return None


def _size(n: int | None) -> str:
    if n is None:
        return "unknown"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _when(moment: datetime | None, tz: Any) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else "never"


def _tags_line(runtime: Runtime, tz: Any) -> str:
    """Whether the recent posts' tags match the current keywords file (posts of the re-tag window)."""
    from pipelines.trends.queries import tag_freshness

    config = runtime.config
    changed = config.keywords_changed_at()
    days = max(config.settings.tagging.retag_window_days, 1)
    now = runtime.clock()
    since = now - timedelta(days=days)
    with runtime.store.engine.connect() as conn:
        untagged, stale = tag_freshness(conn, (since, now + timedelta(days=1)), changed)
    parts = []
    if stale:
        parts.append(
            f"⚠ {html.escape(config.keywords_path.name)} changed {_when(changed, tz)}, after {stale} posts of the last "
            f"{days} days were tagged: their tags are out of date (re-tag with <code>pulse tag --since {since.date()}</code>)"
        )
    if untagged:
        parts.append(f"{untagged} posts of the last {days} days are not tagged yet")
    if not parts:
        parts.append(f"up to date with {html.escape(config.keywords_path.name)} ({_when(changed, tz)})")
    return "<b>Tags</b>: " + "; ".join(parts)


def status_text(runtime: Runtime, next_jobs: list[tuple[str, datetime | None]]) -> str:
    """Last run per source, job errors, database size and posts, next scheduled jobs, digests."""
    from zoneinfo import ZoneInfo

    config = runtime.config
    tz = ZoneInfo(config.settings.timezone)
    store = runtime.store
    lines = [f"<b>Status</b> (up since {_when(runtime.started_at, tz)}, config loaded {_when(runtime.snapshot.loaded_at, tz)})"]

    latest: dict[str, dict[str, Any]] = {}
    for run in store.recent_runs(200):
        latest.setdefault(run["source"], run)
    lines.append("\n<b>Sources</b>")
    for name in sorted(set(config.enabled_sources()) | set(latest)):
        run = latest.get(name)
        if run is None:
            lines.append(f"• {html.escape(name)}: no run yet")
            continue
        detail = f"{run['status']}, {_when(run['started_at'], tz)}, +{run['new']} new"
        if run["errors"]:
            detail += f", {run['errors']} errors"
        if run["message"] and run["status"] != "ok":
            detail += f": {run['message'][:200]}"
        lines.append(f"• {html.escape(name)}: {html.escape(detail)}")
    if not latest and not config.enabled_sources():
        lines.append("• no sources enabled")

    failing = {name: rec for name, rec in runtime.jobs.items() if rec.last_error}
    if failing:
        lines.append("\n<b>Job errors</b>")
        for name, rec in sorted(failing.items()):
            lines.append(f"• {html.escape(name)} ({rec.failures}× failed): {html.escape(rec.last_error or '')[:300]}")

    lines.append(f"\n<b>Database</b>: {store.count_posts()} posts, {_size(database_size(store))} ({html.escape(store.dialect)})")
    lines.append(_tags_line(runtime, tz))

    lines.append("\n<b>Next jobs</b>")
    for name, when in sorted(next_jobs, key=lambda j: (j[1] is None, j[1] or datetime.max.replace(tzinfo=tz)))[:12]:
        lines.append(f"• {html.escape(name)}: {_when(when, tz) if when else 'paused'}")
    if not next_jobs:
        lines.append("• none scheduled")

    rows = digest_rows(store, limit=3)
    if rows:
        lines.append("\n<b>Digests</b>")
        for row in rows:
            detail = f"{row['week']} → {row['chat_id']}: {row['status']}"
            if row["error"]:
                detail += f" ({row['error'][:120]})"
            lines.append(f"• {html.escape(detail)}")
    return "\n".join(lines)
