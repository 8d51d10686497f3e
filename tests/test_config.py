"""Config validation: broken YAML and schema errors name the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.config import ConfigError, load_config

runner = CliRunner()


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _problems(config_path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(config_path, env={})
    return [str(p) for p in info.value.problems]


def test_shipped_config_is_valid():
    config = load_config(Path("config/pulse.yaml"), env={})
    assert len(config.watchlist.entities) >= 60
    assert set(config.watchlist.categories) >= {"drama", "game", "toy", "animation", "film", "literature", "music"}
    assert set(config.watchlist.interests) >= {"travel", "food", "study", "language", "business", "shopping"}


SMALL_KEYWORDS = """\
categories:
  toy:
    label: Toys
  drama:
    label: Dramas
interests:
  shopping:
    label: Shopping
entities:
  - name: Labubu
    category: toy
    aliases: [ラブブ]
  - name: Pop Mart
    category: toy
  - name: ReelShort
    category: drama
  - name: DramaBox
    category: drama
    aliases: Drama Box
"""


def test_aliases_not_a_list_names_file_line_and_field(tmp_path: Path):
    keywords = _write(tmp_path / "keywords.yaml", SMALL_KEYWORDS)
    config = _write(tmp_path / "pulse.yaml", "keywords_file: keywords.yaml\n")
    assert _problems(config) == [f"{keywords}:19: entities[3].aliases: expected a list of strings"]


def test_yaml_syntax_error_gives_line(tmp_path: Path):
    path = _write(tmp_path / "pulse.yaml", "timezone: UTC\nstorage:\n  url: [unclosed\n")
    problem, keywords = _problems(path)  # the syntax error stops this file only: keywords.yaml is still read
    assert problem.startswith(f"{path}:")
    assert "YAML syntax error" in problem
    assert keywords == f"{tmp_path / 'keywords.yaml'}: file not found"


def test_duplicate_key_is_reported(tmp_path: Path):
    path = _write(tmp_path / "pulse.yaml", "timezone: UTC\ntimezone: Europe/Berlin\n")
    problem = next(p for p in _problems(path) if p.startswith(str(path)))
    assert f"{path}:2:" in problem and "duplicate key 'timezone'" in problem


def test_unknown_field_and_bad_values(tmp_path: Path, config_dir: Path):
    path = _write(
        tmp_path / "pulse.yaml",
        f"keywords_file: {config_dir / 'keywords.yaml'}\n"
        "timezone: Mars/Olympus\n"
        "schedules:\n"
        "  digest:\n"
        "    weekday: funday\n"
        "    time: '25:00'\n"
        "telegram:\n"
        "  chat_idz: [1]\n",
    )
    problems = _problems(path)
    assert f"{path}:2: timezone: unknown timezone 'Mars/Olympus' (use an IANA name such as Europe/Berlin)" in problems
    assert any(p.startswith(f"{path}:5: schedules.digest.weekday: expected one of") for p in problems)
    assert f"{path}:6: schedules.digest.time: expected a time as HH:MM, e.g. 09:00" in problems
    assert f"{path}:8: telegram.chat_idz: unknown field" in problems


def test_unknown_source_and_bad_source_option(tmp_path: Path, config_dir: Path):
    path = _write(
        tmp_path / "pulse.yaml",
        f"keywords_file: {config_dir / 'keywords.yaml'}\n"
        "sources:\n"
        "  myspace: {enabled: true}\n"
        "  jsonl_file:\n"
        "    enabled: true\n"
        "    interval_minutes: soon\n",
    )
    problems = _problems(path)
    assert any(p.startswith(f"{path}:3: sources.myspace: unknown source (known: ") for p in problems)
    assert f"{path}:6: sources.jsonl_file.interval_minutes: expected a number" in problems


def test_entity_with_unknown_category_and_duplicate_name(tmp_path: Path):
    text = SMALL_KEYWORDS.replace("aliases: Drama Box", "aliases: [Drama Box]")
    text = text.replace("  - name: ReelShort\n    category: drama", "  - name: labubu\n    category: toys")
    keywords = _write(tmp_path / "keywords.yaml", text)
    config = _write(tmp_path / "pulse.yaml", "keywords_file: keywords.yaml\n")
    assert _problems(config) == [  # sorted by line
        f"{keywords}:15: entities[2].name: 'labubu' is already entities[0]",
        f"{keywords}:16: entities[2].category: unknown category 'toys' (known: drama, toy)",
    ]


def test_missing_keywords_file(tmp_path: Path):
    path = _write(tmp_path / "pulse.yaml", "keywords_file: nowhere.yaml\n")
    (problem,) = _problems(path)
    assert problem == f"{tmp_path / 'nowhere.yaml'}: file not found"


def test_cli_config_check_ok_and_errors(tmp_path: Path, config_dir: Path):
    result = runner.invoke(app, ["config", "check", "--config", str(config_dir / "pulse.yaml")])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "ok"
    assert "entities" in result.stdout and "enabled sources" in result.stdout

    bad = _write(tmp_path / "bad.yaml", f"keywords_file: {config_dir / 'keywords.yaml'}\ndigest:\n  top_posts: many\n")
    result = runner.invoke(app, ["config", "check", "--config", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3: digest.top_posts: expected a whole number" in result.output
    assert "Traceback" not in result.output


def test_missing_credentials_warn_but_do_not_fail(tmp_path: Path, config_dir: Path):
    from monitor.collectors.base import Collector
    from monitor.collectors import registry

    needing = [name for name, cls in registry.available().items() if cls.required_env]
    if not needing:
        pytest.skip("no collector with credentials is registered yet")
    name = needing[0]
    path = _write(tmp_path / "pulse.yaml", f"keywords_file: {config_dir / 'keywords.yaml'}\nsources:\n  {name}:\n    enabled: true\n")
    config = load_config(path, env={})
    assert any(name in w and "is not set" in w for w in config.warnings)
    assert issubclass(registry.get(name), Collector)


def test_env_overrides_database_url_and_config_path(tmp_path: Path, config_dir: Path, monkeypatch):
    monkeypatch.setenv("PULSE_CONFIG", str(config_dir / "pulse.yaml"))
    config = load_config(None, env={"PULSE_DATABASE_URL": "sqlite:///elsewhere.db"})
    assert config.settings_path == config_dir / "pulse.yaml"
    assert config.database_url == "sqlite:///elsewhere.db"
