"""The walk-forward backtest as a user runs it (`python -m python_ml backtest`) on the ML
warehouse: every cut trains only on labels before it and scores the period after it, the
results land in the warehouse beside the baselines, and a killed backtest resumes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import duckdb
import pytest
import yaml
from conftest import PROJECT_DIR

pytestmark = pytest.mark.slow

# four cuts a fortnight apart over the sample's test window, a small budget
ARGS = [
    "--task",
    "spike_risk",
    "--start",
    "2017-09-04",
    "--end",
    "2017-10-29",
    "--every",
    "14d",
    "--quiet",
]
VARS = {
    "ml_backtest": {
        "trials": 2,
        "families": ["lightgbm"],
        "bootstrap_samples": 20,
        "max_rounds": 200,
        "early_stopping_rounds": 20,
        "walk_forward": {"window": "expanding", "validation_days": 28, "gap_hours": 720},
    }
}


def backtest(warehouse, *extra, env=None, wait=True):
    command = [
        sys.executable,
        "-m",
        "python_ml",
        "backtest",
        "--warehouse",
        str(warehouse),
        *ARGS,
        "--vars",
        yaml.safe_dump(VARS, default_flow_style=True),
        *extra,
    ]
    if not wait:
        return subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    return subprocess.run(
        command, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=600, check=False, env=env
    )


def query(warehouse, sql):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


@pytest.fixture(scope="module")
def finished(ml_template, tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("backtest") / "open_power.duckdb"
    shutil.copyfile(ml_template, warehouse)
    done = backtest(warehouse)
    assert done.returncode == 0, done.stdout + done.stderr
    return warehouse, done.stdout


def test_each_cut_trains_before_it_and_scores_the_period_after_it(finished):
    warehouse, _ = finished
    cuts = query(
        warehouse,
        """
        select cut_utc, period_end_utc, validation_end_utc, train_end_utc, scored_rows
        from ml_backtest_cuts order by cut_utc""",
    )
    assert [str(c[0].date()) for c in cuts] == [
        "2017-09-04",
        "2017-09-18",
        "2017-10-02",
        "2017-10-16",
    ]
    assert str(cuts[-1][1].date()) == "2017-10-30"  # the end day is scored
    for cut, period_end, validation_end, train_end, scored in cuts:
        # refitted up to the newest label before the cut
        assert validation_end < cut and train_end <= validation_end
        rows = query(
            warehouse,
            f"""
            select count(*), min(target_ts_utc), max(target_ts_utc)
            from ml_backtest_predictions where cut_utc = '{cut}'""",
        )[0]
        assert rows[0] == scored and rows[1] >= cut and rows[2] < period_end
    mart = query(
        warehouse,
        """
        select count(*) from fct_spike_features
        where target_ts_utc >= '2017-09-04' and target_ts_utc < '2017-10-30'""",
    )[0][0]
    assert query(warehouse, "select count(*) from ml_backtest_predictions") == [(mart,)]


def test_metrics_sit_beside_the_baselines_per_period_and_entity(finished):
    warehouse, printed = finished
    rows = query(
        warehouse,
        """
        select period, entity, predictor, value, ci_low, ci_high from ml_backtest_metrics
        where metric = 'pr_auc'""",
    )
    periods = {r[0] for r in rows}
    assert {"2017-09-04", "2017-09-18", "2017-10-02", "2017-10-16", "2017-H2", "ALL"} == periods
    entities = {r[1] for r in rows}
    assert entities == {"ALL", "MEAN", "DE_LU", "FR", "NL"}
    got = {(r[0], r[1], r[2]): r[3:] for r in rows}
    for predictor in ("model", "persistence", "climatology"):
        assert ("ALL", "MEAN", predictor) in got
    # each family is evaluated too, over the entities pooled
    assert ("ALL", "ALL", "lightgbm") in got
    value, low, high = got[("ALL", "MEAN", "model")]
    assert low <= value <= high
    # the mean over entities is the mean of the entities' values
    zones = [got[("ALL", z, "model")][0] for z in ("DE_LU", "FR", "NL")]
    assert value == pytest.approx(sum(zones) / 3)
    assert query(
        warehouse,
        "select count(*) from ml_backtest_metrics where entity = 'MEAN' "
        "and period = 'ALL' and metric = 'pr_auc_minus_persistence' "
        "and predictor = 'model' "
        "and ci_low is not null",
    ) == [(1,)]
    assert "ALL        MEAN" in printed and "persistence" in printed


def test_a_killed_backtest_resumes_after_its_last_finished_cut(finished, ml_template, tmp_path):
    reference, _ = finished
    warehouse = tmp_path / "open_power.duckdb"
    shutil.copyfile(ml_template, warehouse)
    marker = tmp_path / "paused"
    env = {
        **os.environ,
        "OPEN_POWER_PAUSE_AT": "backtest:cut",
        "OPEN_POWER_PAUSE_FILE": str(marker),
    }
    process = backtest(warehouse, env=env, wait=False)
    deadline = time.monotonic() + 300
    while not marker.exists():
        assert process.poll() is None and time.monotonic() < deadline, process.stdout.read()
        time.sleep(0.2)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    assert query(warehouse, "select count(*) from ml_backtest_cuts") == [(1,)]
    resumed = backtest(warehouse, "--quiet")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "4 cuts, 1 already done" in resumed.stdout + resumed.stderr
    assert "4 cuts (3 run now)" in resumed.stdout
    same = (
        "select count(*), sum(hash(entity, target_ts_utc, model_family, score, label, "
        "persistence, climatology)) from ml_backtest_predictions"
    )
    assert query(warehouse, same) == query(reference, same)
    metrics = (
        "select count(*), sum(hash(period, entity, predictor, metric, value)) "
        "from ml_backtest_metrics"
    )
    assert query(warehouse, metrics) == query(reference, metrics)
