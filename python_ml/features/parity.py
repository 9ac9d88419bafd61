"""Train-serve parity: a scoring frame must look like the frame the model was trained on.

The model's registry row carries its ordered feature list with each column's kind and value
domain (`describe_features` on the training frame). `check_parity` compares a scoring frame
against it and raises `ParityError` listing every mismatch as column, rule, expected, got.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

# A numeric feature may leave its training range by this many times its scale (the larger of
# the range's width and its largest magnitude) on either side: new extremes are normal (2022's
# prices were four times 2019's), a unit error such as kW for MW or a sentinel such as 1e9 is not.
RANGE_SLACK = 10.0
# Integer features get a range too, not a set of seen values: a training window of three
# months has seen three values of `month`, and the next month is not an error. Exact bounds
# (hour_of_day in 0..23) are the mart's dbt tests' job, which run before any scoring.


def column_kind(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "timestamp"
    return "string"


def describe_features(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, object]]:
    """The ordered feature list with kinds and value ranges, as stored with a model."""
    described = []
    for name in columns:
        series = frame[name]
        kind = column_kind(series)
        entry: dict[str, object] = {"name": name, "kind": kind,
                                    "always_present": bool(series.notna().all())}
        values = series.dropna()
        if kind in ("integer", "float") and len(values):
            entry["min"], entry["max"] = float(values.min()), float(values.max())
        described.append(entry)
    return described


@dataclass(frozen=True)
class Mismatch:
    column: str
    rule: str
    expected: str
    got: str

    def __str__(self) -> str:
        return f"  {self.column}: {self.rule}: expected {self.expected}, got {self.got}"


class ParityError(ValueError):
    def __init__(self, mismatches: Sequence[Mismatch], context: str = "") -> None:
        self.mismatches = list(mismatches)
        head = (f"train-serve parity failed{' for ' + context if context else ''}: "
                f"{len(self.mismatches)} mismatch(es) [rule: train_serve_parity]")
        super().__init__("\n".join([head, *map(str, self.mismatches)]))


def _sample(values: np.ndarray, limit: int = 5) -> str:
    shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in values[:limit])
    return f"[{shown}{', ...' if len(values) > limit else ''}]"


def check_parity(frame: pd.DataFrame, registered: Sequence[Mapping[str, object]],
                 context: str = "") -> None:
    """Raise ParityError unless `frame`'s feature columns match the registered list:
    same names in the same order, same kinds, values inside the registered domains, and no
    column that was always present in training arriving entirely null."""
    expected_names = [str(entry["name"]) for entry in registered]
    got_names = [c for c in frame.columns if c in set(expected_names)]
    mismatches: list[Mismatch] = []
    missing = [n for n in expected_names if n not in frame.columns]
    for name in missing:
        mismatches.append(Mismatch(name, "column missing", "present", "absent"))
    if not missing and got_names != expected_names:
        for position, (want, got) in enumerate(zip(expected_names, got_names, strict=False)):
            if want != got:
                mismatches.append(Mismatch(want, "column order",
                                           f"position {position}", f"{got!r} there"))
                break
    for entry in registered:
        name = str(entry["name"])
        if name not in frame.columns:
            continue
        series = frame[name]
        kind = column_kind(series)
        if kind != entry["kind"]:
            mismatches.append(Mismatch(name, "dtype", str(entry["kind"]),
                                       f"{kind} ({series.dtype})"))
            continue
        values = series.dropna()
        if entry.get("always_present") and len(series) and values.empty:
            mismatches.append(Mismatch(name, "all values null", "values (never null in "
                                       "training)", f"{len(series)} nulls"))
            continue
        if "min" in entry and len(values):
            low, high = float(entry["min"]), float(entry["max"])  # type: ignore[arg-type]
            slack = RANGE_SLACK * max(high - low, abs(high), abs(low), 1e-9)
            numbers = values.to_numpy(dtype="float64")
            outside = numbers[(numbers < low - slack) | (numbers > high + slack)
                              | ~np.isfinite(numbers)]
            if len(outside):
                mismatches.append(Mismatch(
                    name, "value range", f"within [{low - slack:.6g}, {high + slack:.6g}] "
                    f"(training [{low:.6g}, {high:.6g}])",
                    f"{len(outside)} value(s) outside, e.g. {_sample(outside)}"))
    if mismatches:
        raise ParityError(mismatches, context)
