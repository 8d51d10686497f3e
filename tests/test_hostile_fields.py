"""Hostile post fields (newlines, Markdown, javascript: links, bidi controls) are inert in every format."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

import pytest

from monitor.bot.answers import search_text
from monitor.digest import render_html, render_markdown, render_telegram
from monitor.posts import Post
from monitor.store import Store
from monitor.untrusted import one_line, safe_url
from pipelines.trends import build_weekly_report
from tests.fakes.telegram import check_html
from trends_fixtures import fill_known_weeks, settings, watchlist

AUTHOR = "mallory\n\n## Injected section\n- injected item\u202egnp.exe\u2066"
TITLE = "Free Labubu\r\n# Heading\u2028* list\u202e"
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


@pytest.fixture
def hostile_report(store: Store):
    fill_known_weeks(store)
    report = build_weekly_report(store, watchlist(), settings(), "2026-W47")
    section = next(s for s in report.categories if len(s.top_posts) >= 2)
    first, second = section.top_posts[:2]
    posts = (
        dataclasses.replace(first, author=AUTHOR, title=TITLE, url="javascript:alert(document.cookie)"),
        dataclasses.replace(second, url=" JaVaScRiPt:alert(1)", author="\u202eevil"),
        *section.top_posts[2:],
    )
    section = dataclasses.replace(section, top_posts=posts)
    return dataclasses.replace(report, categories=tuple(section if s.key == section.key else s for s in report.categories))


def test_markdown_gets_no_injected_sections_items_or_script_links(hostile_report):
    markdown = render_markdown(hostile_report)
    assert "javascript" not in markdown.lower()
    assert not BIDI.search(markdown)
    headings = [line for line in markdown.splitlines() if line.startswith("#")]
    assert not any("Injected" in h or "Heading" in h for h in headings)
    assert not any(line.startswith("- injected") for line in markdown.splitlines())
    assert "— mallory \\#\\# Injected section - injected item gnp.exe · test" in markdown  # one line, escaped


def test_html_and_telegram_drop_bidi_controls_and_script_links(hostile_report):
    page = render_html(hostile_report, embed=False)
    messages = render_telegram(hostile_report)
    for output in (page, *messages):
        assert "javascript" not in output.lower()
        assert not BIDI.search(output)
    for message in messages:
        check_html(message)
    assert "— mallory ## Injected section - injected… · test" in "\n".join(messages)


def test_search_replies_are_one_line_per_post_without_bidi(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    now = datetime(2026, 11, 20, tzinfo=UTC)
    store.upsert_posts([Post(source="reddit", id="1", url="javascript:alert(1)", text="Labubu\n<b>bold</b>\u202e txt", created_at=now)])
    reply = search_text(store, "labubu", now)
    store.close()
    assert "javascript" not in reply and not BIDI.search(reply)
    assert "Labubu &lt;b&gt;bold&lt;/b&gt; txt" in reply


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a?b=1", "https://example.org/a?b=1"),
        ("HTTP://EXAMPLE.ORG", "HTTP://EXAMPLE.ORG"),
        ("javascript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("https://exa mple.org", None),
        ("https://example.org/\u202eexe.gpj", None),
        ("", None),
    ],
)
def test_only_plain_http_links_survive(url: str, expected: str | None):
    assert safe_url(url) == expected


def test_one_line_collapses_every_line_break_and_drops_controls():
    assert one_line("a\nb\r\nc\u2028d\u2029e\x85f\x0bg\u202eh\x00i") == "a b c d e f g h i"
