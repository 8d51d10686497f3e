"""`pulse demo` end to end in a temporary directory: collect → store → tag → digest files."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.store import Store

ROOT = Path(__file__).resolve().parent.parent


def test_demo_runs_whole_chain(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PULSE_DATABASE_URL", raising=False)
    db = tmp_path / "demo.db"
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["--config", str(ROOT / "config" / "pulse.yaml"), "demo", "--database", str(db), "--out", str(out), "--no-show"],
    )
    assert result.exit_code == 0, result.output
    assert "Digest for 2026-W47" in result.output

    markdown = (out / "digest-2026-W47.md").read_text(encoding="utf-8")
    html = (out / "digest-2026-W47.html").read_text(encoding="utf-8")
    assert "2026-W47" in markdown and "<html" in html.lower()
    # The sample corpus has a Labubu shopping surge and a new drama title built in (see its README).
    assert "Labubu" in markdown
    assert "jade heiress" in markdown.lower()
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs and all((out / name).read_bytes().startswith(b"\x89PNG") for name in pngs)

    store = Store(f"sqlite:///{db}")
    try:
        assert store.count_posts() >= 2000
        labubu = [pid for pid, post in store.iter_posts() if "labubu" in post.full_text.lower()][:5]
        assert labubu and all("Labubu" in store.tags_of(pid)["entity"] for pid in labubu)
    finally:
        store.close()

    # Running it again starts from a fresh database: same number of posts, not twice as many.
    again = CliRunner().invoke(
        app,
        ["--config", str(ROOT / "config" / "pulse.yaml"), "demo", "--database", str(db), "--out", str(out), "--no-show"],
    )
    assert again.exit_code == 0, again.output
    store = Store(f"sqlite:///{db}")
    try:
        assert store.count_posts() == sum(1 for _ in store.iter_posts())
        assert f"{store.count_posts()} sample posts" in again.output
    finally:
        store.close()
