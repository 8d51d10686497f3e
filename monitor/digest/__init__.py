"""Digest renderers: Markdown, Telegram HTML messages, a standalone HTML page, PNG charts, spike alerts.

All take a `pipelines.trends.WeeklyReport` (or a `SpikeAlert`) and return text/bytes; none touches
the network or the clock, so the same report always renders to the same bytes. Typical use:

    report = build_weekly_report(store, watchlist, settings)        # pipelines.trends
    charts = render_charts(report)                                   # [Chart(name, caption, png)]
    messages = render_telegram(report)                               # HTML parse mode, ≤ 4,096 each
    page = render_html(report, charts); md = render_markdown(report, [(c.name, c.caption) for c in charts])
"""

from __future__ import annotations

from monitor.digest.charts import Chart, render_charts, save_charts
from monitor.digest.html_page import render_html
from monitor.digest.markdown import render_markdown
from monitor.digest.telegram import (
    render_spike_alert,
    render_suggest,
    render_telegram,
    render_top,
    render_trends,
)

__all__ = [
    "Chart",
    "render_charts",
    "render_html",
    "render_markdown",
    "render_spike_alert",
    "render_suggest",
    "render_telegram",
    "render_top",
    "render_trends",
    "save_charts",
]
