"""One splitter for every Telegram message: UTF-16 units, cuts between lines or tags, never inside an entity."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.bot.reload import describe_errors
from monitor.config import ConfigError, ConfigProblem
from monitor.telegram_split import MAX_MESSAGE, split_message, tg_length
from tests.fakes.telegram import BadRequest, check_html

pytestmark = pytest.mark.timeout(60)


def _plain(message: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", message))


def _valid(pieces: list[str], limit: int) -> None:
    for piece in pieces:
        assert tg_length(piece) <= limit, tg_length(piece)
        check_html(piece, limit)  # what the fake Telegram (like the real one) accepts


def test_a_cut_never_falls_inside_an_entity_and_counts_utf16_units():
    line = "&amp;" * 1000 + "😀" * 2000  # 5,000 + 4,000 units as raw HTML
    pieces = split_message(line)
    _valid(pieces, MAX_MESSAGE)
    assert "".join(pieces) == line
    assert len(pieces) == 3


def test_two_thousand_emoji_are_two_messages_not_one_rejected():
    text = "😀" * 2000 + "\n" + "😀" * 2000  # 4,001 characters but 8,001 UTF-16 units
    with pytest.raises(BadRequest):
        check_html(text)
    pieces = split_message(text)
    _valid(pieces, MAX_MESSAGE)
    assert pieces == ["😀" * 2000, "😀" * 2000]


def test_an_overlong_link_keeps_its_text_and_the_rest_stays_valid():
    line = f'1. <a href="https://example.org/{"x" * 5000}">A title &amp; more</a> — author · reddit'
    pieces = split_message("<b>Top</b>\n" + line)
    _valid(pieces, MAX_MESSAGE)
    assert "".join(pieces).endswith("A title &amp; more — author · reddit")


def test_a_pre_block_split_over_messages_is_closed_and_reopened():
    problems = [ConfigProblem("keywords.yaml", n, f"entities[{n}].aliases", "expected a list & <strings>") for n in range(400)]
    report = describe_errors(ConfigError(problems))
    pieces = split_message(report)
    _valid(pieces, MAX_MESSAGE)
    assert len(pieces) > 1 and all(p.count("<pre>") == p.count("</pre>") == 1 for p in pieces)
    lines = [line for p in pieces for line in _plain(p).splitlines()]
    assert sum(line.startswith("keywords.yaml:") for line in lines) == 400  # no problem lost or cut


_ATOM = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30).map(html.escape),
    st.sampled_from(["\n", "😀", "&amp;", "&#128512;", " "]),
)


@st.composite
def _markup(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 8))):
        if depth < 3 and draw(st.booleans()):
            tag = draw(st.sampled_from(["b", "i", "pre", "code"]))
            inner = draw(_markup(depth + 1))
            if draw(st.booleans()):
                parts.append(f'<a href="https://e.org/{draw(st.integers(0, 99))}?a=1&amp;b=2">{inner}</a>')
            else:
                parts.append(f"<{tag}>{inner}</{tag}>")
        else:
            parts.append(draw(_ATOM))
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(message=_markup(), limit=st.integers(150, 400))
def test_any_valid_message_splits_into_valid_pieces_that_keep_every_character(message: str, limit: int):
    check_html(message, 10**9)
    pieces = split_message(message, limit)
    _valid(pieces, limit)
    joined = re.sub(r"\s", "", "".join(_plain(p) for p in pieces))
    assert joined == re.sub(r"\s", "", _plain(message))
