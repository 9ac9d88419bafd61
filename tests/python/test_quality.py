"""Great Expectations suites: stored JSON, pass on good frames, fail closed with a message
that names suite, column and expectation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from python_ml import quality
from python_ml.jobs import check_predictions

SUITES = sorted(p.stem for p in quality.SUITES_DIR.glob("*.json"))


def test_every_stored_suite_loads():
    assert SUITES == ["fct_spike_features", "int_opsd__zone_hours", "ml_spike_predictions",
                      "stg_opsd__time_series"]
    for name in SUITES:
        data = json.loads(quality.suite_path(name).read_text())
        assert data["name"] == name and data["expectations"]
        assert len(quality.load_suite(name).expectations) == len(data["expectations"])


def predictions(n: int = 48) -> pd.DataFrame:
    p = np.linspace(0.0, 0.5, n)
    return pd.DataFrame({
        "zone": ["DE_LU"] * n,
        "target_ts_utc": pd.date_range("2024-01-01", periods=n, freq="h"),
        "model_version": 1,
        "spike_probability": p,
        "is_alert": p >= 0.3,
        "alert_threshold": 0.3,
    })


def test_good_predictions_pass():
    check_predictions(predictions())


@pytest.mark.parametrize("breakage, expected", [
    (lambda f: f.assign(spike_probability=f["spike_probability"] + 0.6),
     "column spike_probability: expect_column_values_to_be_between: 10 unexpected of 48"),
    (lambda f: f.assign(is_alert=~f["is_alert"]),
     "column alert_matches_threshold: expect_column_values_to_be_in_set: 48 unexpected"),
    (lambda f: pd.concat([f, f.iloc[:2]], ignore_index=True),
     "column zone,target_ts_utc,model_version: expect_compound_columns_to_be_unique"),
], ids=["probability-above-1", "alert-inconsistent", "duplicate-key"])
def test_bad_predictions_are_refused_with_column_and_expectation(breakage, expected):
    with pytest.raises(quality.ExpectationFailed) as error:
        check_predictions(breakage(predictions()))
    message = str(error.value)
    assert message.startswith("ml_spike_scores (nothing appended): ")
    assert "of suite ml_spike_predictions failed [rule: expectation_suite]" in message
    assert expected in message


def test_suite_parameters_come_from_dbt_vars():
    frame = pd.DataFrame({
        "ts_utc": pd.date_range("2024-01-01", periods=3, freq="h"), "zone": "FR",
        "variable": "price_day_ahead", "value": [40.0, 4000.0, 50.0], "source_column": "x",
        "source_file": "f.csv", "source_line": [2, 3, 4]})
    loose = {"price_floor_eur_mwh": -500, "price_cap_eur_mwh": 5000,
             "max_zone_power_mw": 200000}
    assert quality.validate(frame, "stg_opsd__time_series", loose).success
    strict = quality.validate(frame, "stg_opsd__time_series",
                              {**loose, "price_cap_eur_mwh": 3000})
    assert not strict.success
    failed = strict.failures().iloc[0]
    assert failed["expectation"] == ('expect_column_values_to_be_between where '
                                     'variable == "price_day_ahead"')
    assert failed["unexpected_sample"] == "[4000.0]"
