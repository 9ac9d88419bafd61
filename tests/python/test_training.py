"""Unit tests of python_ml.training, the registry round trip and the train-serve parity check."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

from python_ml.features.parity import ParityError, check_parity, describe_features
from python_ml.features.schema import FeatureSchema
from python_ml.lifecycle import empty_promotions
from python_ml.registry import RegisteredModel, registry_records
from python_ml.registry.scoring import champion_job
from python_ml.training import metrics
from python_ml.training.calibration import Calibration, choose_calibration, fit_calibration
from python_ml.training.families import FitSettings
from python_ml.training.metrics import expected_calibration_error, persistence_scores
from python_ml.training.pipeline import TrainingConfig, train_models
from python_ml.training.splits import fixed_splits
from python_ml.training.tasks import Task
from python_ml.training.threshold import choose_threshold

FEATURES = ("hour_of_day", "is_weekend", "signal", "price_lag_24h")
SPIKE_RISK = Task(
    "spike_risk",
    "classification",
    "is_spike",
    "pr_auc",
    mart="synthetic",
    models="spike",
    score_column="spike_probability",
    persistence_lags={24: "price_lag_24h"},
)
DAY_AHEAD_PRICE = Task(
    "day_ahead_price",
    "regression",
    "price_eur_mwh",
    "mae",
    mart="synthetic",
    models="price",
    score_column="price_forecast",
    quantiles={"q10": 0.1, "q50": 0.5, "q90": 0.9},
    persistence_lags={24: "price_lag_24h"},
)


def synthetic_mart(
    days: int = 240, zones: tuple[str, ...] = ("AA", "BB"), seed: int = 0
) -> pd.DataFrame:
    """A mart-shaped frame: hourly rows per zone, a learnable spike label, split labels."""
    rng = np.random.default_rng(seed)
    frames = []
    hours = pd.date_range("2020-01-01", periods=days * 24, freq="h")
    for zone in zones:
        signal = rng.normal(size=len(hours))
        price = 40 + 10 * signal + rng.normal(scale=3, size=len(hours))
        spike = (signal + rng.normal(scale=0.6, size=len(hours))) > 2.2
        frames.append(
            pd.DataFrame(
                {
                    "zone": zone,
                    "target_ts_utc": hours,
                    "forecast_origin_ts_utc": hours.floor("D") - pd.Timedelta(hours=12),
                    "hour_of_day": pd.array(hours.hour, dtype="int32"),
                    "is_weekend": hours.day_of_week >= 5,
                    "signal": signal,
                    "price_lag_24h": np.r_[np.full(24, np.nan), price[:-24]],
                    "price_eur_mwh": price,
                    "is_spike": pd.array(spike, dtype="boolean"),
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    day = (frame["target_ts_utc"] - hours[0]).dt.days
    frame["split"] = np.select(
        [day < 140, day < 150, day < 190, day < 200, day < days - 1],
        ["train", "gap", "validation", "gap", "test"],
        "score",
    )
    frame.loc[frame["split"] == "score", ["is_spike", "price_eur_mwh"]] = None
    return frame


def schema() -> FeatureSchema:
    return FeatureSchema(
        "synthetic",
        "hash-1",
        FEATURES,
        ("zone", "target_ts_utc"),
        ("price_eur_mwh", "is_spike", "split"),
    )


TINY = TrainingConfig(
    trials=3,
    timeout_seconds=60,
    bootstrap_samples=30,
    workers=1,
    fit=FitSettings(max_rounds=200, early_stopping_rounds=20),
)


@pytest.fixture(scope="module")
def trained():
    frame = synthetic_mart()
    return frame, train_models(frame, schema(), SPIKE_RISK, TINY, log=lambda _: None)


# ------------------------------------------------------------------------ metrics


def test_ranking_and_probability_metrics_equal_scikit_learns():
    rng = np.random.default_rng(1)
    y = rng.random(2000) < 0.05
    score = np.round(rng.random(2000) * 0.3 + y * 0.2, 2)  # rounded: many ties
    assert metrics.average_precision(y, score) == pytest.approx(average_precision_score(y, score))
    assert metrics.roc_auc(y, score) == pytest.approx(roc_auc_score(y, score))
    assert metrics.brier_score(y, score) == pytest.approx(brier_score_loss(y, score))
    assert metrics.log_loss(y, score) == pytest.approx(log_loss(y, score))


def test_expected_calibration_error_by_hand():
    # bin [0.1, 0.2): mean p 0.1, frequency 0.5 -> gap 0.4 on 2 of 4 rows; bin [0.9, 1]: 0
    assert expected_calibration_error(
        np.array([0, 1, 1, 1]), np.array([0.1, 0.1, 0.95, 0.95])
    ) == pytest.approx((2 * 0.4 + 2 * 0.05) / 4)


def test_quantile_ece_by_hand():
    # sorted p in two equal-count bins: [0.1, 0.1] with outcomes [0, 1] -> gap 0.4;
    # [0.2, 0.9] with outcomes [0, 1] -> mean p 0.55, frequency 0.5 -> gap 0.05
    got = metrics.expected_calibration_error_quantile(
        np.array([0, 1, 0, 1]), np.array([0.1, 0.1, 0.2, 0.9]), bins=2
    )
    assert got == pytest.approx((2 * 0.4 + 2 * 0.05) / 4)


def test_day_block_bootstrap_is_seeded_and_brackets_the_point():
    rng = np.random.default_rng(2)
    y = rng.random(24 * 60) < 0.05
    scores = rng.random(len(y)) + y
    days = np.repeat(np.arange(60), 24)
    predictors = [
        metrics.Predictor("model", scores, 1.0),
        metrics.Predictor("persistence", rng.random(len(y)), 0.5),
    ]
    run = [
        metrics.evaluate_predictors(
            y,
            predictors,
            metrics.classification_metrics,
            days,
            samples=50,
            seed=3,
            reference="persistence",
        )
        for _ in range(2)
    ]
    assert run[0] == run[1]
    rows = {(r["predictor"], r["metric"]): r for r in run[0]}
    pr = rows[("model", "pr_auc")]
    assert pr["ci_low"] <= pr["value"] <= pr["ci_high"]
    diff = rows[("model", "pr_auc_minus_persistence")]
    assert diff["value"] == pytest.approx(pr["value"] - rows[("persistence", "pr_auc")]["value"])
    assert diff["ci_low"] > 0  # a near-perfect model beats noise on every resample


def test_persistence_takes_the_label_of_the_last_known_day():
    frame = pd.DataFrame(
        {
            "zone": ["A"] * 4,
            "target_ts_utc": pd.to_datetime(
                ["2020-01-01 05:00", "2020-01-02 05:00", "2020-01-03 05:00", "2020-01-04 05:00"]
            ),
            "is_spike": [True, False, True, False],
            # day 3's lag-24 price not yet public: fall back to the 48 h lag (day 1)
            "price_lag_24h": [None, 1.0, None, 1.0],
            "price_lag_48h": [None, None, 1.0, 1.0],
        }
    )
    got = persistence_scores(frame, "is_spike", {24: "price_lag_24h", 48: "price_lag_48h"})
    # the first row knows no earlier day: no persistence (the baseline then scores 0)
    assert np.isnan(got[0]) and got[1:].tolist() == [1.0, 1.0, 1.0]


# ------------------------------------------------------------------------ splits


def test_splits_follow_the_split_label_in_time_order():
    frame = synthetic_mart()
    splits = fixed_splits(frame, SPIKE_RISK, calibration_fraction=0.5)
    times = frame["target_ts_utc"]
    assert times[splits.train].max() < times[splits.tune].min()
    assert times[splits.tune].max() < times[splits.calibrate].min()
    assert times[splits.calibrate].max() < times[splits.test].min()
    assert (frame["split"][splits.validation] == "validation").all()
    # cut at a day boundary, about half the validation days each
    assert times[splits.calibrate].min() == times[splits.calibrate].min().floor("D")
    assert abs(splits.tune.sum() - splits.calibrate.sum()) <= 24 * len(frame["zone"].unique())
    assert splits.score.sum() == 24 * 2 and not (splits.score & splits.test).any()


def test_splits_refuse_a_calibration_window_without_spikes():
    frame = synthetic_mart()
    late_validation = (frame["split"] == "validation") & (
        frame["target_ts_utc"] >= pd.Timestamp("2020-06-10")
    )
    frame.loc[late_validation, "is_spike"] = False
    with pytest.raises(ValueError, match="the calibrate window holds a single class"):
        fixed_splits(frame, SPIKE_RISK)


def test_calibration_falls_back_to_sigmoid_when_a_half_has_no_positives():
    rng = np.random.default_rng(8)
    p = rng.random(2000) * 0.5
    y = np.zeros(2000, dtype=bool)
    y[-40:] = True  # positives only in the second half
    choice = choose_calibration(p, y)
    assert choice.calibration.method == "sigmoid"
    assert "single outcome" in choice.reason


def test_splits_refuse_data_without_a_validation_window():
    frame = synthetic_mart()
    frame.loc[frame["split"] == "validation", "split"] = "train"
    with pytest.raises(ValueError, match="no labelled rows with split = 'validation'"):
        fixed_splits(frame, SPIKE_RISK)


# ------------------------------------------------------------------------ calibration


def test_calibration_lowers_the_ece_of_a_miscalibrated_model():
    rng = np.random.default_rng(4)
    truth = rng.beta(0.5, 12, size=20000)
    y = rng.random(len(truth)) < truth
    overconfident = np.clip(truth * 4, 0, 1)  # right ranking, probabilities 4x too high
    choice = choose_calibration(overconfident[:10000], y[:10000])
    assert choice.calibration.method in ("sigmoid", "isotonic")
    before = expected_calibration_error(y[10000:], overconfident[10000:])
    after = expected_calibration_error(y[10000:], choice.calibration.apply(overconfident[10000:]))
    assert after < before / 3


def test_calibration_of_an_already_calibrated_model_gains_nothing():
    rng = np.random.default_rng(5)
    p = rng.beta(0.5, 12, size=20000)
    y = rng.random(len(p)) < p
    choice = choose_calibration(p, y)
    # each method's held-out Brier is reported; none is within noise of the best
    assert set(choice.held_out) == {"none", "sigmoid", "isotonic"}
    best = min(v["brier"] for v in choice.held_out.values())
    assert choice.held_out["none"]["brier"] <= best * 1.01


def test_calibration_is_plain_numbers_that_round_trip():
    rng = np.random.default_rng(6)
    p = rng.random(500)
    y = rng.random(500) < p**2
    for method in ("sigmoid", "isotonic"):
        fitted = fit_calibration(method, p, y)
        again = Calibration.from_dict(
            __import__("json").loads(__import__("json").dumps(fitted.to_dict()))
        )
        assert np.array_equal(fitted.apply(p), again.apply(p))
    with pytest.raises(ValueError, match="unknown calibration method"):
        Calibration.from_dict({"method": "pickle"})


# ------------------------------------------------------------------------ threshold


def test_threshold_maximises_recall_under_the_alert_rate_ceiling():
    p = np.array([0.9, 0.8, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1])
    y = np.array([1, 0, 1, 0, 1, 0, 0, 0, 0, 0], dtype=bool)
    th = choose_threshold(p, y, alert_rate_target=0.5)
    # alerts at >= 0.6 are 5 rows (50 %) catching all 3; >= 0.5 would be 60 %
    assert (th.value, th.alert_rate, th.recall) == (0.6, 0.5, 1.0)
    # at 40 %, >= 0.7 (4 alerts) and >= 0.8 (3 alerts) both catch 2: fewer alerts win
    th = choose_threshold(p, y, alert_rate_target=0.4)
    assert (th.value, th.alert_rate, th.precision) == (0.8, 0.3, pytest.approx(2 / 3))
    # ties at the top above the ceiling: nothing alerts
    th = choose_threshold(np.array([0.5, 0.5, 0.5, 0.1]), np.array([1, 0, 0, 0]), 0.25)
    assert th.alert_rate == 0 and th.value > 0.5


# ------------------------------------------------------------------------ training run


def test_a_training_run_registers_both_families_beside_baselines(trained):
    frame, run = trained
    assert {m.family for m in run.models} == {"lightgbm", "xgboost"}
    for model in run.models:
        assert model.tuning["trials"] == 3
        assert model.threshold is not None and model.threshold.alert_rate <= 0.05
        ev = pd.DataFrame(model.evaluation)
        test = ev[(ev["split"] == "test") & (ev["entity"] == "ALL")].set_index(
            ["predictor", "metric"]
        )["value"]
        for predictor in ("model", "model_uncalibrated", "climatology", "persistence"):
            assert (predictor, "pr_auc") in test.index
        # the signal is learnable: far above climatology's base rate
        assert test[("model", "pr_auc")] > 3 * test[("climatology", "pr_auc")]
        assert set(ev["entity"]) == {"ALL", "AA", "BB"}
        cis = ev[(ev["split"] == "test") & (ev["metric"] == "pr_auc")]
        assert cis["ci_low"].notna().all()
    records = registry_records(
        run, 7, has_champion=False, trained_at=pd.Timestamp("2024-01-01"), invocation_id="x"
    )
    assert records["model_version"].tolist() == [7, 8]
    assert records["status"].tolist() == ["champion", "challenger"]
    assert records.loc[0, "model_family"] == run.ranked()[0].family


def test_the_test_window_never_reaches_the_fit_the_search_or_the_calibration(trained):
    frame, run = trained
    scrambled = frame.copy()
    test = scrambled["split"] == "test"
    rng = np.random.default_rng(9)
    scrambled.loc[test, "is_spike"] = rng.random(int(test.sum())) < 0.5
    scrambled.loc[test, "signal"] = rng.normal(size=int(test.sum())) * 100
    again = train_models(scrambled, schema(), SPIKE_RISK, TINY, log=lambda _: None)
    for before, after in zip(run.models, again.models, strict=True):
        assert after.predictor.model_text == before.predictor.model_text
        assert after.calibration == before.calibration
        assert after.threshold == before.threshold


def test_a_model_without_a_selection_score_ranks_last(trained):
    _, run = trained
    first, second = run.ranked()
    try:
        first.selection_value, saved = float("nan"), first.selection_value
        assert run.ranked() == [second, first]
    finally:
        first.selection_value = saved


def test_registry_row_round_trips_through_duckdb_and_predicts_identically(trained, tmp_path):
    frame, run = trained
    records = registry_records(
        run, 1, has_champion=False, trained_at=pd.Timestamp("2024-01-01"), invocation_id="x"
    )
    with duckdb.connect(str(tmp_path / "r.duckdb")) as con:
        con.register("records", records)
        con.sql("create table registry as select * from records")
        con.unregister("records")
        loaded = con.sql("select * from registry order by model_version").df()
    scoring = frame[frame["split"].isin(["test", "score"])]
    for model, record in zip(run.ranked(), loaded.to_dict("records"), strict=True):
        assert "pickle" not in record["model_format"]
        restored = RegisteredModel.from_record(record)
        assert restored.feature_columns == FEATURES
        before = model.calibration.apply(
            model.predictor.predict(
                scoring[list(FEATURES)].to_numpy(dtype="float64", na_value=np.nan)
            )
        )
        after = restored.score(scoring)
        assert np.array_equal(after.score, before)
        assert np.array_equal(after.is_alert, before >= model.threshold.value)


def test_scoring_skips_keys_already_scored(trained):
    frame, run = trained
    registry = registry_records(
        run, 1, has_champion=False, trained_at=pd.Timestamp("2024-01-01"), invocation_id="x"
    )
    scoring = frame[frame["split"].isin(["test", "score"])]
    none = empty_promotions()
    quiet = {"log": lambda _: None}
    first = champion_job(SPIKE_RISK, scoring, registry, none, scoring.iloc[0:0], "h", **quiet)
    assert len(first) == len(scoring) and first["model_version"].eq(1).all()
    assert list(first.columns) == list(SPIKE_RISK.prediction_dtypes())
    assert champion_job(SPIKE_RISK, scoring, registry, none, first, "h", **quiet).empty
    with pytest.raises(ValueError, match="no champion"):
        champion_job(
            SPIKE_RISK,
            scoring,
            registry.assign(status="challenger"),
            none,
            scoring.iloc[0:0],
            "h",
            **quiet,
        )


def test_a_model_scores_only_rows_after_its_data(trained):
    frame, run = trained
    registry = registry_records(
        run, 1, has_champion=False, trained_at=pd.Timestamp("2024-01-01"), invocation_id="x"
    )
    # as if the model had been trained walk-forward up to a later day
    end = pd.Timestamp("2020-08-10 23:00")
    later = registry.assign(training_mode="walk_forward", validation_end_utc=end)
    got = champion_job(
        SPIKE_RISK, frame, later, empty_promotions(), frame.iloc[0:0], "h", log=lambda _: None
    )
    assert got["target_ts_utc"].min() > end
    assert len(got) == int((frame["target_ts_utc"] > end).sum())


def test_regression_is_a_task_not_a_second_pipeline():
    frame = synthetic_mart(days=240)
    features = ("hour_of_day", "is_weekend", "signal")
    reg_schema = FeatureSchema(
        "synthetic", "h", features, ("zone", "target_ts_utc"), ("price_eur_mwh",)
    )
    run = train_models(frame, reg_schema, DAY_AHEAD_PRICE, TINY, log=lambda _: None)
    for model in run.models:
        ev = pd.DataFrame(model.evaluation)
        test = ev[(ev["split"] == "test") & (ev["entity"] == "ALL")].set_index(
            ["predictor", "metric"]
        )["value"]
        assert test[("model", "mae")] < 0.7 * test[("climatology", "mae")]
        assert model.threshold is None and model.calibration.method == "none"
        # residual quantiles of the calibration window cover the test window about as
        # declared (80 % between q10 and q90)
        assert model.quantiles is not None
        assert abs(test[("model", "interval_coverage")] - 0.8) < 0.06
        assert test[("model", "pinball_q10")] > 0
    records = registry_records(run, 1, False, pd.Timestamp("2024-01-01"), "x")
    scoring = frame[frame["split"] == "score"]
    scored = RegisteredModel.from_record(records.iloc[0].to_dict()).score(
        scoring, scoring["zone"].to_numpy()
    )
    assert scored.is_alert is None and scored.quantiles.shape == (len(scoring), 3)
    assert (np.diff(scored.quantiles, axis=1) >= 0).all()


# ------------------------------------------------------------------------ parity


@pytest.fixture(scope="module")
def registered():
    frame = synthetic_mart(days=60)
    return frame, describe_features(frame[frame["split"] == "train"], FEATURES)


def parity_message(frame, registered_features) -> str:
    with pytest.raises(ParityError) as error:
        check_parity(frame, registered_features, "model_version 3")
    return str(error.value)


def test_parity_passes_on_the_training_layout(registered):
    frame, features = registered
    check_parity(frame, features)


@pytest.mark.parametrize(
    "breakage, expected",
    [
        (
            lambda f: f.drop(columns=["signal"]),
            "signal: column missing: expected present, got absent",
        ),
        (
            lambda f: f[["zone", "signal", "hour_of_day", "is_weekend", "price_lag_24h"]],
            "hour_of_day: column order: expected position 0, got 'signal' there",
        ),
        (
            lambda f: f.assign(hour_of_day=f["hour_of_day"].astype("float64")),
            "hour_of_day: dtype: expected integer, got float (float64)",
        ),
        (
            lambda f: f.assign(is_weekend=f["is_weekend"].astype("int64")),
            "is_weekend: dtype: expected boolean, got integer (int64)",
        ),
        (lambda f: f.assign(signal=np.nan), "signal: all values null"),
        (
            lambda f: f.assign(signal=np.where(f.index % 7 == 0, np.inf, f["signal"])),
            "signal: finite values: expected finite numbers, got 412 infinite, e.g. [inf, inf",
        ),
    ],
    ids=["missing", "order", "int-to-float", "bool-to-int", "all-null", "infinite"],
)
def test_parity_names_column_rule_expected_and_got(registered, breakage, expected):
    frame, features = registered
    message = parity_message(breakage(frame), features)
    assert "train-serve parity failed for model_version 3" in message
    assert "[rule: train_serve_parity]" in message
    assert expected in message


def test_values_beyond_the_training_range_are_scored_and_reported(registered):
    """A 2022-style extreme is news, not a break: no error, and each row says which of its
    features left the training range."""
    frame, features = registered
    high = next(e["max"] for e in features if e["name"] == "price_lag_24h")
    extreme = frame.assign(
        price_lag_24h=np.where(frame.index < 5, high * 30, frame["price_lag_24h"]),
        hour_of_day=frame["hour_of_day"],
    )
    extreme.loc[2, "signal"] = -1e3
    report = check_parity(extreme, features)
    assert report.counts[:5].tolist() == [1, 1, 2, 1, 1]
    assert report.names[2] == "signal,price_lag_24h" and report.names[0] == "price_lag_24h"
    # beyond these rows only the training rows' own extremes: none is out of range
    train = (frame["split"] == "train").to_numpy()
    assert report.counts[5:][train[5:]].sum() == 0
    assert report.per_feature["price_lag_24h"] >= 5


# ------------------------------------------------------------------------ walk-forward


def test_walk_forward_windows_end_at_the_newest_label_before_the_cut():
    from python_ml.training.splits import WalkForward, walk_forward_splits

    frame = synthetic_mart()
    settings = WalkForward(window="rolling", train_days=60, validation_days=28, gap_hours=240)
    cut = pd.Timestamp("2020-06-01")
    splits = walk_forward_splits(frame, SPIKE_RISK, settings, cut)
    times = frame["target_ts_utc"]
    assert times[splits.validation].max() == cut - pd.Timedelta(hours=1)
    assert times[splits.validation].min() == pd.Timestamp("2020-05-04")
    assert times[splits.train].max() < pd.Timestamp("2020-05-04") - pd.Timedelta(hours=240)
    assert times[splits.train].min() >= pd.Timestamp("2020-04-24") - pd.Timedelta(days=60)
    assert not splits.test.any() and (times[splits.score] >= cut).all()
    expanding = walk_forward_splits(
        frame, SPIKE_RISK, WalkForward(window="expanding", validation_days=28, gap_hours=240), cut
    )
    assert times[expanding.train].min() == times.min()
    # labels from the cut on never reach training or validation
    scrambled = frame.copy()
    after = scrambled["target_ts_utc"] >= cut
    scrambled.loc[after, "is_spike"] = ~scrambled.loc[after, "is_spike"]
    again = walk_forward_splits(scrambled, SPIKE_RISK, settings, cut)
    assert (again.train == splits.train).all() and (again.validation == splits.validation).all()


def test_families_trained_in_parallel_equal_a_serial_run():
    """One process per family gives bitwise the models, calibrations, thresholds and
    evaluations of training the families one after the other in-process."""
    from dataclasses import replace

    frame = synthetic_mart(days=200)
    config = replace(TINY, fit=replace(TINY.fit, threads=1))
    serial = train_models(
        frame, schema(), SPIKE_RISK, replace(config, workers=1), log=lambda _: None
    )
    parallel = train_models(
        frame, schema(), SPIKE_RISK, replace(config, workers=2), log=lambda _: None
    )
    for a, b in zip(serial.models, parallel.models, strict=True):
        assert a.family == b.family
        assert a.predictor.model_text == b.predictor.model_text
        assert a.params == b.params and a.calibration == b.calibration
        assert a.threshold == b.threshold and a.selection_value == b.selection_value
        assert a.evaluation == b.evaluation
        assert a.prediction_reference == b.prediction_reference
        assert {k: v for k, v in a.tuning.items() if k != "seconds"} == {
            k: v for k, v in b.tuning.items() if k != "seconds"
        }
