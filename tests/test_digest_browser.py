"""The HTML digest in a real headless Chromium: one column at 390 px (no horizontal scrolling), full tables at 1200 px."""

from __future__ import annotations

import pytest

from monitor.digest import render_charts, render_html
from monitor.digest.layout_check import browser, measure
from monitor.store import Store
from pipelines.trends import build_weekly_report
from trends_fixtures import fill_known_weeks, settings, watchlist

pytestmark = pytest.mark.skipif(browser() is None, reason="no headless Chromium (Debian: apt-get install chromium; .ci/run installs it)")


@pytest.fixture
def page(tmp_path) -> str:
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    fill_known_weeks(store)
    report = build_weekly_report(store, watchlist(), settings(), "2026-W47")
    store.close()
    return render_html(report, render_charts(report))


def test_phone_width_has_no_horizontal_scrolling(page: str):
    phone = measure(page, 390)
    assert phone.scroll_width <= 390
    assert phone.images and all(200 <= w <= 390 for w in phone.images)  # charts drawn across the screen


def test_desktop_width_keeps_the_page_column(page: str):
    desktop = measure(page, 1200)
    assert desktop.scroll_width <= 1200
    assert all(w <= 860 for w in desktop.images)  # the 860 px reading column


def test_the_check_sees_an_overflow(page: str):
    """The measurement can fail: a fixed 800 px block in the same page makes it scroll sideways at 390 px."""
    wide = page.replace("</body>", '<div style="width:800px">wide</div></body>')
    assert measure(wide, 390).scroll_width >= 800
