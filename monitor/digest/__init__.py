"""Digest renderers: Markdown, Telegram HTML messages, a standalone HTML page, PNG charts, spike alerts.

All take a `pipelines.trends.WeeklyReport` (or a `SpikeAlert`) and return text/bytes; none touches
the network or the clock, so the same report always renders to the same bytes.
"""

from __future__ import annotations

from monitor.digest.markdown import render_markdown

__all__ = ["render_markdown"]
