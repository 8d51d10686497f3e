"""`pulse import` under hostile input: a bad line never costs a good one, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from monitor import post_lines
from monitor.cli.main import app
from monitor.importer import import_file
from monitor.store import Store
from tests.cli_helpers import stored_posts

runner = CliRunner()


def _post(n: int, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "source": "reddit", "id": f"t3_{n}", "url": f"https://www.reddit.com/r/x/{n}/", "author": "fan",
        "text": f"post {n} about Labubu", "created_at": "2026-11-20T10:00:00+00:00", "metrics": {"score": n},
    }
    base.update(fields)
    return base


def _line(n: int, **fields: object) -> bytes:
    return json.dumps(_post(n, **fields), ensure_ascii=False).encode()


# One bad line of each kind the database or the parser would choke on, and the reason to expect.
BAD_LINES: list[tuple[bytes, str]] = [
    (_line(1001)[:-2] + b"\xff\xfe" + b'"}', "invalid UTF-8"),
    (_line(1002).replace(b'"score": 1002', b'"score": NaN'), "NaN is not a number JSON allows"),
    (_line(1003).replace(b'"score": 1003', b'"score": -Infinity'), "-Infinity is not a number JSON allows"),
    (_line(1004, text="\\ud800 lone").replace(b"\\\\ud800", b"\\ud800"), "lone surrogate"),
    (_line(1005, text="nul \u0000 here"), "NUL character"),
    (_line(1006, author="a" * 256), "author: String should have at most 255 characters"),
    (_line(1007, lang="x" * 17), "lang: String should have at most 16 characters"),
    (b'{"source": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
    (json.dumps({k: v for k, v in _post(1009).items() if k != "text"}).encode(), "text: Field required"),
    (_line(1010, metrics={"likes": "many"}), "metric 'likes' is str, expected a number"),
    (_line(1011, metrics={"likes": 10**400}), "metric 'likes' is too large"),
    (_line(1012, created_at="2026-11-20T10:00:00"), "created_at: Input should have timezone info"),
    (_line(1013, created_at="0001-01-01T00:00:00+14:00"), "date out of range"),
    (b"[1, 2]", "expected a JSON object"),
    (b'{"source": "reddit", "id": ', "invalid JSON"),
]



def test_each_bad_line_is_reported_with_its_number_and_every_good_line_isstored_posts(
    tmp_path: Path, config_dir: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
):
    lines: list[bytes] = []
    expected: dict[int, str] = {}
    for n, (bad, reason) in enumerate(BAD_LINES):
        lines.append(_line(n))  # a good line before each bad one
        lines.append(bad)
        expected[len(lines)] = reason
    lines.append(_line(999))
    path = tmp_path / "posts.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    monkeypatch.setenv("PULSE_DATABASE_URL", database_url)
    cfg = str(config_dir / "pulse.yaml")

    result = runner.invoke(app, ["--config", cfg, "import", str(path)])

    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    for number, reason in expected.items():
        reported = [line for line in result.output.splitlines() if line.startswith(f"{path}:{number}: ")]
        assert reported and reason in reported[0], (number, reason, reported)
    good = len(BAD_LINES) + 1
    assert f"imported {good} new, 0 updated, {len(BAD_LINES)} skipped" in result.output
    assert stored_posts(database_url) == good

    result = runner.invoke(app, ["--config", cfg, "import", "--allow-bad-lines", str(path)])
    assert result.exit_code == 0, result.output
    assert f"imported 0 new, {good} updated, {len(BAD_LINES)} skipped" in result.output


def test_a_bad_byte_near_the_end_costs_only_its_own_line(tmp_path: Path):
    lines = [_line(n) for n in range(1, 3100)]
    lines[2999] = lines[2999].replace(b"about", b"ab\xc3\x28out")  # line 3,000: invalid UTF-8 sequence
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"\n".join(lines))  # no newline after the last line
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    result = import_file(path, store)
    store.close()
    position = lines[2999].index(b"\xc3") + 1
    assert [(e.line, e.message) for e in result.errors] == [(3000, f"invalid UTF-8 at byte {position}")]
    assert result.new == 3098


def test_a_truncated_gzip_keeps_the_lines_before_the_break_and_says_so(tmp_path: Path, config_dir: Path, monkeypatch):
    whole = gzip.compress(b"\n".join(_line(n) for n in range(1, 2001)) + b"\n")
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    monkeypatch.setenv("PULSE_DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    result = runner.invoke(app, ["--config", str(config_dir / "pulse.yaml"), "import", str(path)])
    assert result.exit_code == 3, result.output
    assert "file unreadable from here on (truncated or corrupt" in result.output
    stored = stored_posts(f"sqlite:///{tmp_path / 'p.db'}")
    assert 100 < stored < 2000
    assert f"imported {stored} new, 0 updated, 1 skipped" in result.output


def test_duplicates_in_the_file_are_counted_and_stored_once(tmp_path: Path):
    path = tmp_path / "dups.jsonl"
    path.write_bytes(b"\n".join([_line(1), _line(2), _line(1, metrics={"score": 7}), _line(1)]))
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    result = import_file(path, store)
    assert (result.new, result.duplicates, result.errors) == (2, 2, [])
    store.close()


def test_an_overlong_line_is_skipped_without_reading_it_into_memory(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(post_lines, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "long.jsonl"
    path.write_bytes(b"\n".join([_line(1), _line(2, text="x" * 5000), _line(3)]))
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    result = import_file(path, store)
    store.close()
    assert [(e.line, e.message) for e in result.errors] == [(2, "line longer than 1,000 bytes")]
    assert result.new == 2


def test_a_line_the_database_rejects_costs_only_itself(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    store = Store(url)
    with store.engine.begin() as conn:  # a real rejection from the database, for one post only
        conn.execute(text(
            "CREATE TRIGGER refuse BEFORE INSERT ON posts WHEN NEW.external_id = 't3_5'"
            " BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END"
        ))
    path = tmp_path / "posts.jsonl"
    path.write_bytes(b"\n".join(_line(n) for n in range(1, 11)))
    result = import_file(path, store)
    store.close()
    assert [(e.line, e.message) for e in result.errors] == [(5, "the database rejected it: refused by trigger")]
    assert result.new == 9 and stored_posts(url) == 9
