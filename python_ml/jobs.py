"""Entry points of the dbt Python models under models/ml/: everything but the I/O.

Each wrapper reads its inputs as DataFrames, calls one function here, and returns the result.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime

import pandas as pd

from python_ml.registry import (
    REGISTRY_COLUMNS,
    RegisteredModel,
    champion_record,
    next_version,
    registry_records,
)
from python_ml.training.data import TASKS, FeatureSchema
from python_ml.training.pipeline import TrainingConfig, train_models

PREDICTION_DTYPES = {
    "zone": "string", "target_ts_utc": "datetime64[us]", "forecast_origin_ts_utc":
    "datetime64[us]", "model_version": "int64", "model_family": "string",
    "spike_probability": "float64", "raw_score": "float64", "is_alert": "bool",
    "alert_threshold": "float64", "feature_schema_hash": "string",
    "scored_at_utc": "datetime64[us]", "dbt_invocation_id": "string",
}


def empty_predictions() -> pd.DataFrame:
    """No rows, but typed: a first run with nothing to score must still create the table
    with the right column types."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in PREDICTION_DTYPES.items()})


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def invocation_id() -> str:
    """The running dbt invocation's id (Python models run inside the dbt process)."""
    try:
        from dbt_common.invocation import get_invocation_id
        return str(get_invocation_id())
    except Exception:  # noqa: BLE001 - outside dbt there is no invocation
        return "outside-dbt"


def flag(value: object) -> bool:
    """A dbt var rendered into model config ('True', 'false', True, 1, ...) as a bool."""
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no", "none", ""):
        return False
    raise ValueError(f"expected a boolean, got {value!r}")


def settings(value: object) -> dict[str, object]:
    if isinstance(value, Mapping):
        return dict(value)
    return dict(json.loads(str(value)))


def latest_schema(schema_versions: pd.DataFrame, model_name: str) -> FeatureSchema:
    rows = schema_versions[schema_versions["model_name"] == model_name]
    if rows.empty:
        raise ValueError(f"feature_schema_versions has no row for {model_name}; build the mart "
                         "first (dbt build --select +feature_schema_versions)")
    return FeatureSchema.from_record(rows.sort_values("schema_version").iloc[-1].to_dict())


def training_job(task_name: str, mart: pd.DataFrame, schema_versions: pd.DataFrame,
                 registry: pd.DataFrame, training_settings: Mapping[str, object],
                 mart_name: str = "fct_spike_features") -> pd.DataFrame:
    """Train every configured family and return their registry rows (to be appended)."""
    task = TASKS[task_name]
    schema = latest_schema(schema_versions, mart_name)
    config = TrainingConfig.from_vars(training_settings)
    started = time.perf_counter()
    run = train_models(mart, schema, task, config, log=log)
    has_champion = champion_record(registry, task.name) is not None if len(registry) else False
    rows = registry_records(
        run, next_version([int(v) for v in registry["model_version"]] if len(registry) else []),
        has_champion, datetime.now(UTC), invocation_id())
    for row in rows.itertuples():
        log(f"[ml] registered model_version {row.model_version} ({row.model_family}) as "
            f"{row.status}")
    log(f"[ml] training run took {time.perf_counter() - started:.1f} s")
    return rows


def empty_registry() -> pd.DataFrame:
    return pd.DataFrame(columns=list(REGISTRY_COLUMNS))


def check_predictions(predictions: pd.DataFrame) -> None:
    """Fail closed: a prediction frame that breaks expectations/ml_spike_predictions.json is
    never appended (the scoring model raises, the table keeps its previous rows)."""
    from python_ml import quality

    frame = predictions.assign(alert_matches_threshold=predictions["is_alert"].to_numpy()
                               == (predictions["spike_probability"].to_numpy()
                                   >= predictions["alert_threshold"].to_numpy(dtype=float)))
    validation = quality.validate(frame, "ml_spike_predictions")
    if not validation.success:
        raise quality.ExpectationFailed(validation, "ml_spike_scores (nothing appended)")


def scoring_job(task_name: str, mart: pd.DataFrame, registry: pd.DataFrame,
                scored: pd.DataFrame, splits: tuple[str, ...] = ("test", "score"),
                ) -> pd.DataFrame:
    """The champion's predictions for mart rows in `splits` it has not scored yet.

    `scored` holds the (zone, target_ts_utc, model_version) keys already in the predictions
    table, so a rerun scores nothing twice.
    """
    record = champion_record(registry, task_name) if len(registry) else None
    if record is None:
        raise ValueError(f"no champion for task {task_name} in ml_model_registry; train one "
                         "with `dbt build --vars '{retrain: true}'`")
    model = RegisteredModel.from_record(record)
    candidates = mart[mart["split"].isin(splits)]
    if len(scored):
        done = scored[scored["model_version"] == model.model_version]
        keys = pd.MultiIndex.from_frame(done[["zone", "target_ts_utc"]])
        candidates = candidates[~pd.MultiIndex.from_frame(
            candidates[["zone", "target_ts_utc"]]).isin(keys)]
    if candidates.empty:
        log(f"[ml] model_version {model.model_version}: nothing new to score")
        return empty_predictions()
    scores = model.score(candidates)
    out = pd.DataFrame({
        "zone": candidates["zone"].to_numpy(),
        "target_ts_utc": candidates["target_ts_utc"].to_numpy(),
        "forecast_origin_ts_utc": candidates["forecast_origin_ts_utc"].to_numpy(),
        "model_version": model.model_version,
        "model_family": str(record["model_family"]),
        "spike_probability": scores["probability"].to_numpy(),
        "raw_score": scores["raw_score"].to_numpy(),
        "is_alert": scores["is_alert"].to_numpy(),
        "alert_threshold": model.threshold,
        "feature_schema_hash": model.feature_schema_hash,
        "scored_at_utc": pd.Timestamp(datetime.now(UTC)).tz_localize(None),
        "dbt_invocation_id": invocation_id(),
    })
    check_predictions(out)
    log(f"[ml] model_version {model.model_version}: scored {len(out)} rows, "
        f"{int(out['is_alert'].sum())} alerts")
    return out
