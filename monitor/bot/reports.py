"""The bot's view of the trends pipeline: digest parts, /trends, /top, /suggest, spike alerts.

Every function here is blocking (SQL, matplotlib): callers run them with `asyncio.to_thread`.
Statistics come from `pipelines.trends`; this module only picks and formats (escaped HTML).
"""

from __future__ import annotations

import html
import logging
from datetime import datetime
from typing import Any

from monitor.bot.delivery import Album, Part, Photo
from monitor.config import AppConfig
from monitor.store import Store
from pipelines.trends import IsoWeek, WeeklyReport, build_weekly_report, find_spikes, latest_complete_week

log = logging.getLogger(__name__)

_ARROW = {"rising": "▲", "falling": "▼", "steady": "·"}


def parse_week(text: str | None, config: AppConfig, now: datetime) -> IsoWeek:
    """'2026-W47' or None (latest complete week); ValueError with a readable reason."""
    if not text:
        return latest_complete_week(now, config.settings.timezone)
    return IsoWeek.parse(text)


def weekly_report(store: Store, config: AppConfig, week: IsoWeek, now: datetime | None = None) -> WeeklyReport:
    """The WeeklyReport of one ISO week."""
    return build_weekly_report(store, config.watchlist, config.settings, week, now=now)


def digest_parts(store: Store, config: AppConfig, week: IsoWeek, now: datetime | None = None) -> list[Part]:
    """The weekly digest as Telegram parts: HTML messages (each ≤ 4096 chars) then the charts."""
    report = weekly_report(store, config, week, now)
    return render_digest(report, config)


def render_digest(report: WeeklyReport, config: AppConfig) -> list[Part]:
    """Use monitor.digest's renderers (the digest's single source of truth)."""
    from monitor import digest as digest_module

    parts: list[Part] = list(digest_module.render_telegram(report))
    photos = _charts(digest_module, report, config)
    if len(photos) == 1:
        parts.append(photos[0])
    elif photos:
        parts.append(Album(tuple(photos[:10])))
    return parts


def _charts(digest_module: Any, report: WeeklyReport, config: AppConfig) -> list[Photo]:
    render = getattr(digest_module, "render_chart_pngs", None) or getattr(digest_module, "render_charts_png", None)
    if render is None:
        return []
    try:
        charts = render(report)
    except Exception:  # a broken chart must not stop the text digest
        log.exception("chart rendering failed week=%s", report.week)
        return []
    out = []
    for item in charts if isinstance(charts, list | tuple) else [charts]:
        if isinstance(item, bytes):
            out.append(Photo(item, filename=f"pulse-{report.week}.png"))
        elif isinstance(item, tuple) and len(item) == 2:
            caption, data = item if isinstance(item[1], bytes) else (item[1], item[0])
            out.append(Photo(data, caption=html.escape(str(caption)), filename=f"pulse-{report.week}.png"))
    return out


def _pct(change: Any) -> str:
    return f"{change.pct:+.0f}%" if change.pct is not None else f"{change.current} vs {change.baseline:.1f}"


def _sections(report: WeeklyReport, category: str | None) -> list[Any]:
    if not category:
        return list(report.categories)
    section = report.category(category)
    if section is None:
        known = ", ".join(s.key for s in report.categories)
        raise ValueError(f"unknown category {category!r} (known: {known})")
    return [section]


def trends_text(store: Store, config: AppConfig, category: str | None, now: datetime) -> str:
    """This week's movers (categories and entities), optionally for one category."""
    week = latest_complete_week(now, config.settings.timezone)
    report = weekly_report(store, config, week, now)
    sections = _sections(report, category)
    lines = [f"<b>Trends {html.escape(str(report.week))}</b> ({report.total.count} posts)"]
    for section in sections:
        trend = section.trend
        lines.append(
            f"{_ARROW[trend.direction]} <b>{html.escape(section.label)}</b>: {trend.count} posts ({_pct(trend.vs_baseline)})"
        )
        movers = [e for e in section.entities if e.direction != "steady"] or list(section.entities[:3] if category else [])
        for entity in movers[:8]:
            lines.append(f"   {_ARROW[entity.direction]} {html.escape(entity.label)}: {entity.count} ({_pct(entity.vs_baseline)})")
    if report.quiet and not category:
        lines.append("<i>Nothing moved significantly this week.</i>")
    return "\n".join(lines)


def top_text(store: Store, config: AppConfig, category: str | None, now: datetime) -> str:
    """Top posts of the latest complete week, optionally for one category."""
    week = latest_complete_week(now, config.settings.timezone)
    report = weekly_report(store, config, week, now)
    lines = [f"<b>Top posts {html.escape(str(report.week))}</b>"]
    for section in _sections(report, category):
        if not section.top_posts:
            continue
        lines.append(f"\n<b>{html.escape(section.label)}</b>")
        for post in section.top_posts:
            lines.append(post_line(post.title or post.snippet, post.url, post.source, post.created_at, post.engagement))
    if len(lines) == 1:
        lines.append("<i>No posts this week.</i>")
    return "\n".join(lines)


def suggest_text(store: Store, config: AppConfig, now: datetime) -> str:
    """Emerging terms not yet in the watchlist."""
    week = latest_complete_week(now, config.settings.timezone)
    report = weekly_report(store, config, week, now)
    if not report.suggested_keywords:
        return f"<b>Suggestions {html.escape(str(report.week))}</b>\n<i>No emerging terms this week.</i>"
    lines = [f"<b>Emerging terms {html.escape(str(report.week))}</b> (not watched yet)"]
    for term in report.suggested_keywords[:15]:
        lines.append(f"• <code>{html.escape(term.keyword)}</code>: {term.docs} posts, {term.authors} authors (was {term.baseline_docs})")
    return "\n".join(lines)


def post_line(text: str, url: str | None, source: str, created_at: datetime, engagement: float | None = None) -> str:
    """One escaped line about a post, linked when it has a URL."""
    snippet = " ".join((text or "").split())
    snippet = snippet[:160] + ("…" if len(snippet) > 160 else "")
    label = html.escape(snippet or "(no text)")
    if url and url.startswith(("http://", "https://")):
        label = f'<a href="{html.escape(url, quote=True)}">{label}</a>'
    meta = f"{html.escape(source)}, {created_at:%Y-%m-%d}"
    if engagement:
        meta += f", {engagement:g} interactions"
    return f"• {label} <i>({meta})</i>"


def spike_alerts(store: Store, config: AppConfig, now: datetime) -> list[tuple[str, str]]:
    """(alert key, HTML message) of each current spike."""
    out = []
    for alert in find_spikes(store, config.watchlist, config.settings, now=now):
        out.append((alert.key, render_spike(alert)))
    return out


def render_spike(alert: Any) -> str:
    """Prefer monitor.digest's spike renderer; fall back to a short escaped summary."""
    try:
        from monitor import digest as digest_module

        render = getattr(digest_module, "render_spike_alert", None)
        if render is not None:
            return render(alert)
    except ImportError:
        pass
    spike = alert.spike
    lines = [
        f"⚡ <b>{html.escape(spike.entity)}</b> ({html.escape(alert.label)}): {spike.count} posts on "
        f"{spike.day:%Y-%m-%d}, {spike.ratio:.1f}× the usual"
    ]
    for post in alert.top_posts:
        lines.append(post_line(post.title or post.snippet, post.url, post.source, post.created_at, post.engagement))
    return "\n".join(lines)
