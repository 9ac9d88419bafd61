"""Walk-forward backtest: replay the daily path's retraining over history.

`python -m python_ml backtest --task T --start D --end D --every 28d` cuts history every
`every` days from `start` on. At each cut the task is trained as the daily path trains it
(python_ml.training.pipeline.train_models in walk_forward mode, on the labelled rows before
the cut), registered as plain registry rows, rebuilt from them and used to score the
mart's rows of the next period (the cut up to the next cut), exactly as a challenger scores.
Every family's predictions are kept; the one the run ranks first is the backtest's `model`.

Results go to the warehouse, keyed by a backtest id (a hash of the task, the settings, the
mart's schema and its rows up to the end, and the source of the training code):
- ml_backtest_cuts: one row per finished cut (windows, rows, selected family, seconds);
- ml_backtest_predictions: one row per family and scored row, with the label and the
  baselines' scores;
- ml_backtest_metrics: per period (each cut, each half-year, ALL), per entity, ALL (pooled)
  and MEAN (the mean of the entities' values), per predictor (model, each family,
  climatology, persistence) and metric, with day-block bootstrap intervals (half-years and
  ALL) and paired differences to persistence.
Each cut's rows are written in one transaction under the warehouse lock, so a killed
backtest resumes after its last finished cut when started again with the same settings.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from python_ml.features.schema import FeatureSchema, latest_schema
from python_ml.ops.faults import pause_point
from python_ml.registry.model import RegisteredModel
from python_ml.registry.records import registry_records
from python_ml.training.baselines import baseline_scores
from python_ml.training.metrics import Predictor, day_blocks, evaluate_predictors
from python_ml.training.pipeline import (
    TrainingConfig,
    metric_function,
    process_pool,
    train_models,
)
from python_ml.training.splits import walk_forward_splits
from python_ml.training.tasks import Task
from python_ml.training.threshold import choose_threshold

Log = Callable[[str], None]
PREDICTIONS_DDL = """
create table if not exists ml_backtest_predictions (
    backtest_id varchar, task varchar, cut_utc timestamp, model_family varchar,
    is_selected boolean, entity varchar, target_ts_utc timestamp,
    forecast_origin_ts_utc timestamp, label double, score double, is_alert boolean,
    interval_low double, interval_high double, features_out_of_range bigint,
    climatology double, persistence double)"""
CUTS_DDL = """
create table if not exists ml_backtest_cuts (
    backtest_id varchar, task varchar, cut_utc timestamp, period_end_utc timestamp,
    train_start_utc timestamp, train_end_utc timestamp, validation_start_utc timestamp,
    validation_end_utc timestamp, train_rows bigint, scored_rows bigint,
    selected_family varchar, selection_json varchar, seconds double,
    finished_at_utc timestamp, settings_json varchar)"""
METRICS_DDL = """
create table if not exists ml_backtest_metrics (
    backtest_id varchar, task varchar, period varchar, period_start_utc timestamp,
    period_end_utc timestamp, entity varchar, predictor varchar, metric varchar,
    value double, ci_low double, ci_high double, computed_at_utc timestamp)"""


@dataclass(frozen=True)
class BacktestSpec:
    task: str
    start: pd.Timestamp
    end: pd.Timestamp  # last day scored (inclusive)
    every_days: int = 28

    def cuts(self) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
        """(cut, end of its scoring period) pairs."""
        if self.every_days < 1:
            raise ValueError(f"--every must be at least 1 day, got {self.every_days}")
        if self.end < self.start:
            raise ValueError(f"--end {self.end.date()} is before --start {self.start.date()}")
        stop = self.end.normalize() + pd.Timedelta(days=1)
        out, cut = [], self.start.normalize()
        while cut < stop:
            out.append((cut, min(cut + pd.Timedelta(days=self.every_days), stop)))
            cut += pd.Timedelta(days=self.every_days)
        return out


def parse_every(text: str) -> int:
    """'28d', '28' or '4w' as days."""
    value = text.strip().lower()
    factor = 7 if value.endswith("w") else 1
    digits = value.rstrip("dw")
    if not digits.isdigit() or int(digits) < 1:
        raise ValueError(f"--every must look like 28d or 4w, not {text!r}")
    return int(digits) * factor


@dataclass
class BacktestResult:
    backtest_id: str
    cuts: int
    cuts_run: int
    seconds: float
    metrics: pd.DataFrame


def backtest_config(
    ml_training: Mapping[str, object], ml_backtest: Mapping[str, object] | None
) -> TrainingConfig:
    """ml_training with the overrides of var ml_backtest (trials, families, ...)."""
    merged = {
        **dict(ml_training),
        **{k: v for k, v in dict(ml_backtest or {}).items() if v is not None},
    }
    return TrainingConfig.from_vars(merged)


def code_fingerprint() -> str:
    """The source of everything that shapes a cut's results (training, features, registry):
    a changed model code starts a new backtest instead of resuming an old one."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for package in ("training", "features", "registry"):
        for path in sorted((root / package).glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def backtest_id(
    task: Task,
    config: TrainingConfig,
    spec: BacktestSpec,
    schema: FeatureSchema,
    frame: pd.DataFrame,
) -> str:
    """What a backtest's results depend on: the task, the settings, the window and cadence,
    the mart's schema and its rows up to the end."""
    rows = frame[pd.to_datetime(frame[task.target_time]) < spec.end + pd.Timedelta(days=1)]
    fingerprint = int(pd.util.hash_pandas_object(rows, index=False).sum()) if len(rows) else 0
    settings = {
        "task": asdict(task),
        "config": asdict(config),
        "spec": {"start": str(spec.start), "end": str(spec.end), "every_days": spec.every_days},
        "schema": schema.schema_hash,
        "rows": [len(rows), fingerprint],
        "code": code_fingerprint(),
    }
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _connect(warehouse: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(warehouse), read_only=read_only)


def load_inputs(
    warehouse: Path, task_name: str, task_config: Mapping[str, object], wait_seconds: float = 600.0
) -> tuple[Task, FeatureSchema, pd.DataFrame]:
    """The task, its mart's latest schema and the mart, read under the warehouse lock."""
    from python_ml.ops.runs import warehouse_lock

    if not warehouse.exists():
        raise FileNotFoundError(f"{warehouse}: no warehouse; run `make demo` (dbt build) first")
    probe = Task.from_config(task_name, task_config)
    with warehouse_lock(warehouse, "backtest", wait_seconds), _connect(warehouse, True) as con:
        tables = {
            r[0] for r in con.sql("select table_name from information_schema.tables").fetchall()
        }
        for needed in ("feature_schema_versions", probe.mart):
            if needed not in tables:
                raise FileNotFoundError(
                    f"{warehouse}: table {needed} is missing; build the "
                    f"mart first (dbt build --select +{probe.mart})"
                )
        schema = latest_schema(con.sql("select * from feature_schema_versions").df(), probe.mart)
        frame = con.sql(f'select * from "{probe.mart}"').df()
    return Task.from_config(task_name, task_config, schema), schema, frame


def _done_cuts(warehouse: Path, identifier: str) -> set[pd.Timestamp]:
    with _connect(warehouse, True) as con:
        if not con.sql(
            "select count(*) from information_schema.tables where table_name = 'ml_backtest_cuts'"
        ).fetchall()[0][0]:
            return set()
        rows = con.execute(
            "select cut_utc from ml_backtest_cuts where backtest_id = ?", [identifier]
        ).fetchall()
    return {pd.Timestamp(r[0]) for r in rows}


def score_cut(
    task: Task,
    schema: FeatureSchema,
    frame: pd.DataFrame,
    cut: pd.Timestamp,
    period_end: pd.Timestamp,
    config: TrainingConfig,
    identifier: str,
    executor=None,
    log: Log = lambda _m: None,
) -> tuple[pd.DataFrame, dict]:
    """Train at `cut`, score the period: the rows of every family, and the cut's summary."""
    started = time.perf_counter()
    run = train_models(
        frame,
        schema,
        task,
        config,
        mode="walk_forward",
        cut=cut,
        log=log,
        executor=executor,
        quiet_workers=True,
    )
    ordered = frame.sort_values([task.target_time, task.entity], kind="mergesort").reset_index(
        drop=True
    )
    splits = walk_forward_splits(
        ordered, task, config.walk_forward, cut, config.calibration_fraction
    )
    times = pd.to_datetime(ordered[task.target_time])
    period = ((times >= cut) & (times < period_end)).to_numpy()
    baselines = baseline_scores(ordered, task, splits.train)
    rows = ordered[period]
    entities = rows[task.entity].astype(str).to_numpy()
    records = registry_records(run, 1, False, datetime.now(UTC), "backtest")
    frames = []
    for record in records.to_dict("records"):
        model = RegisteredModel.from_record(record)
        scores = model.score(rows, entities)
        intervals = (
            scores.quantiles[:, [0, -1]]
            if scores.quantiles is not None and scores.quantiles.shape[1] >= 2
            else np.full((len(rows), 2), np.nan)
        )
        frames.append(
            pd.DataFrame(
                {
                    "backtest_id": identifier,
                    "task": task.name,
                    "cut_utc": cut,
                    "model_family": model.family,
                    "is_selected": record["status"] == "champion",
                    "entity": entities,
                    "target_ts_utc": rows[task.target_time].to_numpy(),
                    "forecast_origin_ts_utc": rows[task.origin_time].to_numpy(),
                    "label": task.label_vector(rows),
                    "score": scores.score,
                    "is_alert": scores.is_alert,
                    "interval_low": intervals[:, 0],
                    "interval_high": intervals[:, 1],
                    "features_out_of_range": scores.ranges.counts,
                    "climatology": baselines.get("climatology", np.full(len(ordered), np.nan))[
                        period
                    ],
                    "persistence": baselines.get("persistence", np.full(len(ordered), np.nan))[
                        period
                    ],
                }
            )
        )
    bounds = run.windows
    selected = run.ranked()[0]
    summary = {
        "backtest_id": identifier,
        "task": task.name,
        "cut_utc": cut,
        "period_end_utc": period_end,
        "train_start_utc": pd.Timestamp(bounds["train"][0]) if bounds["train"] else None,
        "train_end_utc": pd.Timestamp(bounds["train"][1]) if bounds["train"] else None,
        "validation_start_utc": pd.Timestamp(bounds["tune"][0]) if bounds["tune"] else None,
        "validation_end_utc": (
            pd.Timestamp(bounds["calibrate"][1]) if bounds["calibrate"] else None
        ),
        "train_rows": int(splits.train.sum()),
        "scored_rows": int(period.sum()),
        "selected_family": selected.family,
        "selection_json": json.dumps({m.family: m.selection_value for m in run.models}),
        "seconds": round(time.perf_counter() - started, 2),
    }
    return pd.concat(frames, ignore_index=True), summary


def _write_cut(
    warehouse: Path,
    predictions: pd.DataFrame,
    summary: Mapping[str, object],
    settings_json: str,
    wait_seconds: float,
) -> None:
    from python_ml.ops.runs import warehouse_lock

    with warehouse_lock(warehouse, "backtest", wait_seconds), _connect(warehouse, False) as con:
        con.execute(PREDICTIONS_DDL)
        con.execute(CUTS_DDL)
        con.execute("begin")
        con.execute(
            "delete from ml_backtest_predictions where backtest_id = ? and cut_utc = ?",
            [summary["backtest_id"], summary["cut_utc"]],
        )
        con.register("cut_rows", predictions)
        con.execute("insert into ml_backtest_predictions by name select * from cut_rows")
        con.unregister("cut_rows")
        row = {
            **summary,
            "finished_at_utc": pd.Timestamp(datetime.now(UTC)).tz_localize(None),
            "settings_json": settings_json,
        }
        con.execute(
            f"insert into ml_backtest_cuts ({', '.join(row)}) values "
            f"({', '.join('?' for _ in row)})",
            list(row.values()),
        )
        con.execute("commit")


def _read_predictions(warehouse: Path, identifier: str) -> pd.DataFrame:
    with _connect(warehouse, True) as con:
        return con.execute(
            "select * from ml_backtest_predictions where backtest_id = ? "
            "order by target_ts_utc, entity, model_family",
            [identifier],
        ).df()


def _mean_over_entities(
    task: Task,
    y: np.ndarray,
    entities: np.ndarray,
    days: np.ndarray,
    predictors: list[Predictor],
    samples: int,
    seed: int,
    metrics: tuple[str, ...],
) -> list[dict[str, object]]:
    """Per predictor and metric: the mean of the entities' values, with an interval from a
    day-block bootstrap that draws the same days for every entity, and paired differences
    to persistence."""
    metric_fn = metric_function(task)
    names = sorted(set(entities.tolist()))
    masks = {e: entities == e for e in names}

    def means(index: np.ndarray | None) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for p in predictors:
            values: dict[str, list[float]] = {m: [] for m in metrics}
            for e in names:
                rows = np.flatnonzero(masks[e]) if index is None else index[masks[e][index]]
                got = metric_fn(y[rows], p.scores[rows], p.threshold)
                for m in metrics:
                    values[m].append(got.get(m, float("nan")))
            out[p.name] = {m: float(np.mean(v)) for m, v in values.items()}
        return out

    def with_differences(values: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        if "persistence" in values:
            for name, got in values.items():
                if name != "persistence":
                    for m in metrics:
                        got[f"{m}_minus_persistence"] = got[m] - values["persistence"][m]
        return values

    point = with_differences(means(None))
    draws: dict[tuple[str, str], list[float]] = {}
    if samples:
        blocks = day_blocks(days)
        rng = np.random.default_rng(seed)
        for _ in range(samples):
            pick = rng.integers(0, len(blocks), len(blocks))
            index = np.concatenate([blocks[i] for i in pick])
            for name, got in with_differences(means(index)).items():
                for m, v in got.items():
                    draws.setdefault((name, m), []).append(v)
    rows = []
    for name, got in point.items():
        for m, value in got.items():
            sampled = np.asarray(draws.get((name, m), []), dtype=float)
            sampled = sampled[np.isfinite(sampled)]
            low = high = None
            if samples and len(sampled) >= max(10, 0.95 * samples):
                low, high = (float(v) for v in np.percentile(sampled, [2.5, 97.5]))
            rows.append(
                {
                    "predictor": name,
                    "metric": m,
                    "value": float(value) if np.isfinite(value) else None,
                    "ci_low": low,
                    "ci_high": high,
                }
            )
    return rows


def backtest_metrics(
    task: Task, predictions: pd.DataFrame, config: TrainingConfig, spec: BacktestSpec
) -> pd.DataFrame:
    """ml_backtest_metrics rows from the predictions of finished cuts."""
    if predictions.empty:
        return pd.DataFrame()
    frame = predictions[predictions["label"].notna()].copy()
    frame["target_ts_utc"] = pd.to_datetime(frame["target_ts_utc"])
    times = frame["target_ts_utc"]
    half = times.dt.year.astype(str) + "-H" + np.where(times.dt.month <= 6, "1", "2")
    frame["half"] = half.to_numpy()
    metric_fn = metric_function(task)
    compare = ("pr_auc", "brier") if task.kind == "classification" else ("mae", "rmse")
    mean_metrics = (
        ("pr_auc", "brier", "ece", "roc_auc")
        if task.kind == "classification"
        else ("mae", "rmse", "bias")
    )
    groups: list[tuple[str, pd.Series, bool]] = [
        (str(pd.Timestamp(c).date()), frame["cut_utc"] == c, False)
        for c in sorted(frame["cut_utc"].unique())
    ]
    groups += [(h, frame["half"] == h, True) for h in sorted(frame["half"].unique())]
    groups.append(("ALL", pd.Series(True, index=frame.index), True))
    out = []
    for period, mask, bootstrap in groups:
        part = frame[mask.to_numpy()]
        selected = part[part["is_selected"]].sort_values(["target_ts_utc", "entity"])
        y = selected["label"].to_numpy(dtype=float)
        entities = selected["entity"].to_numpy()
        days = selected["target_ts_utc"].dt.floor("D").to_numpy()
        key = ["entity", "target_ts_utc"]

        predictors = [
            Predictor("model", selected["score"].to_numpy(dtype=float), _threshold(task, selected))
        ]
        for name in ("climatology", "persistence"):
            if selected[name].notna().any():
                predictors.append(
                    Predictor(
                        name, selected[name].to_numpy(dtype=float), _threshold(task, selected, name)
                    )
                )
        families = []
        for family, rows in part.groupby("model_family"):
            aligned = selected[key + ["label"]].merge(rows[key + ["score"]], on=key, how="left")
            families.append(
                Predictor(
                    str(family), aligned["score"].to_numpy(dtype=float), _threshold(task, aligned)
                )
            )
        if len(families) > 1:
            # for orientation: the families' mean score (not a model the registry serves)
            mean = np.mean([f.scores for f in families], axis=0)
            families.append(
                Predictor("family_mean", mean, _threshold(task, selected.assign(score=mean)))
            )
        samples = config.bootstrap_samples if bootstrap else 0
        start, end = selected["target_ts_utc"].min(), selected["target_ts_utc"].max()
        entity_groups = [("ALL", np.ones(len(selected), dtype=bool))] + [
            (e, entities == e) for e in sorted(set(entities.tolist()))
        ]
        alerts = (
            selected["is_alert"].fillna(False).to_numpy(dtype=bool)
            if task.kind == "classification"
            else None
        )
        for entity, rows_mask in entity_groups:
            index = np.flatnonzero(rows_mask)
            sub = [Predictor(p.name, p.scores[index], p.threshold) for p in predictors]
            for row in evaluate_predictors(
                y[index],
                sub,
                metric_fn,
                days[index],
                samples=samples,
                seed=config.seed,
                reference="persistence",
                compare=compare,
            ):
                if alerts is not None and row["predictor"] == "model":
                    # each cut alerted at its own threshold: count the alerts it raised
                    row = _alert_metric(row, y[index], alerts[index])
                out.append(
                    {
                        "period": period,
                        "period_start_utc": start,
                        "period_end_utc": end,
                        "entity": entity,
                        **row,
                    }
                )
            for row in evaluate_predictors(
                y[index],
                [Predictor(p.name, p.scores[index], p.threshold) for p in families],
                metric_fn,
            ):
                out.append(
                    {
                        "period": period,
                        "period_start_utc": start,
                        "period_end_utc": end,
                        "entity": entity,
                        **row,
                    }
                )
        for row in _mean_over_entities(
            task, y, entities, days, predictors, samples, config.seed, mean_metrics
        ):
            out.append(
                {
                    "period": period,
                    "period_start_utc": start,
                    "period_end_utc": end,
                    "entity": "MEAN",
                    **row,
                }
            )
    metrics = pd.DataFrame(out)
    metrics.insert(0, "task", task.name)
    return metrics


def _alert_metric(row: dict[str, object], y: np.ndarray, alerts: np.ndarray) -> dict[str, object]:
    """Precision, recall and rate of the alerts the model raised (no interval)."""
    hits, raised, positives = int((alerts & (y == 1)).sum()), int(alerts.sum()), int((y == 1).sum())
    counts = {
        "precision_at_threshold": (hits, raised),
        "recall_at_threshold": (hits, positives),
        "alert_rate": (raised, len(alerts)),
    }
    if row["metric"] not in counts:
        return row
    numerator, denominator = counts[str(row["metric"])]
    value = numerator / denominator if denominator else None
    return {**row, "value": value, "ci_low": None, "ci_high": None}


def _threshold(task: Task, rows: pd.DataFrame, column: str = "score") -> float:
    """A threshold for the metrics at the threshold: the task's alert-rate rule applied to
    the rows themselves (an optimistic reference for baselines and single families; the
    model's own alerts are counted as raised, per cut)."""
    if task.kind != "classification" or rows.empty:
        return float("nan")
    values = rows[column].to_numpy(dtype=float)
    return choose_threshold(
        values, rows["label"].to_numpy(dtype=float), task.alert_rate_target
    ).value


def _write_metrics(
    warehouse: Path, identifier: str, metrics: pd.DataFrame, wait_seconds: float
) -> None:
    from python_ml.ops.runs import warehouse_lock

    metrics = metrics.assign(
        backtest_id=identifier, computed_at_utc=pd.Timestamp(datetime.now(UTC)).tz_localize(None)
    )
    with warehouse_lock(warehouse, "backtest", wait_seconds), _connect(warehouse, False) as con:
        con.execute(METRICS_DDL)
        con.execute("begin")
        con.execute("delete from ml_backtest_metrics where backtest_id = ?", [identifier])
        con.register("metric_rows", metrics)
        con.execute("insert into ml_backtest_metrics by name select * from metric_rows")
        con.unregister("metric_rows")
        con.execute("commit")


def run_backtest(
    warehouse: Path,
    spec: BacktestSpec,
    task_config: Mapping[str, object],
    config: TrainingConfig,
    progress: bool = True,
    fresh: bool = False,
    wait_seconds: float = 600.0,
    log: Log = print,
) -> BacktestResult:
    """Run (or resume) a backtest and write its tables; see the module docstring."""
    from tqdm import tqdm

    started = time.perf_counter()
    task, schema, frame = load_inputs(warehouse, spec.task, task_config, wait_seconds)
    identifier = backtest_id(task, config, spec, schema, frame)
    settings_json = json.dumps(
        {
            "task": asdict(task),
            "config": asdict(config),
            "start": str(spec.start.date()),
            "end": str(spec.end.date()),
            "every_days": spec.every_days,
        },
        sort_keys=True,
        default=str,
    )
    cuts = spec.cuts()
    done = set() if fresh else _done_cuts(warehouse, identifier)
    todo = [(c, e) for c, e in cuts if c not in done]
    log(
        f"[backtest] {task.name} {spec.start.date()} .. {spec.end.date()} every "
        f"{spec.every_days} days: {len(cuts)} cuts, {len(cuts) - len(todo)} already done "
        f"(backtest_id {identifier}); families {', '.join(config.families)}, "
        f"{config.trials} trials, {config.walk_forward.window} window of "
        f"{config.walk_forward.train_days} days"
    )
    size = config.pool_size(len(config.families))
    config = replace(config, fit=config.fit_settings(len(config.families)))
    pool = process_pool(size) if size > 1 and todo else None
    try:
        bar = tqdm(todo, desc=f"backtest {task.name}", unit="cut", disable=not progress)
        for cut, period_end in bar:
            bar.set_postfix_str(f"cut {cut.date()}")
            rows, summary = score_cut(
                task, schema, frame, cut, period_end, config, identifier, executor=pool
            )
            _write_cut(warehouse, rows, summary, settings_json, wait_seconds)
            bar.set_postfix_str(f"cut {cut.date()} in {summary['seconds']:.0f} s")
            pause_point("backtest:cut")
    finally:
        if pool is not None:
            pool.shutdown()
    metrics = backtest_metrics(task, _read_predictions(warehouse, identifier), config, spec)
    if len(metrics):
        _write_metrics(warehouse, identifier, metrics, wait_seconds)
    return BacktestResult(identifier, len(cuts), len(todo), time.perf_counter() - started, metrics)


def summary_table(task: Task, metrics: pd.DataFrame) -> str:
    """The backtest's headline figures as text: per period and entity, the model beside
    the baselines on the task's headline metric, with intervals."""
    if metrics.empty:
        return "no labelled predictions"
    metric = "pr_auc" if task.kind == "classification" else "mae"
    second = "ece" if task.kind == "classification" else "rmse"
    lines = [
        f"{'period':<10} {'entity':<8} {'model ' + metric:>26} {'persistence':>26} "
        f"{'climatology':>12} {'model - persistence':>28} {second:>8}"
    ]

    def cell(rows: pd.DataFrame, predictor: str, name: str, width: int) -> str:
        found = rows[(rows["predictor"] == predictor) & (rows["metric"] == name)]
        if found.empty or pd.isna(found["value"].iloc[0]):
            return "-".rjust(width)
        r = found.iloc[0]
        text = f"{r['value']:.4f}"
        if pd.notna(r["ci_low"]):
            text += f" [{r['ci_low']:.4f}, {r['ci_high']:.4f}]"
        return text.rjust(width)

    periods = [p for p in metrics["period"].unique() if not p[0].isdigit() or "-H" in p]
    for period in periods:
        for entity in ["MEAN", "ALL"] + sorted(set(metrics["entity"]) - {"MEAN", "ALL"}):
            rows = metrics[(metrics["period"] == period) & (metrics["entity"] == entity)]
            if rows.empty:
                continue
            lines.append(
                f"{period:<10} {entity:<8} {cell(rows, 'model', metric, 26)} "
                f"{cell(rows, 'persistence', metric, 26)} "
                f"{cell(rows, 'climatology', metric, 12)} "
                f"{cell(rows, 'model', metric + '_minus_persistence', 28)} "
                f"{cell(rows, 'model', second, 8)}"
            )
    return "\n".join(lines)
