"""Probability calibration stored as plain numbers, and the choice of its method.

Three methods: `none`, `sigmoid` (Platt scaling on the logit of the model's probability) and
`isotonic` (a monotone step function, applied by linear interpolation between its knots as
scikit-learn does). The method is chosen by Brier score on data its fit did not see
(chronological two-fold cross-fitting inside the calibration window), among the methods that
keep PR-AUC within a relative tolerance of the uncalibrated scores; the chosen method is then
refitted on the whole window.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from python_ml.training.metrics import average_precision, brier_score

METHODS = ("none", "sigmoid", "isotonic")
_CLIP = 1e-6


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), _CLIP, 1 - _CLIP)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Calibration:
    """A fitted calibration map from model probability to calibrated probability."""

    method: str
    params: dict[str, object] = field(default_factory=dict)

    def apply(self, p: np.ndarray) -> np.ndarray:
        p = np.asarray(p, dtype=float)
        if self.method == "none":
            return p
        if self.method == "sigmoid":
            z = float(self.params["slope"]) * _logit(p) + float(self.params["intercept"])
            return 1.0 / (1.0 + np.exp(-z))
        if self.method == "isotonic":
            return np.interp(
                p,
                np.asarray(self.params["x"], dtype=float),
                np.asarray(self.params["y"], dtype=float),
            )
        raise ValueError(f"unknown calibration method {self.method!r}; expected one of {METHODS}")

    def to_dict(self) -> dict[str, object]:
        return {"method": self.method, "params": self.params}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Calibration:
        method = str(data["method"])
        if method not in METHODS:
            raise ValueError(f"unknown calibration method {method!r}; expected one of {METHODS}")
        return cls(method, dict(data.get("params") or {}))


def fit_calibration(method: str, p: np.ndarray, y: np.ndarray) -> Calibration:
    """Fit one method on probabilities `p` and binary outcomes `y`."""
    y = np.asarray(y, dtype=float)
    if method == "none":
        return Calibration("none")
    if len(np.unique(y)) < 2:
        raise ValueError(f"{method} calibration needs both outcomes in its window")
    if method == "sigmoid":
        fit = LogisticRegression(C=1e6, max_iter=1000).fit(_logit(p).reshape(-1, 1), y)
        return Calibration(
            "sigmoid", {"slope": float(fit.coef_[0, 0]), "intercept": float(fit.intercept_[0])}
        )
    if method == "isotonic":
        fit = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(p, y)
        return Calibration(
            "isotonic",
            {
                "x": [float(v) for v in fit.X_thresholds_],
                "y": [float(v) for v in fit.y_thresholds_],
            },
        )
    raise ValueError(f"unknown calibration method {method!r}; expected one of {METHODS}")


@dataclass(frozen=True)
class CalibrationChoice:
    calibration: Calibration
    held_out: dict[str, dict[str, float]]
    reason: str


def choose_calibration(
    p: np.ndarray,
    y: np.ndarray,
    max_relative_pr_auc_loss: float = 0.02,
    methods: tuple[str, ...] = METHODS,
) -> CalibrationChoice:
    """Pick the method with the lowest held-out Brier whose PR-AUC is at most
    `max_relative_pr_auc_loss` (a fraction) below the uncalibrated scores' PR-AUC.

    `p` and `y` must be in time order. Each method is fitted on one half of the window and
    scored on the other, both ways round; the pooled held-out scores decide.
    """
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    half = len(p) // 2
    folds = [(slice(0, half), slice(half, None)), (slice(half, None), slice(0, half))]
    held_out: dict[str, dict[str, float]] = {}
    for method in methods:
        predicted = np.empty_like(p)
        fold_pr_auc = []
        try:
            for fit_rows, score_rows in folds:
                predicted[score_rows] = fit_calibration(method, p[fit_rows], y[fit_rows]).apply(
                    p[score_rows]
                )
                fold_pr_auc.append(average_precision(y[score_rows], predicted[score_rows]))
        except ValueError:
            continue
        # Brier pools both folds; PR-AUC is averaged per fold, because pooling scores of two
        # different maps would re-rank rows that neither map re-ranks.
        held_out[method] = {
            "brier": brier_score(y, predicted),
            "pr_auc": float(np.nanmean(fold_pr_auc)),
        }
    if set(held_out) == {"none"} and len(np.unique(y)) == 2:
        # a half of the window without positives: no held-out comparison is possible, and
        # re-weighted training inflates raw scores, so fit Platt scaling on the whole window
        return CalibrationChoice(
            fit_calibration("sigmoid", p, y),
            held_out,
            "sigmoid on the whole window: a half of it has a single "
            "outcome, so methods could not be compared held out",
        )
    reference = held_out["none"]["pr_auc"] if "none" in held_out else float("nan")
    eligible = [
        m
        for m, s in held_out.items()
        if not np.isfinite(reference) or s["pr_auc"] >= reference * (1 - max_relative_pr_auc_loss)
    ]
    best = min(eligible, key=lambda m: (held_out[m]["brier"], METHODS.index(m)))
    dropped = sorted(set(held_out) - set(eligible))
    reason = f"lowest held-out Brier ({held_out[best]['brier']:.5f})" + (
        f"; excluded for losing PR-AUC: {', '.join(dropped)}" if dropped else ""
    )
    try:
        calibration = fit_calibration(best, p, y)
    except ValueError:
        calibration, reason = Calibration("none"), "calibration window has a single outcome"
    return CalibrationChoice(calibration, held_out, reason)
