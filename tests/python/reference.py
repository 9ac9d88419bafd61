"""An independent pandas implementation of a handful of spike-mart features.

Used only as the oracle of tests/python/test_feature_oracle.py, never by the product (the
benchmark's pandas engine runs the benchmark's own fixed workload). It starts from the raw
OPSD CSV files, not from the warehouse, and is written differently from the SQL on purpose:
time-based rolling windows on a reindexed UTC grid instead of row frames, availability by
binary search over publication times instead of anchor arithmetic, and pandas' own
time-zone handling.

Defaults mirror dbt_project.yml's vars (gate closure 12:00 local, price published 1 h after
it, actuals 1 h after the end of their hour, load forecasts 2 h before the gate closure,
spike rule mean + 2.5 sd over 672 h with at least 168 prices).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SERIES = {
    "price": "price_day_ahead",
    "load": "load_actual_entsoe_transparency",
    "load_forecast": "load_forecast_entsoe_transparency",
    "solar": "solar_generation_actual",
    "wind_onshore": "wind_onshore_generation_actual",
    "wind_offshore": "wind_offshore_generation_actual",
}

REFERENCE_COLUMNS = [
    "forecast_origin_ts_utc",
    "price_lag_24h",
    "price_lag_168h",
    "load_forecast_mw",
    "price_eur_mwh_mean_24h",
    "price_eur_mwh_std_168h",
    "load_actual_mw_mean_24h",
    "load_actual_mw_max_168h",
    "residual_load_mw_last",
    "hour_of_day",
    "day_of_week",
    "is_public_holiday",
    "spike_threshold_eur_mwh",
    "is_spike",
]


@dataclass(frozen=True)
class Availability:
    gate_closure_local: str = "12:00"
    price_delay_hours: int = 1
    actuals_delay_hours: int = 1
    load_forecast_lead_hours: int = 2
    spike_window_hours: int = 672
    spike_k_sd: float = 2.5
    spike_min_observations: int = 168


def read_zone_series(time_series_csv: Path, zone: str) -> pd.DataFrame:
    """The zone's raw series on a complete hourly UTC grid (first to last published value)."""
    header = pd.read_csv(time_series_csv, nrows=0).columns
    columns = {
        name: f"{zone}_{suffix}" for name, suffix in SERIES.items() if f"{zone}_{suffix}" in header
    }
    raw = pd.read_csv(time_series_csv, usecols=["utc_timestamp", *columns.values()])
    raw.index = pd.DatetimeIndex(pd.to_datetime(raw.pop("utc_timestamp"), utc=True))
    raw = raw.rename(columns={v: k for k, v in columns.items()}).astype(float)
    published = raw.dropna(how="all")
    grid = pd.date_range(published.index.min(), published.index.max(), freq="h")
    frame = raw.reindex(grid)
    for name in SERIES:
        if name not in frame:
            frame[name] = np.nan
    frame.attrs["published"] = set(columns)
    return frame


def gate_closure_utc(local_dates: pd.Series, tz: str, gate: str) -> pd.Series:
    """UTC gate closure of each delivery day: the day before, at the gate time, local."""
    naive = pd.to_datetime(local_dates) - pd.Timedelta(days=1) + pd.Timedelta(f"{gate}:00")
    return naive.dt.tz_localize(tz).dt.tz_convert("UTC")


def reference_features(
    time_series_csv: Path,
    zone: str,
    tz: str,
    holidays: set[pd.Timestamp] | None,
    rules: Availability = Availability(),
) -> pd.DataFrame:
    """One row per target hour of the zone's grid with the REFERENCE_COLUMNS."""
    frame = read_zone_series(time_series_csv, zone)
    hours = frame.index
    local = hours.tz_convert(tz)
    local_date = pd.Series(local.tz_localize(None).normalize(), index=hours)
    gate = gate_closure_utc(local_date, tz, rules.gate_closure_local)
    origin = gate.to_numpy()
    price_available = (gate + pd.Timedelta(hours=rules.price_delay_hours)).to_numpy()
    forecast_available = (gate - pd.Timedelta(hours=rules.load_forecast_lead_hours)).to_numpy()

    out = pd.DataFrame(index=hours)
    out["forecast_origin_ts_utc"] = gate.dt.tz_localize(None).to_numpy()

    # target-hour price lags: look the lagged timestamp up, keep it if public at the origin
    for lag in (24, 168):
        lagged = hours - pd.Timedelta(hours=lag)
        value = frame["price"].reindex(lagged).to_numpy()
        published = pd.Series(price_available, index=hours).reindex(lagged).to_numpy()
        out[f"price_lag_{lag}h"] = np.where(published <= origin, value, np.nan)

    out["load_forecast_mw"] = np.where(
        forecast_available <= origin, frame["load_forecast"].to_numpy(), np.nan
    )

    # origin-anchored windows: time-based rolling, read at the last public hour
    price = frame["price"]
    price_mean_24 = price.rolling("24h", min_periods=1).mean()
    price_std_168 = price.rolling("168h", min_periods=1).std()
    rule_mean = price.rolling(f"{rules.spike_window_hours}h", min_periods=1).mean()
    rule_std = price.rolling(f"{rules.spike_window_hours}h", min_periods=1).std()
    # prices: binary search for the last hour whose publication time is <= origin
    price_pos = np.searchsorted(price_available, origin, side="right") - 1
    price_ok = price_pos >= 0
    price_pos = np.clip(price_pos, 0, None)

    def at_price_anchor(series: pd.Series) -> np.ndarray:
        return np.where(price_ok, series.to_numpy()[price_pos], np.nan)

    out["price_eur_mwh_mean_24h"] = at_price_anchor(price_mean_24)
    out["price_eur_mwh_std_168h"] = at_price_anchor(price_std_168)
    rule_count = price.rolling(f"{rules.spike_window_hours}h", min_periods=1).count()
    threshold = np.where(
        at_price_anchor(rule_count) >= rules.spike_min_observations,
        at_price_anchor(rule_mean) + rules.spike_k_sd * at_price_anchor(rule_std),
        np.nan,
    )

    # actuals: known at the end of their hour plus the delay
    actual_available = (hours + pd.Timedelta(hours=1 + rules.actuals_delay_hours)).to_numpy()
    actual_pos = np.searchsorted(actual_available, origin, side="right") - 1
    actual_ok = actual_pos >= 0
    actual_pos = np.clip(actual_pos, 0, None)

    def at_actual_anchor(series: pd.Series) -> np.ndarray:
        return np.where(actual_ok, series.to_numpy()[actual_pos], np.nan)

    load = frame["load"]

    def generation(name: str) -> pd.Series | float:
        # a series the zone never publishes counts as none; a gap in one it does stays NaN
        return frame[name] if name in frame.attrs["published"] else 0.0

    residual = load - generation("solar") - generation("wind_onshore") - generation("wind_offshore")
    out["load_actual_mw_mean_24h"] = at_actual_anchor(load.rolling("24h", min_periods=1).mean())
    out["load_actual_mw_max_168h"] = at_actual_anchor(load.rolling("168h", min_periods=1).max())
    out["residual_load_mw_last"] = at_actual_anchor(residual)

    out["hour_of_day"] = local.hour
    out["day_of_week"] = local.day_of_week + 1
    out["is_public_holiday"] = (
        local_date.isin(holidays).to_numpy()
        if holidays is not None
        else pd.array([None] * len(hours), dtype="boolean")
    )
    out["spike_threshold_eur_mwh"] = threshold
    target_price = price.to_numpy()
    out["is_spike"] = pd.array(
        np.where(np.isnan(target_price) | np.isnan(threshold), None, target_price > threshold),
        dtype="boolean",
    )
    out.index = hours.tz_localize(None)
    out.index.name = "target_ts_utc"
    out.insert(0, "zone", zone)
    return out.reset_index()
