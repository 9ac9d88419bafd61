"""Train-serve parity: a scoring frame must have the layout the model was trained on.

The model's registry row carries its ordered feature list with each column's kind and
training range (`describe_features` on the training frame). `check_parity` compares a
scoring frame against it. Breaks raise `ParityError`, listing every mismatch as column,
rule, expected, got: a missing column, another order, another kind, a column that was
always present in training arriving entirely null, an infinite value. Values outside the
training range are news, not breaks (a 3,000 EUR/MWh hour in 2022 after training on
2019): they are scored, and the returned `RangeReport` says, per row, how many features
were out of range and which. Values outside physical bounds are the data-quality suites'
job, which run before any scoring and name the file, column and row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


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
        entry: dict[str, object] = {
            "name": name,
            "kind": kind,
            "always_present": bool(series.notna().all()),
        }
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
        head = (
            f"train-serve parity failed{' for ' + context if context else ''}: "
            f"{len(self.mismatches)} mismatch(es) [rule: train_serve_parity]"
        )
        super().__init__("\n".join([head, *map(str, self.mismatches)]))


@dataclass(frozen=True)
class RangeReport:
    """Per scored row: the features whose value lies outside the model's training range."""

    counts: np.ndarray  # int, one per row
    names: list[str | None]  # comma-separated feature names per row, None when in range
    per_feature: dict[str, int]  # rows out of range, per feature (features with any)

    @property
    def rows_out_of_range(self) -> int:
        return int((self.counts > 0).sum())


def _sample(values: np.ndarray, limit: int = 5) -> str:
    shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in values[:limit])
    return f"[{shown}{', ...' if len(values) > limit else ''}]"


def check_parity(
    frame: pd.DataFrame, registered: Sequence[Mapping[str, object]], context: str = ""
) -> RangeReport:
    """Raise ParityError on a break (see the module docstring); otherwise return which
    rows carry values outside the training range."""
    expected_names = [str(entry["name"]) for entry in registered]
    got_names = [c for c in frame.columns if c in set(expected_names)]
    mismatches: list[Mismatch] = []
    missing = [n for n in expected_names if n not in frame.columns]
    for name in missing:
        mismatches.append(Mismatch(name, "column missing", "present", "absent"))
    if not missing and got_names != expected_names:
        for position, (want, got) in enumerate(zip(expected_names, got_names, strict=False)):
            if want != got:
                mismatches.append(
                    Mismatch(want, "column order", f"position {position}", f"{got!r} there")
                )
                break
    outside: dict[str, np.ndarray] = {}
    for entry in registered:
        name = str(entry["name"])
        if name not in frame.columns:
            continue
        series = frame[name]
        kind = column_kind(series)
        if kind != entry["kind"]:
            mismatches.append(
                Mismatch(name, "dtype", str(entry["kind"]), f"{kind} ({series.dtype})")
            )
            continue
        if entry.get("always_present") and len(series) and series.isna().all():
            mismatches.append(
                Mismatch(
                    name,
                    "all values null",
                    "values (never null in training)",
                    f"{len(series)} nulls",
                )
            )
            continue
        if "min" not in entry or not len(series):
            continue
        numbers = series.to_numpy(dtype="float64", na_value=np.nan)
        infinite = np.isinf(numbers)
        if infinite.any():
            mismatches.append(
                Mismatch(
                    name,
                    "finite values",
                    "finite numbers",
                    f"{int(infinite.sum())} infinite, e.g. {_sample(numbers[infinite])}",
                )
            )
            continue
        low, high = float(entry["min"]), float(entry["max"])  # type: ignore[arg-type]
        beyond = (numbers < low) | (numbers > high)  # NaN compares False: missing is not news
        if beyond.any():
            outside[name] = beyond
    if mismatches:
        raise ParityError(mismatches, context)
    counts = np.zeros(len(frame), dtype=np.int64)
    for mask in outside.values():
        counts += mask
    names: list[str | None] = [None] * len(frame)
    if outside:
        order = [n for n in expected_names if n in outside]
        for row in np.flatnonzero(counts):
            names[row] = ",".join(n for n in order if outside[n][row])
    return RangeReport(counts, names, {n: int(m.sum()) for n, m in outside.items()})
