"""`pulse demo`: the whole chain on the bundled sample corpus, no network, no credentials."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add `demo`."""
