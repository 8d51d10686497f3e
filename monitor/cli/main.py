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
    feedback_command,
    run_command,
    tag_commands,
    train_command,
)
from monitor.cli import failures
from monitor.cli.context import STATE, err_console
from monitor.logging_setup import configure_logging
from monitor.secrets import load_environment, redact, secret_values, url_password

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
    feedback_command,
):
    module.register(app)


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: any failure becomes one or two lines and an exit status (traceback with -v)."""
    try:
        app(args=argv, prog_name="pulse")
    except (KeyboardInterrupt, Exception) as exc:  # noqa: BLE001 - the last line of defence for the user
        failure = failures.describe(exc)
        secrets = [*secret_values(STATE.env), *([p] if (p := url_password(STATE.database_url)) else [])]
        if STATE.verbosity >= 1:
            err_console.print(redact(failures.format_traceback(exc), secrets), highlight=False, markup=False, soft_wrap=True)
        err_console.print(f"error: {redact(failure.message, secrets)}", highlight=False, markup=False, soft_wrap=True)
        if failure.hint:
            err_console.print(f"  {failure.hint}", highlight=False, markup=False, soft_wrap=True)
        raise SystemExit(failure.code) from None
