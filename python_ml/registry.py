"""The model registry's rows: writing a training run, reading a model back to score with.

A registry row is plain data: the model as text (LightGBM model string or XGBoost JSON),
its calibration and threshold as numbers, its ordered feature list with kinds and domains,
and its metrics. `RegisteredModel.from_record` rebuilds a scorer from exactly that row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from python_ml.features.parity import check_parity
from python_ml.training.calibration import Calibration
from python_ml.training.data import feature_matrix
from python_ml.training.families import Predictor, load_model
from python_ml.training.pipeline import TrainingRun

MODEL_FORMATS = {"lightgbm": "lightgbm_model_string", "xgboost": "xgboost_json"}
REGISTRY_COLUMNS = (
    "model_version", "task", "model_family", "status", "trained_at_utc", "dbt_invocation_id",
    "train_start_utc", "train_end_utc", "validation_start_utc", "validation_end_utc",
    "calibration_start_utc", "test_start_utc", "test_end_utc",
    "feature_schema_hash", "feature_columns", "feature_domains_json", "hyperparameters_json",
    "tuning_json", "validation_metrics_json", "test_metrics_json", "threshold",
    "threshold_json", "calibration_method", "calibration_json", "feature_importance_json",
    "model_format", "model_artifact", "evaluation_json", "drift_reference_json",
)


def _dumps(value: object) -> str:
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


def registry_records(run: TrainingRun, first_version: int, has_champion: bool,
                     trained_at: datetime, invocation_id: str) -> pd.DataFrame:
    """One row per trained model, versions numbered from `first_version` in ranking order.
    The best model becomes champion when the registry has none; every other is challenger."""
    rows = []
    for offset, model in enumerate(run.ranked()):
        test_points = {r["metric"]: r["value"] for r in model.evaluation
                       if r["split"] == "test" and r["zone"] == "ALL"
                       and r["predictor"] == "model"}
        w = run.windows
        rows.append({
            "model_version": first_version + offset,
            "task": run.task.name,
            "model_family": model.family,
            "status": "champion" if offset == 0 and not has_champion else "challenger",
            "trained_at_utc": pd.Timestamp(trained_at).tz_localize(None),
            "dbt_invocation_id": invocation_id,
            "train_start_utc": _ts(w["train"], 0), "train_end_utc": _ts(w["train"], 1),
            "validation_start_utc": _ts(w["tune"], 0),
            "validation_end_utc": _ts(w["calibrate"], 1),
            "calibration_start_utc": _ts(w["calibrate"], 0),
            "test_start_utc": _ts(w["test"], 0), "test_end_utc": _ts(w["test"], 1),
            "feature_schema_hash": run.schema.schema_hash,
            "feature_columns": list(run.schema.feature_columns),
            "feature_domains_json": _dumps(run.feature_domains),
            "hyperparameters_json": _dumps(model.params),
            "tuning_json": _dumps(model.tuning),
            "validation_metrics_json": _dumps(model.validation_metrics),
            "test_metrics_json": _dumps(test_points),
            "threshold": model.threshold.value if model.threshold else None,
            "threshold_json": _dumps(model.threshold.to_dict() if model.threshold else {}),
            "calibration_method": model.calibration.method,
            "calibration_json": _dumps({**model.calibration.to_dict(),
                                        "held_out": model.calibration_choice.held_out,
                                        "reason": model.calibration_choice.reason}),
            "feature_importance_json": _dumps(model.feature_importance),
            "model_format": MODEL_FORMATS[model.family],
            "model_artifact": model.predictor.model_text,
            "evaluation_json": _dumps(model.evaluation),
            "drift_reference_json": _dumps(run.feature_reference
                                           + model.prediction_reference),
        })
    return pd.DataFrame(rows, columns=list(REGISTRY_COLUMNS))


def _loads(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


@dataclass
class RegisteredModel:
    """A model rebuilt from its registry row, ready to score a feature frame."""

    model_version: int
    task: str
    feature_schema_hash: str
    feature_columns: tuple[str, ...]
    feature_domains: list[dict[str, object]]
    calibration: Calibration
    threshold: float | None
    predictor: Predictor

    @classmethod
    def from_record(cls, record: Mapping[str, object]) -> RegisteredModel:
        family = str(record["model_family"])
        if record.get("model_format") != MODEL_FORMATS.get(family):
            raise ValueError(f"model_version {record['model_version']}: format "
                             f"{record.get('model_format')!r} does not match family {family!r}")
        columns = tuple(str(c) for c in record["feature_columns"])  # type: ignore[union-attr]
        calibration = _loads(record["calibration_json"])
        threshold = record.get("threshold")
        return cls(
            model_version=int(record["model_version"]),  # type: ignore[arg-type]
            task=str(record["task"]),
            feature_schema_hash=str(record["feature_schema_hash"]),
            feature_columns=columns,
            feature_domains=list(_loads(record["feature_domains_json"])),  # type: ignore[arg-type]
            calibration=Calibration.from_dict(calibration),  # type: ignore[arg-type]
            threshold=None if threshold is None or pd.isna(threshold) else float(threshold),
            predictor=load_model(family, str(record["model_artifact"]), columns),
        )

    def score(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Probabilities (raw and calibrated) and alerts, after the parity check."""
        check_parity(frame, self.feature_domains, f"model_version {self.model_version}")
        raw = self.predictor.predict(feature_matrix(frame, self.feature_columns))
        probability = self.calibration.apply(raw)
        alert = (probability >= self.threshold if self.threshold is not None
                 else np.zeros(len(raw), dtype=bool))
        return pd.DataFrame({"raw_score": raw, "probability": probability, "is_alert": alert},
                            index=frame.index)


def next_version(existing_versions: Sequence[int]) -> int:
    return (max(existing_versions) + 1) if len(existing_versions) else 1
