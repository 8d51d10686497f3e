"""Post fields made inert before display: one line, no bidi or control characters, http(s) links only."""

from __future__ import annotations

import re
import unicodedata

# Bidi embeddings/overrides/isolates and marks: U+202E would reverse a byline ("moc.liame" tricks).
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_INVISIBLE = re.compile(f"[{_BIDI}\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]")
_URL_SCHEMES = ("http://", "https://")


def one_line(value: str | None) -> str:
    """`value` on one line (every kind of line break is a space), without bidi controls or control characters."""
    if not value:
        return ""
    return " ".join(_INVISIBLE.sub(" ", value).split())


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link, else None (javascript:, data:, spaces or controls inside)."""
    if not url:
        return None
    candidate = url.strip()
    if not candidate.lower().startswith(_URL_SCHEMES) or any(
        ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in candidate
    ):
        return None
    return candidate
