"""The newcomer path: flags render as flags, export --week is the digest's week, dates say their zone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli.demo_command import next_steps
from monitor.cli.main import app
from pipelines.trends.weeks import IsoWeek

runner = CliRunner()
COMMANDS = [[], ["import"], ["export"], ["collect"], ["tag"], ["digest"], ["run"], ["doctor"], ["demo"], ["db", "prune"], ["config", "check"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "pulse")
def test_boolean_flags_render_as_flags(command: list[str]):
    result = runner.invoke(app, [*command, "--help"], terminal_width=120)
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output


def test_export_week_is_exactly_the_local_week_the_digest_counts(tmp_path: Path, config_dir: Path, monkeypatch):
    monkeypatch.setenv("PULSE_DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    cfg = str(config_dir / "pulse.yaml")  # timezone Europe/Berlin: 2026-W47 is Sun 15 Nov 23:00 UTC – Sun 22 Nov 23:00 UTC
    times = {
        "before": "2026-11-15T22:59:59+00:00",
        "first": "2026-11-15T23:00:00+00:00",
        "last": "2026-11-22T22:59:59+00:00",
        "after": "2026-11-22T23:00:00+00:00",
    }
    posts = tmp_path / "posts.jsonl"
    posts.write_text("".join(json.dumps({"source": "x", "id": k, "text": k, "created_at": v}) + "\n" for k, v in times.items()))
    assert runner.invoke(app, ["--config", cfg, "import", str(posts)]).exit_code == 0
    result = runner.invoke(app, ["--config", cfg, "export", "--week", "2026-W47"])
    assert result.exit_code == 0, result.output
    exported = [json.loads(line)["id"] for line in result.output.splitlines() if line.startswith("{")]
    assert exported == ["first", "last"]
    assert "exported 2 posts created 2026-11-16 00:00 – 2026-11-23 00:00 (Europe/Berlin)" in result.output
    days = runner.invoke(app, ["--config", cfg, "export", "--since", "2026-11-16", "--until", "2026-11-23"])
    assert [json.loads(line)["id"] for line in days.output.splitlines() if line.startswith("{")] == ["first", "last"]


def test_the_demo_ends_with_the_next_commands_on_its_own_database():
    text = next_steps(Path("data/demo.db"), IsoWeek.parse("2026-W47"))
    assert "export PULSE_DATABASE_URL=sqlite:///data/demo.db" in text
    assert ".venv/bin/pulse digest --week 2026-W47" in text and "source .venv/bin/activate" in text
