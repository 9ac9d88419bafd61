"""One training run of a task: tune each model family, calibrate (probabilities or
quantiles), pick a threshold, evaluate beside baselines.

Windows (python_ml.training.splits): `train` fits the trees; `tune` drives early stopping
and the Optuna search; `calibrate` fits the calibration map or the residual quantiles and
ranks the families; a classifier's threshold is chosen on the whole validation window;
`test` (fixed splits only) is only ever scored for the evaluation.

Families train in parallel, one process per family (var ml_training.workers, default the
core count). A worker gets the arrays and returns plain data (the model as text), so a
parallel run registers exactly what a serial run registers.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing import get_context

import numpy as np
import pandas as pd

from python_ml.features.parity import describe_features
from python_ml.features.schema import FeatureSchema, feature_matrix
from python_ml.monitoring import drift
from python_ml.training.baselines import baseline_scores
from python_ml.training.calibration import Calibration, CalibrationChoice, choose_calibration
from python_ml.training.families import FAMILIES, FitSettings, Predictor
from python_ml.training.metrics import Predictor as Scored
from python_ml.training.metrics import (
    classification_metrics,
    evaluate_predictors,
    regression_metrics,
)
from python_ml.training.quantiles import QuantileMap
from python_ml.training.splits import (
    TimeSplits,
    WalkForward,
    fixed_splits,
    walk_forward_splits,
)
from python_ml.training.tasks import Task
from python_ml.training.threshold import Threshold, choose_threshold
from python_ml.training.tuning import tune_family, tuning_value

Log = Callable[[str], None]
MODES = ("fixed_split", "walk_forward")


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class TrainingConfig:
    families: tuple[str, ...] = ("lightgbm", "xgboost")
    trials: int = 15
    timeout_seconds: float = 120.0
    seed: int = 42
    calibration_fraction: float = 0.5
    max_relative_pr_auc_loss: float = 0.02
    bootstrap_samples: int = 200
    # quantile bins of the drift reference stored with each model (python_ml.monitoring.drift)
    drift_bins: int = 10
    # processes that train families side by side (None: the core count)
    workers: int | None = None
    # auto: a task's first training uses the mart's fixed split, later ones walk forward
    mode: str = "auto"
    # a task is retrained once its newest model's data end this many days before its
    # newest label (0: every run), so challengers shadow-score labelled days in between
    retrain_every_days: int = 28
    walk_forward: WalkForward = field(default_factory=WalkForward)
    fit: FitSettings = field(default_factory=FitSettings)

    @classmethod
    def from_vars(cls, values: Mapping[str, object]) -> TrainingConfig:
        """Build from the `ml_training` dbt var (unknown keys are an error, not ignored)."""
        values = dict(values)
        if "alert_rate_target" in values:
            raise ValueError(
                "ml_training.alert_rate_target moved to the task: set "
                "ml_tasks.<task>.alert_rate_target"
            )
        known = {f for f in cls.__dataclass_fields__ if f not in ("fit", "walk_forward")}
        fit_keys = set(FitSettings.__dataclass_fields__)
        unknown = set(values) - known - fit_keys - {"walk_forward"}
        if unknown:
            raise ValueError(
                f"ml_training: unknown setting(s) {sorted(unknown)}; "
                f"known: {sorted(known | fit_keys | {'walk_forward'})}"
            )
        top = {k: v for k, v in values.items() if k in known and v is not None}
        if "families" in top:
            top["families"] = tuple(top["families"])  # type: ignore[arg-type]
            bad = set(top["families"]) - set(FAMILIES)  # type: ignore[arg-type]
            if bad or not top["families"]:
                raise ValueError(
                    f"ml_training.families: unknown {sorted(bad)}; known: {sorted(FAMILIES)}"
                )
        if top.get("mode", "auto") not in ("auto", *MODES):
            raise ValueError(
                f"ml_training.mode must be auto, fixed_split or walk_forward, not {top['mode']!r}"
            )
        if "workers" in top and int(top["workers"]) < 1:  # type: ignore[call-overload]
            raise ValueError(f"ml_training.workers must be at least 1, got {top['workers']}")
        fit_values = {k: v for k, v in values.items() if k in fit_keys and v is not None}
        fit = replace(FitSettings(), **fit_values)
        if "threads" not in fit_values:
            fit = replace(fit, threads=0)  # resolved per run from workers and cores
        walk = WalkForward.from_vars(values.get("walk_forward"))  # type: ignore[arg-type]
        return cls(**top, walk_forward=walk, fit=fit)  # type: ignore[arg-type]

    def due(self, data_end: pd.Timestamp | None, newest_label: pd.Timestamp | None) -> bool:
        """Whether a task whose newest model saw data up to `data_end` retrains now."""
        if data_end is None or pd.isna(data_end) or newest_label is None:
            return True
        return newest_label - data_end >= pd.Timedelta(days=self.retrain_every_days)

    def mode_for(self, has_models: bool) -> str:
        if self.mode == "auto":
            return "walk_forward" if has_models else "fixed_split"
        return self.mode

    def pool_size(self, jobs: int) -> int:
        cores = os.cpu_count() or 1
        return max(1, min(self.workers or cores, jobs))

    def fit_settings(self, jobs: int) -> FitSettings:
        """Threads per fit: as set, or the cores shared among the parallel fits."""
        if self.fit.threads:
            return self.fit
        cores = os.cpu_count() or 1
        return replace(self.fit, threads=max(1, cores // self.pool_size(jobs)))


@dataclass
class TrainedModel:
    family: str
    predictor: Predictor
    params: dict[str, object]
    tuning: dict[str, object]
    calibration: Calibration
    calibration_choice: CalibrationChoice
    threshold: Threshold | None
    quantiles: QuantileMap | None
    selection_value: float
    validation_metrics: dict[str, float]
    feature_importance: dict[str, float]
    evaluation: list[dict[str, object]]
    # per entity, bins of the model's score on the validation window (monitoring.drift)
    prediction_reference: list[dict[str, object]] = field(default_factory=list)


@dataclass
class TrainingRun:
    task: Task
    schema: FeatureSchema
    mode: str
    models: list[TrainedModel]
    windows: dict[str, tuple[str, str] | None]
    feature_domains: list[dict[str, object]]
    config: TrainingConfig
    # per entity and feature, bins of the training rows (monitoring.drift)
    feature_reference: list[dict[str, object]] = field(default_factory=list)
    seconds: float = 0.0

    def ranked(self) -> list[TrainedModel]:
        """Models best first by the tuning metric on the calibration window, which neither
        the fit, the early stopping nor the search has seen."""
        sign = -1.0 if self.task.maximize else 1.0
        return sorted(
            self.models,
            key=lambda m: (
                bool(np.isnan(m.selection_value)),
                sign * np.nan_to_num(m.selection_value),
            ),
        )


@dataclass(frozen=True)
class FamilyJob:
    """Everything one family's training needs, as plain arrays (sent to a worker)."""

    family: str
    task: Task
    names: tuple[str, ...]
    x: np.ndarray
    y: np.ndarray
    entities: np.ndarray
    days: np.ndarray
    splits: TimeSplits
    baselines: tuple[Scored, ...]
    config: TrainingConfig
    fit: FitSettings
    quiet: bool = False


def evaluation_rows(
    task: Task,
    y: np.ndarray,
    entities: np.ndarray,
    days: np.ndarray,
    masks: Mapping[str, np.ndarray],
    predictors: list[Scored],
    config: TrainingConfig,
    bootstrap_splits: tuple[str, ...] = ("test",),
) -> list[dict[str, object]]:
    """Long-format metrics per split, entity ('ALL' pooled) and predictor."""
    metric_fn = metric_function(task)
    compare = ("pr_auc", "brier") if task.kind == "classification" else ("mae", "rmse")
    rows: list[dict[str, object]] = []
    for split, mask in masks.items():
        if not mask.any():
            continue
        groups = [("ALL", mask)] + [
            (e, mask & (entities == e)) for e in sorted(set(entities[mask]))
        ]
        for entity, rows_mask in groups:
            index = np.flatnonzero(rows_mask)
            subset = [Scored(p.name, p.scores[index], p.threshold) for p in predictors]
            for row in evaluate_predictors(
                y[index],
                subset,
                metric_fn,
                days[index],
                samples=config.bootstrap_samples if split in bootstrap_splits else 0,
                seed=config.seed,
                reference="persistence",
                compare=compare,
            ):
                rows.append({"split": split, "entity": entity, **row})
    return rows


def metric_function(task: Task):
    if task.kind == "classification":
        return classification_metrics

    def regression(y: np.ndarray, prediction: np.ndarray, threshold: float) -> dict[str, float]:
        return regression_metrics(y, prediction, threshold, task.quantiles)

    return regression


def train_family(job: FamilyJob) -> TrainedModel:
    """Tune, calibrate, threshold and evaluate one family (in a worker or in-process)."""
    task, s, y, x = job.task, job.splits, job.y, job.x
    log = (lambda _m: None) if job.quiet else _stderr
    predictor, params, tuning = tune_family(
        job.family,
        task,
        job.names,
        x[s.train],
        y[s.train],
        x[s.tune],
        y[s.tune],
        job.config.trials,
        job.config.timeout_seconds,
        job.config.seed,
        job.fit,
        log,
    )
    raw = predictor.predict(x)
    selection = tuning_value(task, y[s.calibrate], raw[s.calibrate])
    threshold: Threshold | None = None
    quantiles: QuantileMap | None = None
    baselines = list(job.baselines)
    if task.kind == "classification":
        choice = choose_calibration(
            raw[s.calibrate], y[s.calibrate], job.config.max_relative_pr_auc_loss
        )
        if s.final is not None and float(params.get("scale_pos_weight", 1.0)) == 1.0:
            # the served model is refitted on the calibration window too: a map fitted to
            # the model before the refit would correct it for what it has since learned
            # (measured: a backtest's PR-AUC fell from 0.40 to 0.27 with it); an unweighted
            # log-loss fit's own probabilities are served
            choice = CalibrationChoice(
                Calibration("none"),
                choice.held_out,
                "refitted on the whole window with unweighted "
                "log-loss: its own probabilities are served",
            )
        served = choice.calibration.apply(raw)
        threshold = choose_threshold(served[s.validation], y[s.validation], task.alert_rate_target)
        predictors = [
            Scored("model", served, threshold.value),
            Scored(
                "model_uncalibrated",
                raw,
                choose_threshold(raw[s.validation], y[s.validation], task.alert_rate_target).value,
            ),
        ]
        validation = classification_metrics(y[s.validation], served[s.validation], threshold.value)
        evaluated = served
    else:
        choice = CalibrationChoice(
            Calibration("none"), {}, "regression: the point forecast is not calibrated"
        )
        served = raw
        evaluated = raw
        if task.quantiles:
            quantiles = QuantileMap.fit(
                y[s.calibrate], raw[s.calibrate], job.entities[s.calibrate], task.quantiles
            )
            evaluated = np.column_stack([raw, quantiles.apply(raw, job.entities)])
            choice = CalibrationChoice(
                Calibration("none"), {}, "residual quantiles of the calibration window, per entity"
            )
        predictors = [Scored("model", evaluated, float("nan"))]
        validation = metric_function(task)(y[s.validation], evaluated[s.validation], float("nan"))
    reference = drift.prediction_reference(
        job.entities[s.validation], served[s.validation], job.config.drift_bins, task.score_column
    )
    log(
        f"[ml] {task.name} {job.family}: {tuning['trials']} trials ({tuning['pruned']} "
        f"pruned), {task.tuning_metric} on calibrate window {selection:.4f}; "
        f"{choice.calibration.method} ({choice.reason})"
    )
    masks = {"validation": s.validation, "test": s.test}
    started = time.perf_counter()
    evaluation = evaluation_rows(
        task, y, job.entities, job.days, masks, predictors + baselines, job.config
    )
    log(
        f"[ml] {task.name} {job.family}: evaluation with {job.config.bootstrap_samples} "
        f"day-block bootstrap samples in {time.perf_counter() - started:.1f} s"
    )
    if s.final is not None:
        # the served model: the same parameters and (per row) rounds on the whole window
        rows = int(s.final.sum())
        rounds = min(
            job.fit.max_rounds,
            max(1, round(predictor.num_trees * rows / max(1, int(s.train.sum())))),
        )  # type: ignore
        predictor = FAMILIES[job.family].refit(
            task, params, job.names, x[s.final], y[s.final], rounds, job.fit
        )
        tuning = {**tuning, "refit_rows": rows, "refit_rounds": rounds}
        log(
            f"[ml] {task.name} {job.family}: refitted on {rows} rows up to the newest label "
            f"({rounds} rounds)"
        )
    return TrainedModel(
        family=job.family,
        predictor=predictor,
        params=params,
        tuning=tuning,
        calibration=choice.calibration,
        calibration_choice=choice,
        threshold=threshold,
        quantiles=quantiles,
        selection_value=selection,
        validation_metrics=validation,
        feature_importance=predictor.feature_importance(),  # type: ignore[attr-defined]
        evaluation=evaluation,
        prediction_reference=reference,
    )


def process_pool(size: int) -> ProcessPoolExecutor:
    """Worker processes started fresh (spawn): dbt runs Python models in a threaded
    process holding a DuckDB connection, which a fork would copy mid-use."""
    return ProcessPoolExecutor(max_workers=size, mp_context=get_context("spawn"))


def train_models(
    frame: pd.DataFrame,
    schema: FeatureSchema,
    task: Task,
    config: TrainingConfig,
    mode: str = "fixed_split",
    cut: pd.Timestamp | None = None,
    log: Log = _stderr,
    executor: Executor | None = None,
    quiet_workers: bool = False,
) -> TrainingRun:
    """Train every configured family on `frame` (the mart: all rows, in any order).

    mode fixed_split uses the mart's split label; walk_forward ends the windows at the
    newest labelled target before `cut` (all of them when `cut` is None). Families run in
    `executor` when given, else in a pool of var ml_training.workers processes (in-process
    when that is 1)."""
    if mode not in MODES:
        raise ValueError(f"training mode must be one of {MODES}, not {mode!r}")
    started = time.perf_counter()
    frame = frame.sort_values([task.target_time, task.entity], kind="mergesort").reset_index(
        drop=True
    )
    names = tuple(schema.feature_columns)
    splits = (
        fixed_splits(frame, task, config.calibration_fraction)
        if mode == "fixed_split"
        else walk_forward_splits(frame, task, config.walk_forward, cut, config.calibration_fraction)
    )
    x = feature_matrix(frame, names)
    y = task.label_vector(frame)
    entities = frame[task.entity].astype(str).to_numpy()
    days = pd.to_datetime(frame[task.target_time]).dt.floor("D").to_numpy()
    baselines = []
    for name, scores in baseline_scores(frame, task, splits.train).items():
        if task.kind == "classification":
            threshold = choose_threshold(
                scores[splits.validation], y[splits.validation], task.alert_rate_target
            ).value
        else:
            threshold = float("nan")
        baselines.append(Scored(name, scores, threshold))
    log(
        f"[ml] {task.name} ({mode}): train {int(splits.train.sum())} rows, tune "
        f"{int(splits.tune.sum())}, calibrate {int(splits.calibrate.sum())}, test "
        f"{int(splits.test.sum())}, score {int(splits.score.sum())}; {len(names)} features; "
        f"families {', '.join(config.families)}"
    )
    fit = config.fit_settings(len(config.families))
    jobs = [
        FamilyJob(
            f,
            task,
            names,
            x,
            y,
            entities,
            days,
            splits,
            tuple(baselines),
            config,
            fit,
            quiet_workers,
        )
        for f in config.families
    ]
    size = config.pool_size(len(jobs))
    if executor is not None:
        models = list(executor.map(train_family, jobs))
    elif size == 1:
        models = [train_family(job) for job in jobs]
    else:
        with process_pool(size) as pool:
            models = list(pool.map(train_family, jobs))
    bounds = splits.bounds(pd.to_datetime(frame[task.target_time]))
    train_rows = frame.loc[splits.final if splits.final is not None else splits.train]
    return TrainingRun(
        task,
        schema,
        mode,
        models,
        bounds,
        describe_features(train_rows, names),
        config,
        drift.feature_reference(train_rows, names, config.drift_bins, task.entity),
        seconds=time.perf_counter() - started,
    )
