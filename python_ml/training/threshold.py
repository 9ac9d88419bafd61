"""The alert threshold: maximise recall subject to an alert-rate ceiling."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Threshold:
    """Alert when probability >= value. Figures are those on the rows it was chosen on."""

    value: float
    alert_rate_target: float
    alert_rate: float
    recall: float
    precision: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def choose_threshold(p: np.ndarray, y: np.ndarray, alert_rate_target: float) -> Threshold:
    """The threshold whose alerts (`p >= value`) keep the alert rate <= the target while
    catching the most positives; among thresholds with equal recall, the highest (fewest
    alerts, best precision). With no feasible threshold (ties at the top exceed the target)
    the value lies above every score, so nothing alerts.
    """
    if not 0 < alert_rate_target <= 1:
        raise ValueError(f"alert_rate_target must be in (0, 1], got {alert_rate_target}")
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=bool)
    n = len(p)
    if n == 0:
        raise ValueError("cannot choose a threshold on zero rows")
    order = np.argsort(-p, kind="mergesort")
    s, hits = p[order], np.cumsum(y[order])
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), n - 1]
    alerts = last_of_tie + 1
    feasible = alerts <= alert_rate_target * n + 1e-9
    positives = int(y.sum())
    if not feasible.any():
        return Threshold(
            float(np.nextafter(s[0], np.inf)), alert_rate_target, 0.0, 0.0, float("nan")
        )
    tp = hits[last_of_tie]
    best_tp = tp[feasible].max()
    pick = int(np.flatnonzero(feasible & (tp == best_tp))[0])
    return Threshold(
        value=float(s[last_of_tie[pick]]),
        alert_rate_target=alert_rate_target,
        alert_rate=float(alerts[pick] / n),
        recall=float(best_tp / positives) if positives else float("nan"),
        precision=float(best_tp / alerts[pick]),
    )
