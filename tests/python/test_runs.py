"""The hourly path as a scheduler runs it: `python -m python_ml run hourly` on new raw hours.
Rerunning the same hour only logs; a second run is turned away while one holds the warehouse;
a run SIGKILLed inside a Python model leaves the warehouse consistent and the next completes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import ML_VARS, PROJECT_DIR, release_duckdb_file

from python_ml.data.opsd_sample import append_opsd_sample
from python_ml.ops import runs

# model outputs compared without the columns that name the run that wrote them
STABLE_COLUMNS = {
    "ml_spike_scores": "zone, target_ts_utc, model_version, spike_probability, is_alert",
    "ml_spike_shadow_scores": "zone, target_ts_utc, model_version, spike_probability, is_alert",
    "ml_price_scores": "zone, target_ts_utc, model_version, price_forecast_eur_mwh",
    "ml_price_shadow_scores": "zone, target_ts_utc, model_version, price_forecast_eur_mwh",
}
# ERCOT tables stamp the rows with the run that loaded them
RUN_STAMPS = ("loaded_at", "input_loaded_at")


def table_hashes(warehouse: Path, stable: bool = False) -> dict[str, tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            r[0]
            for r in con.sql(
                "select table_name from information_schema.tables where table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        out = {}
        for name in sorted(names):
            columns = "*"
            if stable:
                stamps = [
                    c
                    for (c,) in con.sql(f"select column_name from (describe {name})").fetchall()
                    if c in RUN_STAMPS
                ]
                columns = STABLE_COLUMNS.get(
                    name, f"* exclude ({', '.join(stamps)})" if stamps else "*"
                )
            out[name] = con.sql(
                f"select count(*), sum(hash(t)) from (select {columns} from {name}) t"
            ).fetchall()[0]
        return out


@pytest.fixture
def live(ml_template, ml_raw_dir, tmp_path):
    """A copy of the ML warehouse and of its raw folder, the feed advanced by one day."""
    raw = tmp_path / "raw"
    shutil.copytree(ml_raw_dir, raw)
    warehouse = tmp_path / "wh" / "open_power.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(ml_template, warehouse)
    append_opsd_sample(raw / "opsd", 24)
    return warehouse, raw


def dbt_paths(tmp_path: Path) -> list[str]:
    return [
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(tmp_path / "target"),
        "--log-path",
        str(tmp_path / "logs"),
    ]


def hourly(warehouse: Path, raw: Path, tmp_path: Path) -> int:
    try:
        return runs.run_path(
            "hourly", warehouse, {**ML_VARS, "raw_dir": str(raw)}, dbt_paths(tmp_path)
        )
    finally:
        release_duckdb_file()


def test_the_same_hour_twice_adds_one_inference_record_and_changes_nothing_else(live, tmp_path):
    warehouse, raw = live
    assert hourly(warehouse, raw, tmp_path) == 0
    first = table_hashes(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        new = con.sql(
            "select rows_scored from mon_inference_runs where task = 'spike_risk' "
            "order by started_at_utc desc limit 1"
        ).fetchall()[0][0]
    assert new == 24 * 3  # the new day, three zones
    assert hourly(warehouse, raw, tmp_path) == 0
    second = table_hashes(warehouse)
    changed = {name for name in first if first[name] != second[name]}
    assert changed == {"mon_inference_runs"}
    # one champion scoring run per task
    assert second["mon_inference_runs"][0] == first["mon_inference_runs"][0] + 2
    with duckdb.connect(str(warehouse), read_only=True) as con:
        last = con.sql(
            "select role, rows_scored, alerts_raised, parity_result from "
            "mon_inference_runs where task = 'spike_risk' "
            "order by started_at_utc desc limit 1"
        ).fetchall()
    assert last == [("champion", 0, 0, "not run: nothing to score")]
    assert not [name for name in second if "dbt_tmp" in name]


def start_paused_run(warehouse: Path, raw: Path, tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    """`python -m python_ml run hourly` in its own process, paused inside the scoring model
    (python_ml.jobs.pause_point), once it has scored and before anything is written."""
    marker = tmp_path / "paused"
    env = {
        **os.environ,
        "OPEN_POWER_PAUSE_AT": "scoring:champion",
        "OPEN_POWER_PAUSE_FILE": str(marker),
        "DBT_TARGET_PATH": str(tmp_path / "t1"),
        "DBT_LOG_PATH": str(tmp_path / "l1"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "python_ml",
            "run",
            "hourly",
            "--warehouse",
            str(warehouse),
            "--vars",
            yaml.safe_dump({**ML_VARS, "raw_dir": str(raw)}, default_flow_style=True),
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 240
    while not marker.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(
                f"the run never reached the pause point:\n{process.communicate()[0][-3000:]}"
            )
        time.sleep(0.2)
    return process, marker


def test_a_second_run_exits_and_a_killed_run_leaves_the_warehouse_consistent(live, tmp_path):
    warehouse, raw = live
    reference = tmp_path / "reference" / "open_power.duckdb"
    reference.parent.mkdir()
    shutil.copyfile(warehouse, reference)
    before = table_hashes(warehouse)
    log = warehouse.parent / "logs" / "inference.jsonl"
    lines_before = log.read_text().splitlines() if log.exists() else []

    process, marker = start_paused_run(warehouse, raw, tmp_path)
    # a second run while the first holds the warehouse: exits at once, names the holder
    second = subprocess.run(
        [sys.executable, "-m", "python_ml", "run", "hourly", "--warehouse", str(warehouse)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == runs.EXIT_LOCKED
    holder = json.loads(runs.lock_path(warehouse).read_text())
    assert holder["pid"] == process.pid and holder["path"] == "hourly"
    assert f"another run holds the warehouse: pid {process.pid}" in second.stderr
    assert "[rule: one_run_at_a_time]" in second.stderr

    # SIGKILL inside ml_spike_scores: nothing it computed is in the warehouse or the log
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    after_kill = table_hashes(warehouse)
    assert after_kill["ml_spike_scores"] == before["ml_spike_scores"]
    assert after_kill["mon_inference_runs"] == before["mon_inference_runs"]
    assert (log.read_text().splitlines() if log.exists() else []) == lines_before

    # the next run completes, and ends where an uninterrupted run from the same start ends
    assert hourly(warehouse, raw, tmp_path / "next") == 0
    assert hourly(reference, raw, tmp_path / "ref") == 0
    got, want = table_hashes(warehouse, stable=True), table_hashes(reference, stable=True)
    logs = {
        "mon_inference_runs",
        "dq_stg_opsd__time_series",
        "dq_int_opsd__zone_hours",
        "dq_fct_spike_features",
    }
    assert {k: v for k, v in got.items() if k not in logs} == {
        k: v for k, v in want.items() if k not in logs
    }
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.sql(
            "select count(*) - count(distinct (zone, target_ts_utc, model_version))"
            " from ml_spike_scores"
        ).fetchall() == [(0,)]
        # no staging table (dbt-duckdb's __dbt_tmp) of the killed run is left
        assert (
            con.sql(
                "select table_name from information_schema.tables where table_name like '%dbt_tmp%'"
            ).fetchall()
            == []
        )


def test_the_hourly_path_on_a_warehouse_without_a_model_says_to_run_daily_first(tmp_path, capsys):
    assert runs.run_path("hourly", tmp_path / "new.duckdb") == 1
    err = capsys.readouterr().err
    assert "no model has been trained yet" in err and "python -m python_ml run daily" in err
