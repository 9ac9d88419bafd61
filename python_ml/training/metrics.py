"""Metrics for both task kinds, the naive baselines' scores, and day-block bootstrap intervals.

Ranking metrics are implemented with numpy (equal to scikit-learn's, checked in the tests)
because the bootstrap evaluates them thousands of times.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

EPSILON = 1e-15


def average_precision(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the precision-recall curve as a step function (scikit-learn's definition)."""
    y = np.asarray(y, dtype=float)
    positives = y.sum()
    if positives == 0:
        return float("nan")
    order = np.argsort(-np.asarray(score, dtype=float), kind="mergesort")
    s, y = np.asarray(score, dtype=float)[order], y[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tp = np.cumsum(y)[last_of_tie]
    alerts = last_of_tie + 1
    precision = tp / alerts
    recall_gain = np.diff(np.r_[0.0, tp]) / positives
    return float(np.sum(recall_gain * precision))


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties)."""
    y = np.asarray(y, dtype=bool)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def brier_score(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((np.asarray(p, dtype=float) - np.asarray(y, dtype=float)) ** 2))


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(np.asarray(p, dtype=float), EPSILON, 1 - EPSILON)
    y = np.asarray(y, dtype=float)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Row-weighted mean |mean probability - observed frequency| over equal-width bins."""
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    if len(p) == 0:
        return float("nan")
    index = np.minimum((p * bins).astype(int), bins - 1)
    count = np.bincount(index, minlength=bins)
    gap = np.abs(np.bincount(index, p, bins) - np.bincount(index, y, bins))
    return float(gap.sum() / count.sum())


def expected_calibration_error_quantile(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """ECE over equal-count bins of the sorted probabilities. With rare events nearly every
    probability falls into the first equal-width bin, where ECE reduces to |mean p - base
    rate|; equal-count bins also judge the ranking's upper tail."""
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    if len(p) == 0:
        return float("nan")
    order = np.argsort(p, kind="mergesort")
    groups = np.array_split(order, min(bins, len(p)))
    return float(sum(abs(p[g].mean() - y[g].mean()) * len(g) for g in groups) / len(p))


def classification_metrics(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, float]:
    """The classification metric set, with precision and recall of alerts `p >= threshold`."""
    y = np.asarray(y, dtype=bool)
    p = np.asarray(p, dtype=float)
    alert = p >= threshold
    n_alerts = int(alert.sum())
    n_pos = int(y.sum())
    hits = int((alert & y).sum())
    return {
        "pr_auc": average_precision(y, p),
        "roc_auc": roc_auc(y, p),
        "brier": brier_score(y, p),
        "log_loss": log_loss(y, p),
        "ece": expected_calibration_error(y, p),
        "ece_quantile": expected_calibration_error_quantile(y, p),
        "precision_at_threshold": hits / n_alerts if n_alerts else float("nan"),
        "recall_at_threshold": hits / n_pos if n_pos else float("nan"),
        "alert_rate": n_alerts / len(y) if len(y) else float("nan"),
        "base_rate": n_pos / len(y) if len(y) else float("nan"),
        "mean_probability": float(p.mean()) if len(p) else float("nan"),
        "rows": float(len(y)),
        "positives": float(n_pos),
    }


def pinball_loss(y: np.ndarray, q: np.ndarray, level: float) -> float:
    """Mean quantile (pinball) loss of forecasts `q` of the `level` quantile."""
    diff = np.asarray(y, dtype=float) - np.asarray(q, dtype=float)
    return float(np.mean(np.maximum(level * diff, (level - 1) * diff)))


def regression_metrics(
    y: np.ndarray,
    prediction: np.ndarray,
    threshold: float | None = None,
    quantiles: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """The regression metric set. `prediction` is the point forecast, or a matrix whose
    first column is the point forecast and whose further columns are the forecasts of the
    `quantiles` levels (in that order); a baseline without quantiles gives them as NaN.
    `threshold` is accepted for a uniform signature, unused."""
    prediction = np.asarray(prediction, dtype=float)
    point = prediction[:, 0] if prediction.ndim == 2 else prediction
    y = np.asarray(y, dtype=float)
    error = point - y
    out = {
        "mae": float(np.mean(np.abs(error))) if len(y) else float("nan"),
        "rmse": float(np.sqrt(np.mean(error**2))) if len(y) else float("nan"),
        "bias": float(np.mean(error)) if len(y) else float("nan"),
        "rows": float(len(error)),
    }
    levels = dict(quantiles or {})
    has = prediction.ndim == 2 and prediction.shape[1] == len(levels) + 1 and len(y)
    for i, (suffix, level) in enumerate(levels.items(), start=1):
        out[f"pinball_{suffix}"] = pinball_loss(y, prediction[:, i], level) if has else float("nan")
    if len(levels) >= 2:
        values = list(levels.values())
        out["interval_nominal"] = values[-1] - values[0]
        if has:
            low, high = prediction[:, 1], prediction[:, len(levels)]
            out["interval_coverage"] = float(np.mean((y >= low) & (y <= high)))
            out["interval_width"] = float(np.mean(high - low))
        else:
            out["interval_coverage"] = out["interval_width"] = float("nan")
    return out


@dataclass(frozen=True)
class Predictor:
    """Scores of one predictor (a model or a baseline) for the rows being evaluated."""

    name: str
    scores: np.ndarray
    threshold: float


MetricFn = Callable[[np.ndarray, np.ndarray, float], dict[str, float]]


def day_blocks(days: np.ndarray) -> list[np.ndarray]:
    """Row indices grouped by calendar day, the bootstrap's resampling unit."""
    codes, inverse = np.unique(days, return_inverse=True)
    order = np.argsort(inverse, kind="mergesort")
    bounds = np.searchsorted(inverse[order], np.arange(len(codes) + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(len(codes))]


def evaluate_predictors(
    y: np.ndarray,
    predictors: list[Predictor],
    metric_fn: MetricFn,
    days: np.ndarray | None = None,
    samples: int = 0,
    seed: int = 0,
    reference: str | None = None,
    compare: tuple[str, ...] = ("pr_auc",),
) -> list[dict[str, object]]:
    """Point metrics per predictor, with percentile intervals from a day-block bootstrap.

    With `samples` > 0 the days are resampled with replacement; every predictor is scored on
    the same resamples, so each one's difference to `reference` on the metrics in `compare`
    (metric name `<metric>_minus_<reference>`) gets a paired interval.
    """
    points = {pr.name: metric_fn(y, pr.scores, pr.threshold) for pr in predictors}
    for pr in predictors:
        if reference and pr.name != reference and reference in points:
            for metric in compare:
                points[pr.name][f"{metric}_minus_{reference}"] = (
                    points[pr.name][metric] - points[reference][metric]
                )
    draws: dict[str, dict[str, list[float]]] = {pr.name: {} for pr in predictors}
    if samples and days is not None and len(y):
        blocks = day_blocks(days)
        rng = np.random.default_rng(seed)
        for _ in range(samples):
            pick = rng.integers(0, len(blocks), len(blocks))
            rows = np.concatenate([blocks[i] for i in pick])
            sample = {
                pr.name: metric_fn(y[rows], pr.scores[rows], pr.threshold) for pr in predictors
            }
            for pr in predictors:
                values = sample[pr.name]
                if reference and pr.name != reference and reference in sample:
                    for metric in compare:
                        values[f"{metric}_minus_{reference}"] = (
                            values[metric] - sample[reference][metric]
                        )
                for metric, value in values.items():
                    draws[pr.name].setdefault(metric, []).append(value)
    rows_out: list[dict[str, object]] = []
    for pr in predictors:
        for metric, value in points[pr.name].items():
            low = high = None
            sampled = np.asarray(draws[pr.name].get(metric, []), dtype=float)
            sampled = sampled[np.isfinite(sampled)]
            # an interval only when (nearly) every resample defined the metric: dropping the
            # resamples without a spike would make it conditional, hence too narrow
            if (
                metric not in ("rows", "positives")
                and samples
                and len(sampled) >= max(10, 0.95 * samples)
            ):
                low, high = (float(v) for v in np.percentile(sampled, [2.5, 97.5]))
            rows_out.append(
                {
                    "predictor": pr.name,
                    "metric": metric,
                    "value": None if not np.isfinite(value) else float(value),
                    "ci_low": low,
                    "ci_high": high,
                }
            )
    return rows_out


def persistence_scores(
    frame,
    label: str,
    lag_columns: Mapping[int, str],
    id_col: str = "zone",
    time_col: str = "target_ts_utc",
) -> np.ndarray:
    """Persistence: the label of the same hour on the last delivery day known at the origin.

    `lag_columns` maps a lag in hours to a mart feature that is an earlier value of the
    label's source (meta.lag_of in the contract); that feature is null exactly when the
    lagged value was not yet public at the origin, so the first lag whose feature is present
    is the last hour known. The label of that hour is looked up in `frame` itself (which
    must hold the history); rows whose lagged hour is not in the frame are NaN.
    """
    import pandas as pd

    key = frame[[id_col, time_col]]
    labels = pd.Series(
        frame[label].astype("float64").to_numpy(), index=pd.MultiIndex.from_frame(key)
    )
    result = np.full(len(frame), np.nan)
    for hours in sorted(lag_columns):
        available = frame[lag_columns[hours]].notna().to_numpy() & np.isnan(result)
        if not available.any():
            continue
        lagged = pd.MultiIndex.from_arrays(
            [
                key[id_col].to_numpy()[available],
                key[time_col].to_numpy()[available] - np.timedelta64(hours, "h"),
            ]
        )
        result[available] = labels.reindex(lagged).to_numpy()
    return result
