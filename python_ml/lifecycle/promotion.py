"""Promotion: when a challenger replaces its task's champion, decided by gates.

For each challenger of a task, both models' predictions on the most recent labelled window
they both scored are compared on the task's promotion metric (a paired day-block bootstrap
of challenger minus champion), and every gate is recorded with its evidence:

- out_of_sample: the window starts after the data both models saw;
- enough_labels: positives (classification) or labelled rows (regression) in the window;
- better_by_margin: the interval of the improvement excludes the margin;
- calibration: the challenger's ECE (classification) or its interval coverage against the
  declared quantiles (regression with quantiles);
- no_drift_alert: the challenger's score PSI (relative to the champion's by default);
- parity: the challenger's features match the mart (breaks only; news is scored).

Var ml_promotion holds the window and the defaults; a task's `promotion` block in var
ml_tasks overrides the metric and its thresholds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from python_ml.features.parity import ParityError, check_parity
from python_ml.lifecycle.status import current_champion, model_statuses
from python_ml.training.metrics import (
    Predictor,
    average_precision,
    brier_score,
    evaluate_predictors,
    expected_calibration_error,
)
from python_ml.training.tasks import Task, maximized

PROMOTION_COLUMNS = {
    "decision_id": "int64",
    "decided_at_utc": "datetime64[us]",
    "dbt_invocation_id": "string",
    "task": "string",
    "decision": "string",
    "challenger_version": "Int64",
    "champion_before": "Int64",
    "champion_after": "Int64",
    "reason": "string",
    "gates_json": "string",
    "window_start_utc": "datetime64[us]",
    "window_end_utc": "datetime64[us]",
    "labelled_rows": "Int64",
    "positives": "Int64",
    "metric": "string",
    "champion_value": "float64",
    "challenger_value": "float64",
    "difference": "float64",
    "ci_low": "float64",
    "ci_high": "float64",
}
# the generic prediction layout (view ml_predictions) the comparison reads
PREDICTION_KEYS = ["entity", "target_ts_utc"]


def empty_promotions() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in PROMOTION_COLUMNS.items()})


@dataclass(frozen=True)
class PromotionSettings:
    """The gates of var ml_promotion (defaults) and of a task's `promotion` block."""

    window_days: int = 14
    min_positives: int = 10
    min_rows: int = 168
    min_margin: float = 0.0
    max_ece: float = 0.03
    max_coverage_error: float = 0.1
    bootstrap_samples: int = 500
    seed: int = 7
    # relative: a challenger whose score PSI alerts fails only when it drifted further from
    # its own reference than the champion did from its own on the same day; absolute: any
    # alert fails
    drift_gate: str = "relative"
    psi_alert: float = 0.25
    # var ml_promotion.promote_version: make this version champion (manual promotion or
    # rollback), bypassing the metric gates but not parity or a missing artifact
    promote_version: int | None = None
    # the task's promotion metric (None: its tuning metric)
    metric: str | None = None

    @classmethod
    def from_vars(cls, values: Mapping[str, object], psi_alert: float) -> PromotionSettings:
        known = set(cls.__dataclass_fields__) - {"psi_alert", "metric"}
        unknown = set(values) - known
        if unknown:
            raise ValueError(
                f"ml_promotion: unknown setting(s) {sorted(unknown)}; known: {sorted(known)}"
            )
        given = {k: v for k, v in values.items() if v is not None}
        if given.get("drift_gate", "relative") not in ("relative", "absolute"):
            raise ValueError(
                f"ml_promotion.drift_gate must be relative or absolute, not {given['drift_gate']!r}"
            )
        if "promote_version" in given:
            given["promote_version"] = int(given["promote_version"])  # type: ignore
        return cls(**given, psi_alert=psi_alert)  # type: ignore[arg-type]

    def for_task(self, task: Task) -> PromotionSettings:
        """These defaults with the task's own promotion block applied."""
        own = dict(task.promotion)
        return replace(
            self,
            metric=str(own.pop("metric", task.tuning_metric)),
            **{k: type(getattr(self, k))(v) for k, v in own.items()},
        )


@dataclass(frozen=True)
class Gate:
    name: str
    passed: bool
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {"gate": self.name, "passed": self.passed, "detail": self.detail}


@dataclass
class Comparison:
    """Champion and one challenger on the most recent labelled window both scored."""

    metric: str
    window_start: pd.Timestamp | None
    window_end: pd.Timestamp | None
    rows: int
    positives: int | None
    champion: dict[str, float]
    challenger: dict[str, float]
    difference: float
    ci_low: float | None
    ci_high: float | None


def _comparison_metrics(task: Task):
    if task.kind == "classification":

        def metrics(y: np.ndarray, p: np.ndarray, _t: float) -> dict[str, float]:
            return {
                "pr_auc": average_precision(y, p),
                "brier": brier_score(y, p),
                "ece": expected_calibration_error(y, p),
            }

        return metrics

    def regression(y: np.ndarray, p: np.ndarray, _t: float) -> dict[str, float]:
        point = p[:, 0]
        error = point - y
        out = {
            "mae": float(np.mean(np.abs(error))),
            "rmse": float(np.sqrt(np.mean(error**2))),
            "bias": float(np.mean(error)),
        }
        if p.shape[1] == 3 and np.isfinite(p[:, 1:]).all():
            out["interval_coverage"] = float(np.mean((y >= p[:, 1]) & (y <= p[:, 2])))
        return out

    return regression


def compare(
    task: Task,
    champion: pd.DataFrame,
    challenger: pd.DataFrame,
    labels: pd.DataFrame,
    settings: PromotionSettings,
) -> Comparison:
    """Join both models' predictions (generic layout: entity, target_ts_utc, score and, for
    intervals, interval_low and interval_high) with the labels (entity, target_ts_utc,
    label), keep the last `window_days` labelled days, and score both with a paired
    day-block bootstrap of the metric's difference (challenger - champion)."""
    metric = settings.metric or task.tuning_metric
    value_columns = ["score"] + (
        ["interval_low", "interval_high"] if task.kind == "regression" else []
    )
    joined = (
        champion[PREDICTION_KEYS + value_columns]
        .merge(
            challenger[PREDICTION_KEYS + value_columns],
            on=PREDICTION_KEYS,
            suffixes=("_champion", "_challenger"),
        )
        .merge(labels[PREDICTION_KEYS + ["label"]].dropna(subset=["label"]), on=PREDICTION_KEYS)
    )
    if joined.empty:
        return Comparison(
            metric,
            None,
            None,
            0,
            0 if task.kind == "classification" else None,
            {},
            {},
            float("nan"),
            None,
            None,
        )
    days = pd.to_datetime(joined["target_ts_utc"]).dt.floor("D")
    joined = joined[days > days.max() - pd.Timedelta(days=settings.window_days)]
    days = pd.to_datetime(joined["target_ts_utc"]).dt.floor("D").to_numpy()
    y = joined["label"].to_numpy(dtype=float)

    def scores(role: str) -> np.ndarray:
        values = [joined[f"{c}_{role}"].to_numpy(dtype=float) for c in value_columns]
        return values[0] if len(values) == 1 else np.column_stack(values)

    metrics = _comparison_metrics(task)
    rows = evaluate_predictors(
        y,
        [
            Predictor("champion", scores("champion"), 0.5),
            Predictor("challenger", scores("challenger"), 0.5),
        ],
        metrics,
        days=days,
        samples=settings.bootstrap_samples,
        seed=settings.seed,
        reference="champion",
        compare=(metric,),
    )
    by = {(r["predictor"], r["metric"]): r for r in rows}
    diff = by[("challenger", f"{metric}_minus_champion")]
    names = sorted({m for (_, m) in by if not m.endswith("_minus_champion")})
    return Comparison(
        metric=metric,
        window_start=pd.Timestamp(joined["target_ts_utc"].min()),
        window_end=pd.Timestamp(joined["target_ts_utc"].max()),
        rows=len(joined),
        positives=int(y.sum()) if task.kind == "classification" else None,
        champion={m: by[("champion", m)]["value"] for m in names if ("champion", m) in by},
        challenger={m: by[("challenger", m)]["value"] for m in names if ("challenger", m) in by},
        difference=diff["value"] if diff["value"] is not None else float("nan"),
        ci_low=diff["ci_low"],
        ci_high=diff["ci_high"],
    )


def gates(
    task: Task,
    comparison: Comparison,
    settings: PromotionSettings,
    champion_record: Mapping[str, object],
    challenger_record: Mapping[str, object],
    prediction_drift: pd.DataFrame,
    parity_error: str | None,
    champion_drift: pd.DataFrame | None = None,
) -> list[Gate]:
    """Every gate a challenger must pass to replace the champion, each with its evidence.
    `prediction_drift` (`champion_drift`) holds the challenger's (champion's) score PSI per
    entity on its latest day (mon_prediction_drift: entity, psi, severity)."""
    c = comparison
    seen_until = max(
        pd.Timestamp(champion_record["validation_end_utc"]),  # type: ignore
        pd.Timestamp(challenger_record["validation_end_utc"]),
    )  # type: ignore
    if task.kind == "classification":
        labels = Gate(
            "enough_labels",
            (c.positives or 0) >= settings.min_positives,
            f"{c.positives} positives in {c.rows} labelled rows (need {settings.min_positives})",
        )
    else:
        labels = Gate(
            "enough_labels",
            c.rows >= settings.min_rows,
            f"{c.rows} labelled rows (need {settings.min_rows})",
        )
    higher = maximized(c.metric)
    bound = c.ci_low if higher else c.ci_high
    margin_ok = bound is not None and (
        bound > settings.min_margin if higher else bound < -settings.min_margin
    )
    need = (
        f"must lie above {settings.min_margin:g}"
        if higher
        else f"must lie below {-settings.min_margin:g}"
    )
    margin = Gate(
        "better_by_margin",
        margin_ok,
        f"{c.metric} challenger - champion {c.difference:+.4f}, 95% CI "
        f"[{_fmt(c.ci_low)}, {_fmt(c.ci_high)}], {need}",
    )
    return [
        Gate(
            "out_of_sample",
            c.window_start is not None and c.window_start > seen_until,
            f"window starts {c.window_start}, both models' data end {seen_until}",
        ),
        labels,
        margin,
        _calibration_gate(task, c, settings),
        _drift_gate(prediction_drift, settings, champion_drift),
        Gate("parity", parity_error is None, parity_error or "features match"),
    ]


def _calibration_gate(task: Task, c: Comparison, settings: PromotionSettings) -> Gate:
    if task.kind == "classification":
        ece = c.challenger.get("ece")
        return Gate(
            "calibration",
            ece is not None and np.isfinite(ece) and ece <= settings.max_ece,
            f"challenger ECE {_fmt(ece)} (limit {settings.max_ece:g})",
        )
    if len(task.quantiles) < 2:
        return Gate("calibration", True, "no interval declared (var ml_tasks quantiles)")
    levels = list(task.quantiles.values())
    nominal = levels[-1] - levels[0]
    coverage = c.challenger.get("interval_coverage")
    ok = (
        coverage is not None
        and np.isfinite(coverage)
        and abs(coverage - nominal) <= settings.max_coverage_error
    )
    return Gate(
        "calibration",
        bool(ok),
        f"challenger interval coverage {_fmt(coverage)} "
        f"(nominal {nominal:g}, allowed error {settings.max_coverage_error:g})",
    )


def _drift_gate(
    drift: pd.DataFrame, settings: PromotionSettings, champion_drift: pd.DataFrame | None
) -> Gate:
    if not len(drift):
        return Gate("no_drift_alert", False, "no score PSI for the challenger yet")
    worst = drift.sort_values("psi").iloc[-1]
    detail = (
        f"challenger's score PSI on its own reference, worst entity {worst['entity']} "
        f"{_fmt(float(worst['psi']))} (alert at {settings.psi_alert:g})"
    )
    if (drift["severity"] == "insufficient").any():
        return Gate("no_drift_alert", False, detail + "; too few scored rows to judge")
    alerting = drift[drift["psi"] >= settings.psi_alert].sort_values("entity")
    if alerting.empty:
        return Gate("no_drift_alert", True, detail)
    if settings.drift_gate == "absolute" or champion_drift is None or not len(champion_drift):
        return Gate("no_drift_alert", False, detail)
    # relative: alerting entities pass where the champion drifted at least as far
    theirs = champion_drift.set_index("entity")["psi"].sort_index()  # stable text
    worse = [
        z
        for z, psi in zip(alerting["entity"], alerting["psi"], strict=True)
        if z not in theirs.index or psi > float(theirs[z])
    ]
    champion_text = ", ".join(f"{z} {_fmt(float(p))}" for z, p in theirs.items())
    return Gate(
        "no_drift_alert",
        not worse,
        detail
        + f"; champion's on its own: {champion_text}"
        + (
            f"; drifted further than the champion in {', '.join(worse)}"
            if worse
            else "; no entity drifted further than the champion's"
        ),
    )


def _fmt(value: float | None) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.4f}"


def parity_problem(frame: pd.DataFrame, record: Mapping[str, object]) -> str | None:
    try:
        check_parity(
            frame,
            json.loads(str(record["feature_domains_json"])),
            f"model_version {record['model_version']}",
        )
    except ParityError as error:
        return str(error).splitlines()[0]
    return None


def decision_row(
    task: str,
    decision: str,
    challenger: int | None,
    before: int | None,
    after: int | None,
    reason: str,
    gate_list: list[Gate] | None = None,
    comparison: Comparison | None = None,
) -> dict[str, object]:
    c = comparison
    return {
        "task": task,
        "decision": decision,
        "challenger_version": challenger,
        "champion_before": before,
        "champion_after": after,
        "reason": reason,
        "gates_json": json.dumps([g.to_dict() for g in gate_list or []]),
        "window_start_utc": c.window_start if c else None,
        "window_end_utc": c.window_end if c else None,
        "labelled_rows": c.rows if c else None,
        "positives": c.positives if c else None,
        "metric": c.metric if c else None,
        "champion_value": c.champion.get(c.metric) if c else None,
        "challenger_value": c.challenger.get(c.metric) if c else None,
        "difference": c.difference if c else None,
        "ci_low": c.ci_low if c else None,
        "ci_high": c.ci_high if c else None,
    }


def _latest_drift(prediction_drift: pd.DataFrame, version: int) -> pd.DataFrame:
    """A model's score PSI per entity on its latest drift day (mon_prediction_drift rows)."""
    rows = prediction_drift[prediction_drift["model_version"] == version]
    return rows[rows["drift_date"] == rows["drift_date"].max()] if len(rows) else rows


def _already_decided(
    previous: pd.DataFrame, task: str, version: int, champion: int, comparison: Comparison
) -> bool:
    """The same challenger against the same champion on the same labelled rows (an empty
    window, no rows both scored with a label, matches an earlier empty one)."""
    if not len(previous):
        return False
    pair = previous[
        (previous["task"] == task)
        & (previous["challenger_version"] == version)
        & (previous["champion_before"] == champion)
    ]
    if comparison.window_end is None:
        same = pair[pair["window_end_utc"].isna()]
    else:
        same = pair[
            (pair["labelled_rows"] == comparison.rows)
            & (pair["window_end_utc"] == comparison.window_end)
        ]
    return bool(len(same))


def check_promote_version(runs: pd.DataFrame, settings: PromotionSettings) -> None:
    """var ml_promotion.promote_version must name a registered model (of any task)."""
    wanted = settings.promote_version
    if wanted is not None and wanted not in {int(v) for v in runs["model_version"]}:
        raise ValueError(
            f"ml_promotion.promote_version: no model_version {wanted} in ml_model_registry"
        )


def promotion_job(
    task: Task,
    runs: pd.DataFrame,
    previous: pd.DataFrame,
    predictions: pd.DataFrame,
    labels: pd.DataFrame,
    recent: pd.DataFrame,
    prediction_drift: pd.DataFrame,
    settings: PromotionSettings,
    log=print,
) -> list[dict[str, object]]:
    """The task's decision rows (without ids): for each challenger, promote or keep; or a
    manual promotion / rollback when settings.promote_version names one of its models.

    `predictions` is the generic layout of both roles (ml_predictions: role, model_version,
    entity, target_ts_utc, score, interval bounds); `labels` holds the task's entity,
    target-time and label columns of the mart; `recent` the mart's newest rows, which the
    parity gate checks; `prediction_drift` is mon_prediction_drift."""
    settings = settings.for_task(task)
    champion = current_champion(runs, previous, task.name) if len(runs) else None
    if champion is None:
        log(f"[ml] promotions: task {task.name} has no champion yet; nothing to decide")
        return []
    records = {
        int(r["model_version"]): r for r in runs.to_dict("records") if r["task"] == task.name
    }
    labels = pd.DataFrame(
        {
            "entity": labels[task.entity].astype(str).to_numpy(),
            "target_ts_utc": labels[task.target_time].to_numpy(),
            "label": task.label_vector(labels),
        }
    )
    rows: list[dict[str, object]] = []
    wanted = settings.promote_version
    if wanted is not None:
        if wanted not in records:
            return rows  # another task's model (or unknown: checked once for all tasks)
        if wanted == champion:
            log(f"[ml] promotions: model_version {wanted} is already champion of {task.name}")
            return rows
        artifact = records[wanted].get("model_artifact")
        if artifact is None or (not isinstance(artifact, str) and pd.isna(artifact)):
            raise ValueError(
                f"ml_promotion.promote_version {wanted}: its artifact was pruned "
                "(var ml_lifecycle.keep_artifacts); promote a model that still "
                "has one"
            )
        problem = parity_problem(recent, records[wanted])
        if problem:
            raise ValueError(f"ml_promotion.promote_version {wanted}: {problem}")
        kind = "rollback" if wanted < champion else "manual_promotion"
        return [
            decision_row(
                task.name,
                kind,
                wanted,
                champion,
                wanted,
                f"{kind.replace('_', ' ')} to model_version {wanted} requested by var "
                "ml_promotion.promote_version (metric gates not applied; parity passed)",
                [Gate("parity", True, "features match")],
            )
        ]
    statuses = model_statuses(runs, previous)
    challengers = statuses[(statuses["task"] == task.name) & (statuses["status"] == "challenger")][
        "model_version"
    ]
    served = predictions[
        (predictions["role"] == "champion") & (predictions["model_version"] == champion)
    ]
    champion_drift = _latest_drift(prediction_drift, champion)
    passed: list[tuple[float, int]] = []
    sign = 1.0 if maximized(settings.metric or task.tuning_metric) else -1.0
    for version in sorted(int(v) for v in challengers):
        shadow = predictions[
            (predictions["role"] == "challenger") & (predictions["model_version"] == version)
        ]
        comparison = compare(task, served, shadow, labels, settings)
        gate_list = gates(
            task,
            comparison,
            settings,
            records[champion],
            records[version],
            _latest_drift(prediction_drift, version),
            parity_problem(recent, records[version]),
            champion_drift,
        )
        failed = [g for g in gate_list if not g.passed]
        if _already_decided(previous, task.name, version, champion, comparison):
            log(
                f"[ml] promotions: {task.name} challenger {version} vs champion {champion} "
                "on the same window was decided before; no new row"
            )
            continue
        if not failed:
            passed.append((sign * comparison.difference, version))
        reason = (
            "all gates passed"
            if not failed
            else "kept the champion: " + "; ".join(f"{g.name} ({g.detail})" for g in failed)
        )
        rows.append(
            decision_row(
                task.name, "keep", version, champion, champion, reason, gate_list, comparison
            )
        )
    if passed:
        best = max(passed)[1]
        for row in rows:
            if row["challenger_version"] == best:
                row.update(
                    decision="promote",
                    champion_after=best,
                    reason=f"promoted model_version {best}: all gates passed",
                )
            elif row["reason"] == "all gates passed":
                row["reason"] = f"all gates passed, but model_version {best} did better"
        # the promotion is the task's last decision: the champion is read from the last row
        rows.sort(key=lambda row: row["decision"] == "promote")
    return rows


def decision_frame(
    rows: list[dict[str, object]], previous: pd.DataFrame, decided_at: pd.Timestamp, invocation: str
) -> pd.DataFrame:
    """Number the decisions of one run after the previous ones and type them."""
    out = pd.DataFrame(rows, columns=list(PROMOTION_COLUMNS))
    first = int(previous["decision_id"].max()) + 1 if len(previous) else 1
    out["decision_id"] = range(first, first + len(out))
    out["decided_at_utc"] = decided_at
    out["dbt_invocation_id"] = invocation
    return out.astype(PROMOTION_COLUMNS)
