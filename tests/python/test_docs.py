"""The data-docs site (python -m python_ml docs), rendered in headless Chromium.

Checks what a reader sees, not the HTML text (dbt's static page embeds every name even when
nothing renders): the Great Expectations pages show their tables, dbt's lineage graph has
nodes, and no page logs a console error or requests anything but local files.
"""

from __future__ import annotations

import os
import shutil

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
