"""Drift references: the bins a model's Population Stability Index is measured against.

At training time each model stores, per entity (zone, settlement point), the quantile bin
edges of every feature on its training rows and of its score (calibrated probability or
point forecast) on its validation window, with the share of rows in each bin. (Scores on
the training rows are in-sample, sharper than any later score, and more so for some
families than others; the validation window was not fitted on.) The
reference never moves: PSI is computed later in SQL (models/monitoring/) from these stored
bins, so the warehouse, not Python, does the scanning.

Binning rule, shared by the SQL: with sorted distinct edges e_1 < ... < e_(k-1), a value v
falls in bin 1 + #{i : e_i < v}, so bin b covers (e_(b-1), e_b] with open ends; bin 0 holds
missing values. Quantile edges of a discrete feature collapse to its distinct values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from python_ml.features.schema import feature_matrix


def quantile_edges(values: np.ndarray, bins: int) -> np.ndarray:
    """Distinct interior cut points at the 1/bins .. (bins-1)/bins quantiles."""
    finite = values[np.isfinite(values)]
    if not len(finite) or bins < 2:
        return np.empty(0)
    cuts = np.quantile(finite, np.arange(1, bins) / bins)
    return np.unique(cuts)


def bin_index(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin of each value under the rule above (0 = missing)."""
    out = 1 + np.searchsorted(edges, values, side="left")
    return np.where(np.isfinite(values), out, 0)


def _bins(
    entity: str, kind: str, feature: str, values: np.ndarray, bins: int
) -> list[dict[str, object]]:
    edges = quantile_edges(values, bins)
    counts = np.bincount(bin_index(values, edges), minlength=len(edges) + 2)
    shares = counts / max(len(values), 1)
    rows = []
    for b, share in enumerate(shares):
        rows.append(
            {
                "entity": entity,
                "kind": kind,
                "feature": feature,
                "bin": b,
                "lower": float(edges[b - 2]) if b >= 2 else None,
                "upper": float(edges[b - 1]) if 1 <= b <= len(edges) else None,
                "expected_share": float(share),
                "reference_rows": int(len(values)),
            }
        )
    return rows


def feature_reference(
    frame: pd.DataFrame, columns: Sequence[str], bins: int, id_col: str = "zone"
) -> list[dict[str, object]]:
    """Per entity and feature: the bins of the training rows (`frame`)."""
    rows: list[dict[str, object]] = []
    for entity, part in frame.groupby(id_col, sort=True, observed=True):
        x = feature_matrix(part, columns)
        for j, name in enumerate(columns):
            rows.extend(_bins(str(entity), "feature", name, x[:, j], bins))
    return rows


def prediction_reference(
    entities: np.ndarray, score: np.ndarray, bins: int, score_column: str
) -> list[dict[str, object]]:
    """Per entity: the bins of the model's served score on its validation window."""
    rows: list[dict[str, object]] = []
    for entity in sorted(set(entities.tolist())):
        rows.extend(
            _bins(
                str(entity),
                "prediction",
                score_column,
                np.asarray(score[entities == entity], dtype=float),
                bins,
            )
        )
    return rows
