"""The walk-through notebook (notebooks/walkthrough.py) runs from top to bottom on a trained
warehouse, as `make notebook` runs it, and what it shows is what the warehouse holds."""

from __future__ import annotations

import re

import pytest

from python_ml.ops import notebook

pytestmark = pytest.mark.slow


def test_the_walkthrough_executes_on_a_trained_warehouse(ml_warehouse, ml_raw_dir, tmp_path):
    page = notebook.render(ml_warehouse, tmp_path / "out", raw_dir=ml_raw_dir, timeout=300)
    html = page.read_text()
    # the price plot and the reliability curve, embedded
    assert html.count("data:image/png;base64") >= 2
    # the champion rebuilt from its registry row scores exactly what the warehouse stored
    found = re.search(r"rescored (\d+) rows; largest difference to the stored scores: (\S+)", html)
    assert found, "the scoring section printed nothing"
    assert int(found.group(1)) > 0
    assert float(found.group(2)) <= 1e-9
    assert not (tmp_path / "out" / ".snapshot").exists()


def test_a_failing_cell_names_the_notebook(ml_warehouse, tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("# %%\nimport duckdb\n\n# %%\nraise ValueError('cell two fails')\n")
    with pytest.raises(
        notebook.NotebookError,
        match=r"broken.py, cell 2 \(raise ValueError.*\): ValueError: cell two fails$",
    ):
        notebook.execute(broken, ml_warehouse, timeout=60)
