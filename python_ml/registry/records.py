"""The model registry's rows: one per trained model, shared by every task (ml_training_runs).

A registry row is plain data: the model as text (LightGBM model string or XGBoost JSON), its
calibration or residual quantiles and threshold as numbers, its ordered feature list with
kinds and ranges, its windows and how they were cut (training_mode), and its metrics.
`python_ml.registry.model.RegisteredModel.from_record` rebuilds a scorer from that row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from python_ml.training.pipeline import TrainingRun

MODEL_FORMATS = {"lightgbm": "lightgbm_model_string", "xgboost": "xgboost_json"}
REGISTRY_COLUMNS = (
    "model_version",
    "task",
    "model_family",
    "status",
    "trained_at_utc",
    "dbt_invocation_id",
    "train_start_utc",
    "train_end_utc",
    "validation_start_utc",
    "validation_end_utc",
    "calibration_start_utc",
    "test_start_utc",
    "test_end_utc",
    "feature_schema_hash",
    "feature_columns",
    "feature_domains_json",
    "hyperparameters_json",
    "tuning_json",
    "validation_metrics_json",
    "test_metrics_json",
    "threshold",
    "threshold_json",
    "calibration_method",
    "calibration_json",
    "feature_importance_json",
    "model_format",
    "model_artifact",
    "evaluation_json",
    "drift_reference_json",
    # since release 0.2: rows of release 0.1 get fixed_split and classification
    "training_mode",
    "task_kind",
)
# release 0.1 had one task and kept its registry and shadow predictions in these tables;
# the first build of ml_training_runs and ml_spike_shadow_scores imports their rows
LEGACY_TASK = "spike_risk"
LEGACY_TABLE = "ml_spike_training_runs"
LEGACY_SHADOW_TABLE = "ml_shadow_scores"


def dumps(value: object) -> str:
    """Canonical JSON (sorted keys, NaN and infinities as null)."""

    def clean(v: object) -> object:
        if isinstance(v, float) and not np.isfinite(v):
            return None
        if isinstance(v, dict):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        if isinstance(v, np.generic):
            return clean(v.item())
        return v

    return json.dumps(clean(value), sort_keys=True)


def _ts(bound: tuple[str, str] | None, index: int) -> pd.Timestamp | None:
    return pd.Timestamp(bound[index]) if bound else None


def registry_records(
    run: TrainingRun,
    first_version: int,
    has_champion: bool,
    trained_at: datetime,
    invocation_id: str,
) -> pd.DataFrame:
    """One row per trained model, versions numbered from `first_version` in ranking order.
    The best model becomes champion when the task has none; every other is challenger."""
    rows = []
    for offset, model in enumerate(run.ranked()):
        test_points = {
            r["metric"]: r["value"]
            for r in model.evaluation
            if r["split"] == "test" and r["entity"] == "ALL" and r["predictor"] == "model"
        }
        w = run.windows
        if model.quantiles is not None:
            method = "residual_quantiles"
            calibration = {**model.quantiles.to_dict(), "reason": model.calibration_choice.reason}
        else:
            method = model.calibration.method
            calibration = {
                **model.calibration.to_dict(),
                "held_out": model.calibration_choice.held_out,
                "reason": model.calibration_choice.reason,
            }
        rows.append(
            {
                "model_version": first_version + offset,
                "task": run.task.name,
                "model_family": model.family,
                "status": "champion" if offset == 0 and not has_champion else "challenger",
                "trained_at_utc": pd.Timestamp(trained_at).tz_localize(None),
                "dbt_invocation_id": invocation_id,
                "train_start_utc": _ts(w["train"], 0),
                "train_end_utc": _ts(w["train"], 1),
                "validation_start_utc": _ts(w["tune"], 0),
                "validation_end_utc": _ts(w["calibrate"], 1),
                "calibration_start_utc": _ts(w["calibrate"], 0),
                "test_start_utc": _ts(w["test"], 0),
                "test_end_utc": _ts(w["test"], 1),
                "feature_schema_hash": run.schema.schema_hash,
                "feature_columns": list(run.schema.feature_columns),
                "feature_domains_json": dumps(run.feature_domains),
                "hyperparameters_json": dumps(model.params),
                "tuning_json": dumps(model.tuning),
                "validation_metrics_json": dumps(model.validation_metrics),
                "test_metrics_json": dumps(test_points),
                "threshold": model.threshold.value if model.threshold else None,
                "threshold_json": dumps(model.threshold.to_dict() if model.threshold else {}),
                "calibration_method": method,
                "calibration_json": dumps(calibration),
                "feature_importance_json": dumps(model.feature_importance),
                "model_format": MODEL_FORMATS[model.family],
                "model_artifact": model.predictor.model_text,
                "evaluation_json": dumps(model.evaluation),
                "drift_reference_json": dumps(run.feature_reference + model.prediction_reference),
                "training_mode": run.mode,
                "task_kind": run.task.kind,
            }
        )
    return typed(pd.DataFrame(rows, columns=list(REGISTRY_COLUMNS)))


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Registry rows with stable dtypes (an empty run still creates a typed table)."""
    out = frame.reindex(columns=list(REGISTRY_COLUMNS))
    for column in (
        "train_start_utc",
        "train_end_utc",
        "validation_start_utc",
        "validation_end_utc",
        "calibration_start_utc",
        "test_start_utc",
        "test_end_utc",
        "trained_at_utc",
    ):
        out[column] = pd.to_datetime(out[column]).astype("datetime64[us]")
    out["model_version"] = out["model_version"].astype("int64")
    out["threshold"] = out["threshold"].astype("float64")
    for column in (
        set(REGISTRY_COLUMNS)
        - {"model_version", "threshold", "feature_columns"}
        - {c for c in out.columns if c.endswith("_utc")}
    ):
        out[column] = out[column].astype("string")
    return out


def from_legacy(rows: pd.DataFrame) -> pd.DataFrame:
    """Registry rows of release 0.1 (ml_spike_training_runs) in today's layout."""
    out = rows.copy()
    out["training_mode"] = out.get("training_mode", pd.Series(dtype="string"))
    out["training_mode"] = out["training_mode"].fillna("fixed_split")
    out["task_kind"] = out.get("task_kind", pd.Series(dtype="string"))
    out["task_kind"] = out["task_kind"].fillna("classification")
    return typed(out)


def next_version(existing_versions: Sequence[int]) -> int:
    return (max(existing_versions) + 1) if len(existing_versions) else 1


def empty_registry() -> pd.DataFrame:
    return typed(pd.DataFrame(columns=list(REGISTRY_COLUMNS)))
