"""One training run: tune each model family, calibrate, pick a threshold, evaluate beside baselines.

Windows (see `data.time_splits`): `train` fits the trees; `tune` drives early stopping and
the Optuna search; `calibrate` fits the calibration map and picks its method; the threshold
is chosen on the whole validation window; `test` is only ever scored for the evaluation.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import optuna
import pandas as pd

from python_ml import drift
from python_ml.features.parity import describe_features
from python_ml.training.calibration import Calibration, CalibrationChoice, choose_calibration
from python_ml.training.data import (
    FeatureSchema,
    Task,
    TimeSplits,
    feature_matrix,
    label_vector,
    time_splits,
)
from python_ml.training.families import FAMILIES, FitSettings, Predictor
from python_ml.training.metrics import (
    Predictor as Scored,
)
from python_ml.training.metrics import (
    classification_metrics,
    evaluate_predictors,
    persistence_scores,
    regression_metrics,
)
from python_ml.training.threshold import Threshold, choose_threshold

Log = Callable[[str], None]


@dataclass(frozen=True)
class TrainingConfig:
    families: tuple[str, ...] = ("lightgbm", "xgboost")
    trials: int = 15
    timeout_seconds: float = 120.0
    seed: int = 42
    alert_rate_target: float = 0.05
    calibration_fraction: float = 0.5
    max_relative_pr_auc_loss: float = 0.02
    bootstrap_samples: int = 200
    # Quantile bins of the drift reference stored with each model (python_ml.drift).
    drift_bins: int = 10
    fit: FitSettings = field(default_factory=FitSettings)

    @classmethod
    def from_vars(cls, values: Mapping[str, object]) -> TrainingConfig:
        """Build from the `ml_training` dbt var (unknown keys are an error, not ignored)."""
        known = {f for f in cls.__dataclass_fields__ if f != "fit"}
        fit_keys = set(FitSettings.__dataclass_fields__)
        unknown = set(values) - known - fit_keys
        if unknown:
            raise ValueError(f"ml_training: unknown setting(s) {sorted(unknown)}; "
                             f"known: {sorted(known | fit_keys)}")
        top = {k: v for k, v in values.items() if k in known}
        if "families" in top:
            top["families"] = tuple(top["families"])  # type: ignore[arg-type]
            bad = set(top["families"]) - set(FAMILIES)  # type: ignore[arg-type]
            if bad:
                raise ValueError(f"ml_training.families: unknown {sorted(bad)}; "
                                 f"known: {sorted(FAMILIES)}")
        fit = replace(FitSettings(), **{k: v for k, v in values.items() if k in fit_keys})
        return cls(**top, fit=fit)  # type: ignore[arg-type]


@dataclass
class TrainedModel:
    family: str
    predictor: Predictor
    params: dict[str, object]
    tuning: dict[str, object]
    calibration: Calibration
    calibration_choice: CalibrationChoice
    threshold: Threshold | None
    selection_value: float
    validation_metrics: dict[str, float]
    feature_importance: dict[str, float]
    evaluation: list[dict[str, object]]
    # per zone, bins of the calibrated score on the validation window (python_ml.drift)
    prediction_reference: list[dict[str, object]] = field(default_factory=list)


@dataclass
class TrainingRun:
    task: Task
    schema: FeatureSchema
    models: list[TrainedModel]
    windows: dict[str, tuple[str, str] | None]
    feature_domains: list[dict[str, object]]
    config: TrainingConfig
    # per zone and feature, bins of the training rows (python_ml.drift)
    feature_reference: list[dict[str, object]] = field(default_factory=list)

    def ranked(self) -> list[TrainedModel]:
        """Models best first by the tuning metric on the calibration window, which neither
        the fit, the early stopping nor the search has seen."""
        sign = -1.0 if self.task.maximize else 1.0
        return sorted(self.models, key=lambda m: (bool(np.isnan(m.selection_value)),
                                                  sign * np.nan_to_num(m.selection_value)))


def _tuning_value(task: Task, y: np.ndarray, prediction: np.ndarray) -> float:
    if task.kind == "classification":
        return classification_metrics(y, prediction, 0.5)[task.tuning_metric]
    return regression_metrics(y, prediction)[task.tuning_metric]


def tune_family(family_name: str, task: Task, names: tuple[str, ...], x_fit: np.ndarray,
                y_fit: np.ndarray, x_stop: np.ndarray, y_stop: np.ndarray,
                config: TrainingConfig, log: Log) -> tuple[Predictor, dict[str, object],
                                                           dict[str, object]]:
    """Seeded TPE search with median pruning; returns the best trial's early-stopped model."""
    family = FAMILIES[family_name]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize" if task.maximize else "minimize",
        sampler=optuna.samplers.TPESampler(seed=config.seed,
                                           n_startup_trials=min(5, config.trials)),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=20),
    )
    best: dict[str, object] = {}
    started = time.perf_counter()

    def objective(trial: optuna.Trial) -> float:
        params = family.suggest(trial, task, y_fit)

        def report(step: int, value: float) -> None:
            trial.report(value, step)
            if trial.should_prune():
                raise optuna.TrialPruned()

        model = family.fit(task, params, names, x_fit, y_fit, x_stop, y_stop, config.fit,
                           report)
        value = _tuning_value(task, y_stop, model.predict(x_stop))
        incumbent = best.get("value")
        if incumbent is None or (value > incumbent if task.maximize else value < incumbent):
            best.update(value=value, model=model, params=params, trial=trial.number)
        return value

    def progress(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        state = "pruned" if trial.state == optuna.trial.TrialState.PRUNED else (
            f"{task.tuning_metric}={trial.value:.4f}" if trial.value is not None else "failed")
        log(f"[ml] {family_name} trial {trial.number + 1}/{config.trials}: {state}; best "
            f"{best.get('value', float('nan')):.4f} ({time.perf_counter() - started:.1f} s)")

    study.optimize(objective, n_trials=config.trials, timeout=config.timeout_seconds,
                   callbacks=[progress])
    if "model" not in best:
        raise RuntimeError(f"{family_name}: no trial completed within {config.trials} trials "
                           f"and {config.timeout_seconds} s; raise ml_training.timeout_seconds")
    states = [t.state for t in study.trials]
    summary = {
        "trials": len(study.trials),
        "pruned": sum(s == optuna.trial.TrialState.PRUNED for s in states),
        "best_trial": best["trial"],
        "best_value": best["value"],
        "metric": task.tuning_metric,
        "window": "tune",
        "seconds": round(time.perf_counter() - started, 2),
        "sampler": f"TPE(seed={config.seed})",
        "pruner": "median",
    }
    return best["model"], dict(best["params"]), summary  # type: ignore[arg-type]


def _lag_columns(schema: FeatureSchema, label: str) -> dict[int, str]:
    """Daily price-lag features (price_lag_<24k>h), used to find the last known day."""
    lags = {}
    for name in schema.feature_columns:
        match = re.fullmatch(r"price_lag_(\d+)h", name)
        if match and int(match.group(1)) % 24 == 0:
            lags[int(match.group(1))] = name
    return lags


def baseline_scores(frame: pd.DataFrame, task: Task, schema: FeatureSchema,
                    splits: TimeSplits) -> dict[str, np.ndarray]:
    """Climatology (the label's training mean per zone: the base rate for a classifier) and
    persistence (the label of the same hour on the last delivery day known at the origin)."""
    y = label_vector(frame, task)
    zones = frame["zone"].astype(str).to_numpy()
    climate = pd.Series(y[splits.train]).groupby(zones[splits.train]).mean()
    overall = float(np.nanmean(y[splits.train]))
    climatology = pd.Series(zones).map(climate).fillna(overall).to_numpy(dtype=float)
    persistence = persistence_scores(frame, task.label, _lag_columns(schema, task.label))
    return {"climatology": climatology, "persistence": persistence}


def evaluation_rows(task: Task, y: np.ndarray, zones: np.ndarray, days: np.ndarray,
                    masks: Mapping[str, np.ndarray], predictors: list[Scored],
                    config: TrainingConfig, bootstrap_splits: tuple[str, ...] = ("test",),
                    ) -> list[dict[str, object]]:
    """Long-format metrics per split, zone ('ALL' pooled) and predictor."""
    metric_fn = classification_metrics if task.kind == "classification" else regression_metrics
    compare = ("pr_auc", "brier") if task.kind == "classification" else ("mae", "rmse")
    rows: list[dict[str, object]] = []
    for split, mask in masks.items():
        if not mask.any():
            continue
        groups = [("ALL", mask)] + [(z, mask & (zones == z)) for z in sorted(set(zones[mask]))]
        for zone, rows_mask in groups:
            index = np.flatnonzero(rows_mask)
            subset = [Scored(p.name, p.scores[index], p.threshold) for p in predictors]
            for row in evaluate_predictors(
                    y[index], subset, metric_fn, days[index],
                    samples=config.bootstrap_samples if split in bootstrap_splits else 0,
                    seed=config.seed, reference="persistence", compare=compare):
                rows.append({"split": split, "zone": zone, **row})
    return rows


def train_models(frame: pd.DataFrame, schema: FeatureSchema, task: Task,
                 config: TrainingConfig, log: Log = print) -> TrainingRun:
    """Train every configured family on `frame` (the mart, all splits, time-ordered or not)."""
    frame = frame.sort_values(["target_ts_utc", "zone"], kind="mergesort").reset_index(drop=True)
    names = tuple(schema.feature_columns)
    splits = time_splits(frame, task, config.calibration_fraction)
    x = feature_matrix(frame, names)
    y = label_vector(frame, task)
    zones = frame["zone"].astype(str).to_numpy()
    days = pd.to_datetime(frame["target_ts_utc"]).dt.floor("D").to_numpy()
    baselines = baseline_scores(frame, task, schema, splits)
    masks = {"validation": splits.validation, "test": splits.test}
    log(f"[ml] {task.name}: train {int(splits.train.sum())} rows, tune "
        f"{int(splits.tune.sum())}, calibrate {int(splits.calibrate.sum())}, test "
        f"{int(splits.test.sum())}, score {int(splits.score.sum())}; {len(names)} features")

    def thresholded(name: str, scores: np.ndarray) -> Scored:
        if task.kind != "classification":
            return Scored(name, scores, float("nan"))
        th = choose_threshold(scores[splits.validation], y[splits.validation],
                              config.alert_rate_target)
        return Scored(name, scores, th.value)

    baseline_predictors = [thresholded(n, s) for n, s in baselines.items()]
    models: list[TrainedModel] = []
    for family_name in config.families:
        predictor, params, tuning = tune_family(
            family_name, task, names, x[splits.train], y[splits.train], x[splits.tune],
            y[splits.tune], config, log)
        raw = predictor.predict(x)
        selection = _tuning_value(task, y[splits.calibrate], raw[splits.calibrate])
        threshold: Threshold | None = None
        if task.kind == "classification":
            choice = choose_calibration(raw[splits.calibrate], y[splits.calibrate],
                                        config.max_relative_pr_auc_loss)
            calibrated = choice.calibration.apply(raw)
            reference = drift.prediction_reference(zones[splits.validation],
                                                   calibrated[splits.validation],
                                                   config.drift_bins)
            threshold = choose_threshold(calibrated[splits.validation], y[splits.validation],
                                         config.alert_rate_target)
            predictors = [Scored("model", calibrated, threshold.value),
                          thresholded("model_uncalibrated", raw)]
            validation = classification_metrics(y[splits.validation],
                                                 calibrated[splits.validation], threshold.value)
        else:
            choice = CalibrationChoice(Calibration("none"), {}, "regression: not calibrated")
            reference = []
            predictors = [Scored("model", raw, float("nan"))]
            validation = regression_metrics(y[splits.validation], raw[splits.validation])
        log(f"[ml] {family_name}: {tuning['trials']} trials ({tuning['pruned']} pruned), "
            f"{task.tuning_metric} on calibrate window {selection:.4f}; calibration "
            f"{choice.calibration.method} ({choice.reason})")
        started = time.perf_counter()
        evaluation = evaluation_rows(task, y, zones, days, masks,
                                     predictors + baseline_predictors, config)
        log(f"[ml] {family_name}: evaluation with {config.bootstrap_samples} day-block "
            f"bootstrap samples in {time.perf_counter() - started:.1f} s")
        models.append(TrainedModel(
            family=family_name, predictor=predictor, params=params, tuning=tuning,
            calibration=choice.calibration, calibration_choice=choice, threshold=threshold,
            selection_value=selection, validation_metrics=validation,
            feature_importance=predictor.feature_importance(),  # type: ignore[attr-defined]
            evaluation=evaluation, prediction_reference=reference))
    bounds = splits.bounds(pd.to_datetime(frame["target_ts_utc"]))
    return TrainingRun(task, schema, models, bounds,
                       describe_features(frame.loc[splits.train], names), config,
                       drift.feature_reference(frame.loc[splits.train], names,
                                               config.drift_bins))
