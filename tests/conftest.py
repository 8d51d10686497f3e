"""Shared fixtures: a temporary store and a temporary config directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from monitor.store import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def store(tmp_path: Path):
    """A fresh, migrated SQLite store in a temporary folder."""
    s = Store(f"sqlite:///{tmp_path / 'pulse.db'}")
    yield s
    s.close()


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A copy of the shipped config/ folder that a test may edit."""
    target = tmp_path / "config"
    shutil.copytree(ROOT / "config", target)
    return target
