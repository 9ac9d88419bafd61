"""Tasks, feature schemas and time splits: what a training run learns from, and on which rows.

A `Task` names the label and its kind; everything downstream (tuning objective, metrics,
calibration, thresholds) follows from the kind, so a new use case adds a `Task`, not a
pipeline. Features come from the mart's recorded schema (`feature_schema_versions`), whose
roles are declared in the mart's contract YAML.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Task:
    name: str
    kind: Literal["classification", "regression"]
    label: str
    # metric the hyper-parameter search optimises on the tuning window
    tuning_metric: str

    @property
    def maximize(self) -> bool:
        return self.tuning_metric in ("pr_auc", "roc_auc")


SPIKE_RISK = Task("spike_risk", "classification", "is_spike", "pr_auc")
DAY_AHEAD_PRICE = Task("day_ahead_price", "regression", "price_eur_mwh", "rmse")
TASKS = {task.name: task for task in (SPIKE_RISK, DAY_AHEAD_PRICE)}


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        return list(json.loads(value))
    return [str(v) for v in value]  # type: ignore[union-attr]


@dataclass(frozen=True)
class FeatureSchema:
    """One recorded version of a mart's schema: the ordered feature list and the key columns."""

    model_name: str
    schema_hash: str
    feature_columns: tuple[str, ...]
    key_columns: tuple[str, ...]
    label_columns: tuple[str, ...]

    @classmethod
    def from_record(cls, record: Mapping[str, object]) -> FeatureSchema:
        return cls(
            model_name=str(record["model_name"]),
            schema_hash=str(record["schema_hash"]),
            feature_columns=tuple(_as_list(record["feature_columns"])),
            key_columns=tuple(_as_list(record["key_columns"])),
            label_columns=tuple(_as_list(record["label_columns"])),
        )


def feature_matrix(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Features as float64 (booleans 0/1, nulls NaN) in the given order."""
    return np.column_stack([
        frame[c].to_numpy(dtype="float64", na_value=np.nan) for c in columns
    ]) if len(columns) else np.empty((len(frame), 0))


def label_vector(frame: pd.DataFrame, task: Task) -> np.ndarray:
    return frame[task.label].to_numpy(dtype="float64", na_value=np.nan)


@dataclass(frozen=True)
class TimeSplits:
    """Boolean row masks. Validation is cut at a day boundary into `tune` (early stopping and
    the hyper-parameter search) and, after it, `calibrate` (calibration and the method
    choice), so calibration sees data neither the fit nor the early stopping used."""

    train: np.ndarray
    tune: np.ndarray
    calibrate: np.ndarray
    test: np.ndarray
    score: np.ndarray

    @property
    def validation(self) -> np.ndarray:
        return self.tune | self.calibrate

    def bounds(self, times: pd.Series) -> dict[str, tuple[str, str] | None]:
        out: dict[str, tuple[str, str] | None] = {}
        for name in ("train", "tune", "calibrate", "test", "score"):
            mask = getattr(self, name)
            out[name] = ((str(times[mask].min()), str(times[mask].max())) if mask.any()
                         else None)
        return out


def time_splits(frame: pd.DataFrame, task: Task, calibration_fraction: float = 0.5,
                time_column: str = "target_ts_utc", split_column: str = "split") -> TimeSplits:
    """Masks from the mart's `split` label; rows without a label only ever land in `score`."""
    if not 0 < calibration_fraction < 1:
        raise ValueError(f"calibration_fraction must be in (0, 1), got {calibration_fraction}")
    split = frame[split_column].astype("string").fillna("")
    labelled = frame[task.label].notna().to_numpy()
    times = pd.to_datetime(frame[time_column])
    validation = (split == "validation").to_numpy() & labelled
    if not validation.any():
        raise ValueError(f"no labelled rows with {split_column} = 'validation'; check the "
                         "spike_split vars against the data's time range")
    days = times.dt.floor("D")
    validation_days = np.sort(days[validation].unique())
    cut_day = validation_days[min(len(validation_days) - 1,
                                  int(len(validation_days) * (1 - calibration_fraction)))]
    calibrate = validation & (days >= cut_day).to_numpy()
    splits = TimeSplits(
        train=(split == "train").to_numpy() & labelled,
        tune=validation & ~calibrate,
        calibrate=calibrate,
        test=(split == "test").to_numpy() & labelled,
        score=(split == "score").to_numpy() | ((split == "test").to_numpy() & ~labelled),
    )
    order = ["train", "tune", "calibrate", "test"]
    for name in order[:3]:
        if not getattr(splits, name).any():
            raise ValueError(f"the {name} window has no labelled rows")
    for earlier, later in zip(order, order[1:], strict=False):
        a, b = getattr(splits, earlier), getattr(splits, later)
        if a.any() and b.any() and times[a].max() >= times[b].min():
            raise ValueError(f"time order violated: {earlier} ends at {times[a].max()}, "
                             f"{later} starts at {times[b].min()}")
    if task.kind == "classification":
        for name in ("train", "tune", "calibrate"):
            if len(np.unique(label_vector(frame, task)[getattr(splits, name)])) < 2:
                raise ValueError(f"the {name} window holds a single class of {task.label}; "
                                 "widen the validation window (var spike_split) or move "
                                 "ml_training.calibration_fraction")
    return splits
