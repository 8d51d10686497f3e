"""Shared fixtures: a fresh database on SQLite and PostgreSQL, a store on it, a config copy.

`database_url` and `store` are parametrised over both back-ends, so every test using them runs
twice: `[sqlite]` and `[postgresql]`. The PostgreSQL server comes from `PULSE_TEST_DATABASE_URL`
(a role that may CREATE DATABASE); each test gets its own new database, dropped afterwards.
Run the suite with a throw-away server: `bash .ci/with-postgres.sh make test`.
Without the variable (or server) the PostgreSQL cases skip with the reason; under CI (CI=true) they fail.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
import warnings
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from monitor.store import Store

ROOT = Path(__file__).resolve().parent.parent
PG_ENV = "PULSE_TEST_DATABASE_URL"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def running_in_ci() -> bool:
    """True when the CI variable is set to something other than false/0/empty."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@cache
def _postgres_server() -> tuple[URL | None, str]:
    """(admin URL, '') when PostgreSQL is usable, else (None, why not). Checked once per session."""
    raw = os.environ.get(PG_ENV, "").strip()
    if not raw:
        return None, f"PostgreSQL not configured: set {PG_ENV} (or run `bash .ci/with-postgres.sh make test`)"
    url = make_url(raw)
    engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not usable", with the reason
        return None, f"PostgreSQL at {url.render_as_string(hide_password=True)} not reachable: {exc.__class__.__name__}: {exc}"
    finally:
        engine.dispose()
    return url, ""


def require_postgres() -> URL:
    """The admin URL of the test server; skips the test locally, fails it under CI."""
    url, reason = _postgres_server()
    if url is None:
        if running_in_ci():
            pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run in CI, not skip)", pytrace=False)
        pytest.skip(reason)
    return url


def _admin(url: URL):  # noqa: ANN202
    return create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture
def postgres_database_url() -> Iterator[str]:
    """URL of a new, empty PostgreSQL database, dropped after the test."""
    admin_url = require_postgres()
    name = f"pulse_t_{uuid.uuid4().hex[:16]}"
    admin = _admin(admin_url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin_url.set(database=name).render_as_string(hide_password=False)
        _drop_database(admin, name)
    finally:
        admin.dispose()


def _drop_database(admin, name: str) -> None:  # noqa: ANN001
    """Drop a test database; a server process (autovacuum) briefly inside it only delays that."""
    for attempt in range(50):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except Exception:  # noqa: BLE001 - retried; the last failure is reported as a warning
            if attempt == 49:
                warnings.warn(f"could not drop test database {name}", stacklevel=1)
                return
            time.sleep(0.1)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a new, empty database: a SQLite file in tmp, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'pulse.db'}"
    return request.getfixturevalue("postgres_database_url")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A fresh, migrated store on SQLite and on PostgreSQL (the test runs once for each)."""
    s = Store(database_url)
    yield s
    s.close()


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A copy of the shipped config/ folder that a test may edit."""
    target = tmp_path / "config"
    shutil.copytree(ROOT / "config", target)
    return target
