"""`pulse tag` and `pulse eval`: tagging posts (not built yet: see the tagging issue)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add `tag` and `eval` (placeholders until the tagging pipeline lands)."""
