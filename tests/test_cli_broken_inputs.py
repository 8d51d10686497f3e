"""Every command against broken inputs and faults: one or two lines and a documented exit status, never a traceback."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import yaml

from monitor.cli import failures
from tests.cli_helpers import invoke

PASSWORD = "hunter2-secret"
COMMANDS = [
    ["config", "check"],
    ["import", "{posts}"],
    ["export"],
    ["collect", "--source", "jsonl_file"],
    ["tag"],
    ["digest", "--week", "2026-W47"],
    ["digest", "--week", "2026-W47", "--send"],
    ["db", "upgrade"],
    ["db", "stats"],
    ["db", "prune", "--older-than", "400d"],
    ["doctor"],
    ["run"],
]

CREATING = {"import", "collect", "run", "db upgrade"}


def _dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]



@pytest.fixture
def setup(tmp_path: Path, config_dir: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    posts = tmp_path / "posts.jsonl"
    posts.write_text(json.dumps({"source": "reddit", "id": "1", "text": "Labubu", "created_at": "2026-11-20T10:00:00+00:00"}) + "\n")
    doc = yaml.safe_load((config_dir / "pulse.yaml").read_text(encoding="utf-8"))
    doc["telegram"]["api_base_url"] = f"http://127.0.0.1:{_dead_port()}"  # the Telegram API is down
    doc["telegram"]["chat_ids"] = [1]
    doc["sources"]["jsonl_file"] = {"enabled": True, "paths": [str(posts)]}
    (config_dir / "pulse.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    monkeypatch.setenv("PULSE_DOTENV", str(tmp_path / "no.env"))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:fake-token-for-tests")
    monkeypatch.chdir(tmp_path)
    return config_dir / "pulse.yaml", posts


def _good_db(tmp_path: Path, cfg: Path, posts: Path, capsys, monkeypatch) -> Path:  # noqa: ANN001
    db = tmp_path / "good.db"
    monkeypatch.setenv("PULSE_DATABASE_URL", f"sqlite:///{db}")
    assert invoke(["--config", str(cfg), "import", str(posts)], capsys)[0] == 0
    return db


BROKEN = {
    "unreachable PostgreSQL": lambda tmp, db: f"postgresql+psycopg://pulse:{PASSWORD}@127.0.0.1:{_dead_port()}/pulse",
    "malformed URL": lambda tmp, db: f"postgres://pulse:{PASSWORD}@host:notaport/x",
    "missing SQLite file": lambda tmp, db: f"sqlite:///{tmp / 'typo' / 'pulse.db'}",
    "read-only SQLite": lambda tmp, db: f"sqlite:///file:{db}?mode=ro&uri=true",
    "not a database": lambda tmp, db: f"sqlite:///{tmp / 'posts.jsonl'}",
}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("case", list(BROKEN))
def test_every_command_fails_in_a_line_or_two_without_a_traceback(case, setup, tmp_path, capsys, monkeypatch):
    cfg, posts = setup
    db = _good_db(tmp_path, cfg, posts, capsys, monkeypatch)
    url = BROKEN[case](tmp_path, db)
    monkeypatch.setenv("PULSE_DATABASE_URL", url)
    for command in COMMANDS:
        if case == "missing SQLite file" and (command[0] in CREATING or " ".join(command) in CREATING):
            continue  # these create the database on purpose (test_a_read_creates_nothing_but_an_import_may)
        argv = ["--config", str(cfg), *(part.format(posts=posts) for part in command)]
        code, output = invoke(argv, capsys)
        shown = f"{case}: pulse {' '.join(command)} → {code}\n{output}"
        assert "Traceback" not in output, shown
        assert PASSWORD not in output, shown
        if case == "read-only SQLite":
            if command in (["export"], ["db", "stats"], ["digest", "--week", "2026-W47"]):
                assert code == 0, shown  # reading a read-only database works
        elif command not in (["config", "check"], ["doctor"]) or case == "malformed URL":
            assert code != 0, shown
        if code != 0:
            assert any(line.startswith(("error", "FAIL")) or " FAIL " in line for line in output.splitlines()), shown
    assert not (tmp_path / "typo").exists()  # reads create nothing; writes may: see below


def test_a_read_creates_nothing_but_an_import_may(setup, tmp_path, capsys, monkeypatch):
    cfg, posts = setup
    monkeypatch.setenv("PULSE_DATABASE_URL", f"sqlite:///{tmp_path / 'typo' / 'pulse.db'}")
    code, output = invoke(["--config", str(cfg), "db", "stats"], capsys)
    assert code == failures.EXIT_DATABASE and "error: no database at" in output
    assert not (tmp_path / "typo").exists()
    assert invoke(["--config", str(cfg), "import", str(posts)], capsys)[0] == 0
    assert (tmp_path / "typo" / "pulse.db").is_file()


def test_the_api_being_down_is_one_line_too(setup, tmp_path, capsys, monkeypatch):
    cfg, posts = setup
    _good_db(tmp_path, cfg, posts, capsys, monkeypatch)
    for command in (["digest", "--week", "2026-W47", "--send"], ["doctor", "--online"]):
        code, output = invoke(["--config", str(cfg), *command], capsys)
        assert "Traceback" not in output and code != 0, output


def test_verbose_shows_the_traceback(setup, tmp_path, capsys, monkeypatch):
    cfg, _ = setup
    monkeypatch.setenv("PULSE_DATABASE_URL", f"postgresql+psycopg://pulse:{PASSWORD}@127.0.0.1:{_dead_port()}/pulse")
    code, output = invoke(["--config", str(cfg), "-v", "export"], capsys)
    assert code == failures.EXIT_DATABASE
    assert "Traceback" in output and PASSWORD not in output
