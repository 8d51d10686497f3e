"""Stale or missing tags are said, in the digest of every format: keywords changed after tagging, posts never tagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.digest import render_html, render_markdown, render_telegram
from monitor.posts import Post
from monitor.store import Store
from pipelines.trends import build_weekly_report
from trends_fixtures import fill_known_weeks, monday, settings, watchlist


def test_keywords_changed_after_tagging_is_said(store: Store):
    fill_known_weeks(store)  # tagged now
    before = build_weekly_report(store, watchlist(), settings(), "2026-W47", keywords_changed=datetime.now(UTC) - timedelta(days=1))
    assert before.stale_posts == 0 and before.keywords_changed is None
    assert "re-tag" not in render_markdown(before)
    edited = datetime.now(UTC) + timedelta(minutes=1)
    report = build_weekly_report(store, watchlist(), settings(), "2026-W47", keywords_changed=edited)
    assert report.stale_posts == report.total.count == 64
    expected = "after 64 of this week's posts were tagged: their tags are out of date (re-tag with `pulse tag --since 2026-11-16`)"
    assert expected in render_markdown(report).replace("\\", "")
    telegram = "\n".join(render_telegram(report))
    assert "after 64 of this week&#x27;s posts were tagged" in telegram and "pulse tag --since 2026-11-16" in telegram
    assert "their tags are out of date" in render_html(report)


def test_untagged_posts_are_counted(store: Store):
    fill_known_weeks(store)
    store.upsert_posts(
        Post(source="late", id=f"u{i}", text="not tagged yet", created_at=monday("2026-W47") + timedelta(days=2, hours=i))
        for i in range(7)
    )
    report = build_weekly_report(store, watchlist(), settings(), "2026-W47")
    assert report.untagged_posts == 7
    assert "7 of this week's posts are not tagged yet" in render_markdown(report)
