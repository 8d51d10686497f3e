"""The one splitter for every Telegram HTML message: ≤ 4,096 UTF-16 units, never inside a tag or entity."""

from __future__ import annotations

import re

MAX_MESSAGE = 4096
"""Telegram's limit for one message, in UTF-16 code units of the text (taken here on the raw HTML: an upper bound)."""

_TOKEN = re.compile(r"<[^<>]*>|&#?[0-9A-Za-z]+;|\n|[^<&\n]+|[<&]")
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)")


def tg_length(message: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP is 2)."""
    return len(message.encode("utf-16-le")) // 2


Stack = tuple[tuple[str, str], ...]
"""Tags open at a point: (name, opening tag as written; '' for a tag dropped as too long)."""


def _apply(stack: Stack, token: str, limit: int) -> tuple[Stack, str]:
    """The stack after `token`, and the token as it is to be written ('' when dropped)."""
    tag = _TAG.match(token) if token.startswith("<") else None
    if tag is None:
        return stack, token
    closing, name = tag.group(1) == "/", tag.group(2).lower()
    if not closing:
        keep = token if tg_length(token) <= limit // 4 else ""  # e.g. <a href="a 4 kB URL">: kept as text only
        return (*stack, (name, keep)), keep
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth][0] == name:
            return stack[:depth] + stack[depth + 1 :], token if stack[depth][1] else ""
    return stack, ""  # a closing tag that closes nothing is dropped


def _opening(stack: Stack) -> str:
    return "".join(opening for _, opening in stack)


def _closing(stack: Stack) -> str:
    return "".join(f"</{name}>" for name, opening in reversed(stack) if opening)


def split_message(html: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Pieces of `html` that each fit `limit`, split between lines where possible.

    Tags open at a cut are closed at the end of one piece and opened again at the start of the
    next; a line longer than a whole message is cut between characters, never inside a tag or an
    entity; an opening tag too long to be worth keeping (a link to a 4 kB URL) keeps its text only.
    """
    if tg_length(html) <= limit:
        return [html]
    pieces: list[str] = []
    start: Stack = ()  # tags open where the current piece starts
    stack: Stack = ()
    current: list[tuple[str, int, Stack]] = []  # (token, its units, stack after it)
    used = 0

    def emit(upto: int) -> None:
        nonlocal current, start, used
        body = "".join(t for t, _, _ in current[:upto]).strip("\n")
        end = current[upto - 1][2] if upto else start
        if body:
            pieces.append(_opening(start) + body + _closing(end))
        rest = current[upto:]
        if rest and rest[0][0] == "\n":  # the line break we cut at is not carried over
            end, rest = rest[0][2], rest[1:]
        start, current = end, rest
        used = sum(u for _, u, _ in current)

    def room(after: Stack) -> int:
        return limit - tg_length(_opening(start)) - used - tg_length(_closing(after))

    tokens = _TOKEN.findall(html)
    index = 0
    while index < len(tokens):
        new_stack, token = _apply(stack, tokens[index], limit)
        units = tg_length(token)
        if units <= room(new_stack):
            current.append((token, units, new_stack))
            used += units
            stack = new_stack
            index += 1
            continue
        breaks = [i for i, (t, _, _) in enumerate(current) if t == "\n"]
        if breaks and breaks[-1] > 0:
            emit(breaks[-1])
            continue
        if current:
            emit(len(current))
            continue
        # an empty piece and still no room: a run of text longer than a message, cut between characters
        space = room(new_stack)
        if space <= 0 or token.startswith(("<", "&")):
            raise ValueError("message limit too small for its tags")  # only with absurd limits
        cut, total = 0, 0
        while cut < len(token) and total + tg_length(token[cut]) <= space:
            total += tg_length(token[cut])
            cut += 1
        current.append((token[:cut], total, new_stack))
        used += total
        tokens[index] = token[cut:]
        emit(len(current))
    if current:
        emit(len(current))
    return pieces
