"""`pulse config check`: validate the config files and summarise them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.context import STATE, console, err_console, print_config_errors

config_app = typer.Typer(help="Inspect and validate the configuration.", no_args_is_help=True)


@config_app.command("check")
def check(
    config: Annotated[Path | None, typer.Option("--config", "-c", help="pulse.yaml to check.")] = None,
) -> None:
    """Validate pulse.yaml and the keywords file; print 'ok' and a summary, or the errors (exit 1)."""
    from monitor.config import ConfigError, load_config

    try:
        loaded = load_config(config or STATE.config_path, STATE.env)
    except ConfigError as exc:
        print_config_errors(exc)
        raise typer.Exit(1) from None
    watchlist = loaded.watchlist
    console.print("ok", highlight=False)
    console.print(
        f"{len(watchlist.entities)} entities, {len(watchlist.categories)} categories, "
        f"{len(watchlist.interests)} topics; enabled sources: {', '.join(loaded.enabled_sources()) or 'none'}",
        highlight=False,
    )
    console.print(f"config: {loaded.settings_path}  keywords: {loaded.keywords_path}", highlight=False)
    for warning in loaded.warnings:
        err_console.print(f"warning: {warning}", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the `config` command group."""
    app.add_typer(config_app, name="config")
