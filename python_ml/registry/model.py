"""A registered model rebuilt from its registry row, ready to score a feature frame."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from python_ml.features.parity import RangeReport, check_parity
from python_ml.features.schema import feature_matrix
from python_ml.registry.records import MODEL_FORMATS
from python_ml.training.calibration import Calibration
from python_ml.training.families import Predictor, load_model
from python_ml.training.quantiles import METHOD as QUANTILE_METHOD
from python_ml.training.quantiles import QuantileMap


def _loads(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


def _kind(record: Mapping[str, object]) -> str:
    kind = record.get("task_kind")
    # rows of release 0.1 carry no kind: every one of them is a spike-risk classifier
    return "classification" if kind is None or pd.isna(kind) else str(kind)  # type: ignore


@dataclass
class Scores:
    """One scoring of a frame: the served score, the kind's extra outputs, and which
    features were outside the model's training range."""

    score: np.ndarray
    raw_score: np.ndarray
    is_alert: np.ndarray | None
    quantiles: np.ndarray | None  # one column per level, in level order
    ranges: RangeReport


@dataclass
class RegisteredModel:
    model_version: int
    task: str
    kind: str
    family: str
    feature_schema_hash: str
    feature_columns: tuple[str, ...]
    feature_domains: list[dict[str, object]]
    calibration: Calibration
    quantiles: QuantileMap | None
    threshold: float | None
    predictor: Predictor

    @classmethod
    def from_record(cls, record: Mapping[str, object]) -> RegisteredModel:
        family = str(record["model_family"])
        version = record["model_version"]
        if record.get("model_format") != MODEL_FORMATS.get(family):
            raise ValueError(
                f"model_version {version}: format "
                f"{record.get('model_format')!r} does not match family {family!r}"
            )
        artifact = record.get("model_artifact")
        if artifact is None or (not isinstance(artifact, str) and pd.isna(artifact)):
            raise ValueError(
                f"model_version {version}: its artifact was pruned (var "
                "ml_lifecycle.keep_artifacts); it can no longer score"
            )
        columns = tuple(str(c) for c in record["feature_columns"])  # type: ignore[union-attr]
        stored = dict(_loads(record["calibration_json"]))  # type: ignore[arg-type]
        quantiles = (
            QuantileMap.from_dict(stored) if stored.get("method") == QUANTILE_METHOD else None
        )
        threshold = record.get("threshold")
        return cls(
            model_version=int(version),  # type: ignore[arg-type]
            task=str(record["task"]),
            kind=_kind(record),
            family=family,
            feature_schema_hash=str(record["feature_schema_hash"]),
            feature_columns=columns,
            feature_domains=list(_loads(record["feature_domains_json"])),  # type: ignore
            calibration=(
                Calibration("none") if quantiles is not None else Calibration.from_dict(stored)
            ),
            quantiles=quantiles,
            threshold=None if threshold is None or pd.isna(threshold) else float(threshold),
            predictor=load_model(family, str(artifact), columns),
        )

    def score(self, frame: pd.DataFrame, entities: np.ndarray | None = None) -> Scores:
        """Scores after the parity check; a break raises ParityError, values outside the
        training range are scored and reported. `entities` (the task's entity column)
        picks each row's residual quantiles."""
        ranges = check_parity(frame, self.feature_domains, f"model_version {self.model_version}")
        raw = self.predictor.predict(feature_matrix(frame, self.feature_columns))
        if self.kind == "classification":
            probability = self.calibration.apply(raw)
            alert = (
                probability >= self.threshold
                if self.threshold is not None
                else np.zeros(len(raw), dtype=bool)
            )
            return Scores(probability, raw, alert, None, ranges)
        quantiles = None
        if self.quantiles is not None:
            if entities is None:
                raise ValueError(
                    f"model_version {self.model_version}: quantiles need the rows' entities"
                )
            quantiles = self.quantiles.apply(raw, entities)
        return Scores(raw, raw, None, quantiles, ranges)
