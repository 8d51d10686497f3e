"""`pulse run`: the long-running bot and scheduler (not built yet: see the bot issue)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add `run` (placeholder until the bot lands)."""
