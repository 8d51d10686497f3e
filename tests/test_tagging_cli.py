"""`pulse tag` (file and store modes) and `pulse eval`, end to end through the Typer app."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.posts import Post
from monitor.store import Store

runner = CliRunner()

POSTS = [
    {"source": "x", "id": "1", "text": "queued for the new Labubu at Pop Mart #labubu 😭", "created_at": "2026-11-20T10:00:00+00:00"},
    {"source": "x", "id": "2", "text": "My Wukong robot vacuum is stuck again", "created_at": "2026-11-21T10:00:00+00:00"},
    {"source": "reddit", "id": "3", "title": "Chengdu trip", "text": "hot pot every night after Genshin", "created_at": "2026-11-22T10:00:00+00:00"},
]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_tag_file_adds_tag_fields_to_each_line(tmp_path: Path, config_dir: Path):
    source = _write(tmp_path / "in.jsonl", POSTS)
    with source.open("a", encoding="utf-8") as handle:
        handle.write("{broken\n")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["--config", str(config_dir / "pulse.yaml"), "tag", "--input", str(source), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "tagged 3 posts, 1 skipped" in result.output
    assert ":4: invalid JSON" in result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["entities"] == ["Labubu", "Pop Mart"] and rows[0]["categories"] == ["toy"]
    assert rows[0]["lang"] == "en" and rows[0]["text"] == POSTS[0]["text"]
    assert any(s["label"] == "Labubu" for s in rows[0]["spans"])
    assert (rows[1]["categories"], rows[1]["entities"], rows[1]["interests"]) == ([], [], [])
    assert rows[2]["entities"] == ["Genshin Impact"] and rows[2]["interests"] == ["travel", "food"]


def _add_first_entity(keywords: Path, entry: str) -> int:
    """Insert `entry` as the first item under `entities:` (sections may follow the list); returns its line."""
    lines = keywords.read_text(encoding="utf-8").splitlines(keepends=True)
    at = lines.index("entities:\n") + 1
    lines.insert(at, f"  - {entry}\n")
    keywords.write_text("".join(lines), encoding="utf-8")
    return at + 1


def test_tag_file_uses_an_edited_keywords_file(tmp_path: Path, config_dir: Path):
    keywords = config_dir / "keywords.yaml"
    _add_first_entity(keywords, "{name: Wukong Bot, category: toy, aliases: [wukong robot]}")
    source = _write(tmp_path / "in.jsonl", POSTS[1:2])
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["--config", str(config_dir / "pulse.yaml"), "tag", "-i", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["entities"] == ["Wukong Bot"]


def test_tag_reports_a_broken_keywords_file_with_its_line(tmp_path: Path, config_dir: Path):
    keywords = config_dir / "keywords.yaml"
    line = _add_first_entity(keywords, "{name: Bad, category: toy, aliases: ['re:[']}")
    source = _write(tmp_path / "in.jsonl", POSTS[:1])
    result = runner.invoke(app, ["--config", str(config_dir / "pulse.yaml"), "tag", "-i", str(source)])
    assert result.exit_code == 1
    assert f"keywords.yaml:{line}: entities[0].aliases" in result.output
    assert "invalid regular expression" in result.output


def test_tag_store_retags_posts_since_a_day(tmp_path: Path, config_dir: Path, database_url: str, monkeypatch):
    monkeypatch.setenv("PULSE_DATABASE_URL", database_url)
    store = Store(database_url)
    store.upsert_posts([Post.model_validate(p) for p in POSTS])
    cfg = str(config_dir / "pulse.yaml")
    result = runner.invoke(app, ["--config", cfg, "tag", "--since", "2026-11-21"])
    assert result.exit_code == 0, result.output
    assert "tagged 2 posts" in result.output
    first, third = store.post_row_id("x", "1"), store.post_row_id("reddit", "3")
    assert store.tags_of(first)["entity"] == []  # before --since: untouched
    assert store.tags_of(third) == {"category": ["game"], "entity": ["Genshin Impact"], "interest": ["food", "travel"]}
    result = runner.invoke(app, ["--config", cfg, "tag"])
    assert result.exit_code == 0 and "tagged 3 posts" in result.output
    assert store.tags_of(first)["entity"] == ["Labubu", "Pop Mart"]
    store.close()


def test_eval_prints_per_label_micro_and_worst_labels(tmp_path: Path, config_dir: Path):
    gold = [
        {**POSTS[0], "gold": {"categories": ["toy"], "entities": ["Labubu", "Pop Mart"], "interests": ["shopping"], "lang": "en"}},
        {**POSTS[1], "gold": {"categories": [], "entities": [], "interests": ["food"], "lang": "en"}},
        {**POSTS[2], "gold": {"categories": ["game"], "entities": ["Genshin Impact"], "interests": ["travel", "food"], "lang": "en"}},
    ]
    path = _write(tmp_path / "gold.jsonl", gold)
    cfg = str(config_dir / "pulse.yaml")
    result = runner.invoke(app, ["--config", cfg, "eval", "--gold", str(path), "--split", "all"])
    assert result.exit_code == 0, result.output
    for expected in ("categories", "entities", "interests", "micro", "language accuracy 1.000 (3/3)", "worst labels", "shopping"):
        assert expected in result.output
    # a label the tagger misses (the robot-vacuum post has no food in it) is listed with the post id
    assert "interests/food: F1 0.67, 0 false positive(s) , 1 missed (2)" in result.output
    result = runner.invoke(app, ["--config", cfg, "eval", "--gold", str(path), "--json"])
    summary = json.loads(result.output)
    assert summary["entities"]["f1"] == 1.0 and summary["posts"] == 3
    assert summary["interests"]["recall"] == 0.75


def test_eval_rejects_an_unknown_split(tmp_path: Path, config_dir: Path):
    result = runner.invoke(app, ["--config", str(config_dir / "pulse.yaml"), "eval", "--split", "test"])
    assert result.exit_code == 2 and "dev, heldout, all" in result.output
