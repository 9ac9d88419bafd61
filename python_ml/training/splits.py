"""Time splits: on which rows a training run fits, tunes, calibrates and is tested.

Two ways to cut the mart's rows, both chronological and both cutting validation at a day
boundary into `tune` (early stopping and the hyper-parameter search) and, after it,
`calibrate` (calibration or quantiles, and the choice between families):

- `fixed_splits`: the mart's own split label (var spike_split for the spike mart): train,
  gap, validation, gap, test. The evaluation tables' test metrics come from these.
- `walk_forward_splits`: the production path. Validation is the most recent
  `validation_days` before the cut (the newest labelled target, or an earlier moment in a
  backtest), reaching further back for a classifier until both its parts hold
  `min_positives` positives; training ends `gap_hours` before it and reaches back
  `train_days` (rolling) or to the first labelled row (expanding). With `refit` (the
  default) the tuned model is then refitted on every labelled row of the window up to the
  newest one, with the tuned parameters and rounds, so the served model's data end at the
  newest label; its calibration, threshold and validation metrics are those of the model
  before the refit, judged on rows it had not seen. There is no test window: a
  walk-forward model is judged on the days after its cut, by shadow scoring and the
  promotion gates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from python_ml.training.tasks import Task

WINDOWS = ("rolling", "expanding")


@dataclass(frozen=True)
class WalkForward:
    """Var ml_training.walk_forward."""

    window: str = "rolling"
    train_days: int = 730
    validation_days: int = 56
    gap_hours: int = 720
    # refit the tuned model on every labelled row up to the newest (train, gap and
    # validation): the served model's data then end at the newest labelled target
    refit: bool = True
    # classification: validation reaches further back, a week at a time, until its tuning
    # and its calibration part each hold this many positives (quiet months have none), up
    # to max_validation_days
    min_positives: int = 10
    max_validation_days: int = 182

    @classmethod
    def from_vars(cls, values: Mapping[str, object] | None) -> WalkForward:
        values = dict(values or {})
        unknown = set(values) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(
                f"ml_training.walk_forward: unknown setting(s) {sorted(unknown)};"
                f" known: {sorted(cls.__dataclass_fields__)}"
            )
        out = cls(**values)  # type: ignore[arg-type]
        if out.window not in WINDOWS:
            raise ValueError(
                f"ml_training.walk_forward.window must be one of {WINDOWS}, not {out.window!r}"
            )
        if out.train_days < 1 or out.validation_days < 2 or out.gap_hours < 0:
            raise ValueError(
                "ml_training.walk_forward: train_days >= 1, validation_days >= 2 "
                f"and gap_hours >= 0 needed, got {out}"
            )
        return out


@dataclass(frozen=True)
class TimeSplits:
    """Boolean row masks over one time-ordered frame."""

    train: np.ndarray
    tune: np.ndarray
    calibrate: np.ndarray
    test: np.ndarray
    score: np.ndarray
    mode: str = "fixed_split"
    # walk-forward with refit: every labelled row of the window up to the cut, on which the
    # final model is refitted with the tuned parameters and rounds
    final: np.ndarray | None = None

    @property
    def validation(self) -> np.ndarray:
        return self.tune | self.calibrate

    def bounds(self, times: pd.Series) -> dict[str, tuple[str, str] | None]:
        out: dict[str, tuple[str, str] | None] = {}
        for name in ("train", "tune", "calibrate", "test", "score"):
            # a refitted model was trained on the final window
            mask = self.final if name == "train" and self.final is not None else getattr(self, name)
            out[name] = (str(times[mask].min()), str(times[mask].max())) if mask.any() else None
        return out


def _cut_validation(
    validation: np.ndarray, days: pd.Series, calibration_fraction: float
) -> tuple[np.ndarray, np.ndarray]:
    if not 0 < calibration_fraction < 1:
        raise ValueError(f"calibration_fraction must be in (0, 1), got {calibration_fraction}")
    validation_days = np.sort(days[validation].unique())
    cut_day = validation_days[
        min(len(validation_days) - 1, int(len(validation_days) * (1 - calibration_fraction)))
    ]
    calibrate = validation & (days >= cut_day).to_numpy()
    return validation & ~calibrate, calibrate


def _checked(splits: TimeSplits, frame: pd.DataFrame, task: Task, advice: str) -> TimeSplits:
    times = pd.to_datetime(frame[task.target_time])
    order = ["train", "tune", "calibrate", "test"]
    for name in order[:3]:
        if not getattr(splits, name).any():
            raise ValueError(f"task {task.name}: the {name} window has no labelled rows; " + advice)
    for earlier, later in zip(order, order[1:], strict=False):
        a, b = getattr(splits, earlier), getattr(splits, later)
        if a.any() and b.any() and times[a].max() >= times[b].min():
            raise ValueError(
                f"time order violated: {earlier} ends at {times[a].max()}, "
                f"{later} starts at {times[b].min()}"
            )
    if task.kind == "classification":
        y = task.label_vector(frame)
        for name in ("train", "tune", "calibrate"):
            if len(np.unique(y[getattr(splits, name)])) < 2:
                raise ValueError(
                    f"task {task.name}: the {name} window holds a single class of "
                    f"{task.label}; " + advice
                )
    return splits


def fixed_splits(frame: pd.DataFrame, task: Task, calibration_fraction: float = 0.5) -> TimeSplits:
    """Masks from the mart's split label; rows without a label only ever land in `score`."""
    split = frame[task.split_column].astype("string").fillna("")
    labelled = frame[task.label].notna().to_numpy()
    days = pd.to_datetime(frame[task.target_time]).dt.floor("D")
    validation = (split == "validation").to_numpy() & labelled
    if not validation.any():
        raise ValueError(
            f"no labelled rows with {task.split_column} = 'validation'; check the "
            "mart's split vars (spike_split) against the data's time range"
        )
    tune, calibrate = _cut_validation(validation, days, calibration_fraction)
    splits = TimeSplits(
        train=(split == "train").to_numpy() & labelled,
        tune=tune,
        calibrate=calibrate,
        test=(split == "test").to_numpy() & labelled,
        score=(split == "score").to_numpy() | ((split == "test").to_numpy() & ~labelled),
        mode="fixed_split",
    )
    return _checked(
        splits,
        frame,
        task,
        "widen the validation window (the mart's split "
        "vars) or move ml_training.calibration_fraction",
    )


def walk_forward_splits(
    frame: pd.DataFrame,
    task: Task,
    settings: WalkForward,
    cut: pd.Timestamp | None = None,
    calibration_fraction: float = 0.5,
) -> TimeSplits:
    """Windows that end at the newest labelled target before `cut` (all labelled rows when
    `cut` is None: the daily path). Rows at or after `cut`, and unlabelled rows, are `score`.
    """
    times = pd.to_datetime(frame[task.target_time])
    labelled = frame[task.label].notna().to_numpy()
    known = labelled & ((times < cut).to_numpy() if cut is not None else True)
    if not known.any():
        raise ValueError(f"task {task.name}: no labelled row before {cut}")
    last = times[known].max()
    days = times.dt.floor("D")
    y = task.label_vector(frame)
    length = settings.validation_days
    while True:
        validation_start = last.floor("D") - pd.Timedelta(days=length - 1)
        validation = known & (times >= validation_start).to_numpy()
        tune, calibrate = (
            _cut_validation(validation, days, calibration_fraction)
            if (validation.any())
            else (validation, validation)
        )
        enough = (
            task.kind != "classification"
            or min(np.nansum(y[tune]), np.nansum(y[calibrate])) >= settings.min_positives
        )
        if enough or length >= settings.max_validation_days:
            break
        length = min(length + 7, settings.max_validation_days)
    train_end = validation_start - pd.Timedelta(hours=settings.gap_hours)
    train = known & (times < train_end).to_numpy()
    final = np.asarray(known).copy()
    if settings.window == "rolling":
        start = (times >= train_end - pd.Timedelta(days=settings.train_days)).to_numpy()
        train &= start
        # the refit window covers train_days too, ending at the newest label
        final = final & (times > last - pd.Timedelta(days=settings.train_days)).to_numpy()
    after = (times > last).to_numpy()
    splits = TimeSplits(
        train=train,
        tune=tune,
        calibrate=calibrate,
        test=np.zeros(len(frame), dtype=bool),
        score=after | ~labelled,
        mode="walk_forward",
        final=final if settings.refit else None,
    )
    return _checked(
        splits, frame, task, "widen ml_training.walk_forward.validation_days or train_days"
    )
