"""User regexes on RE2: no pattern can hang tagging; each pattern behaves as written; unsafe ones are refused."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
import yaml

from monitor.config import ConfigError, load_watchlist
from monitor.config.user_regex import UserRegexes, compile_user_regex, unicode_classes
from pipelines.tagging import build_tagger

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = """\
categories:
  toy:
    label: Toys
interests:
  business:
    label: Business
    phrases:
      en: {business}
entities:
  - {{name: Labubu, category: toy}}
model:
  mode: rules  # these tests are about the rules' regexes, not the learned model
"""


def _keywords(tmp_path: Path, patterns: list[str]) -> Path:
    path = tmp_path / "keywords.yaml"
    path.write_text(KEYWORDS.format(business=json.dumps(patterns)), encoding="utf-8")
    return path


def test_a_catastrophic_pattern_tags_a_long_post_at_once(tmp_path: Path):
    tagger = build_tagger(_keywords(tmp_path, ["re:(a+)+b", "re:(x|x)*y"]))
    texts = ["a" * 28 + " Labubu", "a" * 20_000 + " Labubu", "x" * 20_000 + "! Labubu", "aaab Labubu"]
    started = time.perf_counter()
    tags = list(tagger.tag_texts(texts))
    assert time.perf_counter() - started < 2.0  # Python's re needs ~22 s for the first text alone
    assert [t.interests for t in tags] == [[], [], [], ["business"]]


def test_each_pattern_keeps_its_own_flags_and_group_names(tmp_path: Path):
    tagger = build_tagger(_keywords(tmp_path, [
        "re:(?-i)IPO\\b",  # case-sensitive, although patterns are case-insensitive by default
        "re:(?P<amount>\\d+) ?bn",
        "re:(?P<amount>\\d+) ?million yuan",  # the same group name in another pattern of the list
    ]))
    texts = ["the IPO is near", "ipo is a word", "raised 3bn", "5 Million Yuan"]
    found = [t.interests for t in tagger.tag_texts([f"Labubu maker: {text}" for text in texts])]  # interests need a tie
    assert found == [["business"], [], ["business"], ["business"]]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("re:(a)\\1", "backreferences (\\1) are not supported"),
        ("re:(?P<x>a)(?P=x)", "backreferences ((?P=name)) are not supported"),
        ("re:deal(?=s)", "lookahead and lookbehind"),
        ("re:(?<!no )deal", "lookahead and lookbehind"),
        ("re:a{1000}{1000}", "bad repetition operator"),
        ("re:[\\W]x", "\\W inside [...] is not supported"),
        ("re:x*", "matches the empty string"),
    ],
)
def test_config_check_refuses_what_re2_cannot_run(tmp_path: Path, pattern: str, message: str):
    with pytest.raises(ConfigError) as info:
        load_watchlist(_keywords(tmp_path, [pattern]))
    problem = info.value.problems[0]
    assert problem.line == 8 and message in problem.message, problem


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        (r"\d+\s?亿", "票房３亿元", ["３亿"]),  # fullwidth digit: Unicode \d as in Python's re
        (r"\d+\sbillion", "5\u00a0billion", ["5\u00a0billion"]),  # no-break space is \s
        (r"\w+ng\b", "5 tỷ Đồng", ["Đồng"]),  # Vietnamese letters are \w
        (r"[\d,]+ yen", "1,000 yen", ["1,000 yen"]),
    ],
)
def test_perl_classes_stay_unicode(pattern: str, text: str, expected: list[str]):
    found = [text[s:e] for s, e in UserRegexes([pattern]).spans(text)]
    assert found == expected
    assert found == re.findall(pattern, text, re.IGNORECASE)


def test_shipped_patterns_find_what_pythons_re_found():
    """Every `re:` pattern in config/keywords.yaml, one by one, on the labelled texts."""
    def regexes(node: object) -> list[str]:
        if isinstance(node, str):
            return [node[3:]] if node.startswith("re:") else []
        if isinstance(node, dict):
            return [r for value in node.values() for r in regexes(value)]
        if isinstance(node, list):
            return [r for value in node for r in regexes(value)]
        return []

    patterns = regexes(yaml.safe_load((ROOT / "config" / "keywords.yaml").read_text(encoding="utf-8")))
    assert patterns
    texts = [json.loads(line)["text"] for line in (ROOT / "tests" / "data" / "labelled_posts.jsonl").open(encoding="utf-8")]
    texts += ["raised $1.2bn", "5 tỷ đồng", "3 millones de dólares", "50亿美元", "１２ million dollars"]
    matched = 0
    for pattern in patterns:
        ours, theirs = UserRegexes([pattern]), re.compile(pattern, re.IGNORECASE)
        for text in texts:
            expected = [m.span() for m in theirs.finditer(text) if m.end() > m.start()]
            assert ours.spans(text) == expected, (pattern, text)
            matched += bool(expected)
    assert matched > 5


def test_lone_surrogates_do_not_break_the_scan():
    assert UserRegexes(["deal"]).spans("a \ud800 deal") == [(4, 8)]


def test_unicode_classes_leave_escapes_and_literal_brackets_alone():
    assert unicode_classes(r"\\d []\d] \.") == r"\\d []\p{Nd}] \."
    assert compile_user_regex(r"[]a]").search("]") is not None
