"""Example posts behind every 'What moved' line and spike; near-duplicates folded in top lists; figures named."""

from __future__ import annotations

import pytest

from monitor.digest import render_markdown, render_telegram
from monitor.store import Store
from pipelines.trends import build_weekly_report
from pipelines.trends.duplicates import collapse, duplicate_keys, normalised
from trends_fixtures import fill_known_weeks, settings, watchlist


@pytest.fixture
def report(store: Store):
    fill_known_weeks(store)
    return build_weekly_report(store, watchlist(), settings().model_copy(update={"timezone": "Europe/Berlin"}), "2026-W47")


def test_normalised_text_ignores_links_case_and_punctuation():
    assert normalised("Ep. 12 is OUT!! https://youtu.be/x") == normalised("ep 12 is out") == "ep12isout"
    assert duplicate_keys(None, "") == ()
    posts = [("Same title", "a"), ("same TITLE!", "b"), (None, "A"), (None, "other")]
    kept = collapse(posts, lambda p: duplicate_keys(*p), 10)
    assert kept == [(("Same title", "a"), 2), ((None, "other"), 0)]  # 2nd: same title; 3rd: same text as 1st
    assert collapse(posts, lambda p: duplicate_keys(*p), 1) == [(("Same title", "a"), 2)]


def test_top_lists_fold_near_duplicates(report):
    drama = report.category("drama").top_posts
    # 20 identical 'reelshort finale tonight' posts and one other: two entries, not five copies.
    assert [p.snippet for p in drama] == ["reelshort finale tonight", "hidden love rewatch"]
    assert drama[0].similar == 19 and drama[1].similar == 0
    assert dict(drama[0].metrics) == {"score": 1.0}


def test_every_move_and_spike_has_an_example_post(report):
    for mover in report.movers():
        assert report.examples_for(f"{mover.kind}:{mover.key}"), mover.key
    (shift,) = report.interest_movers()
    examples = report.examples_for("interest:toy:shopping")
    # The most engaging toy post (#39) shows no shopping interest; the example must (#0-#23 do).
    assert [p.url for p in examples] == ["https://example.org/toy/23", "https://example.org/toy/22"]
    md = render_markdown(report)
    moved = md.split("## What moved")[1].split("## Spikes")[0]
    lines = [line for line in moved.splitlines() if line.strip()]
    for line, following in zip(lines, lines[1:] + [""], strict=True):
        if line.startswith("- "):
            assert following.startswith("  - e.g. "), line
    assert "e.g. [queued for the zimomo drop \\<b\\>sold\\</b\\> & gone \\#23](https://example.org/toy/23) \\(test, en\\)" in moved
    telegram = "\n".join(render_telegram(report))
    spikes = telegram.split("<b>Spikes</b>")[1].split("\n\n")[0]
    assert '↳ <a href="https://example.org/toy/29">' in spikes and "<i>(test, en)</i>" in spikes


def test_top_post_lines_name_their_figures(report):
    telegram = "\n".join(render_telegram(report))
    assert "— d0 · test · score 1 · +19 similar" in telegram
    assert "ranked by interactions" in render_markdown(report)


def test_who_is_talking_names_the_language_shift_and_platform(store: Store):
    from datetime import timedelta

    from trends_fixtures import Spec, add_posts, monday

    fill_known_weeks(store)
    start = monday("2026-W47")
    add_posts(store, [Spec(start + timedelta(days=i % 7, hours=5), ["toy"], ["Labubu"], text=f"labubu en español {i}", lang="es", source="youtube") for i in range(60)])
    report = build_weekly_report(store, watchlist(), settings(), "2026-W47")
    toy = report.category("toy")
    assert toy.audience.n == 100 and toy.audience.baseline_n == 40
    line = "Who is talking (n=100): es +60 pts (60%), en -60 pts (40%); mostly youtube (60%)"
    assert line in "\n".join(render_telegram(report))
    assert "Who is talking: few posts (n=3)" in render_markdown(report).replace("\\", "")  # games: 3 posts
