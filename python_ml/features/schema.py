"""A mart's recorded schema: ordered columns with their roles and column metadata.

`feature_schema_versions` records, per mart, the columns as built with each column's
`meta` from the contract YAML: `role` (key, feature or label), and where declared `key`
(entity, target_time or origin_time), `lag_of` and `lag_hours` (a feature that is an
earlier value of another column), `grain` (origin: one value per forecast origin) and
`split` (the mart's fixed train / validation / test label). Training and scoring read the
feature list and these roles from the record, never from column-name patterns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

KEY_KINDS = ("entity", "target_time", "origin_time")


def _as_list(value: object) -> list:
    if isinstance(value, str):
        return list(json.loads(value))
    if value is None:
        return []
    return list(value)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Column:
    name: str
    role: str
    data_type: str = ""
    key: str | None = None
    lag_of: str | None = None
    lag_hours: int | None = None
    grain: str = "target"
    split: bool = False


@dataclass(frozen=True)
class FeatureSchema:
    """One recorded version of a mart's schema."""

    model_name: str
    schema_hash: str
    feature_columns: tuple[str, ...]
    key_columns: tuple[str, ...]
    label_columns: tuple[str, ...]
    columns: tuple[Column, ...] = field(default=())

    @classmethod
    def from_record(cls, record: Mapping[str, object]) -> FeatureSchema:
        described = []
        for entry in _as_list(record.get("columns_json")):
            meta = entry.get("meta") or {}
            described.append(
                Column(
                    name=str(entry["name"]),
                    role=str(entry.get("role") or ""),
                    data_type=str(entry.get("data_type") or ""),
                    key=meta.get("key"),
                    lag_of=meta.get("lag_of"),
                    lag_hours=None if meta.get("lag_hours") is None else int(meta["lag_hours"]),
                    grain=str(meta.get("grain") or "target"),
                    split=bool(meta.get("split")),
                )
            )
        return cls(
            model_name=str(record["model_name"]),
            schema_hash=str(record["schema_hash"]),
            feature_columns=tuple(str(c) for c in _as_list(record["feature_columns"])),
            key_columns=tuple(str(c) for c in _as_list(record["key_columns"])),
            label_columns=tuple(str(c) for c in _as_list(record["label_columns"])),
            columns=tuple(described),
        )

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.model_name} has no column {name!r} in its recorded schema")

    def key(self, kind: str) -> str:
        """The key column declared `meta.key: <kind>` (entity, target_time, origin_time)."""
        found = [c.name for c in self.columns if c.role == "key" and c.key == kind]
        if len(found) != 1:
            raise ValueError(
                f"{self.model_name}: expected one key column with meta.key = {kind}, found "
                f"{found or 'none'}; declare it in the mart's contract YAML (and rebuild "
                "feature_schema_versions) [rule: task_columns]"
            )
        return found[0]

    def split_column(self) -> str:
        found = [c.name for c in self.columns if c.split]
        if len(found) != 1:
            raise ValueError(
                f"{self.model_name}: expected one column with meta.split = true "
                f"(the fixed split label), found {found or 'none'} "
                "[rule: task_columns]"
            )
        return found[0]

    def lags_of(self, source: str) -> dict[int, str]:
        """Feature columns declared `lag_of: <source>`, by lag in hours."""
        return {
            int(c.lag_hours): c.name
            for c in self.columns  # type: ignore[arg-type]
            if c.role == "feature" and c.lag_of == source and c.lag_hours is not None
        }

    def origin_grain(self) -> tuple[str, ...]:
        """Features with one value per forecast origin (meta.grain: origin)."""
        return tuple(c.name for c in self.columns if c.role == "feature" and c.grain == "origin")


def latest_schema(schema_versions: pd.DataFrame, model_name: str) -> FeatureSchema:
    """The newest recorded schema of `model_name` (feature_schema_versions rows)."""
    rows = schema_versions[schema_versions["model_name"] == model_name]
    if rows.empty:
        raise ValueError(
            f"feature_schema_versions has no row for {model_name}; build the mart "
            "first (dbt build --select +feature_schema_versions)"
        )
    return FeatureSchema.from_record(rows.sort_values("schema_version").iloc[-1].to_dict())


def feature_matrix(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Features as float64 (booleans 0/1, nulls NaN) in the given order."""
    return (
        np.column_stack([frame[c].to_numpy(dtype="float64", na_value=np.nan) for c in columns])
        if len(columns)
        else np.empty((len(frame), 0))
    )
