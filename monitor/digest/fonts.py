"""Fallback fonts so chart labels show Chinese, Japanese, Korean and Thai names instead of boxes.

DejaVu Sans (bundled with matplotlib) has no CJK, Hangul or Thai glyphs. The fallbacks are the
Debian/Ubuntu packages `fonts-noto-cjk` (Chinese, Japanese, Korean) and `fonts-thai-tlwg` (Thai),
documented system dependencies (deploy/Dockerfile and .ci/run install them). When present they are
registered with matplotlib and listed after DejaVu Sans, so matplotlib falls back per glyph; when
absent the charts still render (with boxes for those names) and a debug line says so.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

PRIMARY = "DejaVu Sans"
# File names of the fallback faces, in the order they are tried for a missing glyph.
FALLBACK_FILES = ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc", "Loma.ttf", "Loma-Bold.ttf")
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")


@cache
def chart_families() -> tuple[str, ...]:
    """DejaVu Sans, then the fallback families found on this machine (registered once per process)."""
    from matplotlib import font_manager

    families: list[str] = [PRIMARY]
    for name in FALLBACK_FILES:
        path = next((p for d in FONT_DIRS if d.is_dir() for p in d.rglob(name)), None)
        if path is None:
            log.debug("chart font missing file=%s", name)
            continue
        font_manager.fontManager.addfont(str(path))
        family = font_manager.FontProperties(fname=str(path)).get_name()
        if family not in families:
            families.append(family)
    return tuple(families)
