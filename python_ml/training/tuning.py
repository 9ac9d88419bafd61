"""The hyper-parameter search of one model family: seeded TPE with median pruning, each trial
early-stopped on the tuning window."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import optuna

from python_ml.training.families import FAMILIES, FitSettings, Predictor
from python_ml.training.metrics import classification_metrics, regression_metrics
from python_ml.training.tasks import Task

Log = Callable[[str], None]


def tuning_value(task: Task, y: np.ndarray, prediction: np.ndarray) -> float:
    """The task's tuning metric of a point forecast or raw score."""
    if task.kind == "classification":
        return classification_metrics(y, prediction, 0.5)[task.tuning_metric]
    return regression_metrics(y, prediction)[task.tuning_metric]


def tune_family(
    family_name: str,
    task: Task,
    names: tuple[str, ...],
    x_fit: np.ndarray,
    y_fit: np.ndarray,
    x_stop: np.ndarray,
    y_stop: np.ndarray,
    trials: int,
    timeout_seconds: float,
    seed: int,
    fit: FitSettings,
    log: Log,
) -> tuple[Predictor, dict[str, object], dict[str, object]]:
    """Returns the best trial's early-stopped model, its parameters and a search summary."""
    family = FAMILIES[family_name]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize" if task.maximize else "minimize",
        sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(5, trials)),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=20),
    )
    # the first trial tries the family's defaults (no up-weighting of positives)
    study.enqueue_trial({**family.defaults, "scale_pos_weight": 1.0}, skip_if_exists=True)
    best: dict[str, object] = {}
    started = time.perf_counter()

    def objective(trial: optuna.Trial) -> float:
        params = family.suggest(trial, task, y_fit, fit)

        def report(step: int, value: float) -> None:
            trial.report(value, step)
            if trial.should_prune():
                raise optuna.TrialPruned()

        model = family.fit(task, params, names, x_fit, y_fit, x_stop, y_stop, fit, report)
        value = tuning_value(task, y_stop, model.predict(x_stop))
        incumbent = best.get("value")
        if incumbent is None or (
            value > incumbent
            if task.maximize  # type: ignore[operator]
            else value < incumbent
        ):  # type: ignore[operator]
            best.update(value=value, model=model, params=params, trial=trial.number)
        return value

    def progress(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        state = (
            "pruned"
            if trial.state == optuna.trial.TrialState.PRUNED
            else (
                f"{task.tuning_metric}={trial.value:.4f}" if trial.value is not None else "failed"
            )
        )
        log(
            f"[ml] {task.name} {family_name} trial {trial.number + 1}/{trials}: {state}; best "
            f"{best.get('value', float('nan')):.4f} ({time.perf_counter() - started:.1f} s)"
        )

    study.optimize(objective, n_trials=trials, timeout=timeout_seconds, callbacks=[progress])
    if "model" not in best:
        raise RuntimeError(
            f"{family_name}: no trial completed within {trials} trials and "
            f"{timeout_seconds} s; raise ml_training.timeout_seconds"
        )
    states = [t.state for t in study.trials]
    summary = {
        "trials": len(study.trials),
        "pruned": sum(s == optuna.trial.TrialState.PRUNED for s in states),
        "best_trial": best["trial"],
        "best_value": best["value"],
        "metric": task.tuning_metric,
        "window": "tune",
        "seconds": round(time.perf_counter() - started, 2),
        "sampler": f"TPE(seed={seed})",
        "pruner": "median",
    }
    return best["model"], dict(best["params"]), summary  # type: ignore[arg-type]
