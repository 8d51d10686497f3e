"""The bot's view of the trends pipeline: digest parts, /trends, /top, /suggest, spike alerts.

Every function here is blocking (SQL, matplotlib): callers run them with `asyncio.to_thread`.
Statistics come from `pipelines.trends`, the HTML from `monitor.digest`; this module only wires them.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime

from monitor.bot.delivery import Album, Part, Photo
from monitor.config import AppConfig
from monitor.digest import render_charts, render_spike_alert, render_suggest, render_telegram, render_top, render_trends
from monitor.store import Store
from pipelines.trends import IsoWeek, WeeklyReport, build_weekly_report, find_spikes, latest_complete_week
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
    """The weekly digest as Telegram parts: HTML messages (each ≤ 4096 chars) then the charts."""
    return render_digest(weekly_report(store, config, week, now))


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
    return render_suggest(_latest(store, config, now))


def spike_alerts(store: Store, config: AppConfig, now: datetime) -> list[tuple[str, str]]:
    """(alert key, HTML message) of each current spike."""
    return [(alert.key, render_spike_alert(alert)) for alert in find_spikes(store, config.watchlist, config.settings, now=now)]
