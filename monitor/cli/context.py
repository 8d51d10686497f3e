"""What every command needs: the loaded config, the environment, the store, and the console."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from monitor.logging_setup import protect
from monitor.secrets import load_environment, url_password

if TYPE_CHECKING:  # imported on use: `pulse --help` must not pay for pydantic models and SQLAlchemy
    from monitor.config import AppConfig, ConfigError

console = Console()
err_console = Console(stderr=True)


@dataclass
class CliState:
    """Options given before the command (`pulse --config X --verbose cmd`)."""

    config_path: Path | None = None
    verbosity: int = 0
    database_url: str | None = None  # once the config is loaded: its password is redacted from errors
    env: dict[str, str] = field(default_factory=load_environment)


STATE = CliState()


def print_config_errors(exc: ConfigError) -> None:
    """One line per problem, `file:line: field: message`."""
    for problem in exc.problems:
        err_console.print(f"[red]error[/red] {problem}", markup=True, highlight=False, soft_wrap=True)


def load_or_exit(config_path: Path | None = None) -> AppConfig:
    """Load the config or print its problems and exit with status 1."""
    from monitor.config import ConfigError, load_config

    try:
        config = load_config(config_path or STATE.config_path, STATE.env)
    except ConfigError as exc:
        print_config_errors(exc)
        raise typer.Exit(1) from None
    protect(url_password(config.database_url))  # a password in storage.url never reaches the log
    STATE.database_url = config.database_url
    for warning in config.warnings:
        err_console.print(f"[yellow]warning[/yellow] {warning}", highlight=False, soft_wrap=True)
    return config


def open_store(config: AppConfig, *, create: bool = False):  # noqa: ANN201
    """The store at the configured URL, migrated to the newest schema.

    Only commands that write posts (`create=True`: import, collect, run, db upgrade) may create a
    SQLite file; the others fail with DatabaseMissing instead of leaving an empty database behind.
    """
    from monitor.store import Store

    if not create:
        require_existing_database(config.database_url)
    store = Store(config.database_url)
    if create and store.dialect == "sqlite":
        _check_writable(store)
    return store


def _check_writable(store) -> None:  # noqa: ANN001
    """Fail now, not after an hour of collecting, if SQLite opened the file read-only (a write that is rolled back)."""
    with store.engine.connect() as conn:
        version = conn.exec_driver_sql("PRAGMA user_version").scalar_one()
        conn.exec_driver_sql(f"PRAGMA user_version = {int(version)}")
        conn.rollback()


def require_existing_database(url: str) -> None:
    """Raise DatabaseMissing if `url` names a SQLite file that does not exist."""
    from sqlalchemy.engine import make_url

    from monitor.cli.failures import DatabaseMissing

    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:" and not database.startswith("file:"):
        if not Path(database).expanduser().is_file():
            raise DatabaseMissing(f"no database at {database}")
