"""bench/README.md is generated from the benchmarks' results files, never edited by hand."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def renderer():
    spec = importlib.util.spec_from_file_location("render_readme", BENCH / "render_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_readme_is_what_the_results_files_render():
    module = renderer()
    assert (BENCH / "README.md").read_text() == module.render(), (
        "bench/README.md differs from its results files: run .venv/bin/python "
        "bench/render_readme.py (and never edit the page by hand)"
    )


def test_every_figure_on_the_page_comes_from_a_results_file(tmp_path, monkeypatch):
    """Change a measured figure in a copy of a results file: the page changes with it."""
    module = renderer()
    source = BENCH / "results" / "training.json"
    results = json.loads(source.read_text())
    results["runs"]["parallel"]["seconds"] = 12345.6
    (tmp_path / "training.json").write_text(json.dumps(results))
    monkeypatch.setattr(module, "RESULTS_DIR", tmp_path)
    page = module.render()
    assert "12,345.6" in page
    assert "Not run yet: no `bench/results/features.json`" in page
