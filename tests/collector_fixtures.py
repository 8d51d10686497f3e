"""Fixtures shared by the Reddit, X and runner tests: stores and a sleep recorder."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.store import Store


class Sleeps(list):
    """Records requested sleeps instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def store(tmp_path: Path):
    """SQLite only: collector behaviour does not depend on the database (see `any_store`)."""
    s = Store(f"sqlite:///{tmp_path / 'pulse.db'}")
    yield s
    s.close()


@pytest.fixture
def any_store(database_url: str):
    """SQLite and PostgreSQL, for the tests whose point is how posts and checkpoints land."""
    s = Store(database_url)
    yield s
    s.close()
