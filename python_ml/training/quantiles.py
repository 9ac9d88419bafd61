"""Quantile forecasts of a regression task: the point forecast plus calibrated residuals.

A regression model forecasts the point; its quantiles are the point plus the empirical
quantiles of its residuals (label - point) on the calibration window, per entity, which
neither the fit, the early stopping nor the search saw (split-conformal intervals). An
entity without enough calibration rows uses the pooled residuals. Stored as plain numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

METHOD = "residual_quantiles"
POOLED = "ALL"
# an entity needs this many calibration rows for its own residual quantiles
MIN_ROWS = 48


@dataclass(frozen=True)
class QuantileMap:
    """Offsets to add to the point forecast, per entity and quantile column suffix."""

    levels: Mapping[str, float]
    offsets: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    @classmethod
    def fit(
        cls, y: np.ndarray, point: np.ndarray, entities: np.ndarray, levels: Mapping[str, float]
    ) -> QuantileMap:
        residual = np.asarray(y, dtype=float) - np.asarray(point, dtype=float)
        entities = np.asarray(entities).astype(str)

        def offsets(values: np.ndarray) -> dict[str, float]:
            return {s: float(np.quantile(values, q)) for s, q in levels.items()}

        out = {POOLED: offsets(residual)}
        for entity in sorted(set(entities.tolist())):
            mine = residual[entities == entity]
            if len(mine) >= MIN_ROWS:
                out[entity] = offsets(mine)
        return cls(dict(levels), out)

    def apply(self, point: np.ndarray, entities: np.ndarray) -> np.ndarray:
        """Quantile forecasts, one column per level in level order."""
        import pandas as pd

        point = np.asarray(point, dtype=float)
        keys = pd.Series(np.asarray(entities).astype(str))
        out = np.empty((len(point), len(self.levels)))
        for j, suffix in enumerate(self.levels):
            own = {e: v[suffix] for e, v in self.offsets.items() if e != POOLED}
            shift = keys.map(own).fillna(self.offsets[POOLED][suffix]).to_numpy(dtype=float)
            out[:, j] = point + shift
        return out

    def to_dict(self) -> dict[str, object]:
        return {
            "method": METHOD,
            "params": {
                "levels": dict(self.levels),
                "offsets": {k: dict(v) for k, v in self.offsets.items()},
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> QuantileMap:
        if data.get("method") != METHOD:
            raise ValueError(f"not a quantile map: method {data.get('method')!r}")
        params = dict(data.get("params") or {})  # type: ignore[call-overload]
        levels = dict(params["levels"])
        return cls(
            dict(sorted(levels.items(), key=lambda kv: kv[1])),
            {k: dict(v) for k, v in dict(params["offsets"]).items()},
        )
