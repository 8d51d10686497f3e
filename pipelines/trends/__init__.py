"""Trend statistics: ISO weeks, count tests, emerging terms, spikes, and the WeeklyReport built from the store.

Entry points: `build_weekly_report(store, watchlist, settings, week=None)`,
`find_spikes(store, watchlist, settings)`, `latest_complete_week(now, tz)`, `IsoWeek.parse("2026-W47")`.
"""

from __future__ import annotations

from pipelines.trends.build import build_weekly_report, find_spikes
from pipelines.trends.report import (
    CategorySection,
    InterestShare,
    LabelTrend,
    LanguageShare,
    SpikeAlert,
    TopPost,
    WeeklyReport,
)
from pipelines.trends.spikes import Spike, SpikeRule
from pipelines.trends.stats import Change
from pipelines.trends.terms import EmergingTerm
from pipelines.trends.weeks import IsoWeek, latest_complete_week

__all__ = [
    "CategorySection",
    "Change",
    "EmergingTerm",
    "InterestShare",
    "IsoWeek",
    "LabelTrend",
    "LanguageShare",
    "Spike",
    "SpikeAlert",
    "SpikeRule",
    "TopPost",
    "WeeklyReport",
    "build_weekly_report",
    "find_spikes",
    "latest_complete_week",
]
