"""PNG charts for the digest (matplotlib, Agg canvas, no pyplot state): volume per category, interest conversion.

Readable on a phone (large type, direct labels, no legend boxes), Okabe–Ito colour-blind-safe
palette with a fixed colour per category key, and byte-stable output (no timestamp/software
metadata), so the same report gives the same PNG bytes with the same matplotlib version.
"""

from __future__ import annotations

import io
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.atomic_file import write_atomic
from monitor.digest import text
from monitor.digest.fonts import chart_families
from pipelines.trends.report import CategorySection, LabelTrend, WeeklyReport

if TYPE_CHECKING:  # matplotlib (~20 MB) is imported when a chart is drawn, not when `pulse run` starts
    from matplotlib.figure import Figure

# Okabe & Ito (2008), "Color Universal Design"; yellow last (weak on white).
OKABE_ITO = ("#D55E00", "#0072B2", "#CC79A7", "#E69F00", "#009E73", "#56B4E9", "#000000", "#F0E442")
CATEGORY_COLOURS = {
    "drama": "#D55E00",  # vermillion
    "game": "#0072B2",  # blue
    "toy": "#CC79A7",  # reddish purple
    "animation": "#E69F00",  # orange
    "literature": "#009E73",  # bluish green
    "music": "#56B4E9",  # sky blue
    "film": "#000000",  # black
}
DPI = 200  # 5.4 in wide at 200 dpi = 1080 px: one column, type still legible when a phone shows it 360 px wide
WIDTH_IN = 5.4

_STYLE = {
    "font.size": 15,
    "axes.titlesize": 17,
    "axes.titleweight": "bold",
    "axes.titley": 1.02,  # fixed: automatic title placement measures every tick label (slow)
    "axes.titlepad": 4.0,
    "axes.labelsize": 14,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#E6E6E6",
    "grid.linewidth": 1.0,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "svg.hashsalt": "culture-pulse",
    "path.simplify": False,
}


def _style() -> dict:
    """The chart style with the font families of this machine (DejaVu Sans, then CJK/Thai fallbacks)."""
    return {**_STYLE, "font.family": list(chart_families())}


@dataclass(frozen=True)
class Chart:
    """One rendered chart: file name (e.g. 2026-W47-volume.png), caption, PNG bytes."""

    name: str
    caption: str
    png: bytes


def category_colour(key: str) -> str:
    """The fixed colour of a category (defaults above; others by a stable hash of the key)."""
    if key in CATEGORY_COLOURS:
        return CATEGORY_COLOURS[key]
    return OKABE_ITO[zlib.crc32(key.encode()) % len(OKABE_ITO)]


def _png(fig: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    # compress_level 1: ~4x faster to encode than the default; Telegram re-encodes photos anyway.
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def _margins(fig: Figure, rows: int, cols: int, *, left: float = 0.8) -> dict[str, float]:
    """Fixed subplot margins in inches (tight_layout measures every text twice: too slow)."""
    width, height = fig.get_size_inches()
    return {
        "left": left / width,
        "right": 1 - 0.3 / width,
        "top": 1 - 1.0 / height,
        "bottom": 0.6 / height,
        "hspace": 0.75 * rows / max(height - 1.6, 1) * 1.2,
        "wspace": (left + 0.3) / (width / cols),
    }


def _grid(n: int) -> tuple[int, int]:
    """One column: a 390 px phone screen shows one panel across, never two side by side."""
    return n, 1


def _volume_panel(ax, section: CategorySection, labels: Sequence[str]) -> None:  # noqa: ANN001
    colour = category_colour(section.key)
    xs = list(range(len(section.series)))
    # Weeks before collection began are gaps (NaN), not zeros: no line opens with a jump.
    ys = [math.nan if n is None else n for n in section.series]
    ax.plot(xs, ys, color=colour, linewidth=3.0, marker="o", markersize=5, zorder=3)
    ax.plot([xs[-1]], [ys[-1]], "o", color=colour, markersize=11, zorder=4)
    top = max([n for n in section.series if n is not None] + [1])
    ax.set_ylim(0, top * 1.35)
    ax.set_xlim(-0.4, len(xs) - 0.6)
    ticks = [i for i in xs if (len(xs) - 1 - i) % 3 == 0]
    ax.set_xticks(ticks, [labels[i] for i in ticks])
    ax.yaxis.set_major_locator(_max_n_locator())
    arrow = text.ARROW[section.trend.direction]
    ax.set_title(f"{section.label}  {text.count(section.trend.count)} {arrow}".rstrip(), loc="left", color=colour)
    rising = section.rising_entities()[:2]
    if rising:
        note = "\n".join(f"▲ {text.clip(e.label, 20)} {_short_change(e)}".rstrip() for e in rising)
        ax.text(0.02, 0.96, note, transform=ax.transAxes, va="top", ha="left", fontsize=13, color="#222222")


def _short_change(t: LabelTrend) -> str:
    c = t.deciding
    return text.points(c.delta_pp) if c.baseline_weeks else f"{text.count(t.count)}"


def _max_n_locator():  # noqa: ANN202
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=4, integer=True)


def volume_chart(report: WeeklyReport) -> Chart:
    """Weekly posts per category over the chart window (one small panel each), rising titles labelled."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    sections = [s for s in report.categories if any(s.series)] or list(report.categories[:1])
    rows, cols = _grid(len(sections))
    labels = [f"W{w.week:02d}" for w in report.chart_weeks]
    with rc_context(_style()):
        fig = Figure(figsize=(WIDTH_IN * cols, 2.2 * rows + 1.0), dpi=DPI)
        fig.suptitle(f"Posts per week, to {report.week}", x=0.02, ha="left", fontsize=19, fontweight="bold")
        grid = fig.add_gridspec(rows, cols, **_margins(fig, rows, cols))
        for i, section in enumerate(sections):
            ax = fig.add_subplot(grid[i // cols, i % cols])
            _volume_panel(ax, section, labels)
            # week labels only under the lowest panel of each column (no shared axes: faster)
            ax.tick_params(axis="x", labelbottom=i + cols >= len(sections))
        return Chart(f"{report.week}-volume.png", f"Posts per week by category, {report.week}", _png(fig))


def conversion_chart(report: WeeklyReport) -> Chart | None:
    """Share of each category's posts showing each interest: this week (filled) vs the 4 weeks
    before (hollow). Categories with fewer than `min_posts` compared posts this week are left out;
    every panel shares one scale."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    sections = [s for s in report.categories if s.interests and s.interests[0].n >= report.min_posts]
    if not sections or not report.interest_labels:
        return None
    panels = list(report.interest_labels)
    rows, cols = _grid(len(panels))
    cats = list(reversed(sections))
    shared_top = max([v * 100 for s in cats for i in s.interests for v in (i.share, i.baseline_share)] + [0.0])
    with rc_context(_style()):
        fig = Figure(figsize=(WIDTH_IN * cols, 0.45 * len(cats) * rows + 1.0 * rows + 1.0), dpi=DPI)
        fig.suptitle(
            f"Interest shown in posts, {report.week}\n● this week  ○ 4 weeks before", x=0.02, ha="left", fontsize=15, fontweight="bold"
        )
        grid = fig.add_gridspec(rows, cols, **_margins(fig, rows, cols, left=1.9))
        for p, (ikey, ilabel) in enumerate(panels):
            ax = fig.add_subplot(grid[p // cols, p % cols])
            ax.grid(axis="x", color="#E6E6E6")
            ax.grid(axis="y", visible=False)
            shares = [next(i for i in section.interests if i.interest == ikey) for section in cats]
            colours = [category_colour(section.key) for section in cats]
            ys = list(range(len(cats)))
            now = [sh.share * 100 for sh in shares]
            before = [sh.baseline_share * 100 for sh in shares]
            significant = [sh.direction != "steady" for sh in shares]
            ax.hlines(
                ys, before, now,
                colors=["#333333" if sig else "#C8C8C8" for sig in significant],
                linewidths=[2.5 if sig else 2.0 for sig in significant],
                zorder=2,
            )
            ax.scatter(before, ys, s=100, facecolors="white", edgecolors=colours, linewidths=2, zorder=3)
            ax.scatter(now, ys, s=130, c=colours, zorder=4)
            for y, share, sig in zip(ys, shares, significant, strict=True):
                if sig:
                    ax.annotate(
                        text.ARROW[share.direction], (share.share * 100, y), xytext=(8, -1),
                        textcoords="offset points", va="center", fontsize=12, color="#222222",
                    )
            if p % cols == 0:
                ax.set_yticks(range(len(cats)), [text.clip(s.label, 14) for s in cats])
                for tick, section in zip(ax.get_yticklabels(), cats, strict=True):
                    tick.set_color(category_colour(section.key))
            else:
                ax.set_yticks(range(len(cats)), [""] * len(cats))
            ax.set_xlim(0, min(104.0, max(5.0, shared_top * 1.25)))
            ax.set_ylim(-0.6, len(cats) - 0.4)
            ax.xaxis.set_major_formatter(_percent_formatter())
            ax.xaxis.set_major_locator(_max_n_locator())
            ax.set_title(ilabel, loc="left")
        return Chart(f"{report.week}-interests.png", f"Interest conversion by category, {report.week}", _png(fig))


def _percent_formatter():  # noqa: ANN202
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: f"{x:.0f}%")


def render_charts(report: WeeklyReport) -> list[Chart]:
    """The digest's charts, in album order: volume, then interest conversion (when there is data)."""
    charts = [volume_chart(report)]
    conversion = conversion_chart(report)
    if conversion is not None:
        charts.append(conversion)
    return charts


def save_charts(charts: Sequence[Chart], out_dir: Path) -> list[Path]:
    """Write each chart's PNG into `out_dir` (created if needed); returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for chart in charts:
        path = out_dir / chart.name
        write_atomic(path, chart.png)  # a full disk leaves no 0-byte PNG behind
        paths.append(path)
    return paths
