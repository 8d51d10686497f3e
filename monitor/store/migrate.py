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


# Key of the PostgreSQL advisory lock that serialises migrations between processes.
_MIGRATION_LOCK = 0x70756C7365  # "pulse"


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database schema up to the newest migration (a no-op when current).

    Safe when several processes start at once on a new database: the migration runs under a
    lock (PostgreSQL advisory lock; SQLite write lock via BEGIN IMMEDIATE) and the revision is
    read again once the lock is held, so only the first process migrates.
    """
    head = head_revision()
    with engine.connect() as probe:
        if current_revision_of(probe) == head:
            return
    cfg = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        elif connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        if current_revision_of(connection) == head:
            return
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def current_revision_of(connection) -> str | None:  # noqa: ANN001
    """Revision the database is at, or None for an empty database."""
    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """Newest revision shipped with the code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
