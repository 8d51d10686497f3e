"""Runs the Alembic migrations bundled in `monitor/store/migrations` programmatically."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    """An Alembic Config pointing at the bundled migrations (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database schema up to the newest migration (a no-op when current)."""
    cfg = alembic_config()
    with engine.begin() as connection:
        if current_revision_of(connection) == head_revision():
            return
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def current_revision_of(connection) -> str | None:  # noqa: ANN001
    """Revision the database is at, or None for an empty database."""
    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """Newest revision shipped with the code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
