"""What starting the CLI and validating the config import: no database layer for `--help`, no collector for config."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.bot_harness import ROOT_DIR

HEAVY = ("sqlalchemy", "alembic", "pydantic", "praw", "tweepy", "atproto", "mastodon", "feedparser", "requests",
         "telegram", "spacy", "numpy", "matplotlib", "monitor.config", "monitor.store", "monitor.collectors")


def imported_after(code: str) -> set[str]:
    """Top-level packages (and monitor subpackages) in sys.modules after `code`, in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT_DIR, check=True, capture_output=True, text=True).stdout
    modules = json.loads(out.splitlines()[-1])
    return {m for m in modules for name in HEAVY if m == name or m.startswith(name + ".")}


def test_pulse_help_imports_no_database_layer_config_models_or_client_library() -> None:
    code = "from monitor.cli.main import app\nfrom typer.testing import CliRunner\nassert CliRunner().invoke(app, ['--help']).exit_code == 0"
    assert imported_after(code) == set()


def test_config_validation_imports_no_collector_nor_client_library() -> None:
    loaded = imported_after("from monitor.config import load_config\nload_config('config/pulse.yaml', {})")
    assert "monitor.config" in loaded  # the probe works
    assert not {m for m in loaded if m.startswith(("monitor.collectors", "praw", "tweepy", "atproto", "mastodon",
                                                   "feedparser", "requests", "telegram", "spacy"))}


def test_running_a_source_imports_only_its_collector() -> None:
    loaded = imported_after("from monitor.collectors import registry\nregistry.get('jsonl_file')")
    assert "monitor.collectors.jsonl_file" in loaded
    assert not {m for m in loaded if m.startswith(("monitor.collectors.reddit", "monitor.collectors.x", "praw", "tweepy"))}
