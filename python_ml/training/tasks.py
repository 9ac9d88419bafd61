"""Tasks: what a model predicts, from which mart, and how it is judged.

A task is declared in the dbt var `ml_tasks` (one block per task) plus its mart's contract:
the var names the kind, mart, label, output columns, tuning metric, baselines and promotion
gates; the contract's `meta` names the entity, target-time and origin columns, the fixed
split label and the lag columns the persistence baseline reads (python_ml.features.schema).
Everything downstream (objective, metrics, calibration or quantiles, thresholds, gates,
prediction columns) follows from the `Task`, so a new use case is a mart and a var block.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from python_ml.features.schema import FeatureSchema

KINDS = ("classification", "regression")
CLASSIFICATION_METRICS = (
    "pr_auc",
    "roc_auc",
    "brier",
    "log_loss",
    "ece",
    "ece_quantile",
    "precision_at_threshold",
    "recall_at_threshold",
    "alert_rate",
    "base_rate",
    "mean_probability",
    "rows",
    "positives",
)
REGRESSION_METRICS = ("mae", "rmse", "bias", "rows")
# metrics where more is better; every other metric is a loss
MAXIMIZED = (
    "pr_auc",
    "roc_auc",
    "precision_at_threshold",
    "recall_at_threshold",
    "interval_coverage",
)
KNOWN_KEYS = {
    "kind",
    "mart",
    "label",
    "models",
    "score_column",
    "quantiles",
    "tuning_metric",
    "baselines",
    "promotion",
    "alert_rate_target",
    "enabled",
}
PROMOTION_KEYS = {
    "classification": {"metric", "min_margin", "min_positives", "max_ece"},
    "regression": {"metric", "min_margin", "min_rows", "max_coverage_error"},
}


def maximized(metric: str) -> bool:
    return metric in MAXIMIZED


@dataclass(frozen=True)
class Task:
    """A supervised task. Column names are parameters, so one code path serves every mart."""

    name: str
    kind: Literal["classification", "regression"]
    label: str
    # metric the hyper-parameter search optimises on the tuning window
    tuning_metric: str
    mart: str = ""
    entity: str = "zone"
    target_time: str = "target_ts_utc"
    origin_time: str = "forecast_origin_ts_utc"
    split_column: str = "split"
    # the task's dbt models are ml_<models>_scores, ml_<models>_shadow_scores, ...
    models: str = ""
    score_column: str = "score"
    # regression: quantile levels by column suffix, e.g. {"q10": 0.1, "q90": 0.9}
    quantiles: Mapping[str, float] = field(default_factory=dict)
    # baseline name -> settings; persistence reads the columns of `persistence_lags`
    baselines: tuple[str, ...] = ("climatology", "persistence")
    persistence_lags: Mapping[int, str] = field(default_factory=dict)
    promotion: Mapping[str, object] = field(default_factory=dict)
    alert_rate_target: float = 0.05
    enabled: bool = True

    @property
    def maximize(self) -> bool:
        return maximized(self.tuning_metric)

    @property
    def keys(self) -> list[str]:
        return [self.entity, self.target_time]

    @property
    def metric_set(self) -> tuple[str, ...]:
        if self.kind == "classification":
            return CLASSIFICATION_METRICS
        extra = tuple(f"pinball_{s}" for s in self.quantiles)
        if len(self.quantiles) >= 2:
            extra += ("interval_coverage", "interval_nominal", "interval_width")
        return REGRESSION_METRICS + extra

    @property
    def promotion_metric(self) -> str:
        return str(self.promotion.get("metric", self.tuning_metric))

    def quantile_column(self, suffix: str) -> str:
        return f"{self.score_column}_{suffix}"

    @property
    def output_columns(self) -> dict[str, str]:
        """The task's prediction columns (beyond keys and bookkeeping) with their dtypes."""
        if self.kind == "classification":
            return {
                self.score_column: "float64",
                "raw_score": "float64",
                "is_alert": "bool",
                "alert_threshold": "float64",
            }
        return {
            self.score_column: "float64",
            **{self.quantile_column(s): "float64" for s in self.quantiles},
        }

    def prediction_dtypes(self) -> dict[str, str]:
        return {
            self.entity: "string",
            self.target_time: "datetime64[us]",
            self.origin_time: "datetime64[us]",
            "model_version": "int64",
            "model_family": "string",
            **self.output_columns,
            "features_out_of_range": "Int64",
            "out_of_range_features": "string",
            "feature_schema_hash": "string",
            "scored_at_utc": "datetime64[us]",
            "dbt_invocation_id": "string",
        }

    def empty_predictions(self) -> pd.DataFrame:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in self.prediction_dtypes().items()})

    def label_vector(self, frame: pd.DataFrame) -> np.ndarray:
        return frame[self.label].to_numpy(dtype="float64", na_value=np.nan)

    @classmethod
    def from_config(
        cls, name: str, config: Mapping[str, object], schema: FeatureSchema | None = None
    ) -> Task:
        """Build from one block of var `ml_tasks` and the mart's recorded schema."""
        unknown = set(config) - KNOWN_KEYS
        if unknown:
            raise ValueError(
                f"ml_tasks.{name}: unknown setting(s) {sorted(unknown)}; known: "
                f"{sorted(KNOWN_KEYS)}"
            )
        kind = str(config.get("kind", ""))
        if kind not in KINDS:
            raise ValueError(f"ml_tasks.{name}.kind must be one of {KINDS}, not {kind!r}")
        for required in ("mart", "label", "models", "score_column"):
            if not config.get(required):
                raise ValueError(f"ml_tasks.{name}: {required} is required")
        quantiles = {str(k): float(v) for k, v in dict(config.get("quantiles") or {}).items()}
        if quantiles and kind != "regression":
            raise ValueError(f"ml_tasks.{name}.quantiles: only regression tasks have quantiles")
        if any(not 0 < q < 1 for q in quantiles.values()):
            raise ValueError(
                f"ml_tasks.{name}.quantiles: levels must lie in (0, 1), got {quantiles}"
            )
        quantiles = dict(sorted(quantiles.items(), key=lambda item: item[1]))
        metrics = (
            CLASSIFICATION_METRICS
            if kind == "classification"
            else (REGRESSION_METRICS + tuple(f"pinball_{s}" for s in quantiles))
        )
        tuning = str(
            config.get("tuning_metric") or ("pr_auc" if kind == "classification" else "rmse")
        )
        if tuning not in metrics:
            raise ValueError(
                f"ml_tasks.{name}.tuning_metric {tuning!r} is not a {kind} "
                f"metric; choose one of {list(metrics)}"
            )
        promotion = dict(config.get("promotion") or {})
        bad = set(promotion) - PROMOTION_KEYS[kind]
        if bad:
            raise ValueError(
                f"ml_tasks.{name}.promotion: unknown gate setting(s) "
                f"{sorted(bad)} for a {kind} task; known: "
                f"{sorted(PROMOTION_KEYS[kind])}"
            )
        if promotion.get("metric", tuning) not in metrics:
            raise ValueError(
                f"ml_tasks.{name}.promotion.metric {promotion['metric']!r} is not a {kind} metric"
            )
        baselines = dict(config.get("baselines") or {"climatology": {}})
        unknown_baselines = set(baselines) - {"climatology", "persistence"}
        if unknown_baselines:
            raise ValueError(
                f"ml_tasks.{name}.baselines: unknown {sorted(unknown_baselines)};"
                " known: climatology, persistence"
            )
        fields = dict(
            name=name,
            kind=kind,
            label=str(config["label"]),
            tuning_metric=tuning,
            mart=str(config["mart"]),
            models=str(config["models"]),
            score_column=str(config["score_column"]),
            quantiles=quantiles,
            baselines=tuple(sorted(baselines)),
            promotion=promotion,
            alert_rate_target=float(config.get("alert_rate_target", 0.05)),  # type: ignore
            enabled=bool(config.get("enabled", True)),
        )
        if schema is None:
            return cls(**fields)  # type: ignore[arg-type]
        if schema.model_name != fields["mart"]:
            raise ValueError(
                f"ml_tasks.{name}: schema of {schema.model_name} given for mart {fields['mart']}"
            )
        if fields["label"] not in schema.label_columns:
            raise ValueError(
                f"ml_tasks.{name}.label {fields['label']!r} is not a label column"
                f" of {schema.model_name} (meta.role: label): "
                f"{list(schema.label_columns)}"
            )
        lags: dict[int, str] = {}
        if "persistence" in baselines:
            source = (baselines["persistence"] or {}).get("lag_of")  # type: ignore[union-attr]
            lags = schema.lags_of(str(source))
            if not lags:
                raise ValueError(
                    f"ml_tasks.{name}.baselines.persistence: no feature of "
                    f"{schema.model_name} declares meta.lag_of: {source}"
                )
        return cls(
            **fields,
            entity=schema.key("entity"),  # type: ignore[arg-type]
            target_time=schema.key("target_time"),
            origin_time=schema.key("origin_time"),
            split_column=schema.split_column(),
            persistence_lags=lags,
        )


def task_configs(value: object) -> dict[str, dict[str, object]]:
    """The var `ml_tasks` as handed to a Python model (JSON text or a mapping)."""
    data = json.loads(value) if isinstance(value, str) else dict(value or {})  # type: ignore
    if not data:
        raise ValueError("var ml_tasks declares no task")
    return {str(k): dict(v) for k, v in data.items()}
