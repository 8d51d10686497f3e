"""Telegram rendering: escaping, the 4,096 limit, splitting only between sections, quiet weeks, spike alerts."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from monitor.digest.telegram import (
    MAX_MESSAGE,
    category_section,
    pack,
    render_spike_alert,
    render_suggest,
    render_telegram,
    render_top,
    render_trends,
    tg_length,
)
from monitor.store import Store
from pipelines.trends import TopPost, build_weekly_report
from trends_fixtures import Spec, add_posts, fill_known_weeks, monday, settings, watchlist

ALLOWED = {"b", "i", "a", "code"}


class TagChecker(HTMLParser):
    """Fails on unknown tags, unbalanced tags, or text that would parse as markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        assert tag in ALLOWED, f"unexpected tag <{tag}>"
        if tag == "a":
            assert [name for name, _ in attrs] == ["href"]
        self.stack.append(tag)

    def handle_endtag(self, tag):  # noqa: ANN001
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}>"
        self.stack.pop()

    def handle_data(self, data):  # noqa: ANN001
        self.text.append(data)


def check_html(message: str) -> str:
    checker = TagChecker()
    checker.feed(message)
    checker.close()
    assert checker.stack == [], f"unclosed tags {checker.stack}"
    return "".join(checker.text)


@pytest.fixture
def report(store: Store):
    fill_known_weeks(store)
    return build_weekly_report(store, watchlist(), berlin(), "2026-W47")


def berlin():
    return settings().model_copy(update={"timezone": "Europe/Berlin"})


def test_digest_is_escaped_valid_html_with_links(report):
    messages = render_telegram(report)
    assert messages
    joined = "\n".join(messages)
    for message in messages:
        assert tg_length(message) <= MAX_MESSAGE
        check_html(message)
    assert "<b>sold</b>" not in joined
    assert "&lt;b&gt;sold&lt;/b&gt; &amp; gone" in joined
    assert '<a href="https://example.org/toy/39">' in joined
    assert "Culture Pulse · 2026-W47" in messages[0]
    assert "▲ <b>Toys</b>" in joined and "▲ <b>Labubu</b> (Toys)" in joined
    assert "<code>zimomo" in joined  # suggested keyword
    assert "⚡ <b>Labubu</b>" in joined


def test_hostile_text_and_long_names_stay_inside_the_limit(store: Store):
    nasty = '<script>alert("x")</script> & </a><b>' * 200
    specs = [
        Spec(
            monday("2026-W47") + timedelta(days=1, hours=i % 20),
            ["toy"],
            ["Labubu"],
            text=f"{i} {nasty}",  # distinct posts: identical ones would be folded into one
            title=f"{i} {nasty}" if i % 2 else None,
            author="<evil>&" * 30,
            engagement=float(i),
            url=f'https://example.org/x?a=1&b="{i}"',
        )
        for i in range(60)
    ]
    add_posts(store, specs)
    report = build_weekly_report(store, watchlist(), settings(top_posts=20), "2026-W47")
    messages = render_telegram(report)
    assert len(messages) > 1  # 20 top posts with long text do not fit one message
    for message in messages:
        assert tg_length(message) <= MAX_MESSAGE
        check_html(message)
        assert "<script>" not in message and "<evil>" not in message
    # What the reader sees is the literal text, not markup.
    assert "<script>" in "".join(check_html(m) for m in messages)
    assert "&lt;script&gt;" in "".join(messages)
    assert 'href="https://example.org/x?a=1&amp;b=&quot;59&quot;"' in "".join(messages)


def test_pack_splits_only_between_sections():
    sections = [f"<b>Section {n}</b>\n" + "\n".join(f"line {n}.{i} <i>x</i>" for i in range(n + 3)) for n in range(12)]
    messages = pack(sections, limit=300)
    assert len(messages) > 1
    assert all(tg_length(m) <= 300 for m in messages)
    assert "\n\n".join(messages) == "\n\n".join(sections)  # nothing lost, every cut at a section boundary
    for message in messages:
        assert message.startswith("<b>Section ")


def test_pack_splits_an_oversized_section_between_lines():
    big = "<b>Top</b>\n" + "\n".join(f'{i}. <a href="https://e.org/{i}">post {i}</a>' for i in range(200))
    messages = pack(["<b>Header</b>", big], limit=1000)
    assert all(tg_length(m) <= 1000 for m in messages)
    for message in messages:
        check_html(message)
    assert "\n".join(messages).count("<a href=") == 200
    cut = pack(["x" * 50], limit=10)  # one line longer than a message: cut, never an error
    assert cut == ["x" * 10] * 5


def test_telegram_length_counts_utf16_units():
    assert tg_length("abc") == 3
    assert tg_length("😀") == 2  # outside the BMP: two UTF-16 units, as Telegram counts


def test_quiet_week_is_one_short_message(store: Store):
    specs = []
    for week in range(40, 48):
        start = monday(f"2026-W{week}")
        specs += [Spec(start + timedelta(days=i % 7, hours=i % 24), ["drama"], ["ReelShort"], author=f"a{i}") for i in range(30)]
    add_posts(store, specs)
    report = build_weekly_report(store, watchlist(), settings(), "2026-W47")
    messages = render_telegram(report)
    assert len(messages) == 1
    assert "Quiet week" in messages[0]
    assert tg_length(messages[0]) < 700
    check_html(messages[0])


def test_bot_command_renderings(report):
    trends = render_trends(report)
    assert "What moved" in trends[-1] or any("What moved" in m for m in trends)
    toy = render_trends(report, "toy")
    assert any("Labubu 40" in m for m in toy)
    assert "Unknown category" in render_trends(report, "nope")[0]
    top = render_top(report, "Toys", limit=2)
    assert sum(m.count("<a href=") for m in top) == 2
    assert "zimomo" in render_suggest(report)[0]
    for message in trends + toy + top:
        check_html(message)


def test_category_section_can_hide_posts(report):
    section = report.category("toy")
    assert "<a href" not in category_section(section, 20, top_n=0)
    assert category_section(section, 20).count("<a href") == 5


def test_spike_alert_message(report):
    alert = report.spikes[0]
    message = render_spike_alert(alert)
    check_html(message)
    assert message.startswith("⚡ <b>Spike: Labubu</b> (Toys)")
    assert "30 posts on Thu 19 Nov" in message
    assert message.count("<a href=") == len(alert.top_posts) == 3
    assert "&lt;b&gt;sold" in message
    assert "so far today" in render_spike_alert(dataclasses.replace(alert, partial_day=True))
    hostile = dataclasses.replace(
        alert,
        top_posts=(TopPost("javascript:alert(1)", "<img src=x>", "", "<x>", "test", 1.0, alert.top_posts[0].created_at, "en"),),
    )
    message = render_spike_alert(hostile)
    check_html(message)
    assert "javascript:" not in message and "&lt;img src=x&gt;" in message


def test_one_post_with_a_4kb_url_and_emoji_never_breaks_the_digest(report):
    section = next(s for s in report.categories if s.top_posts)
    hostile = dataclasses.replace(
        section.top_posts[0], url="https://example.org/?q=" + "x&y" * 1400, title="😀" * 300 + " & <b>", author="😀" * 500
    )
    section = dataclasses.replace(section, top_posts=(hostile, *section.top_posts[1:]))
    categories = tuple(section if s.key == section.key else s for s in report.categories)
    messages = render_telegram(dataclasses.replace(report, categories=categories))
    for message in messages:
        assert tg_length(message) <= MAX_MESSAGE
        check_html(message)
    assert any("😀" in m for m in messages)
