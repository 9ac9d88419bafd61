"""The monitoring report (python -m python_ml report) rendered in headless Chromium: five
plots drawn, nothing requested from the network, no console error."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import CHROMIUM, Visit

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium on this machine (apt-get install chromium; .ci/run installs it)",
)

SECTIONS = ["reliability", "drift", "alert_rate", "shadow", "importance"]


@pytest.fixture(scope="module")
def page(ml_template, tmp_path_factory):
    from python_ml.ops.report import build_report

    work = tmp_path_factory.mktemp("report")
    warehouse = work / "open_power.duckdb"
    shutil.copyfile(ml_template, warehouse)
    return build_report(warehouse, work / "report")


def test_the_report_is_one_self_contained_file(page):
    text = page.read_text()
    assert text.count("<svg") == len(SECTIONS)
    assert "<script" not in text
    assert not re.search(r"(?:src|href)\s*=\s*[\"'](?:https?:)?//", text)
    assert list(page.parent.iterdir()) == [page]


def test_the_report_renders_every_plot_offline(page, browser, tmp_path):
    shot = tmp_path / "report.png"
    visit = Visit(browser, page.as_uri(), screenshot=shot)
    visit.assert_clean()
    for key in SECTIONS:
        box = visit.page.locator(f"#{key} svg").bounding_box()
        assert box and box["width"] > 300 and box["height"] > 150, (key, box)
        # drawn, not an empty frame: each plot holds paths (lines, bars, cells)
        assert visit.page.locator(f"#{key} svg path").count() > 4, key
    assert visit.page.locator("#drift svg text", has_text="price_").count() > 0
    assert visit.page.locator("#importance svg text", has_text="v1").count() == 1
    assert visit.page.locator(".empty").count() == 0
    assert shot.stat().st_size > 50_000
