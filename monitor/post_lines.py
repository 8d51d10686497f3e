"""Reading posts from JSON Lines bytes, line by line: each bad line is reported with its number and reason."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from monitor.posts import Post

MAX_LINE_BYTES = 4 * 1024 * 1024
"""A longer line is skipped unread: no post is that long, and a runaway line must not fill memory."""

_READ_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error, OSError)


@dataclass
class LineError:
    """A JSONL line that was skipped, and why (line 0: the file as a whole)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def open_jsonl(path: Path) -> IO[bytes]:
    """Open a .jsonl or .jsonl.gz file for reading bytes (decoded line by line by `read_lines`)."""
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _from_pushshift(raw: dict[str, Any]) -> dict[str, Any]:
    """Map a Reddit dump line (Pushshift / Arctic Shift submission or comment) to the post format."""
    is_comment = "body" in raw and "title" not in raw
    permalink = raw.get("permalink")
    ext_id = raw.get("name") or (("t1_" if is_comment else "t3_") + str(raw.get("id")))
    return {
        "source": "reddit",
        "id": ext_id,
        "url": f"https://www.reddit.com{permalink}" if permalink else raw.get("url"),
        "author": raw.get("author"),
        "title": None if is_comment else raw.get("title"),
        "text": raw.get("body") if is_comment else (raw.get("selftext") or ""),
        "created_at": datetime.fromtimestamp(float(raw["created_utc"]), tz=UTC),
        "metrics": {"score": raw.get("score"), "comments": raw.get("num_comments")},
    }


def _looks_like_pushshift(raw: dict[str, Any]) -> bool:
    return "created_utc" in raw and "subreddit" in raw and "source" not in raw


def parse_post_line(line: str | bytes) -> Post:
    """Parse one JSONL line (project format or Reddit dump); raise ValueError with a reason."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"invalid UTF-8 at byte {exc.start + 1}") from None
    try:
        raw = json.loads(line, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise ValueError("invalid JSON: nested too deeply") from None
    if not isinstance(raw, dict):
        raise ValueError("expected a JSON object")
    try:
        if _looks_like_pushshift(raw):
            raw = _from_pushshift(raw)
        return Post.model_validate(raw)
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "line"
            parts.append(f"{where}: {err['msg'].removeprefix('Value error, ')}")
        raise ValueError("; ".join(parts)) from None
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"unrecognised Reddit dump line: {exc}") from None


def read_lines(handle: IO[bytes], errors: list[LineError]) -> Iterator[tuple[int, bytes]]:
    """Yield (line number, bytes) of non-blank lines; an overlong line or a broken file is an error."""
    number = 0
    while True:
        try:
            line = handle.readline(MAX_LINE_BYTES + 1)
        except _READ_ERRORS as exc:
            errors.append(LineError(number + 1, f"file unreadable from here on (truncated or corrupt: {exc or type(exc).__name__})"))
            return
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            errors.append(LineError(number, f"line longer than {MAX_LINE_BYTES:,} bytes"))
            try:
                while (rest := handle.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                    pass
            except _READ_ERRORS as exc:
                errors.append(LineError(number + 1, f"file unreadable from here on (truncated or corrupt: {exc})"))
                return
            continue
        if line.strip():
            yield number, line


def read_posts(handle: IO[bytes], errors: list[LineError]) -> Iterator[tuple[int, Post]]:
    """Yield (line number, post) for good lines; append a LineError for each bad one."""
    for number, line in read_lines(handle, errors):
        try:
            yield number, parse_post_line(line)
        except ValueError as exc:
            errors.append(LineError(number, str(exc)))
