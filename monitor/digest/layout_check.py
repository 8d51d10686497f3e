"""Measures the HTML digest in a real headless Chromium at a given viewport width (phone 390 px, desktop 1200 px).

The page is loaded inside an iframe of that width (headless Chromium's own window is at least
500 px wide), so the page's media queries see exactly that width; a script then reports the
document's scroll width and each image's drawn width. Used by tests/test_digest_browser.py and by
`python -m monitor.digest.layout_check PAGE.html` (prints the figures and saves screenshots).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
WIDTHS = (390, 1200)
_PROBE = re.compile(r'data-probe="([^"]*)"')


@dataclass(frozen=True)
class Layout:
    """What the browser drew at one viewport width."""

    width: int  # viewport width of the page
    scroll_width: int  # the document's full width: wider than `width` means horizontal scrolling
    images: tuple[int, ...]  # drawn width of each image


def browser() -> str | None:
    """Path of a Chromium-compatible browser, or None."""
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def _host(page: str, width: int) -> str:
    probe = (
        "const f=document.getElementById('f');f.onload=()=>{const d=f.contentDocument;"
        "document.body.setAttribute('data-probe',JSON.stringify({sw:d.documentElement.scrollWidth,"
        "imgs:[...d.images].map(i=>Math.round(i.getBoundingClientRect().width))}))}"
    )
    return (
        f'<!DOCTYPE html><html><body style="margin:0"><iframe id="f" style="border:0;width:{width}px;height:4000px" '
        f'srcdoc="{html.escape(page, quote=True)}"></iframe><script>{probe}</script></body></html>'
    )


def _run(binary: str, args: list[str], target: Path) -> str:
    cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=5000", *args]
    done = subprocess.run([*cmd, target.as_uri()], capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def measure(page: str, width: int, *, screenshot: Path | None = None) -> Layout:
    """Load the page at `width` px in headless Chromium; RuntimeError when no browser is installed."""
    binary = browser()
    if binary is None:
        raise RuntimeError(f"no headless browser found (tried {', '.join(BROWSERS)}; Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"host-{width}.html"
        target.write_text(_host(page, width), encoding="utf-8")
        dom = _run(binary, ["--window-size=1300,2000", "--dump-dom"], target)
        if screenshot is not None:
            _run(binary, [f"--window-size={max(width, 500)},4000", f"--screenshot={screenshot}"], target)
    match = _PROBE.search(dom)
    if match is None:
        raise RuntimeError("the browser did not report the layout")
    data = json.loads(html.unescape(match.group(1)))
    return Layout(width, int(data["sw"]), tuple(int(w) for w in data["imgs"]))


def main(argv: list[str]) -> int:
    """python -m monitor.digest.layout_check PAGE.html [OUT_DIR]: figures per width, screenshots in OUT_DIR."""
    if not argv:
        print(__doc__)
        return 2
    page = Path(argv[0]).read_text(encoding="utf-8")
    out = Path(argv[1]) if len(argv) > 1 else None
    status = 0
    for width in WIDTHS:
        shot = out / f"layout-{width}.png" if out else None
        if out:
            out.mkdir(parents=True, exist_ok=True)
        layout = measure(page, width, screenshot=shot)
        fits = layout.scroll_width <= width and all(w <= width for w in layout.images)
        status |= 0 if fits else 1
        print(f"{width} px: document {layout.scroll_width} px wide, images {list(layout.images)} px: {'fits' if fits else 'OVERFLOWS'}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
