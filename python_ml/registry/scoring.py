"""Scoring a task's mart rows with registered models: the champion's served predictions and
the challengers' shadow predictions, each run logged to the inference log.

Which rows a model scores: those whose target lies after the last labelled target it saw
(validation_end_utc), so no model ever predicts a row it was fitted, stopped or calibrated
on; a fixed-split model also only the mart's test and score rows. A model scores each key
once (`scored` holds what it already scored), so a rerun scores nothing twice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from python_ml.features.parity import ParityError
from python_ml.lifecycle.status import current_champion, model_statuses
from python_ml.monitoring.inference_log import append_record
from python_ml.ops.faults import pause_point
from python_ml.registry.model import RegisteredModel, Scores
from python_ml.training.tasks import Task

SERVED_SPLITS = ("test", "score")


def _now() -> pd.Timestamp:
    return pd.Timestamp(datetime.now(UTC)).tz_localize(None)


def prediction_frame(
    task: Task, model: RegisteredModel, candidates: pd.DataFrame, scores: Scores, invocation: str
) -> pd.DataFrame:
    """The task's prediction rows (columns from Task.prediction_dtypes)."""
    out = {
        task.entity: candidates[task.entity].to_numpy(),
        task.target_time: candidates[task.target_time].to_numpy(),
        task.origin_time: candidates[task.origin_time].to_numpy(),
        "model_version": model.model_version,
        "model_family": model.family,
        task.score_column: scores.score,
    }
    if task.kind == "classification":
        out.update(
            raw_score=scores.raw_score, is_alert=scores.is_alert, alert_threshold=model.threshold
        )
    else:
        for j, suffix in enumerate(task.quantiles):
            if scores.quantiles is None:
                raise ValueError(
                    f"model_version {model.model_version} has no quantiles, but "
                    f"task {task.name} declares {list(task.quantiles)}"
                )
            out[task.quantile_column(suffix)] = scores.quantiles[:, j]
    out.update(
        features_out_of_range=scores.ranges.counts,
        out_of_range_features=scores.ranges.names,
        feature_schema_hash=model.feature_schema_hash,
        scored_at_utc=_now(),
        dbt_invocation_id=invocation,
    )
    return pd.DataFrame(out).astype(task.prediction_dtypes())


def generic_view(task: Task, predictions: pd.DataFrame) -> pd.DataFrame:
    """A task's predictions under the kind's column names (entity, score, ...), as the
    kind's expectation suite and the shared monitoring tables read them."""
    out = pd.DataFrame(
        {
            "entity": predictions[task.entity],
            "target_ts_utc": predictions[task.target_time],
            "model_version": predictions["model_version"],
            "score": predictions[task.score_column],
            "features_out_of_range": predictions["features_out_of_range"],
        }
    )
    if task.kind == "classification":
        out["alert_matches_threshold"] = predictions["is_alert"].to_numpy() == (
            predictions[task.score_column].to_numpy()
            >= predictions["alert_threshold"].to_numpy(dtype=float)
        )
    else:
        values = predictions[[task.quantile_column(s) for s in task.quantiles]].to_numpy(float)
        out["quantiles_ordered"] = (
            (np.diff(values, axis=1) >= 0).all(axis=1)
            if values.shape[1] >= 2
            else np.ones(len(out), dtype=bool)
        )
    return out


def check_predictions(task: Task, predictions: pd.DataFrame) -> None:
    """Fail closed: predictions that break expectations/ml_<kind>_predictions.json are never
    appended (the scoring model raises, the table keeps its previous rows)."""
    from python_ml.data import quality

    suite = f"ml_{task.kind}_predictions"
    validation = quality.validate(generic_view(task, predictions), suite)
    if not validation.success:
        raise quality.ExpectationFailed(
            validation, f"ml_{task.models}_scores of task {task.name} (nothing appended)"
        )


def registered(runs: pd.DataFrame, version: int) -> Mapping[str, object]:
    rows = runs[runs["model_version"] == version]
    if rows.empty:
        raise ValueError(f"model_version {version} is not in the registry")
    return rows.iloc[0].to_dict()


def servable(task: Task, mart: pd.DataFrame, record: Mapping[str, object]) -> pd.DataFrame:
    """The rows `record`'s model may score: after its data, and for a fixed-split model
    only the mart's test and score rows."""
    end = record.get("validation_end_utc")
    rows = mart
    if end is not None and not pd.isna(end):
        rows = rows[pd.to_datetime(rows[task.target_time]) > pd.Timestamp(end)]
    mode = record.get("training_mode")
    if mode is None or pd.isna(mode) or mode == "fixed_split":  # type: ignore[arg-type]
        rows = rows[rows[task.split_column].isin(SERVED_SPLITS)]
    return rows


def _unscored(
    task: Task, candidates: pd.DataFrame, scored: pd.DataFrame, version: int
) -> pd.DataFrame:
    if not len(scored) or not len(candidates):
        return candidates
    done = scored[scored["model_version"] == version]
    keys = pd.MultiIndex.from_frame(done[task.keys])
    return candidates[~pd.MultiIndex.from_frame(candidates[task.keys]).isin(keys)]


class ScoringFailed(Exception):
    """A scoring run failed; `entry` is its inference-log record."""

    def __init__(self, error: Exception, entry: dict[str, object]) -> None:
        super().__init__(str(error))
        self.error = error
        self.entry = entry


def _run_scoring(
    task: Task,
    role: str,
    record: Mapping[str, object],
    candidates: pd.DataFrame,
    mart_schema_hash: str,
    invocation: str,
    log,
) -> tuple[pd.DataFrame, dict[str, object]]:
    started = _now()
    clock = time.perf_counter()
    version = int(record["model_version"])  # type: ignore[call-overload]
    out, parity, outcome, error = task.empty_predictions(), "passed", "scored", None
    per_feature: dict[str, int] = {}
    try:
        if len(candidates):
            model = RegisteredModel.from_record(record)
            scores = model.score(candidates, candidates[task.entity].astype(str).to_numpy())
            per_feature = scores.ranges.per_feature
            out = prediction_frame(task, model, candidates, scores, invocation)
            check_predictions(task, out)
        else:
            parity = "not run: nothing to score"
    except ParityError as failure:
        parity, error = f"failed: {str(failure).splitlines()[0]}", failure
    except Exception as failure:  # noqa: BLE001 - logged, then raised again
        error = failure
    if error is not None:
        out, per_feature = task.empty_predictions(), {}
        outcome = f"failed: {str(error).splitlines()[0]}"
    if parity == "passed" and per_feature:
        parity = (
            f"passed; {int((out['features_out_of_range'] > 0).sum())} row(s) with values"
            f" outside the training range in {len(per_feature)} feature(s)"
        )
    entry = {
        "run_id": str(uuid.uuid4()),
        "dbt_invocation_id": invocation,
        "task": task.name,
        "role": role,
        "model_version": version,
        "model_family": str(record["model_family"]),
        "feature_schema_hash": mart_schema_hash,
        "model_feature_schema_hash": str(record["feature_schema_hash"]),
        "parity_result": parity,
        "outcome": outcome,
        "rows_scored": len(out),
        "alerts_raised": int(out["is_alert"].sum()) if "is_alert" in out else None,
        "started_at_utc": started,
        "duration_seconds": round(time.perf_counter() - clock, 3),
        "rows_out_of_range": int((out["features_out_of_range"] > 0).sum()),
        "out_of_range_json": _json(per_feature),
    }
    if error is not None:
        raise ScoringFailed(error, entry) from error
    alerts = f", {entry['alerts_raised']} alerts" if entry["alerts_raised"] is not None else ""
    beyond = (
        f", {entry['rows_out_of_range']} with features outside the training range"
        if entry["rows_out_of_range"]
        else ""
    )
    log(f"[ml] {task.name} {role} model_version {version}: scored {len(out)} rows{alerts}{beyond}")
    return out, entry


def _json(value: Mapping[str, int]) -> str:
    import json

    return json.dumps(dict(sorted(value.items())))


def scoring_runs(
    task: Task,
    jobs: list[tuple[str, Mapping[str, object], pd.DataFrame]],
    mart_schema_hash: str,
    log_path: Path | None,
    invocation: str,
    log,
) -> pd.DataFrame:
    """Run one or more scorings and log them. Records are written only once every scoring
    succeeded (the rows are then handed to dbt to append); when one fails, only its record
    is written, because nothing of the model is appended."""
    frames, entries = [task.empty_predictions()], []
    try:
        for role, record, candidates in jobs:
            out, entry = _run_scoring(
                task, role, record, candidates, mart_schema_hash, invocation, log
            )
            frames.append(out)
            entries.append(entry)
    except ScoringFailed as failed:
        if log_path is not None:
            append_record(log_path, failed.entry)
        raise failed.error from None
    pause_point(f"scoring:{jobs[0][0] if jobs else 'none'}")
    if log_path is not None:
        for entry in entries:
            append_record(log_path, entry)
    return pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True).astype(
        task.prediction_dtypes()
    )


def champion_job(
    task: Task,
    mart: pd.DataFrame,
    runs: pd.DataFrame,
    promotions: pd.DataFrame,
    scored: pd.DataFrame,
    mart_schema_hash: str,
    log_path: Path | None = None,
    invocation: str = "outside-dbt",
    log=print,
) -> pd.DataFrame:
    """The champion's predictions for the mart rows it may serve and has not scored yet.
    The champion comes from the registry and the promotions log as the previous run left
    them (python_ml.lifecycle.status)."""
    champion = current_champion(runs, promotions, task.name) if len(runs) else None
    if champion is None:
        raise ValueError(
            f"no champion for task {task.name} in ml_model_registry; train one "
            "with `dbt build --vars '{retrain: true}'`"
        )
    record = registered(runs, champion)
    candidates = _unscored(task, servable(task, mart, record), scored, champion)
    return scoring_runs(
        task, [("champion", record, candidates)], mart_schema_hash, log_path, invocation, log
    )


def shadow_job(
    task: Task,
    mart: pd.DataFrame,
    runs: pd.DataFrame,
    promotions: pd.DataFrame,
    champion_keys: pd.DataFrame,
    scored: pd.DataFrame,
    mart_schema_hash: str,
    log_path: Path | None = None,
    invocation: str = "outside-dbt",
    log=print,
) -> pd.DataFrame:
    """Every challenger scores the rows the champion scored that it may serve and has not
    scored yet."""
    if not len(runs):
        return task.empty_predictions()
    statuses = model_statuses(runs, promotions)
    challengers = statuses[(statuses["task"] == task.name) & (statuses["status"] == "challenger")][
        "model_version"
    ]
    keys = pd.MultiIndex.from_frame(champion_keys[task.keys].drop_duplicates())
    rows = mart[pd.MultiIndex.from_frame(mart[task.keys]).isin(keys)]
    jobs = []
    for version in sorted(int(v) for v in challengers):
        record = registered(runs, version)
        jobs.append(
            ("challenger", record, _unscored(task, servable(task, rows, record), scored, version))
        )
    return scoring_runs(task, jobs, mart_schema_hash, log_path, invocation, log)
