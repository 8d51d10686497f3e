"""Regex search that jumps between the characters a match can start with (same results as finditer).

Python's `re` tries every alternative of a pattern at every position of the text unless the pattern
starts with a plain character class. Config regexes are alternations (`$1.2bn`, `3 million dollars`,
`5亿元`…), so scanning a post with them cost more than the whole phrase matcher. Here the set of
possible first characters is read off the parsed pattern once; the text is scanned for those with a
one-class regex (fast C loop) and the full pattern is tried only where one occurs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

try:  # Python 3.11+
    from re import _constants as C
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

_CATEGORIES = {
    C.CATEGORY_DIGIT: r"\d",
    C.CATEGORY_NOT_DIGIT: r"\D",
    C.CATEGORY_SPACE: r"\s",
    C.CATEGORY_NOT_SPACE: r"\S",
    C.CATEGORY_WORD: r"\w",
    C.CATEGORY_NOT_WORD: r"\W",
}
_REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)}
_ZERO_WIDTH = {C.AT, C.ASSERT, C.ASSERT_NOT}


class _Unknown(Exception):
    """The pattern uses something whose first characters are not worked out here."""


def _char(code: int) -> str:
    return re.escape(chr(code))


def _class_items(items: list) -> list[str]:
    out = []
    for op, av in items:
        if op is C.LITERAL:
            out.append(_char(av))
        elif op is C.RANGE:
            out.append(f"{_char(av[0])}-{_char(av[1])}")
        elif op is C.CATEGORY and av in _CATEGORIES:
            out.append(_CATEGORIES[av])
        else:  # NEGATE and friends
            raise _Unknown
    return out


def _first(data: list) -> tuple[list[str], bool]:
    """(class items a match of this sequence can start with, whether it can match empty)."""
    items: list[str] = []
    for op, av in data:
        if op is C.LITERAL:
            return [*items, _char(av)], False
        if op is C.IN:
            return [*items, *_class_items(av)], False
        if op in _ZERO_WIDTH:
            continue
        if op is C.BRANCH:
            nullable = False
            for alternative in av[1]:
                first, empty = _first(alternative.data)
                items += first
                nullable = nullable or empty
        elif op is C.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                raise _Unknown
            first, nullable = _first(sub.data)
            items += first
        elif op in _REPEATS:
            low, _high, sub = av
            first, empty = _first(sub.data)
            items += first
            nullable = empty or low == 0
        elif op is getattr(C, "ATOMIC_GROUP", None):
            first, nullable = _first(av.data)
            items += first
        else:  # ANY, NOT_LITERAL, group references...
            raise _Unknown
        if not nullable:
            return items, False
    return items, True


def first_chars(pattern: str, flags: int = 0) -> re.Pattern[str] | None:
    """A one-class regex for the characters a match of `pattern` can start with; None if unknown."""
    try:
        items, nullable = _first(sre_parse.parse(pattern, flags).data)
    except (_Unknown, re.error, AttributeError, TypeError, ValueError):
        return None
    if nullable or not items:
        return None
    return re.compile(f"[{''.join(items)}]", flags)


class RegexScanner:
    """`finditer` for one compiled pattern, skipping ahead to possible first characters."""

    def __init__(self, regex: re.Pattern[str]):
        self.regex = regex
        self.first = first_chars(regex.pattern, regex.flags)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """The same non-overlapping matches, left to right, as `regex.finditer(text)`."""
        if self.first is None:
            yield from self.regex.finditer(text)
            return
        search, match = self.first.search, self.regex.match
        pos = 0
        while (candidate := search(text, pos)) is not None:
            start = candidate.start()
            hit = match(text, start)
            if hit is not None:
                yield hit
                pos = max(hit.end(), start + 1)
            else:
                pos = start + 1
