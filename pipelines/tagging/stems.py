"""Word stems (`путешеств*` in keywords.yaml): any word starting with the stem, found with RE2 in one pass."""

from __future__ import annotations

from collections.abc import Iterable

import re2

from monitor.config.user_regex import compile_user_regex

_WORD_REST = r"[\p{L}\p{M}\p{N}]*"


class StemMatcher:
    """One case-insensitive RE2 pattern per key; a match counts only where a word begins."""

    def __init__(self, stems: dict[str, Iterable[str]]):
        self.keys: list[str] = []
        self.regexes = []
        self._set = re2.Set.SearchSet(re2.Options())
        for match_key, values in sorted(stems.items()):
            alternatives = "|".join(re2.escape(v) for v in sorted(set(values), key=lambda s: (-len(s), s)))
            regex = compile_user_regex(f"(?:{alternatives}){_WORD_REST}")
            self.keys.append(match_key)
            self.regexes.append(regex)
            self._set.Add(regex.pattern)
        if self.keys:
            self._set.Compile()

    def __len__(self) -> int:
        return len(self.keys)

    def spans(self, text: str) -> list[tuple[str, int, int]]:
        """(key, start, end) of every stem match that starts a word (not inside one)."""
        if not self.keys:
            return []
        try:
            hits = self._set.Match(text)
        except UnicodeEncodeError:  # lone surrogates: same length, so offsets still hold
            text = text.encode("utf-8", "replace").decode("utf-8")
            hits = self._set.Match(text)
        out = []
        for index in hits or ():
            for match in self.regexes[index].finditer(text):
                start, end = match.span()
                if end > start and (start == 0 or not text[start - 1].isalnum()):
                    out.append((self.keys[index], start, end))
        return out
