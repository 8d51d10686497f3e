"""Builds the `pulse` Typer app from the command modules; the console script's entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.cli import (
    collect_command,
    config_commands,
    data_commands,
    db_commands,
    demo_command,
    digest_command,
    run_command,
    tag_commands,
    train_command,
)
from monitor.cli.context import STATE
from monitor.logging_setup import configure_logging
from monitor.secrets import load_environment

app = typer.Typer(
    name="pulse",
    help="Culture Pulse: watch how Chinese pop culture travels abroad.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _global_options(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Config file (default: $PULSE_CONFIG or config/pulse.yaml).")
    ] = None,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="More log output (-vv for debug).")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors in the log.")] = False,
) -> None:
    STATE.env = load_environment()
    STATE.config_path = config
    STATE.verbosity = -1 if quiet else verbose
    configure_logging(STATE.verbosity, STATE.env)


for module in (
    config_commands,
    data_commands,
    collect_command,
    tag_commands,
    train_command,
    digest_command,
    demo_command,
    run_command,
    db_commands,
):
    module.register(app)


def run() -> None:
    """Console-script entry point."""
    app()
