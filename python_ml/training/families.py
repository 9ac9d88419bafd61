"""Model families: search space, fit with early stopping and pruning, portable artifacts.

Artifacts are text: LightGBM's model string and XGBoost's JSON model, both truncated to the
early-stopped iteration, so a model loaded back from the registry predicts what it predicted
when it was trained. Nothing is pickled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import lightgbm as lgb
import numpy as np
import optuna
import xgboost as xgb

from python_ml.training.metrics import average_precision
from python_ml.training.tasks import Task

# called with (iteration, value of the early-stopping metric); may raise optuna.TrialPruned
Reporter = Callable[[int, float], None]
REPORT_EVERY = 10


@dataclass(frozen=True)
class FitSettings:
    max_rounds: int = 1000
    early_stopping_rounds: int = 50
    seed: int = 42
    # threads per fit; a process pool of n workers gives each max(1, cores // n)
    threads: int = 2
    # the most a search may up-weight a classifier's positives (1: never)
    max_class_weight: float = 1.0


class Predictor(Protocol):
    family: str
    model_text: str
    feature_names: tuple[str, ...]

    def predict(self, x: np.ndarray) -> np.ndarray: ...


@dataclass
class LightGBMModel:
    model_text: str
    feature_names: tuple[str, ...]
    family: str = "lightgbm"

    def __post_init__(self) -> None:
        self._booster = lgb.Booster(model_str=self.model_text)

    def __getstate__(self) -> dict[str, object]:
        # the text is the model: a process pool ships it, not the native booster
        return {"model_text": self.model_text, "feature_names": self.feature_names}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(state["model_text"], state["feature_names"])  # type: ignore[misc]

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self._booster.predict(x, num_threads=2), dtype=float)

    def feature_importance(self) -> dict[str, float]:
        gain = self._booster.feature_importance(importance_type="gain")
        return {n: float(g) for n, g in zip(self.feature_names, gain, strict=True)}

    @property
    def num_trees(self) -> int:
        return int(self._booster.num_trees())


@dataclass
class XGBoostModel:
    model_text: str
    feature_names: tuple[str, ...]
    family: str = "xgboost"

    def __post_init__(self) -> None:
        self._booster = xgb.Booster()
        self._booster.load_model(bytearray(self.model_text.encode()))
        self._booster.set_param({"nthread": 2})

    def __getstate__(self) -> dict[str, object]:
        # the text is the model: a process pool ships it, not the native booster
        return {"model_text": self.model_text, "feature_names": self.feature_names}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(state["model_text"], state["feature_names"])  # type: ignore[misc]

    def predict(self, x: np.ndarray) -> np.ndarray:
        matrix = xgb.DMatrix(x, feature_names=list(self.feature_names), missing=np.nan)
        return np.asarray(self._booster.predict(matrix), dtype=float)

    def feature_importance(self) -> dict[str, float]:
        gain = self._booster.get_score(importance_type="total_gain")
        return {n: float(gain.get(n, 0.0)) for n in self.feature_names}

    @property
    def num_trees(self) -> int:
        return int(self._booster.num_boosted_rounds())


def load_model(family: str, model_text: str, feature_names: Sequence[str]) -> Predictor:
    """Rebuild a predictor from its registry artifact."""
    if family == "lightgbm":
        return LightGBMModel(model_text, tuple(feature_names))
    if family == "xgboost":
        return XGBoostModel(model_text, tuple(feature_names))
    raise ValueError(f"unknown model family {family!r}; expected lightgbm or xgboost")


def _imbalance_weight(trial: optuna.Trial, task: Task, y: np.ndarray, cap: float) -> float:
    """Class imbalance may be a tuned choice: positives are up-weighted by a factor between 1
    and the negative/positive ratio, at most `cap` (var ml_training.max_class_weight; 1 =
    not tuned); calibration maps the scores back to probabilities afterwards."""
    if task.kind != "classification":
        return 1.0
    ratio = float((y == 0).sum()) / max(1.0, float((y == 1).sum()))
    upper = float(min(cap, max(1.0, ratio)))
    if upper <= 1.0:
        return 1.0
    return trial.suggest_float("scale_pos_weight", 1.0, upper, log=True)


class LightGBMFamily:
    name = "lightgbm"
    # the search's first trial: parameters that do well across tasks, so that a short or
    # noisy search starts from a sound model rather than a random one
    defaults = {
        "learning_rate": 0.05,
        "num_leaves": 31,
        "min_data_in_leaf": 100,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "lambda_l2": 1.0,
    }

    def suggest(
        self, trial: optuna.Trial, task: Task, y: np.ndarray, settings: FitSettings
    ) -> dict[str, object]:
        return {
            "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.2, log=True),
            "num_leaves": trial.suggest_int("num_leaves", 7, 63, log=True),
            "min_data_in_leaf": trial.suggest_int("min_data_in_leaf", 20, 400, log=True),
            "feature_fraction": trial.suggest_float("feature_fraction", 0.4, 1.0),
            "bagging_fraction": trial.suggest_float("bagging_fraction", 0.5, 1.0),
            "lambda_l2": trial.suggest_float("lambda_l2", 1e-3, 30.0, log=True),
            "scale_pos_weight": _imbalance_weight(trial, task, y, settings.max_class_weight),
        }

    @staticmethod
    def _params(task: Task, params: dict[str, object], settings: FitSettings) -> dict[str, object]:
        l1 = task.tuning_metric == "mae"
        full = {
            "objective": (
                "binary"
                if task.kind == "classification"
                else "regression_l1"
                if l1
                else "regression"
            ),
            # a classifier stops on log-loss: PR-AUC of a few weeks with a dozen spikes peaks
            # by chance within the first rounds; the search still ranks trials by PR-AUC
            "metric": "binary_logloss" if task.kind == "classification" else "l1" if l1 else "rmse",
            "bagging_freq": 1,
            "verbosity": -1,
            "seed": settings.seed,
            "deterministic": True,
            "force_col_wise": True,
            "num_threads": settings.threads,
            **params,
        }
        if task.kind != "classification":
            full.pop("scale_pos_weight", None)
        return full

    def refit(
        self,
        task: Task,
        params: dict[str, object],
        names: Sequence[str],
        x: np.ndarray,
        y: np.ndarray,
        rounds: int,
        settings: FitSettings,
    ) -> LightGBMModel:
        """The same model on more rows for a fixed number of rounds (no early stopping)."""
        booster = lgb.train(
            self._params(task, params, settings),
            lgb.Dataset(x, y, feature_name=list(names)),
            num_boost_round=rounds,
        )
        return LightGBMModel(booster.model_to_string(), tuple(names))

    def fit(
        self,
        task: Task,
        params: dict[str, object],
        names: Sequence[str],
        x_fit: np.ndarray,
        y_fit: np.ndarray,
        x_stop: np.ndarray,
        y_stop: np.ndarray,
        settings: FitSettings,
        report: Reporter | None = None,
    ) -> LightGBMModel:
        full = self._params(task, params, settings)
        fit_set = lgb.Dataset(x_fit, y_fit, feature_name=list(names), free_raw_data=False)
        stop_set = lgb.Dataset(x_stop, y_stop, reference=fit_set)

        def pr_auc(preds: np.ndarray, data: lgb.Dataset) -> tuple[str, float, bool]:
            return "pr_auc", average_precision(data.get_label(), preds), True

        # the value the search optimises: PR-AUC (after log-loss) or the regression metric
        reported = 1 if task.kind == "classification" else 0

        def pruning(env: lgb.callback.CallbackEnv) -> None:
            if report and env.iteration % REPORT_EVERY == 0 and env.evaluation_result_list:
                report(env.iteration, float(env.evaluation_result_list[reported][2]))

        booster = lgb.train(
            full,
            fit_set,
            num_boost_round=settings.max_rounds,
            valid_sets=[stop_set],
            feval=pr_auc if task.kind == "classification" else None,
            callbacks=[
                lgb.early_stopping(
                    settings.early_stopping_rounds, first_metric_only=True, verbose=False
                ),
                pruning,
            ],
        )
        best = booster.best_iteration or booster.current_iteration()
        return LightGBMModel(booster.model_to_string(num_iteration=best), tuple(names))


class _XGBReport(xgb.callback.TrainingCallback):
    def __init__(self, report: Reporter, metric: str) -> None:
        self._report = report
        self._metric = metric

    def after_iteration(self, model, epoch: int, evals_log) -> bool:  # type: ignore[override]
        if epoch % REPORT_EVERY == 0:
            history = next(iter(evals_log.values()))[self._metric]
            self._report(epoch, float(history[-1]))
        return False


class XGBoostFamily:
    name = "xgboost"
    defaults = {
        "eta": 0.05,
        "max_depth": 6,
        "min_child_weight": 5.0,
        "subsample": 0.8,
        "colsample_bytree": 0.8,
        "lambda": 1.0,
    }

    def suggest(
        self, trial: optuna.Trial, task: Task, y: np.ndarray, settings: FitSettings
    ) -> dict[str, object]:
        return {
            "eta": trial.suggest_float("eta", 0.02, 0.2, log=True),
            "max_depth": trial.suggest_int("max_depth", 3, 8),
            "min_child_weight": trial.suggest_float("min_child_weight", 1.0, 50.0, log=True),
            "subsample": trial.suggest_float("subsample", 0.5, 1.0),
            "colsample_bytree": trial.suggest_float("colsample_bytree", 0.4, 1.0),
            "lambda": trial.suggest_float("lambda", 1e-3, 30.0, log=True),
            "scale_pos_weight": _imbalance_weight(trial, task, y, settings.max_class_weight),
        }

    @staticmethod
    def _params(task: Task, params: dict[str, object], settings: FitSettings) -> dict[str, object]:
        l1 = task.tuning_metric == "mae"
        full = {
            "objective": (
                "binary:logistic"
                if task.kind == "classification"
                else "reg:absoluteerror"
                if l1
                else "reg:squarederror"
            ),
            "tree_method": "hist",
            "seed": settings.seed,
            "nthread": settings.threads,
            **params,
        }
        if task.kind == "classification":
            full["eval_metric"] = "logloss"
        else:
            full.pop("scale_pos_weight", None)
            full["eval_metric"] = "mae" if l1 else "rmse"
        return full

    def refit(
        self,
        task: Task,
        params: dict[str, object],
        names: Sequence[str],
        x: np.ndarray,
        y: np.ndarray,
        rounds: int,
        settings: FitSettings,
    ) -> XGBoostModel:
        """The same model on more rows for a fixed number of rounds (no early stopping)."""
        booster = xgb.train(
            self._params(task, params, settings),
            xgb.DMatrix(x, label=y, feature_names=list(names), missing=np.nan),
            num_boost_round=rounds,
        )
        return XGBoostModel(bytes(booster.save_raw(raw_format="json")).decode(), tuple(names))

    def fit(
        self,
        task: Task,
        params: dict[str, object],
        names: Sequence[str],
        x_fit: np.ndarray,
        y_fit: np.ndarray,
        x_stop: np.ndarray,
        y_stop: np.ndarray,
        settings: FitSettings,
        report: Reporter | None = None,
    ) -> XGBoostModel:
        classification = task.kind == "classification"
        full = self._params(task, params, settings)
        fit_matrix = xgb.DMatrix(x_fit, label=y_fit, feature_names=list(names), missing=np.nan)
        stop_matrix = xgb.DMatrix(x_stop, label=y_stop, feature_names=list(names), missing=np.nan)

        def pr_auc(preds: np.ndarray, data: xgb.DMatrix) -> tuple[str, float]:
            return "pr_auc", average_precision(data.get_label(), preds)

        stop_on = str(full["eval_metric"])
        callbacks: list[xgb.callback.TrainingCallback] = [
            xgb.callback.EarlyStopping(
                rounds=settings.early_stopping_rounds,
                metric_name=stop_on,
                data_name="stop",
                maximize=False,
            )
        ]
        if report:
            callbacks.append(_XGBReport(report, "pr_auc" if classification else stop_on))
        booster = xgb.train(
            full,
            fit_matrix,
            num_boost_round=settings.max_rounds,
            evals=[(stop_matrix, "stop")],
            custom_metric=pr_auc if classification else None,
            callbacks=callbacks,
            verbose_eval=False,
        )
        best = booster[: booster.best_iteration + 1]
        text = bytes(best.save_raw(raw_format="json")).decode()
        return XGBoostModel(text, tuple(names))


FAMILIES: dict[str, LightGBMFamily | XGBoostFamily] = {
    "lightgbm": LightGBMFamily(),
    "xgboost": XGBoostFamily(),
}
