"""The WeeklyReport data model: the single input of every digest renderer and bot command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pipelines.trends.coverage import Gap
from pipelines.trends.spikes import Spike
from pipelines.trends.stats import Change, Direction
from pipelines.trends.terms import EmergingTerm
from pipelines.trends.weeks import IsoWeek


@dataclass(frozen=True)
class SlowTrend:
    """A steady change of a label's share over the last `weeks` weeks (log-linear Poisson fit)."""

    weeks: int
    weekly_change: float  # relative change of the share per week, e.g. 0.15
    p_value: float
    q_value: float
    direction: Direction


@dataclass(frozen=True)
class LabelTrend:
    """This week's figures for one category or one entity, with both comparisons.

    `count` is every stored post of the week; `vs_previous` and `vs_baseline` compare the posts of
    the sources collected in both periods as shares of those sources' posts (see Change).
    `vs_previous` compares with the previous week, `vs_baseline` with the mean of up to four
    earlier weeks. `direction` follows `vs_baseline` (steadier), falling back to `vs_previous`
    when there is no 4-week history. `slow` is set when the share moved steadily for 6–8 weeks.
    """

    kind: str  # "category" | "entity" | "total"
    key: str
    label: str
    category: str | None
    count: int
    authors: int
    engagement: float
    vs_previous: Change
    vs_baseline: Change
    slow: SlowTrend | None = None

    @property
    def deciding(self) -> Change:
        """The comparison the direction is taken from."""
        return self.vs_baseline if self.vs_baseline.baseline_weeks >= 2 else self.vs_previous

    @property
    def direction(self) -> Direction:
        """'rising', 'falling' or 'steady'."""
        return self.deciding.direction


@dataclass(frozen=True)
class TopPost:
    """A post shown in the digest; text fields are raw (renderers escape them)."""

    url: str | None
    title: str | None
    snippet: str
    author: str | None
    source: str
    engagement: float
    created_at: datetime
    lang: str | None
    metrics: tuple[tuple[str, float], ...] = ()  # the platform's own figures (score, likes, views…), sorted
    similar: int = 0  # near-duplicates folded into this one
    post_id: int | None = None  # posts.id (the chat's "tags?" button refers to it)


@dataclass(frozen=True)
class InterestShare:
    """Share of one category's posts that carry one interest, this week vs the baseline weeks
    (posts of the sources compared in both periods; `n` and `baseline_n` are the denominators)."""

    interest: str
    label: str
    posts: int
    share: float
    baseline_posts: int
    baseline_share: float
    p_value: float
    direction: Direction
    n: int = 0
    baseline_n: int = 0
    q_value: float = 1.0

    @property
    def delta_pp(self) -> float:
        """Change in percentage points."""
        return (self.share - self.baseline_share) * 100.0


@dataclass(frozen=True)
class Audience:
    """Who posted about one category: language mix this week vs the baseline weeks, and platform mix."""

    n: int  # posts this week
    baseline_n: int  # posts in the baseline weeks
    languages: tuple[tuple[str, float, float], ...]  # (lang, share now, share before), biggest change first
    sources: tuple[tuple[str, float], ...]  # (source, share now), biggest first


@dataclass(frozen=True)
class CategorySection:
    """Everything about one category for the week."""

    trend: LabelTrend
    series: tuple[int | None, ...]  # weekly post counts aligned with chart_weeks; None before collection began
    entities: tuple[LabelTrend, ...]  # entities seen this week or in the baseline, by count
    top_posts: tuple[TopPost, ...]
    interests: tuple[InterestShare, ...]  # in watchlist interest order
    audience: Audience | None = None

    @property
    def key(self) -> str:
        """Category key, e.g. 'toy'."""
        return self.trend.key

    @property
    def label(self) -> str:
        """Display label, e.g. 'Toys'."""
        return self.trend.label

    def shown_entities(self, limit: int = 8) -> list[LabelTrend]:
        """Entities worth listing: seen this week, or significantly down to nothing."""
        return [e for e in self.entities if e.count > 0 or e.direction != "steady"][:limit]

    def rising_entities(self) -> list[LabelTrend]:
        """Entities called rising this week."""
        return [e for e in self.entities if e.direction == "rising"]


@dataclass(frozen=True)
class LanguageShare:
    """Posts of one language this week ('und' when unknown)."""

    lang: str
    posts: int
    share: float


@dataclass(frozen=True)
class SpikeAlert:
    """A spike with the posts behind it: what the bot sends mid-week."""

    spike: Spike
    label: str  # category display label
    top_posts: tuple[TopPost, ...]
    timezone: str
    partial_day: bool = False  # the spike day is today: its count is still growing

    @property
    def key(self) -> str:
        """De-duplication key for `sent_alerts`."""
        return self.spike.key


@dataclass(frozen=True)
class WeeklyReport:
    """One ISO week's figures. Built by `build_weekly_report`; contains no clock time, so the same
    data always gives the same report (and the same rendered bytes)."""

    week: IsoWeek
    timezone: str
    start: datetime  # UTC
    end: datetime  # UTC, exclusive
    chart_weeks: tuple[IsoWeek, ...]  # oldest first, ends with `week`
    total: LabelTrend
    total_series: tuple[int | None, ...]
    categories: tuple[CategorySection, ...]  # watchlist order
    interest_labels: tuple[tuple[str, str], ...]  # (key, label) in watchlist order
    suggested_keywords: tuple[EmergingTerm, ...]
    terms_docs: tuple[int, int]  # posts sampled for terms: (this week, baseline)
    spikes: tuple[SpikeAlert, ...]
    languages: tuple[LanguageShare, ...]
    min_count: int
    significance: float
    min_posts: int = 20  # shares on fewer posts are shown as "few posts"
    compared_sources: tuple[str, ...] = ()  # sources collected in this week and the baseline weeks
    baseline_weeks: tuple[IsoWeek, ...] = ()  # weeks the comparisons use
    excluded_sources: tuple[str, ...] = ()  # sources with data that the comparisons leave out
    gaps: tuple[Gap, ...] = ()  # sources down, partly collected, or not over yet this week
    unfinished: bool = False  # the week has not ended yet
    examples: tuple[tuple[str, tuple[TopPost, ...]], ...] = ()  # 'category:toy', 'entity:Labubu', 'interest:toy:shopping'
    untagged_posts: int = 0  # posts of the week never tagged
    stale_posts: int = 0  # posts of the week tagged before the keywords file last changed
    keywords_changed: datetime | None = None  # set when stale_posts > 0
    corrections: int = 0  # tag corrections made from the chat during the week

    def examples_for(self, key: str) -> tuple[TopPost, ...]:
        """Example posts behind one line of 'What moved' (key as in `examples`)."""
        return next((posts for k, posts in self.examples if k == key), ())

    @property
    def first_day(self) -> date:
        """Monday of the week."""
        return self.week.monday

    @property
    def last_day(self) -> date:
        """Sunday of the week."""
        return self.week.days()[-1]

    def category(self, key: str) -> CategorySection | None:
        """The section of one category (by key or label, case-insensitive)."""
        wanted = key.casefold()
        for section in self.categories:
            if wanted in (section.key.casefold(), section.label.casefold()):
                return section
        return None

    def movers(self) -> list[LabelTrend]:
        """Categories and entities called rising or falling, biggest absolute change first."""
        found = [s.trend for s in self.categories if s.trend.direction != "steady"]
        found += [e for s in self.categories for e in s.entities if e.direction != "steady"]
        return sorted(found, key=lambda t: (-abs(t.vs_baseline.delta), t.kind, t.key))

    def slow_movers(self) -> list[LabelTrend]:
        """Categories and entities whose share moved steadily for 6–8 weeks."""
        found = [s.trend for s in self.categories] + [e for s in self.categories for e in s.entities]
        return [t for t in found if t.slow is not None and t.slow.direction != "steady"]

    @property
    def comparable(self) -> bool:
        """True when some source was collected in this week and in at least one baseline week."""
        return bool(self.compared_sources and self.baseline_weeks)

    @property
    def incomplete(self) -> bool:
        """True when a source was down, partly collected, or the week is not over."""
        return bool(self.gaps) or self.unfinished

    def interest_movers(self) -> list[tuple[CategorySection, InterestShare]]:
        """(category, interest share) pairs whose share changed significantly."""
        return [(s, i) for s in self.categories for i in s.interests if i.direction != "steady"]

    @property
    def quiet(self) -> bool:
        """Nothing moved although the week could be compared: no rising/falling category or entity,
        no interest shift, no slow trend, no spike."""
        return self.comparable and not (self.movers() or self.interest_movers() or self.slow_movers() or self.spikes)
