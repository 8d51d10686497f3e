"""Golden files for Markdown/Telegram/HTML, byte-stable charts, and the `pulse digest` command."""

from __future__ import annotations

import os
import struct
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.digest import render_charts, render_html, render_markdown, render_telegram, save_charts
from monitor.digest.charts import CATEGORY_COLOURS, OKABE_ITO, category_colour
from monitor.store import Store
from pipelines.trends import build_weekly_report
from trends_fixtures import Spec, add_posts, fill_known_weeks, monday, settings, watchlist

GOLDEN = Path(__file__).parent / "data" / "golden"
UPDATE = os.environ.get("PULSE_UPDATE_GOLDEN") == "1"  # regenerate: PULSE_UPDATE_GOLDEN=1 pytest tests/test_digest_render.py


def berlin():
    return settings().model_copy(update={"timezone": "Europe/Berlin"})


def golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden file {path} (run with PULSE_UPDATE_GOLDEN=1)"
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


@pytest.fixture
def report(store: Store):
    fill_known_weeks(store)
    return build_weekly_report(store, watchlist(), berlin(), "2026-W47")


def quiet_report(store: Store):
    specs = []
    for week in range(40, 48):
        start = monday(f"2026-W{week}")
        specs += [
            Spec(start + timedelta(days=i % 7, hours=i % 24), ["drama"], ["ReelShort"], ["food"] if i % 3 == 0 else [], author=f"a{i}", text="reelshort again", url=f"https://e.org/{week}/{i}")
            for i in range(30)
        ]
    add_posts(store, specs)
    return build_weekly_report(store, watchlist(), settings(), "2026-W47")


def test_golden_busy_week(report):
    charts = [("2026-W47-volume.png", "Posts per week by category, 2026-W47")]
    golden("2026-W47.md", render_markdown(report, charts))
    golden("2026-W47.telegram.txt", "\n\n=====\n\n".join(render_telegram(report)) + "\n")
    golden("2026-W47.html", render_html(report, [], embed=False))


def test_golden_quiet_week(store: Store):
    report = quiet_report(store)
    assert report.quiet
    md = render_markdown(report)
    assert "Quiet week" in md and "## Categories" not in md
    golden("quiet-2026-W47.md", md)
    golden("quiet-2026-W47.telegram.txt", "\n\n=====\n\n".join(render_telegram(report)) + "\n")


def test_same_data_same_bytes(report, store: Store):
    again = build_weekly_report(store, watchlist(), berlin(), "2026-W47")
    assert render_telegram(report) == render_telegram(again)
    assert render_markdown(report) == render_markdown(again)
    first, second = render_charts(report), render_charts(again)
    assert [c.name for c in first] == ["2026-W47-volume.png", "2026-W47-interests.png"]
    assert [c.png for c in first] == [c.png for c in second]
    assert render_html(report, first) == render_html(again, second)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_charts_are_phone_sized_pngs_without_metadata(report):
    volume, interests = render_charts(report)
    width, height = png_size(volume.png)
    assert width == 1080 and 500 <= height <= 1800  # 1080 px wide: sharp on a phone, large type
    assert b"Software" not in volume.png and b"Creation" not in volume.png  # no varying metadata
    assert png_size(interests.png)[0] == 1080


def test_category_colours_are_fixed_and_colour_blind_safe():
    assert category_colour("toy") == CATEGORY_COLOURS["toy"] == "#CC79A7"
    assert set(CATEGORY_COLOURS.values()) <= set(OKABE_ITO)
    assert category_colour("podcast") == category_colour("podcast") in OKABE_ITO
    assert len(set(CATEGORY_COLOURS.values())) == len(CATEGORY_COLOURS)


def test_html_page_embeds_charts_and_escapes(report):
    charts = render_charts(report)
    page = render_html(report, charts)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page.count("data:image/png;base64,") == 2
    assert "<b>sold</b>" not in page and "&lt;b&gt;sold&lt;/b&gt;" in page
    linked = render_html(report, charts, embed=False)
    assert 'src="2026-W47-volume.png"' in linked and "base64" not in linked


def test_save_charts(tmp_path: Path, report):
    paths = save_charts(render_charts(report), tmp_path / "out")
    assert [p.name for p in paths] == ["2026-W47-volume.png", "2026-W47-interests.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in paths)


# -- the CLI ------------------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def cli_config(tmp_path: Path, monkeypatch) -> tuple[Path, Store]:
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "pulse.yaml").write_text(yaml.safe_dump({"timezone": "Europe/Berlin", "keywords_file": "keywords.yaml"}))
    (cfg / "keywords.yaml").write_text(yaml.safe_dump(watchlist().model_dump(mode="json"), sort_keys=False))
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("PULSE_DATABASE_URL", url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    store = Store(url)
    fill_known_weeks(store)
    yield cfg / "pulse.yaml", store
    store.close()


def test_cli_writes_markdown_and_charts(tmp_path: Path, cli_config):
    config_path, store = cli_config
    out = tmp_path / "digest"
    result = runner.invoke(app, ["--config", str(config_path), "digest", "--week", "2026-W47", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["2026-W47-interests.png", "2026-W47-volume.png", "2026-W47.md"]
    md = (out / "2026-W47.md").read_text(encoding="utf-8")
    report = build_weekly_report(store, watchlist(), berlin(), "2026-W47")
    charts = [(c.name, c.caption) for c in render_charts(report)]
    assert md == render_markdown(report, charts)
    assert "![Posts per week by category, 2026-W47](2026-W47-volume.png)" in md


def test_cli_prints_telegram_and_html(cli_config):
    config_path, _ = cli_config
    result = runner.invoke(app, ["--config", str(config_path), "digest", "--week", "2026-W47", "--format", "telegram"])
    assert result.exit_code == 0, result.output
    assert "<b>Culture Pulse · 2026-W47</b>" in result.output
    result = runner.invoke(app, ["--config", str(config_path), "digest", "--week", "2026-W47", "-f", "html"])
    assert result.exit_code == 0
    assert result.output.startswith("<!DOCTYPE html>") and "data:image/png;base64," in result.output


def test_cli_future_week_exits_2_with_a_clear_message(cli_config):
    config_path, _ = cli_config
    result = runner.invoke(app, ["--config", str(config_path), "digest", "--week", "2099-W01"])
    assert result.exit_code == 2, result.output
    assert "2099-W01 has not begun yet" in result.output


def test_cli_rejects_a_bad_week_and_send_needs_a_token(cli_config):
    config_path, _ = cli_config
    result = runner.invoke(app, ["--config", str(config_path), "digest", "--week", "2026-W60"])
    assert result.exit_code != 0
    assert "no week 60" in result.output
    result = runner.invoke(app, ["--config", str(config_path), "digest", "--week", "2026-W47", "--send"])
    assert result.exit_code != 0
    assert "TELEGRAM_BOT_TOKEN is not set" in result.output or "sending is not available yet" in result.output


def test_charts_draw_cjk_thai_and_korean_names(store: Store):
    import warnings

    from matplotlib import rc_context
    from matplotlib.figure import Figure

    from monitor.config.watchlist import Watchlist
    from monitor.digest.charts import _png
    from monitor.digest.fonts import chart_families

    if len(chart_families()) < 3:
        pytest.skip("CJK/Thai fallback fonts not installed (Debian: fonts-noto-cjk fonts-thai-tlwg; .ci/run installs them)")
    names = "玩具 ของเล่น 장난감"
    data = watchlist().model_dump(mode="json")
    data["categories"]["toy"]["label"] = names
    wl = Watchlist.model_validate(data)
    fill_known_weeks(store)
    report = build_weekly_report(store, wl, berlin(), "2026-W47")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render_charts(report)
    assert not [w for w in caught if "missing from font" in str(w.message)]
    with warnings.catch_warnings(record=True) as caught, rc_context({"font.family": ["DejaVu Sans"]}):
        warnings.simplefilter("always")
        fig = Figure()
        fig.add_subplot().set_title(names)
        _png(fig)  # the same names with DejaVu Sans alone: boxes, and matplotlib says so
    assert [w for w in caught if "missing from font" in str(w.message)]
