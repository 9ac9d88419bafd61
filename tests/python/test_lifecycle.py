"""Model lifecycle rules without dbt: statuses from the promotions log, retention, the
promotion gates on constructed predictions (a worse challenger stays out, a better one gets
in), manual promotion and rollback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from python_ml import lifecycle
from python_ml.lifecycle import PromotionSettings, artifacts_to_prune
from python_ml.lifecycle.promotion import check_promote_version, decision_frame, decision_row
from python_ml.lifecycle.status import retained_versions
from python_ml.training.tasks import Task

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
    "price",
    "mae",
    models="price",
    score_column="price_forecast",
    quantiles={"q10": 0.1, "q90": 0.9},
)


def promotion_job(task, runs, previous, champion, challenger, labels, drift, settings):
    """Decisions as ml_model_promotions appends them, from the generic prediction layout."""
    predictions = pd.concat(
        [champion.assign(role="champion"), challenger.assign(role="challenger")], ignore_index=True
    )
    predictions = predictions.rename(columns={"zone": "entity", task.score_column: "score"})
    rows = lifecycle.promotion_job(
        task,
        runs,
        previous,
        predictions,
        labels,
        labels,
        drift.rename(columns={"zone": "entity"}),
        settings,
        log=lambda _: None,
    )
    return decision_frame(rows, previous, pd.Timestamp("2020-04-01"), "test")


def runs_frame(rows):
    """Registry rows: (version, invocation, registered status)."""
    return pd.DataFrame(
        [
            {
                "model_version": v,
                "task": "spike_risk",
                "dbt_invocation_id": inv,
                "status": status,
                "model_family": "lightgbm",
                "model_artifact": "text",
                "validation_end_utc": pd.Timestamp("2020-01-31 23:00"),
                "feature_domains_json": '[{"name": "x", "kind": "float", "always_present": true, '
                '"min": 0.0, "max": 1.0}]',
            }
            for v, inv, status in rows
        ]
    )


def promotion(decision_id, before, after, challenger=None, decision="promote"):
    row = decision_row("spike_risk", decision, challenger or after, before, after, "test")
    return {**row, "decision_id": decision_id}


def statuses(runs, promotions=()):
    frame = pd.DataFrame(list(promotions)) if promotions else lifecycle.empty_promotions()
    out = lifecycle.model_statuses(runs, frame)
    return dict(zip(out["model_version"], out["status"], strict=True))


def test_statuses_follow_the_promotions_log():
    runs = runs_frame(
        [
            (1, "a", "champion"),
            (2, "a", "challenger"),
            (3, "b", "challenger"),
            (4, "b", "challenger"),
        ]
    )
    assert statuses(runs.iloc[:2]) == {1: "champion", 2: "challenger"}
    # a second training run supersedes the first run's challenger
    assert statuses(runs) == {1: "champion", 2: "retired", 3: "challenger", 4: "challenger"}
    promoted = [promotion(1, 1, 4, challenger=4)]
    assert statuses(runs, promoted) == {1: "retired", 2: "retired", 3: "challenger", 4: "champion"}
    # a rollback to 1: the rolled-back champion is retired, never a challenger again
    rolled_back = promoted + [promotion(2, 4, 1, decision="rollback")]
    assert statuses(runs, rolled_back) == {
        1: "champion",
        2: "retired",
        3: "challenger",
        4: "retired",
    }


def test_retention_keeps_live_models_then_former_champions_then_the_newest():
    runs = runs_frame(
        [
            (v, "a" if v <= 2 else "b" if v <= 4 else "c", "champion" if v == 1 else "challenger")
            for v in range(1, 7)
        ]
    )
    frame = lifecycle.model_statuses(runs, lifecycle.empty_promotions())
    # champion 1, challengers 5 and 6; retired 2, 3, 4
    assert retained_versions(frame, 4) == {1, 5, 6, 4}
    assert retained_versions(frame, 1) == {1, 5, 6}
    assert artifacts_to_prune(runs, lifecycle.empty_promotions(), 4) == [2, 3]
    # 3 was champion (1 -> 3, then back to 1): the rollback target is kept before 4
    log = pd.DataFrame([promotion(1, 1, 3), promotion(2, 3, 1, decision="rollback")])
    assert artifacts_to_prune(runs, log, 4) == [2, 4]


def predictions(version, p, days=21, zones=("A", "B")):
    index = pd.date_range("2020-03-01", periods=days * 24, freq="h")
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "model_version": version,
                    "zone": z,
                    "target_ts_utc": index,
                    "spike_probability": p[i],
                }
            )
            for i, z in enumerate(zones)
        ],
        ignore_index=True,
    )


def scenario(challenger_quality, seed=3, days=21):
    """Labels with ~5 % spikes; the champion sees them through noise, the challenger through
    less (challenger_quality > 1) or more (< 1) noise. Both are calibrated-ish."""
    rng = np.random.default_rng(seed)
    n = days * 24
    y = rng.random((2, n)) < 0.05

    def model(noise):
        logit = np.where(y, 1.0, -1.0) * 2.2 + rng.normal(0, noise, (2, n)) - 2.0
        return 1 / (1 + np.exp(-logit))

    labels = predictions(0, y.astype(float)).rename(columns={"spike_probability": "is_spike"})
    labels["x"] = 0.5
    return (predictions(1, model(2.0)), predictions(2, model(2.0 / challenger_quality)), labels)


OPEN_ECE = PromotionSettings(max_ece=1.0)


def decide(
    champion, challenger, labels, settings=OPEN_ECE, drift_psi=0.05, previous=None, severity="ok"
):
    runs = runs_frame([(1, "a", "champion"), (2, "b", "challenger")])
    drift = pd.DataFrame(
        {
            "model_version": [2, 2],
            "zone": ["A", "B"],
            "drift_date": [pd.Timestamp("2020-03-21")] * 2,
            "psi": [drift_psi, 0.01],
            "severity": [severity, "ok"],
        }
    )
    return promotion_job(
        SPIKE,
        runs,
        previous if previous is not None else lifecycle.empty_promotions(),
        champion,
        challenger,
        labels,
        drift,
        settings,
    )


def test_a_clearly_better_challenger_is_promoted():
    champion, challenger, labels = scenario(challenger_quality=4.0)
    out = decide(champion, challenger, labels)
    row = out.iloc[0]
    assert row["decision"] == "promote" and row["champion_after"] == 2, row["reason"]
    assert row["ci_low"] > 0 and row["difference"] > 0
    assert row["labelled_rows"] == 2 * 14 * 24  # the window: the last 14 labelled days


def test_a_worse_challenger_is_not_promoted():
    champion, challenger, labels = scenario(challenger_quality=0.25)
    row = decide(champion, challenger, labels).iloc[0]
    assert row["decision"] == "keep" and row["champion_after"] == 1
    assert "better_by_margin" in row["reason"] and row["difference"] < 0


def test_an_equal_challenger_is_not_promoted():
    champion, _, labels = scenario(challenger_quality=1.0)
    row = decide(champion, champion.assign(model_version=2), labels).iloc[0]
    assert row["decision"] == "keep" and row["difference"] == 0


@pytest.mark.parametrize(
    "change, gate",
    [
        ({"drift_psi": 0.4}, "no_drift_alert"),
        ({"severity": "insufficient"}, "no_drift_alert"),
        ({"settings": PromotionSettings(max_ece=0.0001)}, "calibration"),
        ({"settings": PromotionSettings(max_ece=1.0, min_positives=10_000)}, "enough_labels"),
    ],
)
def test_each_gate_can_stop_a_better_challenger(change, gate):
    champion, challenger, labels = scenario(challenger_quality=4.0)
    row = decide(champion, challenger, labels, **change).iloc[0]
    assert row["decision"] == "keep"
    assert row["reason"].startswith("kept the champion: " + gate), row["reason"]


def test_parity_gate_and_out_of_sample_gate():
    champion, challenger, labels = scenario(challenger_quality=4.0)
    # a value beyond the training range is news, not a break: the gate passes
    assert decide(champion, challenger, labels.assign(x=50.0)).iloc[0]["decision"] == "promote"
    row = decide(champion, challenger, labels.assign(x="0.5")).iloc[0]
    assert row["decision"] == "keep" and "parity (train-serve parity failed" in row["reason"]
    early = scenario(challenger_quality=4.0)
    shifted = [f.assign(target_ts_utc=f["target_ts_utc"] - pd.Timedelta(days=60)) for f in early]
    row = decide(*shifted).iloc[0]
    assert row["decision"] == "keep" and "out_of_sample" in row["reason"]


def test_the_winner_is_champion_whichever_challenger_it_is():
    """Three challengers, the middle one (v3) clearly best: the promotion is the run's last
    decision row, so the champion read back from the log is v3."""
    champion, good, labels = scenario(challenger_quality=4.0, seed=5)
    _, bad, _ = scenario(challenger_quality=0.25, seed=5)
    runs = runs_frame(
        [
            (1, "a", "champion"),
            (2, "b", "challenger"),
            (3, "b", "challenger"),
            (4, "b", "challenger"),
        ]
    )
    shadow = pd.concat(
        [bad.assign(model_version=2), good.assign(model_version=3), bad.assign(model_version=4)]
    )
    drift = pd.DataFrame(
        {
            "model_version": [1, 2, 3, 4],
            "zone": "A",
            "drift_date": pd.Timestamp("2020-03-21"),
            "psi": 0.01,
            "severity": "ok",
        }
    )
    out = promotion_job(
        SPIKE, runs, lifecycle.empty_promotions(), champion, shadow, labels, drift, OPEN_ECE
    )
    assert out["decision"].tolist() == ["keep", "keep", "promote"]
    assert out["challenger_version"].tolist() == [2, 4, 3]
    assert lifecycle.current_champion(runs, out, "spike_risk") == 3
    assert statuses(runs, out.to_dict("records")) == {
        1: "retired",
        2: "challenger",
        3: "champion",
        4: "challenger",
    }


def test_drift_gate_is_relative_to_the_champion_unless_absolute():
    champion, challenger, labels = scenario(challenger_quality=4.0)
    runs = runs_frame([(1, "a", "champion"), (2, "b", "challenger")])

    def drift(challenger_psi, champion_psi):
        return pd.DataFrame(
            {
                "model_version": [1, 2],
                "zone": "A",
                "drift_date": pd.Timestamp("2020-03-21"),
                "psi": [champion_psi, challenger_psi],
                "severity": "alert",
            }
        )

    def decide_with(frame, settings=OPEN_ECE):
        return promotion_job(
            SPIKE, runs, lifecycle.empty_promotions(), champion, challenger, labels, frame, settings
        ).iloc[0]

    # both alert, the challenger less than the champion: passes (relative)
    assert decide_with(drift(0.5, 0.9))["decision"] == "promote"
    row = decide_with(drift(0.9, 0.5))
    assert row["decision"] == "keep" and "drifted further than the champion in A" in (row["reason"])
    strict = PromotionSettings(max_ece=1.0, drift_gate="absolute")
    assert decide_with(drift(0.5, 0.9), strict)["decision"] == "keep"


def test_an_empty_window_is_decided_once():
    champion, challenger, labels = scenario(challenger_quality=4.0)
    elsewhere = challenger.assign(zone="C")  # shares no rows with the champion
    first = decide(champion, elsewhere, labels)
    assert first["labelled_rows"].tolist() == [0] and first["decision"].tolist() == ["keep"]
    assert decide(champion, elsewhere, labels, previous=first).empty


def test_the_same_window_is_decided_once():
    champion, challenger, labels = scenario(challenger_quality=0.25)
    first = decide(champion, challenger, labels)
    again = decide(champion, challenger, labels, previous=first)
    assert len(first) == 1 and again.empty


def test_manual_promotion_and_rollback_bypass_the_metric_gates():
    champion, challenger, labels = scenario(challenger_quality=0.25)
    row = decide(champion, challenger, labels, settings=PromotionSettings(promote_version=2)).iloc[
        0
    ]
    assert (row["decision"], row["champion_before"], row["champion_after"]) == (
        "manual_promotion",
        1,
        2,
    )
    back = decide(
        champion,
        challenger,
        labels,
        previous=pd.DataFrame([row]),
        settings=PromotionSettings(promote_version=1),
    ).iloc[0]
    assert (back["decision"], back["champion_after"], back["decision_id"]) == (
        "rollback",
        1,
        row["decision_id"] + 1,
    )
    with pytest.raises(ValueError, match="no model_version 9"):
        check_promote_version(
            runs_frame([(1, "a", "champion"), (2, "b", "challenger")]),
            PromotionSettings(promote_version=9),
        )


def regression_scenario(challenger_noise, interval_half_width, seed=4, days=21):
    """Prices with noise; the champion forecasts with noise 10, the challenger with
    `challenger_noise`; both give intervals of +-`interval_half_width` around the forecast."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2020-03-01", periods=days * 24, freq="h")
    truth = 50 + 20 * np.sin(np.arange(len(index)) / 24 * 2 * np.pi)
    labels = pd.DataFrame(
        {
            "zone": "A",
            "target_ts_utc": index,
            "price": truth + rng.normal(0, 5, len(index)),
            "x": 0.5,
        }
    )

    def model(version, noise, half):
        point = truth + rng.normal(0, noise, len(index))
        return pd.DataFrame(
            {
                "model_version": version,
                "zone": "A",
                "target_ts_utc": index,
                "price_forecast": point,
                "interval_low": point - half,
                "interval_high": point + half,
            }
        )

    return model(1, 10.0, 15.0), model(2, challenger_noise, interval_half_width), labels


def decide_price(champion, challenger, labels, settings=None):
    runs = runs_frame([(1, "a", "champion"), (2, "b", "challenger")]).assign(task="day_ahead_price")
    drift = pd.DataFrame(
        {
            "model_version": [2],
            "zone": ["A"],
            "drift_date": [pd.Timestamp("2020-03-21")],
            "psi": [0.01],
            "severity": ["ok"],
        }
    )
    return promotion_job(
        PRICE,
        runs,
        lifecycle.empty_promotions(),
        champion,
        challenger,
        labels,
        drift,
        settings or PromotionSettings(),
    ).iloc[0]


def test_a_regression_challenger_with_lower_mae_and_honest_intervals_is_promoted():
    # noise 5 around the truth: an 80 % interval is about +-1.28 * sqrt(5^2 + 5^2) = 9
    champion, challenger, labels = regression_scenario(
        challenger_noise=5.0, interval_half_width=9.0
    )
    row = decide_price(champion, challenger, labels)
    assert row["decision"] == "promote", row["reason"]
    assert row["metric"] == "mae" and row["difference"] < 0 and row["ci_high"] < 0
    assert row["positives"] is pd.NA or pd.isna(row["positives"])
    gates = {g["gate"]: g for g in __import__("json").loads(row["gates_json"])}
    assert gates["enough_labels"]["detail"] == "336 labelled rows (need 168)"


def test_a_regression_challenger_with_overconfident_intervals_is_kept_out():
    champion, challenger, labels = regression_scenario(
        challenger_noise=5.0, interval_half_width=1.0
    )
    row = decide_price(champion, challenger, labels)
    assert row["decision"] == "keep"
    assert row["reason"].startswith(
        "kept the champion: calibration (challenger interval coverage"
    ), row["reason"]


def test_a_worse_regression_challenger_is_kept_out():
    champion, challenger, labels = regression_scenario(
        challenger_noise=20.0, interval_half_width=30.0
    )
    row = decide_price(champion, challenger, labels)
    assert (
        row["decision"] == "keep"
        and "better_by_margin (mae challenger - champion +" in (row["reason"])
    )
