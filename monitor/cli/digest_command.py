"""`pulse digest`: render the weekly digest (not built yet: see the trends issue)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add `digest` (placeholder until the trends/digest work lands)."""
