"""Model lifecycle: who is champion, which challengers shadow it, and when one replaces it.

A model's status is never written back into the registry rows (ml_spike_training_runs is
append-only, and promotions read predictions that depend on the champion, so a write-back
would make a cycle in the dbt DAG). It is derived here from two logs:

- the registry rows: the best model of a task's first training run is its initial champion;
- the promotions log (ml_model_promotions): each decision records the champion after it.

Statuses: `champion` (the champion after the task's latest decision, else the initial one),
`challenger` (the other models of the task's latest training run, unless they were champion
before) and `retired` (everything else). Scoring reads the promotions log as the previous run
left it, so a promotion takes effect from the next run on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from python_ml.features.parity import ParityError, check_parity
from python_ml.training.metrics import (
    Predictor,
    average_precision,
    brier_score,
    evaluate_predictors,
    expected_calibration_error,
)

PROMOTION_COLUMNS = {
    "decision_id": "int64", "decided_at_utc": "datetime64[us]", "dbt_invocation_id": "string",
    "task": "string", "decision": "string", "challenger_version": "Int64",
    "champion_before": "Int64", "champion_after": "Int64", "reason": "string",
    "gates_json": "string", "window_start_utc": "datetime64[us]",
    "window_end_utc": "datetime64[us]", "labelled_rows": "Int64", "positives": "Int64",
    "metric": "string", "champion_value": "float64", "challenger_value": "float64",
    "difference": "float64", "ci_low": "float64", "ci_high": "float64",
}


def empty_promotions() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in PROMOTION_COLUMNS.items()})


def _versions(values: pd.Series) -> set[int]:
    return {int(v) for v in values.dropna()}


def current_champion(runs: pd.DataFrame, promotions: pd.DataFrame, task: str) -> int | None:
    decided = promotions[promotions["task"] == task] if len(promotions) else promotions
    if len(decided):
        return int(decided.sort_values("decision_id")["champion_after"].iloc[-1])
    initial = runs[(runs["task"] == task) & (runs["status"] == "champion")]
    return int(initial["model_version"].max()) if len(initial) else None


def model_statuses(runs: pd.DataFrame, promotions: pd.DataFrame) -> pd.DataFrame:
    """model_version, task, status for every registered model (see the module docstring)."""
    out = []
    for task, rows in runs.groupby("task", sort=True):
        champion = current_champion(runs, promotions, str(task))
        decided = promotions[promotions["task"] == task] if len(promotions) else promotions
        former = (_versions(decided["champion_before"]) | _versions(decided["champion_after"])
                  if len(decided) else set())
        former |= _versions(rows.loc[rows["status"] == "champion", "model_version"])
        newest_run = rows.sort_values("model_version")["dbt_invocation_id"].iloc[-1]
        for row in rows.itertuples():
            version = int(row.model_version)
            if version == champion:
                status = "champion"
            elif row.dbt_invocation_id == newest_run and version not in former:
                status = "challenger"
            else:
                status = "retired"
            out.append({"model_version": version, "task": str(task), "status": status})
    return pd.DataFrame(out, columns=["model_version", "task", "status"])


def retained_versions(statuses: pd.DataFrame, keep: int,
                      former_champions: list[int] | None = None) -> set[int]:
    """Versions whose artifacts are kept: champion and challengers always, then former
    champions (most recently replaced first: the likely rollback targets), then the newest
    other retired ones, until `keep` artifacts in all."""
    live = statuses[statuses["status"] != "retired"]
    retired = set(_versions(statuses.loc[statuses["status"] == "retired", "model_version"]))
    order = [v for v in (former_champions or []) if v in retired]
    order += sorted(retired - set(order), reverse=True)
    room = max(keep - len(live), 0)
    return _versions(live["model_version"]) | set(order[:room])


def former_champions(runs: pd.DataFrame, promotions: pd.DataFrame) -> list[int]:
    """Models that were champion, most recently replaced first."""
    out: list[int] = []
    if len(promotions):
        for version in promotions.sort_values("decision_id", ascending=False)[
                "champion_before"]:
            if pd.notna(version) and int(version) not in out:
                out.append(int(version))
    for version in runs.loc[runs["status"] == "champion", "model_version"]:
        if int(version) not in out:
            out.append(int(version))
    return out


@dataclass(frozen=True)
class PromotionSettings:
    """The gates of var ml_promotion."""

    window_days: int = 14
    min_positives: int = 10
    min_margin: float = 0.0
    max_ece: float = 0.03
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

    @classmethod
    def from_vars(cls, values: Mapping[str, object], psi_alert: float) -> PromotionSettings:
        known = set(cls.__dataclass_fields__) - {"psi_alert"}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"ml_promotion: unknown setting(s) {sorted(unknown)}; "
                             f"known: {sorted(known)}")
        given = {k: v for k, v in values.items() if v is not None}
        if given.get("drift_gate", "relative") not in ("relative", "absolute"):
            raise ValueError("ml_promotion.drift_gate must be relative or absolute, not "
                             f"{given['drift_gate']!r}")
        if "promote_version" in given:
            given["promote_version"] = int(given["promote_version"])  # type: ignore[arg-type]
        return cls(**given, psi_alert=psi_alert)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Gate:
    name: str
    passed: bool
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {"gate": self.name, "passed": self.passed, "detail": self.detail}


def _metrics(y: np.ndarray, p: np.ndarray, _threshold: float) -> dict[str, float]:
    return {"pr_auc": average_precision(y, p), "brier": brier_score(y, p),
            "ece": expected_calibration_error(y, p)}


@dataclass
class Comparison:
    """Champion and one challenger on the most recent labelled window both scored."""

    window_start: pd.Timestamp | None
    window_end: pd.Timestamp | None
    rows: int
    positives: int
    champion: dict[str, float]
    challenger: dict[str, float]
    difference: float
    ci_low: float | None
    ci_high: float | None


def compare(champion: pd.DataFrame, challenger: pd.DataFrame, labels: pd.DataFrame,
            settings: PromotionSettings) -> Comparison:
    """Join both models' predictions (zone, target_ts_utc, spike_probability) with the labels
    (zone, target_ts_utc, is_spike), keep the last `window_days` labelled days, and score both
    with a paired day-block bootstrap of the PR-AUC difference (challenger - champion)."""
    keys = ["zone", "target_ts_utc"]
    joined = (champion[keys + ["spike_probability"]]
              .merge(challenger[keys + ["spike_probability"]], on=keys,
                     suffixes=("_champion", "_challenger"))
              .merge(labels[keys + ["is_spike"]].dropna(subset=["is_spike"]), on=keys))
    if joined.empty:
        return Comparison(None, None, 0, 0, {}, {}, float("nan"), None, None)
    days = pd.to_datetime(joined["target_ts_utc"]).dt.floor("D")
    last = days.max()
    joined = joined[days > last - pd.Timedelta(days=settings.window_days)]
    days = pd.to_datetime(joined["target_ts_utc"]).dt.floor("D").to_numpy()
    y = joined["is_spike"].to_numpy(dtype=float)
    rows = evaluate_predictors(
        y, [Predictor("champion", joined["spike_probability_champion"].to_numpy(float), 0.5),
            Predictor("challenger", joined["spike_probability_challenger"].to_numpy(float),
                      0.5)],
        _metrics, days=days, samples=settings.bootstrap_samples, seed=settings.seed,
        reference="champion", compare=("pr_auc",))
    by = {(r["predictor"], r["metric"]): r for r in rows}
    diff = by[("challenger", "pr_auc_minus_champion")]
    return Comparison(
        window_start=pd.Timestamp(joined["target_ts_utc"].min()),
        window_end=pd.Timestamp(joined["target_ts_utc"].max()),
        rows=len(joined), positives=int(y.sum()),
        champion={m: by[("champion", m)]["value"] for m in ("pr_auc", "brier", "ece")},
        challenger={m: by[("challenger", m)]["value"] for m in ("pr_auc", "brier", "ece")},
        difference=diff["value"] if diff["value"] is not None else float("nan"),
        ci_low=diff["ci_low"], ci_high=diff["ci_high"])


def gates(comparison: Comparison, settings: PromotionSettings,
          champion_record: Mapping[str, object], challenger_record: Mapping[str, object],
          prediction_drift: pd.DataFrame, parity_error: str | None,
          champion_drift: pd.DataFrame | None = None) -> list[Gate]:
    """Every gate a challenger must pass to replace the champion, each with its evidence.
    `prediction_drift` (`champion_drift`) holds the challenger's (champion's) score PSI per
    zone on its latest day (mon_prediction_drift: zone, psi, severity)."""
    c = comparison
    seen_until = max(pd.Timestamp(champion_record["validation_end_utc"]),  # type: ignore[arg-type]
                     pd.Timestamp(challenger_record["validation_end_utc"]))  # type: ignore[arg-type]
    ece = c.challenger.get("ece")
    return [
        Gate("out_of_sample", c.window_start is not None and c.window_start > seen_until,
             f"window starts {c.window_start}, both models' data end {seen_until}"),
        Gate("enough_labels", c.positives >= settings.min_positives,
             f"{c.positives} spikes in {c.rows} labelled rows (need {settings.min_positives})"),
        Gate("better_by_margin", c.ci_low is not None and c.ci_low > settings.min_margin,
             f"PR-AUC challenger - champion {c.difference:+.4f}, 95% CI "
             f"[{_fmt(c.ci_low)}, {_fmt(c.ci_high)}], must exclude {settings.min_margin:g}"),
        Gate("calibration", ece is not None and np.isfinite(ece) and ece <= settings.max_ece,
             f"challenger ECE {_fmt(ece)} (limit {settings.max_ece:g})"),
        _drift_gate(prediction_drift, settings, champion_drift),
        Gate("parity", parity_error is None, parity_error or "features match"),
    ]


def _drift_gate(drift: pd.DataFrame, settings: PromotionSettings,
                champion_drift: pd.DataFrame | None) -> Gate:
    if not len(drift):
        return Gate("no_drift_alert", False, "no score PSI for the challenger yet")
    worst = drift.sort_values("psi").iloc[-1]
    detail = (f"challenger's score PSI on its own reference, worst zone {worst['zone']} "
              f"{_fmt(float(worst['psi']))} (alert at {settings.psi_alert:g})")
    if (drift["severity"] == "insufficient").any():
        return Gate("no_drift_alert", False, detail + "; too few scored rows to judge")
    alerting = drift[drift["psi"] >= settings.psi_alert].sort_values("zone")
    if alerting.empty:
        return Gate("no_drift_alert", True, detail)
    if settings.drift_gate == "absolute" or champion_drift is None or not len(champion_drift):
        return Gate("no_drift_alert", False, detail)
    # relative: alerting zones pass where the champion drifted at least as far
    theirs = champion_drift.set_index("zone")["psi"].sort_index()  # stable text
    worse = [z for z, psi in zip(alerting["zone"], alerting["psi"], strict=True)
             if z not in theirs.index or psi > float(theirs[z])]
    champion_text = ", ".join(f"{z} {_fmt(float(p))}" for z, p in theirs.items())
    return Gate("no_drift_alert", not worse,
                detail + f"; champion's on its own: {champion_text}"
                + (f"; drifted further than the champion in {', '.join(worse)}" if worse
                   else "; no zone drifted further than the champion's"))


def _fmt(value: float | None) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.4f}"


def parity_problem(frame: pd.DataFrame, record: Mapping[str, object]) -> str | None:
    try:
        check_parity(frame, json.loads(str(record["feature_domains_json"])),
                     f"model_version {record['model_version']}")
    except ParityError as error:
        return str(error).splitlines()[0]
    return None


def decision_row(task: str, decision: str, challenger: int | None, before: int | None,
                 after: int | None, reason: str, gate_list: list[Gate] | None = None,
                 comparison: Comparison | None = None) -> dict[str, object]:
    c = comparison
    return {
        "task": task, "decision": decision, "challenger_version": challenger,
        "champion_before": before, "champion_after": after, "reason": reason,
        "gates_json": json.dumps([g.to_dict() for g in gate_list or []]),
        "window_start_utc": c.window_start if c else None,
        "window_end_utc": c.window_end if c else None,
        "labelled_rows": c.rows if c else None, "positives": c.positives if c else None,
        "metric": "pr_auc" if c else None,
        "champion_value": c.champion.get("pr_auc") if c else None,
        "challenger_value": c.challenger.get("pr_auc") if c else None,
        "difference": c.difference if c else None,
        "ci_low": c.ci_low if c else None, "ci_high": c.ci_high if c else None,
    }
