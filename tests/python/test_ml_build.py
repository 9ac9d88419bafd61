"""End to end: `dbt build` trains, registers, evaluates and scores on a small sample.

One warehouse is built per module with a tiny trial budget; each test works on a copy.
"""

from __future__ import annotations

import json

import duckdb
from conftest import ML_MODELS, ML_VARS, hashes, ml_build, run_dbt


def query(warehouse, sql):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_build_registers_a_champion_and_a_challenger_per_task(ml_template):
    rows = query(
        ml_template,
        "select task, model_version, model_family, status, "
        "calibration_method, threshold, len(feature_columns), "
        "model_format, training_mode, task_kind "
        "from ml_model_registry order by model_version",
    )
    assert [(r[0], r[1]) for r in rows] == [
        ("spike_risk", 1),
        ("spike_risk", 2),
        ("day_ahead_price", 3),
        ("day_ahead_price", 4),
    ]
    assert {r[2] for r in rows} == {"lightgbm", "xgboost"}
    assert [r[3] for r in rows] == ["champion", "challenger"] * 2
    assert {r[8] for r in rows} == {"fixed_split"}
    spike, price = rows[:2], rows[2:]
    assert all(r[4] in ("none", "sigmoid", "isotonic") and 0 < r[5] < 1 for r in spike)
    assert all(
        r[4] == "residual_quantiles" and r[5] is None and r[9] == "regression" for r in price
    )
    schema = query(ml_template, "select len(feature_columns) from feature_schema_versions")
    assert {r[6] for r in rows} == {schema[0][0]}


def test_evaluation_puts_baselines_beside_the_model(ml_template):
    rows = query(
        ml_template,
        """
        select predictor, value, ci_low, ci_high from ml_model_evaluation
        where model_version = 1 and split = 'test' and entity = 'ALL' and metric = 'pr_auc'
        order by predictor""",
    )
    assert [r[0] for r in rows] == ["climatology", "model", "model_uncalibrated", "persistence"]
    for _, value, low, high in rows:
        assert 0 <= low <= high <= 1 and 0 <= value <= 1
    zones = query(ml_template, "select distinct entity from ml_model_evaluation order by 1")
    assert [z[0] for z in zones] == ["ALL", "DE_LU", "FR", "NL"]
    # the regression task: point forecast beside the baselines, interval coverage
    price = dict(
        query(
            ml_template,
            """
        select predictor || ':' || metric, value from ml_model_evaluation
        where model_version = 3 and split = 'test' and entity = 'ALL'""",
        )
    )
    assert price["model:mae"] < price["climatology:mae"]
    assert price["model:mae"] < price["persistence:mae"]
    assert 0.6 < price["model:interval_coverage"] < 0.95


def test_predictions_cover_test_and_score_rows_once(ml_template):
    mart = query(
        ml_template, "select count(*) from fct_spike_features where split in ('test', 'score')"
    )[0][0]
    got = query(
        ml_template,
        """
        select count(*), count(distinct (zone, target_ts_utc)), min(model_version),
               max(model_version), min(spike_probability) >= 0, max(spike_probability) <= 1,
               bool_and(is_alert = (spike_probability >= alert_threshold))
        from ml_spike_predictions""",
    )[0]
    assert got == (mart, mart, 1, 1, True, True, True)
    price = query(
        ml_template,
        """
        select count(*), count(distinct (zone, target_ts_utc)), min(model_version),
               bool_and(price_forecast_eur_mwh_q10 <= price_forecast_eur_mwh_q50
                        and price_forecast_eur_mwh_q50 <= price_forecast_eur_mwh_q90)
        from ml_price_predictions""",
    )[0]
    assert price == (mart, mart, 3, True)


def test_rerun_without_retraining_changes_nothing(ml_warehouse, ml_raw_dir, tmp_path):
    before = hashes(ml_warehouse)
    run = ml_build(ml_warehouse, ml_raw_dir, tmp_path, retrain=False)
    assert run.success, run.failure_text()
    assert hashes(ml_warehouse) == before


def test_retraining_adds_challengers_and_keeps_the_champions_predictions(
    ml_warehouse, ml_raw_dir, tmp_path
):
    before = hashes(ml_warehouse)["ml_spike_scores"]
    run = ml_build(ml_warehouse, ml_raw_dir, tmp_path)
    assert run.success, run.failure_text()
    rows = query(
        ml_warehouse,
        "select task, model_version, status, training_mode "
        "from ml_model_registry order by model_version",
    )
    # the first run's other model is superseded by the new run's challengers, which walk
    # forward to the newest labelled target
    assert rows == [
        ("spike_risk", 1, "champion", "fixed_split"),
        ("spike_risk", 2, "retired", "fixed_split"),
        ("day_ahead_price", 3, "champion", "fixed_split"),
        ("day_ahead_price", 4, "retired", "fixed_split"),
        ("spike_risk", 5, "challenger", "walk_forward"),
        ("spike_risk", 6, "challenger", "walk_forward"),
        ("day_ahead_price", 7, "challenger", "walk_forward"),
        ("day_ahead_price", 8, "challenger", "walk_forward"),
    ]
    windows = query(
        ml_warehouse,
        """
        select validation_end_utc, test_start_utc from ml_model_registry
        where model_version = 5""",
    )[0]
    newest = query(
        ml_warehouse, "select max(target_ts_utc) from fct_spike_features where is_spike is not null"
    )[0][0]
    assert windows == (newest, None)
    assert hashes(ml_warehouse)["ml_spike_scores"] == before


def test_without_retraining_the_champion_scores_new_rows_once(ml_warehouse, ml_raw_dir, tmp_path):
    last_day = (
        "select zone, target_ts_utc, spike_probability, is_alert from ml_spike_scores "
        "where target_ts_utc >= (select max(target_ts_utc) - interval 23 hour "
        "from ml_spike_scores) order by all"
    )
    before = query(ml_warehouse, last_day)
    with duckdb.connect(str(ml_warehouse)) as con:
        con.sql(
            "delete from ml_spike_scores where target_ts_utc >= "
            "(select max(target_ts_utc) - interval 23 hour from ml_spike_scores)"
        )
    run = ml_build(ml_warehouse, ml_raw_dir, tmp_path, retrain=False)
    assert run.success, run.failure_text()
    assert len(before) >= 24 and query(ml_warehouse, last_day) == before
    assert query(
        ml_warehouse,
        "select count(*) - count(distinct (zone, target_ts_utc)) from ml_spike_predictions",
    ) == [(0,)]


def test_a_full_refresh_keeps_the_registry_and_the_predictions(ml_warehouse, ml_raw_dir, tmp_path):
    before = hashes(ml_warehouse)
    run = run_dbt(
        ["build", "--select", *ML_MODELS, "--exclude", "test_type:unit", "--full-refresh"],
        warehouse=ml_warehouse,
        raw_dir=ml_raw_dir,
        work_dir=tmp_path,
        extra_vars={**ML_VARS, "retrain": False},
    )
    assert run.success, run.failure_text()
    assert hashes(ml_warehouse) == before


def test_no_champion_and_no_retraining_is_a_clear_error(ml_raw_dir, tmp_path):
    run = ml_build(tmp_path / "empty.duckdb", ml_raw_dir, tmp_path, retrain=False)
    assert not run.success
    assert (
        "retrain is false but no model has been trained yet" in (run.messages["ml_training_runs"])
    )
    assert run.results["ml_spike_scores"] == "skipped"


def test_parity_failure_stops_scoring_and_leaves_predictions_untouched(
    ml_warehouse, ml_raw_dir, tmp_path
):
    with duckdb.connect(str(ml_warehouse)) as con:
        # the newest day is unscored again, and the champion claims hour_of_day was a float
        con.sql(
            "delete from ml_spike_scores where target_ts_utc >= "
            "(select max(target_ts_utc) - interval 23 hour from ml_spike_scores)"
        )
        domains = json.loads(
            con.sql(
                "select feature_domains_json from ml_training_runs where model_version = 1"
            ).fetchall()[0][0]
        )
        for entry in domains:
            if entry["name"] == "hour_of_day":
                entry["kind"] = "float"
        con.execute(
            "update ml_training_runs set feature_domains_json = ? where model_version = 1",
            [json.dumps(domains)],
        )
    before = hashes(ml_warehouse)
    run = ml_build(ml_warehouse, ml_raw_dir, tmp_path, retrain=False)
    assert not run.success
    message = run.messages["ml_spike_scores"]
    assert "train-serve parity failed for model_version 1" in message
    assert "hour_of_day: dtype: expected float, got integer (int32)" in message
    assert hashes(ml_warehouse) == before


def test_a_mart_feature_out_of_range_stops_training_and_scoring(ml_warehouse, ml_raw_dir, tmp_path):
    with duckdb.connect(str(ml_warehouse)) as con:
        con.sql(
            "update fct_spike_features set load_forecast_mw_z = 1e9 "
            "where target_ts_utc = (select max(target_ts_utc) from fct_spike_features)"
        )
        con.sql(
            "delete from ml_spike_scores where target_ts_utc >= "
            "(select max(target_ts_utc) - interval 23 hour from ml_spike_scores)"
        )
    before = hashes(ml_warehouse)
    run = run_dbt(
        ["build", "--select", "dq_fct_spike_features+"],
        warehouse=ml_warehouse,
        raw_dir=ml_raw_dir,
        work_dir=tmp_path,
        extra_vars=ML_VARS,
    )
    assert not run.success
    message = run.messages["expectations_passed_dq_fct_spike_features_"]
    assert "column load_forecast_mw_z: expect_column_values_to_be_between: 3 unexpected" in message
    assert run.results["ml_training_runs"] == "skipped"
    assert run.results["ml_spike_scores"] == "skipped"
    assert run.results["ml_price_scores"] == "skipped"
    assert hashes(ml_warehouse) == before


def test_a_legal_extreme_price_is_scored_and_reported_not_refused(
    ml_warehouse, ml_raw_dir, tmp_path
):
    """2,987.78 EUR/MWh, an hour of 2022 under SDAC's 3,000 cap, on the last published day:
    far outside anything the champion saw in training. The next day is scored all the same,
    each row saying which features were out of range; the inference log and drift count
    them."""
    import csv
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(ml_raw_dir, raw)
    path = raw / "opsd" / "time_series_60min_singleindex.csv"
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index("DE_LU_price_day_ahead")
    priced = [i for i, row in enumerate(rows[1:], start=1) if row[column]]
    for i in priced[-24:]:
        rows[i][column] = "2987.78"
    with open(path, "w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    with duckdb.connect(str(ml_warehouse)) as con:
        # the score day is scored again by the next run
        con.sql(
            "delete from ml_spike_scores where target_ts_utc > (select max(target_ts_utc) "
            "- interval 24 hour from ml_spike_scores)"
        )
    run = run_dbt(
        ["build", "--select", *ML_MODELS, "--exclude", "test_type:unit", "--full-refresh"],
        warehouse=ml_warehouse,
        raw_dir=raw,
        work_dir=tmp_path,
        extra_vars={**ML_VARS, "retrain": False},
    )
    assert run.success, run.failure_text()
    scored = query(
        ml_warehouse,
        """
        select count(*), min(features_out_of_range),
               bool_and(out_of_range_features like '%price_eur_mwh_max_24h%'),
               bool_and(spike_probability between 0 and 1)
        from ml_spike_predictions
        where zone = 'DE_LU' and target_ts_utc > (select max(target_ts_utc) - interval 24 hour
                                                  from ml_spike_predictions)""",
    )[0]
    assert scored[0] == 24 and scored[1] >= 1 and scored[2] and scored[3]
    logged = query(
        ml_warehouse,
        """
        select rows_out_of_range, out_of_range_json from mon_inference_runs
        where task = 'spike_risk' and role = 'champion' order by started_at_utc desc
        limit 1""",
    )[0]
    assert logged[0] >= 24 and json.loads(logged[1])["price_eur_mwh_max_24h"] >= 24
    assert query(
        ml_warehouse,
        """
        select sum(rows_out_of_range) >= 24 from mon_feature_out_of_range
        where entity = 'DE_LU' and feature = 'price_eur_mwh_max_24h'""",
    ) == [(True,)]
