"""The data-docs site (python -m python_ml docs), rendered in headless Chromium.

Checks what a reader sees, not the HTML text (dbt's static page embeds every name even when
nothing renders): the Great Expectations pages show their tables, dbt's lineage graph has
nodes and its docs blocks render, the documentation pages are listed on the index and
rendered with working links, and no page logs a console error or requests anything but
local files.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import CHROMIUM, PROJECT_DIR, Visit

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no chromium on this machine (apt-get install chromium; .ci/run installs it)",
    ),
    pytest.mark.skipif(
        shutil.which("npm") is None,
        reason="no npm to fetch the Data Docs' assets (apt-get install npm; .ci/run installs it)",
    ),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory, template_warehouse, sample_raw_dir):
    from python_ml.ops import docs

    work = tmp_path_factory.mktemp("docs")
    warehouse = work / "open_power.duckdb"
    shutil.copyfile(template_warehouse, warehouse)
    previous = os.environ.get("OPEN_POWER_DUCKDB")
    os.environ["OPEN_POWER_DUCKDB"] = str(warehouse)
    try:
        index = docs.build_site(
            warehouse,
            work / "site",
            PROJECT_DIR,
            docs.dbt_var_defaults(PROJECT_DIR),
            {"raw_dir": str(sample_raw_dir)},
        )
    finally:
        if previous is None:
            os.environ.pop("OPEN_POWER_DUCKDB", None)
        else:
            os.environ["OPEN_POWER_DUCKDB"] = previous
    return index.parent


def test_index_links_both_sites(site, browser):
    visit = Visit(browser, (site / "index.html").as_uri())
    visit.assert_clean()
    for link in ("#dbt-docs", "#gx-docs"):
        target = visit.page.locator(link).get_attribute("href")
        assert (site / target).is_file()


def test_data_docs_render_their_tables_offline(site, browser, tmp_path):
    visit = Visit(browser, (site / "gx" / "index.html").as_uri(), tmp_path / "gx.png")
    visit.assert_clean()
    rows = visit.page.locator("table tbody tr")
    assert rows.count() >= 3  # a validation and a suite per layer, listed by bootstrap-table
    for suite in ("stg_opsd__time_series", "int_opsd__zone_hours", "fct_spike_features"):
        page = Visit(browser, (site / "gx" / "expectations" / f"{suite}.html").as_uri())
        page.assert_clean()
        assert page.page.locator("table").count() >= 1
        assert (
            page.page.get_by_text("expect_column_values_to_be_between").count()
            + page.page.locator("table tbody tr").count()
            > 0
        )
    validations = sorted((site / "gx" / "validations").rglob("*.html"))
    assert len(validations) == 3
    page = Visit(browser, validations[0].as_uri())
    page.assert_clean()
    assert page.page.locator("table tbody tr").count() > 0


def test_dbt_docs_show_the_lineage_graph_with_nodes(site, browser, tmp_path):
    url = (site / "dbt" / "index.html").as_uri() + "#!/model/model.open_power_ml.fct_spike_features"
    visit = Visit(browser, url, tmp_path / "dbt.png")
    visit.assert_clean()
    nodes = visit.page.evaluate("""() => {
        const graph = angular.element(document.body).injector().get('graph').graph;
        return graph.elements.filter(e => !(e.data && e.data.source))
                             .map(e => e.data.label || e.data.id); }""")
    assert {
        "fct_spike_features",
        "int_spike__origin_features",
        "stg_opsd__time_series",
        "ml_training_runs",
        "ml_price_predictions",
    } <= set(nodes)
    # the model page renders its documented columns
    assert visit.page.get_by_text("price_lag_24h_z", exact=True).first.is_visible()


def test_dbt_docs_render_the_docs_blocks(site, browser):
    url = (site / "dbt" / "index.html").as_uri() + "#!/overview"
    visit = Visit(browser, url)
    visit.assert_clean()
    # the project's __overview__ block is the front page
    assert visit.page.get_by_text("Where to start", exact=True).first.is_visible()
    url = (site / "dbt" / "index.html").as_uri() + "#!/model/model.open_power_ml.fct_spike_features"
    visit = Visit(browser, url)
    visit.assert_clean()
    # the model's description comes from models/docs/spike.md
    assert visit.page.get_by_text("Windows, lags and ramps count hours").first.is_visible()


def test_index_lists_every_documentation_page(site, browser):
    visit = Visit(browser, (site / "index.html").as_uri())
    visit.assert_clean()
    links = visit.page.locator("#docs-pages a.doc-page")
    listed = [links.nth(i).get_attribute("href") for i in range(links.count())]
    expected = {f"pages/{page.stem}.html" for page in (PROJECT_DIR / "docs").glob("*.md")}
    assert set(listed) == expected and len(listed) == len(expected)
    assert listed[0] == "pages/README.html"  # the documentation's own index first
    for href in listed:
        assert (site / href).is_file()
    assert "Architecture and data flow" in links.all_inner_texts()


def _link_targets_exist(page: Path, hrefs: list[str]) -> list[str]:
    broken = []
    for href in hrefs:
        if re.match(r"^[a-z]+:", href):
            continue
        path, _, fragment = href.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.exists():
            broken.append(href)
        elif fragment and target.suffix == ".html":
            if f'id="{fragment}"' not in target.read_text(encoding="utf-8"):
                broken.append(href)
    return broken


def test_a_documentation_page_is_rendered_with_working_links(site, browser, tmp_path):
    page = site / "pages" / "spike-model.html"
    visit = Visit(browser, page.as_uri(), tmp_path / "page.png")
    visit.assert_clean()
    assert visit.page.locator("h1").first.inner_text() == "The spike model"
    assert visit.page.locator("h2#monitoring-and-model-lifecycle").is_visible()
    assert visit.page.locator("main table").count() >= 2  # tasks and promotion gates
    assert visit.page.locator("main pre code").count() >= 1
    hrefs = visit.page.eval_on_selector_all(
        "a[href]", "elements => elements.map(e => e.getAttribute('href'))"
    )
    # links to other pages point at their rendered pages, anchors included
    assert "real-data.html#walk-forward-backtest-on-entso-e" in hrefs
    assert "../index.html" in hrefs
    assert not [h for h in hrefs if h.split("#")[0].endswith(".md") and "/" not in h]
    # a link to a repository file outside docs/ points at the file
    assert any(h.endswith("bench/README.md") for h in hrefs)
    assert _link_targets_exist(page, hrefs) == []
    # following a link lands on the rendered page
    visit.page.locator("main a[href='real-data.html#walk-forward-backtest-on-entso-e']").click()
    visit.page.wait_for_load_state()
    assert visit.page.url.endswith("real-data.html#walk-forward-backtest-on-entso-e")
    assert visit.page.locator("h1").first.inner_text() == "Real data"
