"""Config parsing is bounded (aliases, nesting, size), the storage URL is checked, and one pass reports everything."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.config import ConfigError, load_config
from monitor.config import yaml_source

runner = CliRunner()

KEYWORDS = """\
categories:
  toy:
    label: Toys
entities:
  - {name: Labubu, category: toy}
"""


def _setup(tmp_path: Path, pulse: str, keywords: str = KEYWORDS) -> Path:
    (tmp_path / "keywords.yaml").write_text(keywords, encoding="utf-8")
    path = tmp_path / "pulse.yaml"
    path.write_text(pulse, encoding="utf-8")
    return path


def _problems(path: Path, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path, env=env or {})
    return [str(p) for p in info.value.problems]


def _alias_bomb(levels: int = 9) -> str:
    text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for i in range(1, levels + 1):
        text += f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 9) + "]\n"
    return text


def test_an_alias_bomb_is_refused_at_once(tmp_path: Path):
    path = _setup(tmp_path, "timezone: UTC\n", keywords=KEYWORDS + "groups:\n  x: [a]\n" + _alias_bomb())
    started = time.perf_counter()
    result = runner.invoke(app, ["--config", str(path), "config", "check"])
    assert time.perf_counter() - started < 5
    assert result.exit_code == 1
    assert "keywords.yaml: YAML expands to more than 300,000 values" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("depth", [41, 5000])
def test_deep_nesting_is_refused_with_a_message(tmp_path: Path, depth: int):
    path = _setup(tmp_path, "timezone: UTC\nsources: " + "[" * depth + "]" * depth + "\n")
    (problem,) = _problems(path)
    assert problem in (f"{path}:2: YAML nested deeper than 40 levels", f"{path}: YAML nested deeper than 40 levels")


def test_an_oversized_file_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(yaml_source, "MAX_FILE_BYTES", 1024)
    path = _setup(tmp_path, "timezone: UTC\n# " + "x" * 2000 + "\n")
    assert _problems(path) == [f"{path}: file larger than 1,024 bytes"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "not a database URL; expected sqlite:///data/pulse.db or postgresql+psycopg://"),
        ("mysql://u:hunter2@db/pulse", "unsupported database 'mysql' in mysql://u:***@db/pulse"),
        ("postgresql+psycopg2://u:hunter2@db/pulse", "unsupported PostgreSQL driver 'psycopg2'"),
        ("postgresql://u:hunter2@db:port/pulse", "not a valid database URL"),
        ("sqlite://", "names no database file"),
    ],
)
def test_the_storage_url_is_checked_and_its_password_never_shown(tmp_path: Path, url: str, message: str):
    path = _setup(tmp_path, f"timezone: UTC\nstorage:\n  url: '{url}'\n")
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:3: storage.url: ") and message in problem, problem
    (from_env,) = _problems(_setup(tmp_path, "timezone: UTC\n"), env={"PULSE_DATABASE_URL": url})
    assert from_env.startswith("PULSE_DATABASE_URL: ") and message in from_env
    assert "hunter2" not in problem + from_env


def test_postgresql_urls_get_the_installed_driver(tmp_path: Path):
    config = load_config(_setup(tmp_path, "storage:\n  url: postgresql://u:p@db:5432/pulse\n"), env={})
    assert config.database_url == "postgresql+psycopg://u:p@db:5432/pulse"


def test_every_problem_of_both_files_in_one_pass_sorted_by_file_and_line(tmp_path: Path):
    pulse = (
        "timezone: UTC\n"
        "colour: blue\n"  # 2: unknown field
        "schedules:\n"
        "  config_poll_seconds: often\n"  # 4: type
        "storage:\n"
        "  url: nowhere\n"  # 6: storage URL
        "sources:\n"
        "  jsonl_file: {enabled: maybe}\n"  # 8: source options
    )
    keywords = (
        "categories:\n"
        "  toy:\n"
        "    label: Toys\n"
        "    flavour: sweet\n"  # 4: unknown field
        "entities:\n"
        "  - {name: Labubu, category: toy, aliases: 5}\n"  # 6: type
        "  - {name: Molly, category: toys}\n"  # 7: cross-reference
        "  - {name: labubu, category: toy}\n"  # 8: duplicate (cross-reference)
        "  - {name: Skullpanda, category: toy, aliases: ['re:(a)\\1']}\n"  # 9: regex
    )
    path = _setup(tmp_path, pulse, keywords)
    problems = _problems(path)
    where = [p.split(": ")[0] for p in problems]
    kw = tmp_path / "keywords.yaml"
    assert where == [f"{path}:2", f"{path}:4", f"{path}:6", f"{path}:8", f"{kw}:4", f"{kw}:6", f"{kw}:7", f"{kw}:8", f"{kw}:9"], problems
    assert "unknown category 'toys'" in problems[6]
    assert "'labubu' is already entities[0]" in problems[7]
    assert "backreferences" in problems[8]
