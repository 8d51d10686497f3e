"""JSON Lines in and out: good lines kept, bad lines reported with their numbers, duplicates stored once."""

from __future__ import annotations

import io
import json
from pathlib import Path

from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.post_lines import LineError, parse_post_line, read_posts

runner = CliRunner()

GOOD = {
    "source": "reddit",
    "id": "t3_abc",
    "url": "https://www.reddit.com/r/Labubu/comments/abc/",
    "author": "collector42",
    "title": "Finally got the secret Labubu",
    "text": "Queued three hours at Pop Mart 🎉",
    "created_at": "2026-11-20T18:30:00+08:00",
    "metrics": {"score": 120, "comments": 14},
}


def _jsonl(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_parse_project_format_normalises_time_to_utc():
    post = parse_post_line(json.dumps(GOOD))
    assert post.created_at.isoformat() == "2026-11-20T10:30:00+00:00"
    assert post.engagement == 134
    assert post.full_text.startswith("Finally got the secret Labubu\n")


def test_pushshift_submission_and_comment_are_recognised():
    submission = {
        "id": "1abcd", "subreddit": "CDrama", "title": "Hidden Love rewatch", "selftext": "so good",
        "author": "fan", "created_utc": 1763650000, "score": 5, "num_comments": 2,
        "permalink": "/r/CDrama/comments/1abcd/hidden_love/",
    }
    comment = {"id": "c1", "subreddit": "CDrama", "body": "agreed", "author": "x", "created_utc": "1763650100", "score": 1,
               "permalink": "/r/CDrama/comments/1abcd/hidden_love/c1/"}
    post = parse_post_line(json.dumps(submission))
    assert (post.source, post.id, post.title, post.text) == ("reddit", "t3_1abcd", "Hidden Love rewatch", "so good")
    assert post.url == "https://www.reddit.com/r/CDrama/comments/1abcd/hidden_love/"
    reply = parse_post_line(json.dumps(comment))
    assert (reply.id, reply.title, reply.text) == ("t1_c1", None, "agreed")


def test_bad_lines_are_reported_with_numbers_and_good_lines_kept():
    lines = [
        json.dumps(GOOD),
        "{not json",
        json.dumps({**GOOD, "id": "t3_2", "created_at": "2026-11-20T10:00:00"}),  # no zone
        json.dumps([1, 2]),
        "",
        json.dumps({**GOOD, "id": "t3_3", "source": ""}),
        json.dumps({**GOOD, "id": "t3_4"}),
    ]
    errors: list[LineError] = []
    posts = list(read_posts(io.BytesIO("\n".join(lines).encode()), errors))
    assert [(n, p.id) for n, p in posts] == [(1, "t3_abc"), (7, "t3_4")]
    assert [e.line for e in errors] == [2, 3, 4, 6]
    assert "invalid JSON" in errors[0].message
    assert "created_at" in errors[1].message and "timezone" in errors[1].message
    assert errors[2].message == "expected a JSON object"
    assert errors[3].message.startswith("source:")


def test_import_cli_stores_once_updates_metrics_and_exports(tmp_path: Path, config_dir: Path, monkeypatch):
    db = tmp_path / "pulse.db"
    monkeypatch.setenv("PULSE_DATABASE_URL", f"sqlite:///{db}")
    cfg = str(config_dir / "pulse.yaml")
    first = _jsonl(tmp_path, [json.dumps(GOOD), "garbage", json.dumps({**GOOD, "id": "t3_other"})])
    result = runner.invoke(app, ["--config", cfg, "import", str(first)])
    assert result.exit_code == 3, result.output
    assert "imported 2 new, 0 updated, 1 skipped" in result.output
    assert f"{first}:2: invalid JSON" in result.output

    again = _jsonl(tmp_path, [json.dumps({**GOOD, "metrics": {"score": 500, "comments": 20}})])
    result = runner.invoke(app, ["--config", cfg, "import", str(again)])
    assert "imported 0 new, 1 updated, 0 skipped" in result.output

    out = tmp_path / "export.jsonl"
    result = runner.invoke(app, ["--config", cfg, "export", "--since", "2026-11-01", "--until", "2026-12-01", "-o", str(out)])
    assert result.exit_code == 0, result.output
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(p["id"] for p in exported) == ["t3_abc", "t3_other"]
    main = next(p for p in exported if p["id"] == "t3_abc")
    assert main["metrics"] == {"score": 500, "comments": 20}
    assert main["created_at"] == "2026-11-20T10:30:00+00:00"
    assert main["text"] == GOOD["text"]

    result = runner.invoke(app, ["--config", cfg, "export", "--since", "2026-12-01", "-o", str(out)])
    assert out.read_text(encoding="utf-8") == ""
