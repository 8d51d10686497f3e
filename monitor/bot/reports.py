"""The bot's view of the trends pipeline: digest parts, /trends, /top, /suggest, spike alerts.

Every function here is blocking (SQL, matplotlib): callers run them with `asyncio.to_thread`.
Statistics come from `pipelines.trends`, the HTML from `monitor.digest`; this module only wires them.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime

from monitor.bot.delivery import Album, Buttons, Part, Photo
from monitor.bot.tag_feedback import ANY_CHAT, tags_markup
from monitor.config import AppConfig
from monitor.digest import text
from monitor.digest import render_charts, render_spike_alert, render_suggest, render_telegram, render_top, render_trends
from monitor.store import Store
from pipelines.trends import IsoWeek, WeeklyReport, build_weekly_report, find_spikes, latest_complete_week
from pipelines.trends.report import TopPost
from pipelines.trends.weeks import check_not_future

log = logging.getLogger(__name__)


def parse_week(text: str | None, config: AppConfig, now: datetime) -> IsoWeek:
    """'2026-W47' or None (latest complete week); ValueError with a readable reason (also for a
    week that has not begun)."""
    if not text:
        return latest_complete_week(now, config.settings.timezone)
    week = IsoWeek.parse(text)
    check_not_future(week, now, config.settings.timezone)
    return week


def weekly_report(store: Store, config: AppConfig, week: IsoWeek, now: datetime | None = None) -> WeeklyReport:
    """The WeeklyReport of one ISO week."""
    return build_weekly_report(
        store, config.watchlist, config.settings, week, now=now, keywords_changed=config.keywords_changed_at()
    )


def digest_parts(store: Store, config: AppConfig, week: IsoWeek, now: datetime | None = None) -> list[Part]:
    """The weekly digest as Telegram parts: HTML messages (each ≤ 4096 chars), the "tags?" buttons of its
    example posts, then the charts."""
    report = weekly_report(store, config, week, now)
    parts = render_digest(report)
    markup = tags_markup(store, ANY_CHAT, [(p.post_id, text.post_headline(p, 80)) for p in shown_posts(report)])
    if markup is not None:
        texts = sum(1 for part in parts if isinstance(part, str))
        parts.insert(texts, Buttons(TAGS_INVITE, markup))
    return parts


TAGS_INVITE = "🏷 <b>Tags of this digest's posts</b>: open one to see why it got its tags (admins can correct them)."


def shown_posts(report: WeeklyReport) -> list[TopPost]:
    """The posts the digest shows, in order: examples of what moved, spikes, then each category's top posts."""
    posts: list[TopPost] = []
    for t in [*report.movers(), *report.slow_movers()]:
        posts += report.examples_for(f"{t.kind}:{t.key}")[:1]
    for section, share in report.interest_movers():
        posts += report.examples_for(f"interest:{section.key}:{share.interest}")[:1]
    for alert in report.spikes:
        posts += alert.top_posts[:1]
    for section in report.categories:
        if section.trend.count:
            posts += section.top_posts
    return posts


def render_digest(report: WeeklyReport) -> list[Part]:
    """The digest's HTML messages followed by its charts as one album (monitor.digest renders both)."""
    parts: list[Part] = list(render_telegram(report))
    photos = _charts(report)
    if len(photos) == 1:
        parts.append(photos[0])
    elif photos:
        parts.append(Album(tuple(photos[:10])))
    return parts


def _charts(report: WeeklyReport) -> list[Photo]:
    try:
        charts = render_charts(report)
    except Exception:  # a broken chart must not stop the text digest
        log.exception("chart rendering failed week=%s", report.week)
        return []
    return [Photo(chart.png, caption=html.escape(chart.caption), filename=chart.name) for chart in charts]


def _latest(store: Store, config: AppConfig, now: datetime) -> WeeklyReport:
    return weekly_report(store, config, latest_complete_week(now, config.settings.timezone), now)


def trends_messages(store: Store, config: AppConfig, category: str | None, now: datetime) -> list[str]:
    """/trends [category]: this week's movers."""
    return render_trends(_latest(store, config, now), category)


def top_messages(store: Store, config: AppConfig, category: str | None, now: datetime) -> list[str]:
    """/top [category]: the latest complete week's top posts."""
    return render_top(_latest(store, config, now), category, limit=config.settings.digest.top_posts)


def suggest_messages(store: Store, config: AppConfig, now: datetime) -> list[str]:
    """/suggest: emerging terms not yet on the watchlist."""
    return suggest_answer(store, config, now)[0]


def suggest_answer(store: Store, config: AppConfig, now: datetime) -> tuple[list[str], list[str]]:
    """/suggest: the messages and the suggested terms (for the buttons under them)."""
    report = _latest(store, config, now)
    return render_suggest(report), [term.term for term in report.suggested_keywords]


def spike_alerts(store: Store, config: AppConfig, now: datetime) -> list[tuple[str, str]]:
    """(alert key, HTML message) of each current spike."""
    return [(alert.key, render_spike_alert(alert)) for alert in find_spikes(store, config.watchlist, config.settings, now=now)]
