"""What every command needs: the loaded config, the environment, the store, and the console."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import typer
from rich.console import Console

from monitor.config import AppConfig, ConfigError, load_config
from monitor.logging_setup import protect
from monitor.secrets import load_environment, url_password

console = Console()
err_console = Console(stderr=True)


@dataclass
class CliState:
    """Options given before the command (`pulse --config X --verbose cmd`)."""

    config_path: Path | None = None
    verbosity: int = 0
    env: dict[str, str] = field(default_factory=load_environment)


STATE = CliState()


def print_config_errors(exc: ConfigError) -> None:
    """One line per problem, `file:line: field: message`."""
    for problem in exc.problems:
        err_console.print(f"[red]error[/red] {problem}", markup=True, highlight=False, soft_wrap=True)


def load_or_exit(config_path: Path | None = None) -> AppConfig:
    """Load the config or print its problems and exit with status 1."""
    try:
        config = load_config(config_path or STATE.config_path, STATE.env)
    except ConfigError as exc:
        print_config_errors(exc)
        raise typer.Exit(1) from None
    protect(url_password(config.database_url))  # a password in storage.url never reaches the log
    for warning in config.warnings:
        err_console.print(f"[yellow]warning[/yellow] {warning}", highlight=False, soft_wrap=True)
    return config


def open_store(config: AppConfig):  # noqa: ANN201
    """The store at the configured URL, migrated to the newest schema."""
    from monitor.store import Store

    return Store(config.database_url)
