"""Builds a WeeklyReport (and mid-week spike alerts) from the store: the entry points callers use."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection

from monitor.config.settings import Settings
from monitor.config.watchlist import Watchlist
from pipelines.trends import queries
from pipelines.trends.coverage import Comparison, Coverage, build_coverage, comparable
from pipelines.trends.queries import PostRow, SourceCounts, Window
from pipelines.trends.report import (
    Audience,
    CategorySection,
    InterestShare,
    LabelTrend,
    LanguageShare,
    SpikeAlert,
    TopPost,
    WeeklyReport,
)
from pipelines.trends.shares import SLOW_WEEKS, SlowWindow, WeeklyCounts, changes, finalise, slow_trend, slow_window, summed, weekly_change
from pipelines.trends.spikes import Spike, SpikeRule, spikes_in_series
from pipelines.trends.stats import compare_counts, compare_share
from pipelines.trends.terms import EmergingTerm, TermDoc, emerging_terms, extract_terms, watched_forms
from pipelines.trends.weeks import IsoWeek, check_not_future, day_window, latest_complete_week, local_date

log = logging.getLogger(__name__)

BASELINE_WEEKS = 4
EXAMPLES = 2  # example posts behind each line of "What moved"


def to_top_post(row: PostRow) -> TopPost:
    """A stored post row as shown in the digest (one-line snippet, raw text)."""
    snippet = " ".join((row.text or "").split())
    title = " ".join(row.title.split()) if row.title else None
    metrics = tuple(sorted((k, float(v)) for k, v in row.metrics.items()))
    return TopPost(row.url, title, snippet, row.author, row.source, row.engagement, row.created_at, row.lang, metrics, row.similar, row.id)


def spike_rule(settings: Settings) -> SpikeRule:
    """The spike parameters configured under `digest:`."""
    d = settings.digest
    return SpikeRule(
        baseline_days=d.spike_baseline_days, k=d.spike_k, min_count=d.spike_min_count, cooldown_days=d.spike_cooldown_days
    )


def _watched_terms(watchlist: Watchlist) -> set[str]:
    phrases: list[str] = []
    for key, category in watchlist.categories.items():
        phrases += [key, category.label, *category.cues]
    for key, interest in watchlist.interests.items():
        phrases += [key, interest.label]
        for items in interest.phrases.values():
            phrases += items
    for entity in watchlist.entities:
        phrases += [entity.name, *entity.aliases, *entity.hashtags, *entity.queries]
    return watched_forms(phrases)


def _term_docs(rows: Sequence[tuple[str | None, str]]) -> list[TermDoc]:
    return [TermDoc(extract_terms(text), author) for author, text in rows]


def _coverage(conn: Connection, settings: Settings, days: Sequence[date], now: datetime) -> Coverage:
    """Which sources were collected on each of `days` (from posts per day and collector runs)."""
    tz = settings.timezone
    windows = [day_window(d, tz) for d in days]
    posts = [queries.post_counts(conn, w) for w in windows]
    runs = queries.collector_runs(conn, (windows[0][0], windows[-1][1]))
    disabled = [name for name, opts in settings.sources.items() if not opts.get("enabled", False)]
    return build_coverage(
        days, posts, [(s, local_date(t, tz), status) for s, t, status in runs], now_day=local_date(now, tz), disabled=disabled
    )


def _spikes(
    conn: Connection, watchlist: Watchlist, settings: Settings, days: Sequence[date], report_days: set[date], now: datetime
) -> list[Spike]:
    """Spikes on `report_days`, counted on the sources collected on every day of `days` (a source
    added mid-way is left out); days on which one of them was down or partly collected are
    skipped: never a spike, never part of a baseline. Today's partial count is used as it is."""
    coverage = _coverage(conn, settings, days, now)
    sources = [s for s in coverage.sources if all(coverage.state(s, d) != "off" for d in days)]
    missing = [any(coverage.state(s, d) in ("down", "partial") for s in sources) for d in days]
    names = [e.name for e in watchlist.entities]
    per_day = queries.tag_counts_by_window(conn, "entity", names, [day_window(d, settings.timezone) for d in days])
    rule = spike_rule(settings)
    found: list[Spike] = []
    for entity in watchlist.entities:
        series = [None if gap else summed(counts, entity.name, sources) for counts, gap in zip(per_day, missing, strict=True)]
        for spike in spikes_in_series(entity.name, entity.category, days, series, rule):
            if spike.day in report_days:
                found.append(spike)
    found.sort(key=lambda s: (s.day, -s.count, s.entity))
    return found


def _spike_alert(conn: Connection, watchlist: Watchlist, spike: Spike, settings: Settings, limit: int) -> SpikeAlert:
    window = day_window(spike.day, settings.timezone)
    rows = queries.top_posts(conn, "entity", [spike.entity], window, limit).get(spike.entity, [])
    category = watchlist.categories.get(spike.category or "")
    return SpikeAlert(spike, category.label if category else (spike.category or ""), tuple(to_top_post(r) for r in rows), settings.timezone)


def _default_week(store, now: datetime, tz: str) -> IsoWeek:  # noqa: ANN001
    """The latest week that has ended and holds posts (up to 12 weeks back), else the latest ended week."""
    latest = latest_complete_week(now, tz)
    with store.engine.connect() as conn:
        for back in range(12):
            candidate = latest.shift(-back)
            window = candidate.window(tz)
            pruned = queries.pruned_counts(conn, ["total"], [window])[0]
            if queries.post_count(conn, window) or pruned:
                return candidate
    return latest


def build_weekly_report(
    store,  # noqa: ANN001 - monitor.store.Store (kept untyped to avoid importing the engine set-up)
    watchlist: Watchlist,
    settings: Settings,
    week: IsoWeek | str | None = None,
    *,
    now: datetime | None = None,
    keywords_changed: datetime | None = None,
) -> WeeklyReport:
    """Compute one ISO week's report from the store.

    keywords_changed: when the keywords file last changed; posts of the week tagged before it
    are counted (`stale_posts`) so the digest can say that its tags are out of date.

    week: an IsoWeek or '2026-W47'; default: the latest week that has ended at `now` (default: the
    current time) in `settings.timezone` and holds posts. A week that has not begun raises
    FutureWeekError. Reads only indexed aggregates, the top posts, and a text sample of at most
    `settings.digest.terms_sample` posts for this week and as many for the four weeks before (for
    suggested keywords). Deterministic: the same stored data and `now` give an equal report.
    """
    tz = settings.timezone
    opts = settings.digest
    now = now or datetime.now(UTC)
    if isinstance(week, str):
        week = IsoWeek.parse(week)
    if week is None:
        week = _default_week(store, now, tz)
    check_not_future(week, now, tz)
    n_weeks = max(opts.chart_weeks, BASELINE_WEEKS + 1, SLOW_WEEKS[0] + 1)
    weeks = [*week.previous(n_weeks - 1), week]
    windows: list[Window] = [w.window(tz) for w in weeks]
    current: Window = windows[-1]
    baseline: Window = (windows[-1 - BASELINE_WEEKS][0], current[0])

    # Suggested keywords (text sample + tokenising, mostly Python) run on a second thread with
    # their own connection while this one waits on the aggregate queries (the database drivers
    # release the GIL): about 0.2-0.3 s less per digest on two cores. Same result either way.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pulse-terms") as pool:
        if _in_memory(store):
            terms_job = None
            terms_result = _suggestions(store, watchlist, settings, current, baseline)
        else:
            terms_job = pool.submit(_suggestions, store, watchlist, settings, current, baseline)
        figures = _aggregates(store, watchlist, settings, week, weeks, now, keywords_changed)
        if terms_job is not None:
            terms_result = terms_job.result()
    suggested, docs_now, docs_base = terms_result
    report = _assemble(watchlist, settings, week, weeks, current, figures, suggested, (docs_now, docs_base))
    with store.engine.connect() as conn:
        return replace(report, corrections=queries.corrections_between(conn, current))


def _in_memory(store) -> bool:  # noqa: ANN001
    url = store.engine.url
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _suggestions(
    store, watchlist: Watchlist, settings: Settings, current: Window, baseline: Window  # noqa: ANN001
) -> tuple[list[EmergingTerm], int, int]:
    """(suggested keywords, posts sampled this week, posts sampled from the baseline weeks)."""
    opts = settings.digest
    with store.engine.connect() as conn:
        sample_now = queries.sample_texts(conn, current, opts.terms_sample)
        sample_base = queries.sample_texts(conn, baseline, opts.terms_sample)
        ignored = watched_forms(queries.ignored_terms(conn))  # said no to from the chat: never suggested again
    docs_now, docs_base = _term_docs(sample_now), _term_docs(sample_base)
    suggested = emerging_terms(
        docs_now,
        docs_base,
        watched=_watched_terms(watchlist),
        min_docs=opts.terms_min_docs,
        limit=opts.suggest_limit + len(ignored),
    )
    suggested = [term for term in suggested if term.term not in ignored][: opts.suggest_limit]
    return catalogued_terms(suggested, watchlist), len(docs_now), len(docs_base)


def catalogued_terms(terms: Sequence[EmergingTerm], watchlist: Watchlist) -> list[EmergingTerm]:
    """Mark suggestions that name a work of the catalogue (a rising title the team does not watch yet)."""
    from pipelines.tagging.catalogue import load_catalogue

    index: dict[str, str] = {}
    for entry in load_catalogue(watchlist.catalogue):
        for spelling in (entry.name, *entry.aliases):
            key = " ".join(spelling.casefold().split())
            index.setdefault(key, f"{entry.name} ({entry.category})")
            index.setdefault(key.replace(" ", ""), f"{entry.name} ({entry.category})")
    out = []
    for term in terms:
        names = [index.get(" ".join(t.casefold().lstrip("#").split())) for t in (term.term, *term.related)]
        found = next((n for n in names if n), "")
        out.append(replace(term, catalogued=found) if found else term)
    return out


@dataclass(frozen=True)
class _Figures:
    """What the aggregate queries return for one report."""

    totals: dict[IsoWeek, dict[str, int]]  # live posts per source
    pruned: dict[IsoWeek, dict[tuple[str, str], int]]  # pruned posts per (kind, label), all sources
    cats: dict[IsoWeek, SourceCounts]
    ents: dict[IsoWeek, SourceCounts]
    conv: dict[IsoWeek, dict[tuple[str, str, str], int]]  # this week and the baseline weeks
    coverage: Coverage
    cat_activity: dict[str, tuple[int, float]]
    ent_activity: dict[str, tuple[int, float]]
    tops: dict[str, list[PostRow]]
    entity_tops: dict[str, list[PostRow]]
    pair_tops: dict[tuple[str, str], list[PostRow]]
    langs: dict[str, int]
    alerts: tuple[SpikeAlert, ...]
    freshness: tuple[int, int]  # (untagged posts, posts tagged before the keywords changed) this week
    keywords_changed: datetime | None
    cat_langs: tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]  # (this week, baseline weeks)


def _aggregates(
    store,  # noqa: ANN001
    watchlist: Watchlist,
    settings: Settings,
    week: IsoWeek,
    weeks: Sequence[IsoWeek],
    now: datetime,
    keywords_changed: datetime | None,
) -> _Figures:
    opts, tz = settings.digest, settings.timezone
    windows = [w.window(tz) for w in weeks]
    current = windows[-1]
    cat_keys = list(watchlist.categories)
    interest_keys = list(watchlist.interests)
    entity_names = [e.name for e in watchlist.entities]
    spike_days = [week.monday + timedelta(days=i) for i in range(-opts.spike_baseline_days, 7)]
    ent_weeks = weeks[-SLOW_WEEKS[0] :]
    conv_weeks = weeks[-1 - BASELINE_WEEKS :]
    coverage_days = [d for w in weeks[-SLOW_WEEKS[0] - 1 :] for d in w.days()]
    with store.engine.connect() as conn:
        pruned = queries.pruned_counts(conn, ["total", "category", "entity"], windows)
        totals = queries.post_counts_by_window(conn, windows)
        cats = queries.tag_counts_by_window(conn, "category", cat_keys, windows)
        ents = queries.tag_counts_by_window(conn, "entity", entity_names, [w.window(tz) for w in ent_weeks])
        conv = [queries.category_interest_counts(conn, cat_keys, interest_keys, w.window(tz)) for w in conv_weeks]
        coverage = _coverage(conn, settings, coverage_days, now)
        cat_activity = queries.label_activity(conn, "category", cat_keys, current)
        ent_activity = queries.label_activity(conn, "entity", entity_names, current)
        tops = queries.top_posts(conn, "category", cat_keys, current, opts.top_posts)
        entity_tops = queries.top_posts(conn, "entity", entity_names, current, EXAMPLES)
        pairs = [(c, i) for c in cat_keys for i in interest_keys]
        pair_tops = queries.top_pair_posts(conn, pairs, current, EXAMPLES)
        langs = queries.language_counts(conn, current)
        freshness = queries.tag_freshness(conn, current, keywords_changed)
        base_window = (windows[-1 - BASELINE_WEEKS][0], current[0])
        cat_langs = (
            queries.category_language_counts(conn, cat_keys, current),
            queries.category_language_counts(conn, cat_keys, base_window),
        )
        spikes = _spikes(conn, watchlist, settings, spike_days, set(week.days()), now)
        alerts = tuple(_spike_alert(conn, watchlist, s, settings, 3) for s in spikes)
    return _Figures(
        dict(zip(weeks, totals, strict=True)),
        dict(zip(weeks, pruned, strict=True)),
        dict(zip(weeks, cats, strict=True)),
        dict(zip(ent_weeks, ents, strict=True)),
        dict(zip(conv_weeks, conv, strict=True)),
        coverage,
        cat_activity,
        ent_activity,
        tops,
        entity_tops,
        pair_tops,
        langs,
        alerts,
        freshness,
        keywords_changed,
        cat_langs,
    )


def _series(live: Sequence[int], pruned: Sequence[int], started: Sequence[bool]) -> tuple[int | None, ...]:
    """Weekly counts of all sources (pruned posts included); None for weeks before collection began."""
    return tuple(n + p if s else None for n, p, s in zip(live, pruned, started, strict=True))


def _interests(
    watchlist: Watchlist, key: str, f: _Figures, week: IsoWeek, cmp: Comparison, min_count: int
) -> list[InterestShare]:
    src = cmp.sources
    n = summed(f.cats.get(week, {}), key, src)
    base_n = sum(summed(f.cats.get(w, {}), key, src) for w in cmp.baseline_weeks)
    out = []
    for ikey, interest in watchlist.interests.items():
        def hits(w: IsoWeek) -> int:
            counts = f.conv.get(w, {})
            return sum(counts.get((key, ikey, s), 0) for s in src)

        now_hits = hits(week)
        base_hits = sum(hits(w) for w in cmp.baseline_weeks)
        test = compare_share(now_hits, n, base_hits, base_n, 1 if cmp.baseline_weeks else 0, min_count=min_count)
        out.append(
            InterestShare(
                ikey, interest.label, now_hits, now_hits / n if n else 0.0, base_hits, base_hits / base_n if base_n else 0.0,
                test.p_value, test.direction, n, base_n,
            )
        )
    return out


def _assemble(
    watchlist: Watchlist,
    settings: Settings,
    week: IsoWeek,
    weeks: Sequence[IsoWeek],
    current: Window,
    f: _Figures,
    suggested: Sequence[EmergingTerm],
    docs: tuple[int, int],
) -> WeeklyReport:
    opts, tz = settings.digest, settings.timezone
    cov = f.coverage
    cmp = comparable(cov, week, week.previous(BASELINE_WEEKS))
    slow = slow_window(cov, week)
    chart = list(weeks[-opts.chart_weeks :])
    live_totals = [sum(f.totals[w].values()) for w in weeks]
    pruned_totals = [f.pruned[w].get(("total", "*"), 0) for w in weeks]
    has_data = [n + p > 0 for n, p in zip(live_totals, pruned_totals, strict=True)]
    started = [any(has_data[: i + 1]) for i in range(len(weeks))]
    cat_counts = WeeklyCounts(f.totals, f.cats)
    ent_counts = WeeklyCounts(f.totals, f.ents)

    def trend(kind: str, key: str, label: str, category: str | None, counts: WeeklyCounts, activity) -> LabelTrend:  # noqa: ANN001
        raw = sum(n for (lab, _), n in counts.labels.get(week, {}).items() if lab == key)
        raw += f.pruned[week].get((kind, key), 0)
        vs_prev, vs_base = changes(counts, key, week, cmp, opts.min_count)
        return LabelTrend(kind, key, label, category, raw, activity[0], activity[1], vs_prev, vs_base)

    trends: list[LabelTrend] = []
    slow_tests: list[tuple[float, str, int, float] | None] = []
    per_category: list[tuple[str, list[int]]] = []  # category key, indices of its entities in `trends`
    interests: list[list[InterestShare]] = []
    seen_entities = {label for counts in f.ents.values() for (label, _), n in counts.items() if n}
    for key, category in watchlist.categories.items():
        trends.append(trend("category", key, category.label, key, cat_counts, f.cat_activity.get(key, (0, 0.0))))
        slow_tests.append(_slow(cat_counts, key, slow, opts.min_count))
        members = []
        for entity in watchlist.entities_in(key):
            if entity.name not in seen_entities:
                continue
            members.append(len(trends))
            trends.append(
                trend("entity", entity.name, entity.name, key, ent_counts, f.ent_activity.get(entity.name, (0, 0.0)))
            )
            slow_tests.append(_slow(ent_counts, entity.name, slow, opts.min_count))
        per_category.append((key, members))
        interests.append(_interests(watchlist, key, f, week, cmp, opts.min_count))
    trends, interests = finalise(trends, interests, slow_tests, opts.significance)

    sections: list[CategorySection] = []
    position = 0
    for (key, members), shares in zip(per_category, interests, strict=True):
        cat_trend = trends[position]
        position += 1 + len(members)
        entities = sorted((trends[i] for i in members), key=lambda t: (-t.count, -t.vs_baseline.baseline, t.key))
        live = [sum(n for (lab, _), n in f.cats[w].items() if lab == key) for w in weeks]
        pruned = [f.pruned[w].get(("category", key), 0) for w in weeks]
        series = _series(live, pruned, started)
        sections.append(
            CategorySection(
                cat_trend,
                series[-opts.chart_weeks :],
                tuple(entities),
                tuple(to_top_post(r) for r in f.tops.get(key, [])),
                tuple(shares),
                _audience(key, f, week),
            )
        )

    examples = [(f"category:{k}", tuple(to_top_post(r) for r in rows[:EXAMPLES])) for k, rows in sorted(f.tops.items())]
    examples += [(f"entity:{k}", tuple(to_top_post(r) for r in rows)) for k, rows in sorted(f.entity_tops.items())]
    examples += [(f"interest:{c}:{i}", tuple(to_top_post(r) for r in rows)) for (c, i), rows in sorted(f.pair_tops.items())]
    total_live = sum(f.totals[week].values())
    vs_prev_total = compare_share(0, 0, 0, 0, 0, min_count=opts.min_count)
    src = cmp.sources
    base_total = sum(cat_counts.total(w, src) for w in cmp.baseline_weeks)
    vs_base_total = compare_counts(cat_counts.total(week, src), base_total, len(cmp.baseline_weeks), min_count=opts.min_count, alpha=opts.significance)
    if cmp.previous:
        vs_prev_total = compare_counts(cat_counts.total(week, src), cat_counts.total(week.shift(-1), src), 1, min_count=opts.min_count, alpha=opts.significance)
    total = LabelTrend(
        "total", "total", "All posts", None, total_live + pruned_totals[-1], 0, 0.0, vs_prev_total, vs_base_total
    )
    n_posts = total_live
    languages = tuple(
        LanguageShare(lang, n, n / n_posts if n_posts else 0.0)
        for lang, n in sorted(f.langs.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    log.info("weekly_report week=%s posts=%d sources=%s sample_now=%d sample_base=%d", week, n_posts, ",".join(src), docs[0], docs[1])
    return WeeklyReport(
        week=week,
        timezone=tz,
        start=current[0],
        end=current[1],
        chart_weeks=tuple(chart),
        total=total,
        total_series=_series(live_totals, pruned_totals, started)[-opts.chart_weeks :],
        categories=tuple(sections),
        interest_labels=tuple((k, watchlist.interests[k].label) for k in watchlist.interests),
        suggested_keywords=tuple(suggested),
        terms_docs=docs,
        spikes=f.alerts,
        languages=languages,
        min_count=opts.min_count,
        significance=opts.significance,
        min_posts=opts.min_posts,
        compared_sources=cmp.sources,
        baseline_weeks=cmp.baseline_weeks,
        excluded_sources=cmp.excluded,
        gaps=tuple(cov.gaps(week)),
        unfinished=cov.future(week),
        examples=tuple(examples),
        untagged_posts=f.freshness[0],
        stale_posts=f.freshness[1],
        keywords_changed=f.keywords_changed if f.freshness[1] else None,
    )


def _audience(key: str, f: _Figures, week: IsoWeek) -> Audience:
    """Language mix now vs the baseline weeks (all sources) and platform mix now, for one category."""
    now_langs = {lang: n for (cat, lang), n in f.cat_langs[0].items() if cat == key}
    base_langs = {lang: n for (cat, lang), n in f.cat_langs[1].items() if cat == key}
    n, base_n = sum(now_langs.values()), sum(base_langs.values())
    langs = [
        (lang, now_langs.get(lang, 0) / n if n else 0.0, base_langs.get(lang, 0) / base_n if base_n else 0.0)
        for lang in sorted(set(now_langs) | set(base_langs))
    ]
    langs.sort(key=lambda x: (-abs(x[1] - x[2]), -x[1], x[0]))
    sources: dict[str, int] = {}
    for (label, source), count in f.cats.get(week, {}).items():
        if label == key:
            sources[source] = sources.get(source, 0) + count
    total = sum(sources.values())
    mix = sorted(((s, c / total) for s, c in sources.items() if total), key=lambda x: (-x[1], x[0]))
    return Audience(n, base_n, tuple(langs), tuple(mix))


def _slow(counts: WeeklyCounts, key: str, window: SlowWindow | None, min_count: int) -> tuple[float, str, int, float] | None:
    if window is None:
        return None
    p, direction, weeks = slow_trend(counts, key, window, min_count=min_count)
    return p, direction, weeks, weekly_change(counts, key, window)


def find_spikes(
    store,  # noqa: ANN001 - monitor.store.Store
    watchlist: Watchlist,
    settings: Settings,
    *,
    now: datetime | None = None,
    days: int = 2,
    top_posts: int = 3,
) -> list[SpikeAlert]:
    """Spikes on the last `days` local calendar days up to `now` (today's partial count included).

    For the mid-week alert job: send each alert whose `key` is not yet in `sent_alerts`. Today's
    count is partial, so a spike found today is real; yesterday is re-checked on its full count.
    """
    now = now or datetime.now(UTC)
    today = local_date(now, settings.timezone)
    rule = spike_rule(settings)
    all_days = [today - timedelta(days=i) for i in range(rule.baseline_days + days - 1, -1, -1)]
    recent = set(all_days[-days:])
    with store.engine.connect() as conn:
        spikes = _spikes(conn, watchlist, settings, all_days, recent, now)
        return [
            replace(_spike_alert(conn, watchlist, s, settings, top_posts), partial_day=s.day == today) for s in spikes
        ]


__all__ = ["build_weekly_report", "find_spikes", "latest_complete_week", "spike_rule", "to_top_post"]
