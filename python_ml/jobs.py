"""Entry points of the dbt Python models under models/ml/: everything but the I/O.

Each wrapper reads its inputs as DataFrames, calls one function here, and returns the result.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from python_ml import lifecycle
from python_ml.features.parity import ParityError
from python_ml.registry import (
    REGISTRY_COLUMNS,
    RegisteredModel,
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
    # the best model of a task's first run is its initial champion; later runs add challengers
    has_champion = bool(len(registry)) and bool((registry["task"] == task.name).any())
    rows = registry_records(
        run, next_version([int(v) for v in registry["model_version"]] if len(registry) else []),
        has_champion, datetime.now(UTC), invocation_id())
    for row in rows.itertuples():
        log(f"[ml] registered model_version {row.model_version} ({row.model_family}) as "
            f"{row.status}")
    log(f"[ml] training run took {time.perf_counter() - started:.1f} s")
    return rows


def artifacts_to_prune(runs: pd.DataFrame, promotions: pd.DataFrame,
                       keep: int) -> list[int]:
    """Versions whose stored artifact goes (var ml_lifecycle.keep_artifacts): the registry
    row stays, the model text is nulled. Champion and challengers are always kept."""
    if not len(runs):
        return []
    statuses = lifecycle.model_statuses(runs, promotions)
    keep_set = lifecycle.retained_versions(statuses, keep,
                                           lifecycle.former_champions(runs, promotions))
    present = runs[runs["model_artifact"].notna()]["model_version"]
    return sorted(int(v) for v in present if int(v) not in keep_set)


def promotion_job(task_name: str, runs: pd.DataFrame, previous: pd.DataFrame,
                  champion_predictions: pd.DataFrame, shadow_predictions: pd.DataFrame,
                  mart: pd.DataFrame, prediction_drift: pd.DataFrame,
                  settings: lifecycle.PromotionSettings) -> pd.DataFrame:
    """Decide, for the task's challengers, whether one replaces the champion (or apply a
    manual promotion / rollback), and return the decision rows to append."""
    champion = lifecycle.current_champion(runs, previous, task_name) if len(runs) else None
    if champion is None:
        log(f"[ml] promotions: task {task_name} has no champion yet; nothing to decide")
        return lifecycle.empty_promotions()
    records = {int(r["model_version"]): r for r in runs.to_dict("records")}
    recent = mart[pd.to_datetime(mart["target_ts_utc"]) > pd.to_datetime(
        mart["target_ts_utc"]).max() - pd.Timedelta(days=settings.window_days)]
    rows: list[dict[str, object]] = []
    wanted = settings.promote_version
    if wanted is not None:
        if wanted not in records or records[wanted]["task"] != task_name:
            raise ValueError(f"ml_promotion.promote_version: no model_version {wanted} for "
                             f"task {task_name} in ml_model_registry")
        if wanted == champion:
            log(f"[ml] promotions: model_version {wanted} is already champion")
        else:
            record = _registered(runs, wanted)
            problem = lifecycle.parity_problem(recent, record)
            if problem:
                raise ValueError(f"ml_promotion.promote_version {wanted}: {problem}")
            kind = "rollback" if wanted < champion else "manual_promotion"
            rows.append(lifecycle.decision_row(
                task_name, kind, wanted, champion, wanted,
                f"{kind.replace('_', ' ')} to model_version {wanted} requested by var "
                "ml_promotion.promote_version (metric gates not applied; parity passed)",
                [lifecycle.Gate("parity", True, "features match")]))
    else:
        statuses = lifecycle.model_statuses(runs, previous)
        challengers = statuses[(statuses["task"] == task_name)
                               & (statuses["status"] == "challenger")]["model_version"]
        mine = champion_predictions[champion_predictions["model_version"] == champion]
        champion_drift = _latest_drift(prediction_drift, champion)
        passed: list[tuple[float, int]] = []
        for version in sorted(int(v) for v in challengers):
            comparison = lifecycle.compare(
                mine, shadow_predictions[shadow_predictions["model_version"] == version],
                mart, settings)
            gate_list = lifecycle.gates(comparison, settings, records[champion],
                                        records[version], _latest_drift(prediction_drift, version),
                                        lifecycle.parity_problem(recent, records[version]),
                                        champion_drift)
            failed = [g for g in gate_list if not g.passed]
            if _already_decided(previous, version, champion, comparison):
                log(f"[ml] promotions: challenger {version} vs champion {champion} on the "
                    "same window was decided before; no new row")
                continue
            if not failed:
                passed.append((comparison.difference, version))
            reason = ("all gates passed" if not failed else "kept the champion: "
                      + "; ".join(f"{g.name} ({g.detail})" for g in failed))
            rows.append(lifecycle.decision_row(task_name, "keep", version, champion, champion,
                                               reason, gate_list, comparison))
        if passed:
            best = max(passed)[1]
            for row in rows:
                if row["challenger_version"] == best:
                    row.update(decision="promote", champion_after=best,
                               reason=f"promoted model_version {best}: all gates passed")
                elif row["reason"] == "all gates passed":
                    row["reason"] = f"all gates passed, but model_version {best} did better"
            # the promotion is the run's last decision: the champion is read from the last row
            rows.sort(key=lambda row: row["decision"] == "promote")
    out = pd.DataFrame(rows, columns=list(lifecycle.PROMOTION_COLUMNS))
    first = int(previous["decision_id"].max()) + 1 if len(previous) else 1
    out["decision_id"] = range(first, first + len(out))
    out["decided_at_utc"] = pd.Timestamp(datetime.now(UTC)).tz_localize(None)
    out["dbt_invocation_id"] = invocation_id()
    for row in out.itertuples():
        log(f"[ml] promotions: {row.decision} (challenger {row.challenger_version}, champion "
            f"{row.champion_before} -> {row.champion_after}): {row.reason}")
    return out.astype(lifecycle.PROMOTION_COLUMNS)


def _latest_drift(prediction_drift: pd.DataFrame, version: int) -> pd.DataFrame:
    """A model's score PSI per zone on its latest drift day (mon_prediction_drift rows)."""
    rows = prediction_drift[prediction_drift["model_version"] == version]
    return rows[rows["drift_date"] == rows["drift_date"].max()] if len(rows) else rows


def _already_decided(previous: pd.DataFrame, version: int, champion: int,
                     comparison: lifecycle.Comparison) -> bool:
    """The same challenger against the same champion on the same labelled rows (an empty
    window, no rows both scored with a label, matches an earlier empty one)."""
    if not len(previous):
        return False
    pair = previous[(previous["challenger_version"] == version)
                    & (previous["champion_before"] == champion)]
    if comparison.window_end is None:
        same = pair[pair["window_end_utc"].isna()]
    else:
        same = pair[(pair["labelled_rows"] == comparison.rows)
                    & (pair["window_end_utc"] == comparison.window_end)]
    return bool(len(same))


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


def warehouse_dir(session) -> Path:
    """The folder of the DuckDB file the session writes (logs go beside it)."""
    rows = session.sql("select path from duckdb_databases() "
                       "where database_name = current_database()").fetchall()
    path = rows[0][0] if rows and rows[0][0] else ""
    return Path(path).resolve().parent if path else Path.cwd()


def inference_log_path(session) -> Path:
    return warehouse_dir(session) / "logs" / "inference.jsonl"


INFERENCE_COLUMNS = {
    "run_id": "string", "dbt_invocation_id": "string", "task": "string", "role": "string",
    "model_version": "Int64", "model_family": "string", "feature_schema_hash": "string",
    "model_feature_schema_hash": "string", "parity_result": "string", "outcome": "string",
    "rows_scored": "int64",
    "alerts_raised": "int64", "started_at_utc": "datetime64[us]",
    "duration_seconds": "float64",
}


def append_inference_record(path: Path, record: Mapping[str, object]) -> None:
    """One JSON line per scoring run, appended with a single write and fsync'd (runs are
    serialised by the warehouse lock, python_ml.runs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({k: (v.isoformat(timespec="microseconds")
                           if isinstance(v, pd.Timestamp | datetime) else v)
                       for k, v in record.items()}, sort_keys=True) + "\n"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def read_inference_log(path: Path, known_run_ids: set[str]) -> pd.DataFrame:
    """Records of `path` not yet in the table (the mon_inference_runs model appends them)."""
    rows = []
    if path.exists():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}, line {number}: not a JSON object ({error}) "
                                 "[rule: inference_log_json]") from error
            if record.get("run_id") not in known_run_ids:
                rows.append(record)
    frame = pd.DataFrame(rows, columns=list(INFERENCE_COLUMNS))
    frame["started_at_utc"] = pd.to_datetime(frame["started_at_utc"], format="ISO8601",
                                             utc=True).dt.tz_localize(None)
    return frame.astype(INFERENCE_COLUMNS)


def pause_point(name: str) -> None:
    """Fault injection for the tests: with OPEN_POWER_PAUSE_AT=<name>, touch the file named
    by OPEN_POWER_PAUSE_FILE and sleep, so a test can SIGKILL the run at a known point."""
    if os.environ.get("OPEN_POWER_PAUSE_AT") != name:
        return
    marker = os.environ.get("OPEN_POWER_PAUSE_FILE")
    if marker:
        Path(marker).write_text(str(os.getpid()))
    time.sleep(float(os.environ.get("OPEN_POWER_PAUSE_SECONDS", "600")))


def _score(model: RegisteredModel, record: Mapping[str, object],
           candidates: pd.DataFrame) -> pd.DataFrame:
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
    return out.astype(PREDICTION_DTYPES)


def _unscored(candidates: pd.DataFrame, scored: pd.DataFrame, version: int) -> pd.DataFrame:
    if not len(scored):
        return candidates
    done = scored[scored["model_version"] == version]
    keys = pd.MultiIndex.from_frame(done[["zone", "target_ts_utc"]])
    return candidates[~pd.MultiIndex.from_frame(
        candidates[["zone", "target_ts_utc"]]).isin(keys)]


class ScoringFailed(Exception):
    """A scoring run failed; `entry` is its inference-log record."""

    def __init__(self, error: Exception, entry: dict[str, object]) -> None:
        super().__init__(str(error))
        self.error = error
        self.entry = entry


def _run_scoring(task_name: str, role: str, record: Mapping[str, object],
                 candidates: pd.DataFrame,
                 mart_schema_hash: str) -> tuple[pd.DataFrame, dict[str, object]]:
    """Score `candidates` with one registered model; return the rows and the run's
    inference-log record. A failure (parity, expectations) raises ScoringFailed with the
    record of the failed run."""
    started = datetime.now(UTC)
    clock = time.perf_counter()
    version = int(record["model_version"])  # type: ignore[arg-type]
    out, parity, outcome, error = empty_predictions(), "passed", "scored", None
    try:
        if len(candidates):
            model = RegisteredModel.from_record(record)
            out = _score(model, record, candidates)
        else:
            parity = "not run: nothing to score"
    except ParityError as failure:
        parity, error = f"failed: {str(failure).splitlines()[0]}", failure
    except Exception as failure:  # noqa: BLE001 - logged, then raised again
        error = failure
    if error is not None:
        out = empty_predictions()
        outcome = f"failed: {str(error).splitlines()[0]}"
    entry = {
        "run_id": str(uuid.uuid4()), "dbt_invocation_id": invocation_id(), "task": task_name,
        "role": role, "model_version": version, "model_family": str(record["model_family"]),
        "feature_schema_hash": mart_schema_hash,
        "model_feature_schema_hash": str(record["feature_schema_hash"]),
        "parity_result": parity, "outcome": outcome, "rows_scored": len(out),
        "alerts_raised": int(out["is_alert"].sum()),
        "started_at_utc": pd.Timestamp(started).tz_localize(None),
        "duration_seconds": round(time.perf_counter() - clock, 3),
    }
    if error is not None:
        raise ScoringFailed(error, entry) from error
    log(f"[ml] {role} model_version {version}: scored {len(out)} rows, "
        f"{entry['alerts_raised']} alerts")
    return out, entry


def _scoring_runs(task_name: str, jobs_to_run: list[tuple[str, Mapping[str, object],
                                                          pd.DataFrame]],
                  mart_schema_hash: str, log_path: Path | None) -> pd.DataFrame:
    """Run one or more scorings for a Python model and log them. The records are written
    only once every scoring succeeded (the rows are then handed to dbt to append); when one
    fails, only its record is written, because nothing of the model is appended."""
    frames, entries = [empty_predictions()], []
    try:
        for role, record, candidates in jobs_to_run:
            out, entry = _run_scoring(task_name, role, record, candidates, mart_schema_hash)
            frames.append(out)
            entries.append(entry)
    except ScoringFailed as failed:
        if log_path is not None:
            append_inference_record(log_path, failed.entry)
        raise failed.error from None
    pause_point(f"scoring:{jobs_to_run[0][0] if jobs_to_run else 'none'}")
    if log_path is not None:
        for entry in entries:
            append_inference_record(log_path, entry)
    return pd.concat(frames, ignore_index=True).astype(PREDICTION_DTYPES)


def _registered(runs: pd.DataFrame, version: int) -> Mapping[str, object]:
    record = runs[runs["model_version"] == version].iloc[0].to_dict()
    if record.get("model_artifact") is None or pd.isna(record.get("model_artifact")):
        raise ValueError(f"model_version {version}: its artifact was pruned (var "
                         "ml_lifecycle.keep_artifacts); promote a model that still has one")
    return record


def scoring_job(task_name: str, mart: pd.DataFrame, runs: pd.DataFrame,
                promotions: pd.DataFrame, scored: pd.DataFrame, mart_schema_hash: str,
                log_path: Path | None = None,
                splits: tuple[str, ...] = ("test", "score")) -> pd.DataFrame:
    """The champion's predictions for mart rows in `splits` it has not scored yet.

    The champion comes from the registry rows and the promotions log as the previous run
    left it (python_ml.lifecycle). `scored` holds the (zone, target_ts_utc, model_version)
    keys already in the predictions table, so a rerun scores nothing twice.
    """
    champion = lifecycle.current_champion(runs, promotions, task_name) if len(runs) else None
    if champion is None:
        raise ValueError(f"no champion for task {task_name} in ml_model_registry; train one "
                         "with `dbt build --vars '{retrain: true}'`")
    candidates = _unscored(mart[mart["split"].isin(splits)], scored, champion)
    return _scoring_runs(task_name, [("champion", _registered(runs, champion), candidates)],
                         mart_schema_hash, log_path)


def shadow_job(task_name: str, mart: pd.DataFrame, runs: pd.DataFrame,
               promotions: pd.DataFrame, champion_keys: pd.DataFrame,
               scored: pd.DataFrame, mart_schema_hash: str,
               log_path: Path | None = None) -> pd.DataFrame:
    """Every challenger scores the rows the champion scored that it has not scored yet."""
    statuses = lifecycle.model_statuses(runs, promotions) if len(runs) else None
    if statuses is None:
        return empty_predictions()
    challengers = statuses[(statuses["task"] == task_name)
                           & (statuses["status"] == "challenger")]["model_version"]
    keys = pd.MultiIndex.from_frame(champion_keys[["zone", "target_ts_utc"]].drop_duplicates())
    rows = mart[pd.MultiIndex.from_frame(mart[["zone", "target_ts_utc"]]).isin(keys)]
    return _scoring_runs(
        task_name, [("challenger", _registered(runs, version), _unscored(rows, scored, version))
                    for version in sorted(int(v) for v in challengers)],
        mart_schema_hash, log_path)


def previous_table(session, this, name: str, empty: pd.DataFrame) -> pd.DataFrame:
    """Table `name` of this model's schema as the previous run left it, or `empty` when it does
    not exist yet. Read without ref(): the promotions log is downstream of the predictions that
    depend on the champion, so a ref would make a cycle (see python_ml.lifecycle)."""
    found = session.execute(
        "select count(*) from information_schema.tables where table_catalog = ? "
        "and table_schema = ? and table_name = ?",
        [this.database, this.schema, name]).fetchall()[0][0]
    if not found:
        return empty
    return session.sql(f'select * from "{this.database}"."{this.schema}"."{name}"').df()
