"""`pulse db …` and `pulse doctor`: database upkeep and deployment checks."""

from __future__ import annotations

import typer

from monitor.cli.context import console, load_or_exit, open_store

db_app = typer.Typer(help="Database schema, statistics and retention.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade() -> None:
    """Apply database migrations up to the newest schema."""
    config = load_or_exit()
    store = open_store(config)
    store.close()
    console.print("database is at the newest schema", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the `db` command group."""
    app.add_typer(db_app, name="db")
