"""A storage URL checked before anything connects: SQLite or PostgreSQL (psycopg), parsed by SQLAlchemy."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

EXAMPLES = "sqlite:///data/pulse.db or postgresql+psycopg://user:password@host:5432/name"


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def check_database_url(value: str) -> str:
    """The URL to use (postgresql:// gets the installed psycopg driver); ValueError says what is wrong, password hidden."""
    try:
        url = make_url(value.strip())
    except ArgumentError:
        raise ValueError(f"not a database URL; expected {EXAMPLES}") from None
    except ValueError as exc:  # e.g. a port that is not a number
        raise ValueError(f"not a valid database URL ({str(exc).split(':')[0]}); expected {EXAMPLES}") from None
    backend, driver = url.get_backend_name(), url.get_driver_name()
    if backend == "sqlite":
        if driver not in ("pysqlite", ""):
            raise ValueError(f"unsupported SQLite driver {driver!r} in {_shown(url)}; use sqlite:///path/to/file.db")
        if not url.database:
            raise ValueError(f"{_shown(url)} names no database file; expected e.g. sqlite:///data/pulse.db")
        return value.strip()
    if backend == "postgresql":
        if "+" not in url.drivername:
            url = url.set(drivername="postgresql+psycopg")
        elif driver != "psycopg":
            raise ValueError(f"unsupported PostgreSQL driver {driver!r} in {_shown(url)}; use postgresql+psycopg://")
        if not url.database:
            raise ValueError(f"{_shown(url)} names no database; expected {EXAMPLES}")
        return url.render_as_string(hide_password=False)
    raise ValueError(f"unsupported database {backend!r} in {_shown(url)}; expected {EXAMPLES}")
