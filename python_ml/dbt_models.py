"""The bodies of the dbt Python models: the one module that touches dbt and its session.

Each file under models/ml/, models/monitoring/ and models/quality/ is a thin wrapper: it
names its refs and its config keys literally (dbt reads them from the file), then calls one
function here, which reads what it needs through `dbt` and `session` (DuckDB), hands plain
DataFrames to the package, and returns the rows for dbt to write. Every ML setting arrives
as one JSON config value, `ml_vars` (the vars ml_tasks, ml_training, ml_promotion,
ml_lifecycle, drift and retrain).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from python_ml.data import quality
from python_ml.features.schema import FeatureSchema, latest_schema
from python_ml.lifecycle import promotion as promotions_
from python_ml.lifecycle.status import artifacts_to_prune, model_statuses
from python_ml.monitoring.inference_log import read_new_records
from python_ml.registry import records, scoring
from python_ml.training.pipeline import TrainingConfig, train_models
from python_ml.training.tasks import Task, task_configs


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


def _mapping(value: object) -> dict[str, object]:
    if isinstance(value, Mapping):
        return dict(value)
    return dict(json.loads(str(value)))


def _now() -> pd.Timestamp:
    return pd.Timestamp(datetime.now(UTC)).tz_localize(None)


@dataclass(frozen=True)
class MLVars:
    tasks: dict[str, dict[str, object]]
    training: dict[str, object]
    promotion: dict[str, object]
    lifecycle: dict[str, object]
    drift: dict[str, object]
    retrain: bool

    @classmethod
    def parse(cls, value: object) -> MLVars:
        if value is None:
            raise ValueError("the model has no ml_vars config (models/ml/_ml__models.yml)")
        data = _mapping(value)
        return cls(
            tasks=task_configs(data["ml_tasks"]),
            training=_mapping(data["ml_training"]),
            promotion=_mapping(data["ml_promotion"]),
            lifecycle=_mapping(data["ml_lifecycle"]),
            drift=_mapping(data["drift"]),
            retrain=flag(data["retrain"]),
        )

    def task(self, name: str, schema: FeatureSchema | None = None) -> Task:
        if name not in self.tasks:
            raise ValueError(
                f"task {name!r} is not declared in var ml_tasks ({sorted(self.tasks)})"
            )
        return Task.from_config(name, self.tasks[name], schema)

    def promotion_settings(self) -> promotions_.PromotionSettings:
        return promotions_.PromotionSettings.from_vars(
            self.promotion, psi_alert=float(self.drift["alert"])
        )


# ---------------------------------------------------------------- session helpers


def _table_exists(session, database: str, schema: str, name: str) -> bool:
    return bool(
        session.execute(
            "select count(*) from information_schema.tables where table_catalog = ? "
            "and table_schema = ? and table_name = ?",
            [database, schema, name],
        ).fetchall()[0][0]
    )


def previous_table(session, this, name: str, empty: pd.DataFrame) -> pd.DataFrame:
    """Table `name` of this model's schema as the previous run left it, or `empty` when it
    does not exist yet. Read without ref(): the promotions log is downstream of the
    predictions that depend on the champion, so a ref would make a cycle."""
    if not _table_exists(session, this.database, this.schema, name):
        return empty
    return session.sql(f'select * from "{this.database}"."{this.schema}"."{name}"').df()


def _own_rows(dbt, session, columns: str = "*") -> pd.DataFrame | None:
    if not dbt.is_incremental:
        return None
    return session.sql(f"select {columns} from {dbt.this}").df()


def warehouse_dir(session) -> Path:
    """The folder of the DuckDB file the session writes (logs go beside it)."""
    rows = session.sql(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()
    path = rows[0][0] if rows and rows[0][0] else ""
    return Path(path).resolve().parent if path else Path.cwd()


def inference_log_path(session) -> Path:
    return warehouse_dir(session) / "logs" / "inference.jsonl"


def _schema(schema_versions, mart: str) -> FeatureSchema:
    return latest_schema(schema_versions.df(), mart)


def _check_wiring(dbt, task: Task, suffix: str) -> None:
    expected = f"ml_{task.models}_{suffix}"
    if dbt.this.identifier != expected:
        raise ValueError(
            f"{dbt.this.identifier}: task {task.name} writes its {suffix} to "
            f"{expected} (ml_tasks.{task.name}.models = {task.models!r})"
        )


# ---------------------------------------------------------------- training


def training_runs(dbt, session, ml_vars: object, tasks, schema_versions) -> pd.DataFrame:
    """ml_training_runs: train every enabled task (var retrain) and return the registry
    rows to append. A task's first training uses the mart's fixed split (its best model is
    the initial champion, with test metrics in ml_model_evaluation); later ones walk
    forward to the newest labelled target and register challengers (var
    ml_training.walk_forward). Its first build imports the registry of release 0.1."""
    settings = MLVars.parse(ml_vars)
    registry = _own_rows(dbt, session)
    imported = None
    if registry is None:
        registry = records.empty_registry()
        if _table_exists(session, dbt.this.database, dbt.this.schema, records.LEGACY_TABLE):
            imported = records.from_legacy(
                session.sql(
                    f'select * from "{dbt.this.database}"."{dbt.this.schema}".'
                    f'"{records.LEGACY_TABLE}" order by model_version'
                ).df()
            )
            log(
                f"[ml] imported {len(imported)} registry rows of release 0.1 from "
                f"{records.LEGACY_TABLE} (that table is no longer written)"
            )
            registry = imported
    promotions = previous_table(
        session, dbt.this, "ml_model_promotions", promotions_.empty_promotions()
    )
    new_rows = [records.empty_registry()]
    if not settings.retrain:
        if not len(registry):
            raise ValueError(
                "ml_training_runs: retrain is false but no model has been "
                "trained yet; run once with --vars '{retrain: true}'"
            )
        log("[ml] retrain is false: no training, the registry is unchanged")
    else:
        config = TrainingConfig.from_vars(settings.training)
        versions = [int(v) for v in registry["model_version"]]
        listed = tasks.df()
        for row in listed.itertuples():
            task = settings.task(str(row.task), _schema(schema_versions, str(row.mart)))
            if not task.enabled:
                log(f"[ml] task {task.name} is disabled (ml_tasks.{task.name}.enabled)")
                continue
            mine = registry[registry["task"] == task.name] if len(registry) else registry
            mode = config.mode_for(has_models=bool(len(mine)))
            if len(mine) and config.mode == "auto":
                data_end = pd.to_datetime(mine["validation_end_utc"]).max()
                newest = session.sql(
                    f"select max({task.target_time}) from {row.mart_relation} "
                    f"where {task.label} is not null"
                ).fetchall()[0][0]
                if not config.due(data_end, pd.Timestamp(newest) if newest else None):
                    log(
                        f"[ml] {task.name}: newest model saw data to {data_end}, labels reach "
                        f"{newest}: not yet due (ml_training.retrain_every_days = "
                        f"{config.retrain_every_days}); no training"
                    )
                    continue
            mart = session.sql(f"select * from {row.mart_relation}").df()
            schema = _schema(schema_versions, task.mart)
            run = train_models(mart, schema, task, config, mode=mode, log=log)
            rows = records.registry_records(
                run,
                records.next_version(versions),
                has_champion=bool(len(mine)),
                trained_at=datetime.now(UTC),
                invocation_id=invocation_id(),
            )
            versions += [int(v) for v in rows["model_version"]]
            for r in rows.itertuples():
                log(
                    f"[ml] {task.name}: registered model_version {r.model_version} "
                    f"({r.model_family}, {mode}) as {r.status}"
                )
            log(f"[ml] {task.name}: training run took {run.seconds:.1f} s")
            new_rows.append(rows)
    added = pd.concat(new_rows, ignore_index=True)
    history = pd.concat([registry, added], ignore_index=True)
    keep = int(settings.lifecycle["keep_artifacts"])
    prune = artifacts_to_prune(history, promotions, keep)
    if prune:
        log(
            f"[ml] pruning the artifacts of model_version(s) {prune} "
            f"(ml_lifecycle.keep_artifacts = {keep})"
        )
        if dbt.is_incremental:
            session.execute(
                f"update {dbt.this} set model_artifact = null where model_version "
                f"in ({', '.join(str(v) for v in prune)})"
            )
        added.loc[added["model_version"].isin(prune), "model_artifact"] = None
        if imported is not None:
            imported.loc[imported["model_version"].isin(prune), "model_artifact"] = None
    out = added if imported is None else pd.concat([imported, added], ignore_index=True)
    return records.typed(out)


# ---------------------------------------------------------------- scoring


def _task_and_mart(settings: MLVars, task_name: str, schema_versions) -> Task:
    probe = settings.task(task_name)
    return settings.task(task_name, _schema(schema_versions, probe.mart))


def champion_scores(
    dbt, session, task_name: str, ml_vars: object, mart, schema_versions, registry
) -> pd.DataFrame:
    """ml_<task>_scores: the champion scores the task's new mart rows (append-only)."""
    settings = MLVars.parse(ml_vars)
    task = _task_and_mart(settings, task_name, schema_versions)
    _check_wiring(dbt, task, "scores")
    if not task.enabled:
        log(f"[ml] task {task.name} is disabled; nothing scored")
        return task.empty_predictions()
    runs = registry.df()
    promotions = previous_table(
        session, dbt.this, "ml_model_promotions", promotions_.empty_promotions()
    )
    scored = _own_rows(dbt, session, f"{task.entity}, {task.target_time}, model_version")
    return scoring.champion_job(
        task,
        mart.df(),
        runs,
        promotions,
        scored if scored is not None else task.empty_predictions(),
        _schema(schema_versions, task.mart).schema_hash,
        inference_log_path(session),
        invocation_id(),
        log,
    )


def shadow_scores(
    dbt, session, task_name: str, ml_vars: object, mart, schema_versions, registry, champion
) -> pd.DataFrame:
    """ml_<task>_shadow_scores: every challenger scores the rows the champion scored."""
    settings = MLVars.parse(ml_vars)
    task = _task_and_mart(settings, task_name, schema_versions)
    _check_wiring(dbt, task, "shadow_scores")
    if not task.enabled:
        return task.empty_predictions()
    scored = _own_rows(dbt, session, f"{task.entity}, {task.target_time}, model_version")
    legacy = None if scored is not None else _legacy_shadow(dbt, session, task)
    if scored is None:
        scored = legacy if legacy is not None else task.empty_predictions()
    promotions = previous_table(
        session, dbt.this, "ml_model_promotions", promotions_.empty_promotions()
    )
    keys = champion.project(f"{task.entity}, {task.target_time}").distinct().df()
    out = scoring.shadow_job(
        task,
        mart.df(),
        registry.df(),
        promotions,
        keys,
        scored,
        _schema(schema_versions, task.mart).schema_hash,
        inference_log_path(session),
        invocation_id(),
        log,
    )
    if legacy is not None:
        out = pd.concat([legacy, out], ignore_index=True).astype(task.prediction_dtypes())
    return out


def _legacy_shadow(dbt, session, task: Task) -> pd.DataFrame | None:
    """Release 0.1 kept the spike task's shadow predictions in ml_shadow_scores; the first
    build of its successor table carries them over."""
    if task.name != records.LEGACY_TASK or not _table_exists(
        session, dbt.this.database, dbt.this.schema, records.LEGACY_SHADOW_TABLE
    ):
        return None
    rows = session.sql(
        f'select * from "{dbt.this.database}"."{dbt.this.schema}"."{records.LEGACY_SHADOW_TABLE}"'
    ).df()
    if task.entity not in rows.columns or task.score_column not in rows.columns:
        return None  # not a release 0.1 layout
    legacy = rows.reindex(columns=list(task.prediction_dtypes())).astype(task.prediction_dtypes())
    log(
        f"[ml] imported {len(legacy)} shadow predictions of release 0.1 from "
        f"{records.LEGACY_SHADOW_TABLE}"
    )
    return legacy


# ---------------------------------------------------------------- lifecycle


def promotion_decisions(
    dbt, session, ml_vars: object, tasks, schema_versions, registry, predictions, prediction_drift
) -> pd.DataFrame:
    """ml_model_promotions: the decisions of this run, for every enabled task."""
    settings = MLVars.parse(ml_vars)
    gates = settings.promotion_settings()
    previous = _own_rows(dbt, session)
    if previous is None:
        previous = promotions_.empty_promotions()
    runs = registry.df()
    promotions_.check_promote_version(runs, gates)
    scored = predictions.df()
    drift = prediction_drift.df()
    rows: list[dict[str, object]] = []
    for row in tasks.df().itertuples():
        task = settings.task(str(row.task), _schema(schema_versions, str(row.mart)))
        if not task.enabled:
            continue
        relation = row.mart_relation
        labels = session.sql(
            f"select {task.entity}, {task.target_time}, {task.label} from {relation}"
        ).df()
        recent = session.sql(
            f"select * from {relation} where {task.target_time} > (select max("
            f"{task.target_time}) from {relation}) - interval {int(gates.window_days)} day"
        ).df()
        rows += promotions_.promotion_job(
            task,
            runs,
            previous,
            scored[scored["task"] == task.name],
            labels,
            recent,
            drift[drift["task"] == task.name],
            gates,
            log,
        )
    out = promotions_.decision_frame(rows, previous, _now(), invocation_id())
    for r in out.itertuples():
        log(
            f"[ml] promotions: {r.task} {r.decision} (challenger {r.challenger_version}, "
            f"champion {r.champion_before} -> {r.champion_after}): {r.reason}"
        )
    return out


def model_status(registry, promotions) -> pd.DataFrame:
    """ml_model_status: every registered model's current status."""
    runs = registry.df()
    statuses = model_statuses(runs, promotions.df())
    return statuses.merge(
        runs[["model_version", "status"]].rename(columns={"status": "registered_status"}),
        on="model_version",
    )


# ---------------------------------------------------------------- monitoring and quality


def inference_runs(dbt, session) -> pd.DataFrame:
    """mon_inference_runs: the inference log's records the table does not hold yet."""
    known = _own_rows(dbt, session, "run_id")
    return read_new_records(
        inference_log_path(session), set(known["run_id"]) if known is not None else set()
    )


def quality_results(dbt, session, suite: str, relation, parameters: object) -> pd.DataFrame:
    """dq_<table>: run the suite expectations/<table>.json on the table."""
    return quality.quality_job(
        suite,
        relation.df(),
        _mapping(parameters),
        invocation_id(),
        _now(),
        quality.last_run(session, dbt.this, dbt.is_incremental),
    )
