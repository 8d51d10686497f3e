"""RegexScanner finds exactly what `re.finditer` finds, for config-style patterns and random text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.tagging.regex_scan import RegexScanner, first_chars

PATTERNS = [
    r"[$¥€£]\s?\d+(?:[.,]\d+)?\s?(?:k|m|bn|million)\b",
    r"(?:[$¥€£]\s?\d+)|(?:\d+(?:[.,]\d+)?\s?(?:million|billion)\s(?:dollars|usd|yuan)\b)|(?:\d+(?:亿|万)元)",
    r"\bhsk\s?[1-6]\b",
    r"(?<!\w)#?c-?drama\b",
    r"(?:re)?stock(?:ed|ing)?",
    r"a*b",
    r"(?=x)xy|z",
]
ALPHABET = "ab xyz$€1234567890.,亿万元kmKMbnBN#cdrahskHSKrestockedmillion dollars usd yuan\n"


@pytest.mark.parametrize("pattern", PATTERNS)
@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=ALPHABET, max_size=60))
def test_same_matches_as_finditer(pattern: str, text: str) -> None:
    regex = re.compile(pattern, re.IGNORECASE)
    expected = [(m.start(), m.end()) for m in regex.finditer(text)]
    assert [(m.start(), m.end()) for m in RegexScanner(regex).finditer(text)] == expected


def test_first_characters_are_read_off_the_pattern() -> None:
    prefilter = first_chars(PATTERNS[1], re.IGNORECASE)
    assert prefilter is not None
    assert {c for c in "$€5x亿a" if prefilter.fullmatch(c)} == {"$", "€", "5"}
    assert first_chars(r"a*b").fullmatch("a") and first_chars(r"a*b").fullmatch("b")


@pytest.mark.parametrize("pattern", [r"a*", r".x", r"[^a]b", r"\b"])
def test_patterns_without_a_known_first_character_fall_back_to_a_full_scan(pattern: str) -> None:
    assert first_chars(pattern) is None
    regex = re.compile(pattern)
    text = "aab xb aa"
    assert [m.span() for m in RegexScanner(regex).finditer(text)] == [m.span() for m in regex.finditer(text)]
