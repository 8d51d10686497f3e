"""User regexes (`re:` in keywords.yaml) on RE2: linear time whatever the pattern, each compiled on its own."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import re2

# Python's `re` reads \d, \w, \s as Unicode classes; RE2 reads them as ASCII. Rewritten so that a
# pattern means what it meant before (`\d` matches ٣ and ３, `\s` a no-break space).
_OUTSIDE = {
    "d": r"\p{Nd}",
    "D": r"\P{Nd}",
    "w": r"[\p{L}\p{N}_]",
    "W": r"[^\p{L}\p{N}_]",
    "s": r"[\t-\r\x{1c}-\x{20}\x{85}\p{Z}]",
    "S": r"[^\t-\r\x{1c}-\x{20}\x{85}\p{Z}]",
}
_INSIDE = {"d": r"\p{Nd}", "w": r"\p{L}\p{N}_", "s": r"\t-\r\x{1c}-\x{20}\x{85}\p{Z}"}

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # the reason goes into our own message, not onto stderr
_OPTIONS.max_mem = 8 << 20  # a pattern whose automaton needs more is rejected (e.g. a{1000}{1000})


def unicode_classes(body: str) -> str:
    """`body` with \\d \\w \\s (and their negations) as the Unicode classes Python's `re` uses."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if in_class and nxt in _INSIDE:
                out.append(_INSIDE[nxt])
            elif in_class and nxt in "DWS":
                raise ValueError(f"\\{nxt} inside [...] is not supported; write the negated class as [^...]")
            elif not in_class and nxt in _OUTSIDE:
                out.append(_OUTSIDE[nxt])
            else:
                out.append(body[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
            out.append(ch)
            i += 1
            if body[i : i + 1] == "^":
                out.append("^")
                i += 1
            if body[i : i + 1] == "]":  # a leading ] is a literal
                out.append("]")
                i += 1
            continue
        if ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


def _reason(message: str, body: str) -> str:
    if "invalid escape sequence: \\" in message and message.rstrip()[-1:].isdigit():
        return "backreferences (\\1) are not supported: patterns run on RE2, which cannot hang on any text"
    if "(?P=" in body and ("invalid named capture group" in message or "invalid perl operator: (?P" in message):
        return "backreferences ((?P=name)) are not supported: patterns run on RE2, which cannot hang on any text"
    if "invalid perl operator: (?<" in message or "invalid perl operator: (?=" in message or "(?!" in message:
        return "lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not supported: patterns run on RE2"
    if "pattern too large" in message:
        return "pattern too large (RE2's memory limit): use fewer or smaller repetitions"
    return message


def compile_user_regex(body: str) -> re2._Regexp:
    """Compile one user pattern, case-insensitive unless it says `(?-i)`; ValueError says what is wrong."""
    try:
        return re2.compile("(?i)" + unicode_classes(body), _OPTIONS)
    except ValueError as exc:
        raise ValueError(f"invalid regular expression {body!r}: {exc}") from None
    except re2.error as exc:
        message = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(f"invalid regular expression {body!r}: {_reason(message, body)}") from None


class UserRegexes:
    """The patterns of one watchlist key; `spans` finds them all in one pass when none matches."""

    def __init__(self, bodies: Iterable[str]):
        self.regexes = [compile_user_regex(body) for body in bodies]
        self._set = re2.Set.SearchSet(_OPTIONS)
        for regex in self.regexes:
            self._set.Add(regex.pattern)
        self._set.Compile()

    def matches(self, text: str) -> Iterator[tuple[int, int, int]]:
        """(pattern index, start, end) of every non-empty match, pattern by pattern; the patterns the
        one-pass set finds nothing for are never run."""
        try:
            hits = self._set.Match(text)
        except UnicodeEncodeError:  # lone surrogates: same length, so offsets still hold
            text = text.encode("utf-8", "replace").decode("utf-8")
            hits = self._set.Match(text)
        for index in hits or ():
            for match in self.regexes[index].finditer(text):
                if match.end() > match.start():
                    yield index, match.start(), match.end()

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Sorted, distinct (start, end) of the matches of every pattern (each non-overlapping with itself)."""
        return sorted({(start, end) for _, start, end in self.matches(text)})
