"""Word stems (`путешеств*` in keywords.yaml): any word starting with the stem, found with RE2 in one pass."""

from __future__ import annotations

from collections.abc import Iterable

import re2

from monitor.config.user_regex import UserRegexes

_WORD_REST = r"[\p{L}\p{M}\p{N}]*"


class StemMatcher:
    """One case-insensitive pattern per key (its stems as alternatives); a match counts only where a word begins."""

    def __init__(self, stems: dict[str, Iterable[str]]):
        self.keys = sorted(stems)
        bodies = [
            "(?:" + "|".join(re2.escape(s) for s in sorted(set(stems[key]), key=lambda s: (-len(s), s))) + ")" + _WORD_REST
            for key in self.keys
        ]
        self._regexes = UserRegexes(bodies) if bodies else None

    def __len__(self) -> int:
        return len(self.keys)

    def spans(self, text: str) -> list[tuple[str, int, int]]:
        """(key, start, end) of every stem match that starts a word (not inside one)."""
        if self._regexes is None:
            return []
        return [
            (self.keys[index], start, end)
            for index, start, end in self._regexes.matches(text)
            if start == 0 or not text[start - 1].isalnum()
        ]
