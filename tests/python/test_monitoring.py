"""Monitoring tables on the ML warehouse: PSI (a hand-computed example through the SQL, and
every row against an independent numpy implementation), the inference log, the shadow
comparison and promotions through `dbt build`."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ML_MODELS, ML_VARS, PROJECT_DIR, ml_build, run_dbt

PROJECT_VARS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
DRIFT = PROJECT_VARS["drift"]


def frame(warehouse, sql):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).df()


def test_psi_matches_a_hand_computed_example(ml_warehouse, ml_raw_dir, tmp_path):
    """Reference shares (missing, b1, b2, b3) = (0, .5, .3, .2), a two-day window.
    Day 1 counts (0, 2, 5, 3): PSI = -.3 ln(.2/.5) + .2 ln(.5/.3) + .1 ln(.3/.2) = 0.417599.
    Day 2 adds (0, 3, 1, 1), window shares (0, 1/3, .4, 4/15): PSI = 0.115525.
    Day 4 alone (0, 4, 0, 0): empty bins count as 1e-4:
    .5 ln 2 + (1e-4 - .3) ln(1e-4/.3) + (1e-4 - .2) ln(1e-4/.2) = 4.267104.
    Noise floor (3 non-empty reference bins, 100 reference rows): 2 (1/n + 1/100)."""
    with duckdb.connect(str(ml_warehouse)) as con:
        for b, share in enumerate([0.0, 0.5, 0.3, 0.2]):
            con.execute(
                "insert into mon_drift_reference values (999, 'spike_risk', 'ZZ', "
                "'feature', 'f', ?, null, null, ?, 100)",
                [b, share],
            )
        con.execute(
            "insert into mon_drift_reference values (999, 'spike_risk', 'ZZ', "
            "'feature', 'g', 0, null, null, 1.0, 100)"
        )
        for day, counts in (
            ("2030-01-01", [2, 5, 3]),
            ("2030-01-02", [3, 1, 1]),
            ("2030-01-04", [4, 0, 0]),
        ):
            for b, n in enumerate(counts, start=1):
                if n:
                    con.execute(
                        "insert into int_mon__drift_bin_counts values "
                        "('spike_risk', 999, 'ZZ', 'feature', 'f', 'target', ?, ?, ?)",
                        [day, b, n],
                    )
        # an origin-grain feature gets var drift.origin_window_days (3): day 4 sees day 2
        for day in ("2030-01-02", "2030-01-04"):
            con.execute(
                "insert into int_mon__drift_bin_counts values "
                "('spike_risk', 999, 'ZZ', 'feature', 'g', 'origin', ?, 0, 1)",
                [day],
            )
    run = run_dbt(
        ["run", "--select", "mon_drift_psi"],
        warehouse=ml_warehouse,
        raw_dir=ml_raw_dir,
        work_dir=tmp_path,
        extra_vars={
            **ML_VARS,
            "drift": {**DRIFT, "window_days": 2, "origin_window_days": 3, "max_noise_floor": 0.5},
        },
    )
    assert run.success, run.failure_text()
    got = frame(
        ml_warehouse,
        "select cast(drift_date as varchar) d, window_rows, bins, psi, "
        "noise_floor, severity from mon_drift_psi where "
        "model_version = 999 and feature = 'f' order by d",
    )
    assert got["d"].tolist() == ["2030-01-01", "2030-01-02", "2030-01-04"]
    assert got["window_rows"].tolist() == [10, 15, 4]
    assert got["bins"].tolist() == [4, 4, 4]
    assert got["psi"].to_numpy() == pytest.approx([0.417599, 0.115525, 4.267104], abs=1e-6)
    assert got["noise_floor"].to_numpy() == pytest.approx([0.22, 2 * (1 / 15 + 0.01), 0.52])
    # day 4's noise floor 0.52 is above max_noise_floor 0.5: too few rows to judge
    assert got["severity"].tolist() == ["alert", "warn", "insufficient"]
    origin = frame(
        ml_warehouse,
        "select cast(drift_date as varchar) d, window_rows, psi, "
        "noise_floor from mon_drift_psi where model_version = 999 "
        "and feature = 'g' order by d",
    )
    assert origin["window_rows"].tolist() == [1, 2]
    assert origin["psi"].tolist() == [0.0, 0.0]  # one bin holding everything, both sides


def origin_anchored(project_vars: dict) -> set[str]:
    """The features with one value per forecast origin, from the vars (not the macros)."""
    names = set()
    for series, stats in project_vars["spike_origin_series"].items():
        names.add(f"{series}_last")
        names |= {f"{series}_{s}_{h}h" for s in stats for h in project_vars["spike_windows_hours"]}
        names |= {f"{series}_ramp_{h}h" for h in project_vars["spike_ramps_hours"]}
    names |= {
        n for n, terms in project_vars["spike_standardized_features"].items() if terms[0] in names
    }
    return names


def independent_psi(
    values: pd.DataFrame, reference: list[dict], windows: dict[str, int], epsilon: float
) -> pd.DataFrame:
    """PSI written from the definition, not from the SQL: bins by np.digitize on the
    reference's upper edges, per-day histograms, a rolling sum of days, then the formula."""
    out = []
    by_key: dict[tuple, list[dict]] = {}
    for entry in reference:
        by_key.setdefault((entry["entity"], entry["feature"]), []).append(entry)
    for (zone, feature, grain), group in values.groupby(["zone", "feature", "grain"]):
        window_days = windows[grain]
        bins = sorted(by_key[(zone, feature)], key=lambda e: e["bin"])
        uppers = np.array([e["upper"] for e in bins[1:-1]], dtype=float)
        expected = np.array([e["expected_share"] for e in bins])
        v = group["value"].to_numpy(dtype=float)
        # right=True: a value equal to an edge belongs to the bin that edge closes
        index = np.where(np.isnan(v), 0, 1 + np.digitize(v, uppers, right=True))
        days = group["day"].to_numpy()
        daily = {d: np.bincount(index[days == d], minlength=len(bins)) for d in np.unique(days)}
        for day in daily:
            counts = sum(
                c for d, c in daily.items() if day - np.timedelta64(window_days, "D") < d <= day
            )
            actual = counts / counts.sum()
            a, e = np.maximum(actual, epsilon), np.maximum(expected, epsilon)
            out.append(
                {
                    "zone": zone,
                    "feature": feature,
                    "day": day,
                    "rows": counts.sum(),
                    "psi_numpy": float(np.sum((a - e) * np.log(a / e))),
                }
            )
    return pd.DataFrame(out)


def test_psi_agrees_with_an_independent_implementation(ml_template):
    record = frame(
        ml_template,
        "select drift_reference_json, feature_columns "
        "from ml_training_runs where model_version = 1",
    )
    reference = json.loads(record["drift_reference_json"][0])
    features = [f for f in record["feature_columns"][0] if f not in DRIFT["skip_features"]]
    mart = frame(
        ml_template,
        """
        select m.*, s.spike_probability from fct_spike_features m
        join ml_spike_scores s using (zone, target_ts_utc) where s.model_version = 1""",
    )
    long = mart.melt(
        id_vars=["zone", "target_ts_utc", "forecast_origin_ts_utc"],
        value_vars=features + ["spike_probability"],
        var_name="feature",
        value_name="value",
    )
    long["value"] = pd.to_numeric(long["value"].astype("Float64"), errors="coerce")
    long["day"] = pd.to_datetime(long["target_ts_utc"]).dt.floor("D").to_numpy()
    per_origin = origin_anchored(PROJECT_VARS)
    # the mart's contract marks the same features meta.grain: origin (what the SQL reads)
    recorded = json.loads(
        frame(ml_template, "select columns_json from feature_schema_versions").iloc[-1, 0]
    )
    assert {c["name"] for c in recorded if c["meta"].get("grain") == "origin"} == per_origin
    long["grain"] = np.where(long["feature"].isin(per_origin), "origin", "target")
    # an origin's 24 target hours repeat one value: keep its first target hour
    first = long.groupby(["zone", "forecast_origin_ts_utc", "feature"])["target_ts_utc"].transform(
        "min"
    )
    long = long[(long["grain"] == "target") | (long["target_ts_utc"] == first)]
    windows = {"target": DRIFT["window_days"], "origin": DRIFT["origin_window_days"]}
    expected = independent_psi(long, reference, windows, DRIFT["epsilon"])
    got = frame(
        ml_template,
        "select entity as zone, feature, drift_date, window_rows, psi "
        "from mon_drift_psi where model_version = 1",
    )
    got["day"] = pd.to_datetime(got["drift_date"]).to_numpy()
    joined = expected.merge(got, on=["zone", "feature", "day"], how="outer", indicator=True)
    assert (joined["_merge"] == "both").all(), joined[joined["_merge"] != "both"].head()
    assert len(joined) > 1000 and joined["feature"].nunique() == len(features) + 1
    assert (joined["rows"] == joined["window_rows"]).all()
    np.testing.assert_allclose(joined["psi"], joined["psi_numpy"], rtol=1e-9, atol=1e-12)


def test_inference_log_table_and_file_hold_the_same_records(ml_template):
    table = frame(ml_template, "select * from mon_inference_runs order by started_at_utc")
    lines = (ml_template.parent / "logs" / "inference.jsonl").read_text().splitlines()
    records = {r["run_id"]: r for r in map(json.loads, lines)}
    assert sorted(records) == sorted(table["run_id"])
    # every scoring run of both tasks, champions and challengers
    assert set(zip(table["task"], table["role"], table["model_version"], strict=True)) == {
        ("spike_risk", "champion", 1),
        ("spike_risk", "challenger", 2),
        ("day_ahead_price", "champion", 3),
        ("day_ahead_price", "challenger", 4),
    }
    first = table[table["model_version"] == 1].iloc[0]
    assert (first["role"], first["parity_result"].split(";")[0]) == ("champion", "passed")
    scored = frame(
        ml_template, "select count(*) n, count(*) filter (where is_alert) a from ml_spike_scores"
    )
    assert (first["rows_scored"], first["alerts_raised"]) == (scored["n"][0], scored["a"][0])
    assert first["feature_schema_hash"] == first["model_feature_schema_hash"]
    assert records[first["run_id"]]["duration_seconds"] == first["duration_seconds"] > 0
    price = table[table["model_version"] == 3].iloc[0]
    assert pd.isna(price["alerts_raised"]) and price["rows_scored"] == scored["n"][0]


def test_the_inference_log_reads_timestamps_with_and_without_fractions(tmp_path):
    from python_ml.monitoring.inference_log import read_new_records

    log = tmp_path / "inference.jsonl"
    for run_id, started in (("a", "2026-01-01T00:00:00"), ("b", "2026-01-01T00:00:01.250000")):
        log.open("a").write(
            json.dumps(
                {"run_id": run_id, "started_at_utc": started, "rows_scored": 1, "alerts_raised": 0}
            )
            + "\n"
        )
    frame = read_new_records(log, known_run_ids={"x"})
    assert frame["started_at_utc"].tolist() == [
        pd.Timestamp("2026-01-01 00:00:00"),
        pd.Timestamp("2026-01-01 00:00:01.25"),
    ]
    assert read_new_records(log, known_run_ids={"a", "b"}).empty


def test_a_failed_parity_check_is_logged_and_loaded_by_the_next_run(
    ml_warehouse, ml_raw_dir, tmp_path
):
    with duckdb.connect(str(ml_warehouse)) as con:
        con.sql(
            "delete from ml_spike_scores where target_ts_utc >= "
            "(select max(target_ts_utc) - interval 23 hour from ml_spike_scores)"
        )
        domains = json.loads(
            con.sql(
                "select feature_domains_json from ml_training_runs where model_version = 1"
            ).fetchall()[0][0]
        )
        con.execute(
            "update ml_training_runs set feature_domains_json = ? where model_version = 1",
            [
                json.dumps(
                    [{**d, "kind": "float"} if d["name"] == "hour_of_day" else d for d in domains]
                )
            ],
        )
    assert not ml_build(ml_warehouse, ml_raw_dir, tmp_path, retrain=False).success
    log = ml_warehouse.parent / "logs" / "inference.jsonl"
    failed = [
        r for r in map(json.loads, log.read_text().splitlines()) if r["task"] == "spike_risk"
    ][-1]
    assert failed["parity_result"].startswith("failed: train-serve parity failed")
    assert failed["outcome"].startswith("failed: train-serve parity failed")
    assert failed["rows_scored"] == 0
    with duckdb.connect(str(ml_warehouse)) as con:
        con.execute(
            "update ml_training_runs set feature_domains_json = ? where model_version = 1",
            [json.dumps(domains)],
        )
    assert ml_build(ml_warehouse, ml_raw_dir, tmp_path, retrain=False).success
    logged = frame(
        ml_warehouse,
        "select parity_result, rows_scored from mon_inference_runs "
        "where role = 'champion' and task = 'spike_risk' "
        "order by started_at_utc",
    )
    assert logged["parity_result"].str.startswith("failed").sum() == 1
    assert logged["rows_scored"].iloc[-1] == 24 * 3


def test_shadow_challengers_score_the_champions_rows(ml_template):
    """Both tasks through the shared tables: shadow scores, comparison, a decision each."""
    counts = frame(
        ml_template,
        """
        select task, model_version, count(*) n from ml_shadow_predictions
        group by 1, 2 order by 2""",
    )
    champion = frame(ml_template, "select count(*) n from ml_spike_predictions")["n"][0]
    assert counts[["task", "model_version"]].values.tolist() == [
        ["spike_risk", 2],
        ["day_ahead_price", 4],
    ]
    assert counts["n"].tolist() == [champion, champion]
    comparison = frame(ml_template, "select * from mon_shadow_comparison order by task")
    assert set(zip(comparison["task"], comparison["challenger_version"], strict=True)) == {
        ("spike_risk", 2),
        ("day_ahead_price", 4),
    }
    assert comparison["rank_correlation"].between(-1, 1).all()
    spike = comparison[comparison["task"] == "spike_risk"]
    price = comparison[comparison["task"] == "day_ahead_price"]
    assert spike["alert_agreement"].between(0, 1).all() and spike["mae_champion"].isna().all()
    assert (price["mae_champion"] > 0).all() and price["brier_champion"].isna().all()
    decision = frame(ml_template, "select * from ml_model_promotions order by task")
    assert decision[["task", "challenger_version", "metric"]].values.tolist() == [
        ["day_ahead_price", 4, "mae"],
        ["spike_risk", 2, "pr_auc"],
    ]
    for gates_json in decision["gates_json"]:
        gates = {g["gate"] for g in json.loads(gates_json)}
        assert gates == {
            "out_of_sample",
            "enough_labels",
            "better_by_margin",
            "calibration",
            "no_drift_alert",
            "parity",
        }
    coverage = json.loads(decision["gates_json"][0])[3]
    assert coverage["detail"].startswith("challenger interval coverage")


def test_drift_reports_values_outside_the_training_range(ml_template):
    """Months the training window never saw are scored, counted per feature and day."""
    got = frame(
        ml_template,
        """
        select task, feature, sum(rows_out_of_range) n, max(share_out_of_range) top
        from mon_feature_out_of_range where model_version = 1 group by all""",
    )
    month = got[got["feature"] == "month"]
    assert len(month) == 1 and month["top"].iloc[0] == 1.0
    logged = frame(
        ml_template,
        """
        select rows_scored, rows_out_of_range, out_of_range_json from mon_inference_runs
        where model_version = 1 and role = 'champion'""",
    )
    per_feature = json.loads(logged["out_of_range_json"][0])
    assert per_feature["month"] == int(month["n"].iloc[0])
    assert 0 < logged["rows_out_of_range"][0] <= logged["rows_scored"][0]


def test_a_better_challenger_is_promoted_through_dbt_and_serves_from_the_next_run(
    ml_raw_dir, tmp_path
):
    """A champion capped at one boosting round against a challenger trained normally; the
    drift gate is opened (the 200-day sample's training window sees four months, so every
    later month drifts) to test the margin gate end to end."""
    warehouse = tmp_path / "promote.duckdb"
    weak = {**ML_VARS["ml_training"], "families": ["lightgbm"], "max_rounds": 1}
    models = ["--select", *ML_MODELS, "--exclude", "test_type:unit"]
    wide = {"window_days": 30, "min_positives": 5, "max_ece": 1.0}
    # the spike task alone (a disabled task is neither trained nor scored)
    tasks = {
        **PROJECT_VARS["ml_tasks"],
        "day_ahead_price": {**PROJECT_VARS["ml_tasks"]["day_ahead_price"], "enabled": False},
    }
    gates_open = {
        **ML_VARS,
        "drift": {**DRIFT, "alert": 1e9},
        "ml_promotion": wide,
        "ml_tasks": tasks,
    }
    assert run_dbt(
        ["build", *models],
        warehouse=warehouse,
        raw_dir=ml_raw_dir,
        work_dir=tmp_path,
        extra_vars={**gates_open, "ml_training": weak},
    ).success
    # retrained on the same fixed split, so both models have out-of-sample test rows
    strong = {
        **ML_VARS["ml_training"],
        "families": ["lightgbm"],
        "trials": 4,
        "mode": "fixed_split",
    }
    run = run_dbt(
        ["build", *models],
        warehouse=warehouse,
        raw_dir=ml_raw_dir,
        work_dir=tmp_path,
        extra_vars={**gates_open, "ml_training": strong},
    )
    assert run.success, run.failure_text()
    decision = frame(warehouse, "select * from ml_model_promotions")
    assert decision["decision"].tolist() == ["promote"], decision["reason"].tolist()
    assert decision["ci_low"][0] > 0
    status = frame(
        warehouse,
        "select task, model_version, status from ml_model_registry order by model_version",
    )
    assert status["status"].tolist() == ["retired", "champion"]
    assert set(status["task"]) == {"spike_risk"}
    assert frame(warehouse, "select count(*) n from ml_price_predictions")["n"][0] == 0
    # the next run's scoring serves the new champion; stability compares the two
    run = run_dbt(
        ["build", *models],
        warehouse=warehouse,
        raw_dir=ml_raw_dir,
        work_dir=tmp_path,
        extra_vars={**gates_open, "retrain": False},
    )
    assert run.success, run.failure_text()
    served = frame(
        warehouse,
        "select model_version, count(*) n from ml_spike_predictions group by 1 order by 1",
    )
    assert served["model_version"].tolist() == [1, 2]
    assert served["n"][0] == served["n"][1]
    stability = frame(warehouse, "select * from mon_prediction_stability")
    assert stability[["previous_version", "new_version"]].values.tolist() == [[1, 2]]
    assert stability["rows_compared"][0] == served["n"][0]
    assert 0 < stability["mean_abs_change"][0] <= stability["max_abs_change"][0]
    # v2 scored its rows as challenger and again as champion: drift counts each row once
    counted = frame(
        warehouse,
        "select sum(rows_in_bin) n from int_mon__drift_bin_counts "
        "where model_version = 2 and kind = 'prediction'",
    )["n"][0]
    distinct = frame(
        warehouse,
        """
        select count(*) n from (select zone, target_ts_utc from ml_spike_scores
                                where model_version = 2
                                union
                                select zone, target_ts_utc from ml_spike_shadow_scores
                                where model_version = 2)""",
    )["n"][0]
    assert counted == distinct
    assert (
        frame(
            warehouse,
            "select count(*) n from mon_shadow_comparison "
            "where champion_version = challenger_version",
        )["n"][0]
        == 0
    )
    # no challenger is left, so nothing new is decided
    assert len(frame(warehouse, "select * from ml_model_promotions")) == 1
