"""Shared fixtures: one sample and one template warehouse per test session.

dbt runs in-process (dbtRunner) against temporary folders: the warehouse path comes
from OPEN_POWER_DUCKDB (profiles.yml), the raw folder from the raw_dir var, and
target/log paths point into the temporary folder, so tests never touch the user's
warehouse or target/.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
SHARED_REAL_DATA = PROJECT_DIR.parent / "shared" / "data" / "real"

# A small sample keeps the session fast: three zones, 40 local days (the third zone
# starts later, the last day is the live feed's forecast-only day).
SAMPLE_DAYS = 40


@dataclass
class DbtRun:
    success: bool
    results: dict[str, str]  # node name -> status
    messages: dict[str, str]  # node name -> message (errors carry the raw-file rule)
    exception: BaseException | None

    def failure_text(self) -> str:
        return "\n".join(f"{k}: {v}" for k, v in self.messages.items() if v)


def release_duckdb_file() -> None:
    """Close dbt-duckdb's cached database: a test opening the same file afterwards with
    other settings (read-only) would be refused, and another process locked out."""
    from python_ml.ops.runs import release_dbt_duckdb

    release_dbt_duckdb()


def run_dbt(
    args: list[str],
    *,
    warehouse: Path,
    raw_dir: Path,
    work_dir: Path,
    extra_vars: dict | None = None,
    project_dir: Path = PROJECT_DIR,
) -> DbtRun:
    """Run one dbt command in-process against a given warehouse file and raw folder."""
    import yaml
    from dbt.cli.main import dbtRunner

    dbt_vars = {"raw_dir": str(raw_dir), **(extra_vars or {})}
    previous = os.environ.get("OPEN_POWER_DUCKDB")
    os.environ["OPEN_POWER_DUCKDB"] = str(warehouse)
    try:
        result = dbtRunner().invoke(
            [
                *args,
                "--quiet",
                "--project-dir",
                str(project_dir),
                "--profiles-dir",
                str(project_dir),
                "--target-path",
                str(work_dir / "target"),
                "--log-path",
                str(work_dir / "logs"),
                "--vars",
                yaml.safe_dump(dbt_vars, default_flow_style=True).strip(),
            ]
        )
    finally:
        release_duckdb_file()
        if previous is None:
            os.environ.pop("OPEN_POWER_DUCKDB", None)
        else:
            os.environ["OPEN_POWER_DUCKDB"] = previous
    statuses: dict[str, str] = {}
    messages: dict[str, str] = {}
    for node_result in getattr(result.result, "results", None) or []:
        name = node_result.node.name
        statuses[name] = str(node_result.status)
        messages[name] = node_result.message or ""
    return DbtRun(result.success, statuses, messages, result.exception)


def copy_project(destination: Path) -> Path:
    """A copy of the dbt project (no environment, outputs or Python tests) to edit in a test."""
    shutil.copytree(
        PROJECT_DIR,
        destination,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "warehouse", "target", "logs", "python", "__pycache__", "*.egg-info"
        ),
    )
    return destination


# ERCOT: four settlement points over the November 2024 fall-back day
ERCOT_SAMPLE = {"points": 4, "start": "2024-11-02", "days": 3}


@pytest.fixture(scope="session")
def sample_raw_dir(tmp_path_factory) -> Path:
    """Small deterministic OPSD and ERCOT samples, generated once per session."""
    from python_ml.data.ercot_sample import ErcotSampleSpec, generate_ercot_sample
    from python_ml.data.opsd_sample import SampleSpec, generate_opsd_sample

    raw_dir = tmp_path_factory.mktemp("raw")
    generate_opsd_sample(raw_dir / "opsd", SampleSpec(days=SAMPLE_DAYS, seed=7))
    generate_ercot_sample(raw_dir / "ercot", ErcotSampleSpec(**ERCOT_SAMPLE), progress=False)
    return raw_dir


@pytest.fixture(scope="session")
def template_warehouse(tmp_path_factory, sample_raw_dir) -> Path:
    """The warehouse built once from the sample with `dbt build`, without the ML models
    (40 days hold no validation window; test_ml_build.py builds its own)."""
    work_dir = tmp_path_factory.mktemp("template")
    warehouse = work_dir / "open_power.duckdb"
    run = run_dbt(
        ["build", "--exclude", "tag:ml", "tag:monitoring"],
        warehouse=warehouse,
        raw_dir=sample_raw_dir,
        work_dir=work_dir,
    )
    assert run.success, f"dbt build of the template failed:\n{run.failure_text()}"
    return warehouse


@pytest.fixture
def warehouse(template_warehouse, tmp_path) -> Path:
    """A private copy of the template warehouse for one test."""
    copy = tmp_path / "open_power.duckdb"
    shutil.copyfile(template_warehouse, copy)
    return copy


# ---------------------------------------------------------------- ML warehouse

# 200 days from 2017-04-15 (through the autumn DST switch, which the bad-input corpus cuts
# its files from): train to late June, validation from late July, test from late September
# (gaps of 30 days cover the longest feature window). A lower spike bar (1.5 sd instead of
# 2.5) puts enough spikes in a fortnight for every window to hold both classes.
ML_SAMPLE = {"start": "2017-04-15", "days": 200, "seed": 11}
ML_VARS = {
    "spike_rule": {
        "method": "trailing_mean_sd",
        "window_hours": 672,
        "k_sd": 1.5,
        "min_observations": 168,
        "absolute_eur_mwh": 150,
    },
    "spike_split": {"validation_start": "2017-07-25", "test_start": "2017-09-25", "gap_hours": 720},
    # in-process: a tiny sample trains faster than worker processes start (the template
    # warehouse below trains with two, as a default build does)
    "ml_training": {
        "trials": 2,
        "bootstrap_samples": 20,
        "max_rounds": 200,
        "early_stopping_rounds": 20,
        "workers": 1,
    },
}
# every model, test and view of the ML and monitoring layers, with their ancestors
ML_MODELS = ["+tag:ml", "+tag:monitoring"]


def ml_build(warehouse, raw_dir, work_dir, **extra):
    return run_dbt(
        ["build", "--select", *ML_MODELS, "--exclude", "test_type:unit"],
        warehouse=warehouse,
        raw_dir=raw_dir,
        work_dir=work_dir,
        extra_vars={**ML_VARS, **extra},
    )


# every column of every row: a table is unchanged only if this is
TABLE_HASHES = {
    name: f"select count(*), sum(hash(t)) from {name} t"
    for name in ("ml_training_runs", "ml_spike_scores", "ml_price_scores")
}


def hashes(warehouse):
    """Row count and a content hash of the registry and both tasks' predictions."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {name: con.sql(sql).fetchall() for name, sql in TABLE_HASHES.items()}


@pytest.fixture(scope="session")
def ml_raw_dir(tmp_path_factory):
    """200 days of the sample, enough for train, validation and test windows."""
    from python_ml.data.ercot_sample import ErcotSampleSpec, generate_ercot_sample
    from python_ml.data.opsd_sample import SampleSpec, generate_opsd_sample

    raw_dir = tmp_path_factory.mktemp("ml_raw")
    generate_opsd_sample(raw_dir / "opsd", SampleSpec(**ML_SAMPLE))
    # the scheduled paths (selectors.yml) build the ERCOT layers too
    generate_ercot_sample(raw_dir / "ercot", ErcotSampleSpec(**ERCOT_SAMPLE), progress=False)
    return raw_dir


@pytest.fixture(scope="session")
def ml_template(tmp_path_factory, ml_raw_dir):
    work_dir = tmp_path_factory.mktemp("ml_template")
    warehouse = work_dir / "open_power.duckdb"
    run = ml_build(
        warehouse, ml_raw_dir, work_dir, ml_training={**ML_VARS["ml_training"], "workers": 2}
    )
    assert run.success, run.failure_text()
    return warehouse


@pytest.fixture
def ml_warehouse(ml_template, tmp_path):
    copy = tmp_path / "open_power.duckdb"
    shutil.copyfile(ml_template, copy)
    return copy


# ---------------------------------------------------------------- headless Chromium

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (no browser download)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


class Visit:
    """A page with its console errors and every request it made."""

    def __init__(self, browser, url: str, screenshot: Path | None = None) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on(
            "response",
            lambda r: self.errors.append(f"{r.status}: {r.url}") if r.status >= 400 else None,
        )
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_timeout(500)
        if screenshot:
            self.page.screenshot(path=str(screenshot), full_page=True)

    def assert_clean(self) -> None:
        assert self.errors == [], self.requests
        assert all(u.startswith(("file://", "data:", "about:")) for u in self.requests), [
            u for u in self.requests if not u.startswith(("file://", "data:", "about:"))
        ]
