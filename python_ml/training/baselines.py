"""Naive baselines every model is reported beside, from the task's declared sources.

- climatology: the label's mean per entity over the training rows (for a classifier, the
  base rate; an entity unseen in training gets the pooled mean);
- persistence: the label of the same hour on the last delivery day known at the origin,
  read through the lag columns the mart's contract declares (`meta.lag_of`); where no
  lagged label is known, a classifier scores 0 and a regression falls back to climatology.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_ml.training.metrics import persistence_scores
from python_ml.training.tasks import Task


def climatology(frame: pd.DataFrame, task: Task, train: np.ndarray) -> np.ndarray:
    y = task.label_vector(frame)
    entities = frame[task.entity].astype(str).to_numpy()
    means = pd.Series(y[train]).groupby(entities[train]).mean()
    overall = float(np.nanmean(y[train]))
    return pd.Series(entities).map(means).fillna(overall).to_numpy(dtype=float)


def baseline_scores(
    frame: pd.DataFrame, task: Task, train: np.ndarray, history: pd.DataFrame | None = None
) -> dict[str, np.ndarray]:
    """Scores of the task's baselines for every row of `frame`. Persistence looks lagged
    labels up in `history` (default: `frame` itself), which must hold the earlier rows."""
    out: dict[str, np.ndarray] = {}
    climate = climatology(frame, task, train)
    if "climatology" in task.baselines:
        out["climatology"] = climate
    if "persistence" in task.baselines:
        if history is None:
            persisted = persistence_scores(
                frame, task.label, task.persistence_lags, task.entity, task.target_time
            )
        else:
            joined = pd.concat([history, frame], ignore_index=True).drop_duplicates(
                task.keys, keep="last"
            )
            persisted = persistence_scores(
                joined, task.label, task.persistence_lags, task.entity, task.target_time
            )
            persisted = (
                pd.Series(persisted, index=pd.MultiIndex.from_frame(joined[task.keys]))
                .reindex(pd.MultiIndex.from_frame(frame[task.keys]))
                .to_numpy()
            )
        fallback = np.zeros(len(frame)) if task.kind == "classification" else climate
        out["persistence"] = np.where(np.isnan(persisted), fallback, persisted)
    return out
