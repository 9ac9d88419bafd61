"""Great Expectations suites: stored JSON, pass on good frames, fail closed with a message
that names suite, column and expectation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from python_ml.data import quality
from python_ml.registry.scoring import check_predictions
from python_ml.training.tasks import Task

SUITES = sorted(p.stem for p in quality.SUITES_DIR.glob("*.json"))
SPIKE = Task(
    "spike_risk",
    "classification",
    "is_spike",
    "pr_auc",
    models="spike",
    score_column="spike_probability",
)
PRICE = Task(
    "day_ahead_price",
    "regression",
    "price_eur_mwh",
    "mae",
    models="price",
    score_column="price_forecast_eur_mwh",
    quantiles={"q10": 0.1, "q90": 0.9},
)


def test_every_stored_suite_loads():
    assert SUITES == [
        "fct_spike_features",
        "int_opsd__zone_hours",
        "ml_classification_predictions",
        "ml_regression_predictions",
        "stg_opsd__time_series",
    ]
    for name in SUITES:
        data = json.loads(quality.suite_path(name).read_text())
        assert data["name"] == name and data["expectations"]
        assert len(quality.load_suite(name).expectations) == len(data["expectations"])


def predictions(n: int = 48) -> pd.DataFrame:
    p = np.linspace(0.0, 0.5, n)
    return pd.DataFrame(
        {
            "zone": ["DE_LU"] * n,
            "target_ts_utc": pd.date_range("2024-01-01", periods=n, freq="h"),
            "model_version": 1,
            "spike_probability": p,
            "is_alert": p >= 0.3,
            "alert_threshold": 0.3,
            "features_out_of_range": 0,
        }
    )


def price_predictions(n: int = 48) -> pd.DataFrame:
    point = np.linspace(20.0, 80.0, n)
    return pd.DataFrame(
        {
            "zone": ["DE_LU"] * n,
            "target_ts_utc": pd.date_range("2024-01-01", periods=n, freq="h"),
            "model_version": 3,
            "price_forecast_eur_mwh": point,
            "price_forecast_eur_mwh_q10": point - 5,
            "price_forecast_eur_mwh_q90": point + 5,
            "features_out_of_range": 2,
        }
    )


def test_good_predictions_pass():
    check_predictions(SPIKE, predictions())
    check_predictions(PRICE, price_predictions())


def test_crossed_quantiles_are_refused():
    crossed = price_predictions().assign(price_forecast_eur_mwh_q90=0.0)
    with pytest.raises(quality.ExpectationFailed) as error:
        check_predictions(PRICE, crossed)
    message = str(error.value)
    assert message.startswith("ml_price_scores of task day_ahead_price (nothing appended): ")
    assert "column quantiles_ordered: expect_column_values_to_be_in_set" in message


@pytest.mark.parametrize(
    "breakage, expected",
    [
        (
            lambda f: f.assign(spike_probability=f["spike_probability"] + 0.6),
            "column score: expect_column_values_to_be_between: 10 unexpected of 48",
        ),
        (
            lambda f: f.assign(is_alert=~f["is_alert"]),
            "column alert_matches_threshold: expect_column_values_to_be_in_set: 48 unexpected",
        ),
        (
            lambda f: pd.concat([f, f.iloc[:2]], ignore_index=True),
            "column entity,target_ts_utc,model_version: expect_compound_columns_to_be_unique",
        ),
    ],
    ids=["probability-above-1", "alert-inconsistent", "duplicate-key"],
)
def test_bad_predictions_are_refused_with_column_and_expectation(breakage, expected):
    with pytest.raises(quality.ExpectationFailed) as error:
        check_predictions(SPIKE, breakage(predictions()))
    message = str(error.value)
    assert message.startswith("ml_spike_scores of task spike_risk (nothing appended): ")
    assert "of suite ml_classification_predictions failed [rule: expectation_suite]" in message
    assert expected in message


def test_suite_parameters_come_from_dbt_vars():
    frame = pd.DataFrame(
        {
            "ts_utc": pd.date_range("2024-01-01", periods=3, freq="h"),
            "zone": "FR",
            "variable": "price_day_ahead",
            "value": [40.0, 4000.0, 50.0],
            "source_column": "x",
            "source_file": "f.csv",
            "source_line": [2, 3, 4],
        }
    )
    loose = {
        "price_floor_eur_mwh": -500,
        "price_cap_eur_mwh": 5000,
        "max_zone_power_mw": 200000,
        "max_abs_standardized_feature": 100,
        "max_abs_standardized_feature_negative": -100,
    }
    assert quality.validate(frame, "stg_opsd__time_series", loose).success
    strict = quality.validate(frame, "stg_opsd__time_series", {**loose, "price_cap_eur_mwh": 3000})
    assert not strict.success
    failed = strict.failures().iloc[0]
    assert failed["expectation"] == (
        'expect_column_values_to_be_between where variable == "price_day_ahead"'
    )
    assert failed["unexpected_sample"] == "[4000.0]"
