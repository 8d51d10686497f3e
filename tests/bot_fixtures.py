"""Fixtures shared by the bot's end-to-end and life-cycle tests: a fake Telegram server and a database URL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.telegram import FakeTelegram


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    """A fake Bot API server on 127.0.0.1 for one test."""
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A new SQLite database in the test's temporary folder."""
    return f"sqlite:///{tmp_path / 'pulse.db'}"
