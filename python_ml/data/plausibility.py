"""Plausibility statistics for hourly day-ahead price series.

One function, :func:`plausibility_statistics`, computes the statistics that decide whether a
price series "looks like" a European day-ahead market: level and spread, tails, negative
hours, spikes, persistence (autocorrelation at 1 h, 24 h, 168 h), the link to residual load,
the peak / off-peak ratio and the renewable share. The same function is applied to the
synthetic OPSD sample (:func:`load_opsd_sample_frame`) and to real ENTSO-E data
(:func:`load_entsoe_deepforkit_frame`), so the two can be compared side by side.

Input frame: one zone, one row per hour, with columns (names are parameters)

- ``ts_utc``: hour start; used for ordering and for lags, which are taken on a complete
  hourly grid (missing hours become gaps, never shifted neighbours);
- ``local_hour``: hour of day in market local time (0-23), for the peak definition;
- ``price`` (EUR/MWh), ``load`` (MW), ``solar`` (MW), ``wind_onshore`` (MW) and optionally
  ``wind_offshore`` (MW). Missing values are allowed (NaN) and are skipped pairwise.

Definitions:

- ``residual load = load - solar - wind_onshore - wind_offshore`` (missing wind_offshore = 0);
- ``peak_offpeak_ratio``: mean price over local hours 08:00-19:59 divided by the mean price
  over the other hours (all days);
- ``renewable_share``: sum(solar + wind) / sum(load) over hours where all are present;
- ``spike_share``: share of hours whose price exceeds the trailing 28-day (672 h) mean plus
  2.5 trailing standard deviations; the window ends the hour before (needs >= 168 hours);
- ``acf_k``: Pearson correlation between price(t) and price(t - k hours).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "REAL_DE_TARGETS",
    "STATISTICS",
    "load_entsoe_deepforkit_frame",
    "load_opsd_sample_frame",
    "opsd_zone_frame",
    "plausibility_statistics",
]

#: Names of the statistics, in display order.
STATISTICS: tuple[str, ...] = (
    "price_mean",
    "price_sd",
    "price_p01",
    "price_p50",
    "price_p99",
    "negative_share",
    "spike_share",
    "acf_1",
    "acf_24",
    "acf_168",
    "corr_price_residual_load",
    "peak_offpeak_ratio",
    "renewable_share",
)

#: Germany 2016-2019, ENTSO-E (entsoe_deepforkit/DE.csv.gz, Price_DA, Load_AC, Sol_DA, Won_DA),
#: recomputed with :func:`plausibility_statistics` (see tests/python/test_opsd_sample.py).
REAL_DE_TARGETS: dict[str, float] = {
    "price_mean": 36.3,
    "price_sd": 16.9,
    "price_p01": -5.1,
    "price_p50": 35.6,
    "price_p99": 81.3,
    "negative_share": 0.017,
    "spike_share": 0.008,
    "acf_1": 0.954,
    "acf_24": 0.648,
    "acf_168": 0.562,
    "corr_price_residual_load": 0.639,
    "peak_offpeak_ratio": 1.202,
    "renewable_share": 0.230,
}

_PEAK_HOURS = range(8, 20)
_SPIKE_WINDOW_H = 28 * 24
_SPIKE_MIN_PERIODS_H = 7 * 24
_SPIKE_SD = 2.5


def plausibility_statistics(
    frame: pd.DataFrame,
    *,
    time_col: str = "ts_utc",
    local_hour_col: str = "local_hour",
    price_col: str = "price",
    load_col: str = "load",
    solar_col: str = "solar",
    wind_cols: tuple[str, ...] = ("wind_onshore", "wind_offshore"),
) -> dict[str, float]:
    """Compute the plausibility statistics of one zone's hourly series.

    Args:
        frame: one row per hour (see the module docstring); extra columns are ignored.
        time_col: hour-start timestamps, unique; the frame is put on a complete hourly grid.
        local_hour_col: hour of day in local market time (0-23).
        price_col: day-ahead price, EUR/MWh.
        load_col: actual load, MW.
        solar_col: solar generation, MW.
        wind_cols: wind generation columns, MW; absent columns are treated as zero.

    Returns:
        Statistic name -> value, keys in the order of :data:`STATISTICS`.

    Raises:
        ValueError: if a required column is missing or ``time_col`` has duplicates.
    """
    for col in (time_col, local_hour_col, price_col, load_col, solar_col):
        if col not in frame.columns:
            raise ValueError(f"frame: missing column {col!r}")
    if frame[time_col].duplicated().any():
        raise ValueError(f"frame: duplicate timestamps in {time_col!r}")

    data = frame.sort_values(time_col).set_index(time_col)
    grid = pd.date_range(data.index[0], data.index[-1], freq="h")
    data = data.reindex(grid)

    price = data[price_col].astype(float)
    load = data[load_col].astype(float)
    wind = sum((data[c].astype(float).fillna(0.0) if c in data.columns else 0.0) for c in wind_cols)
    renewables = data[solar_col].astype(float) + wind
    residual = load - renewables

    valid = price.dropna()
    stats: dict[str, float] = {
        "price_mean": float(valid.mean()),
        "price_sd": float(valid.std()),
        "price_p01": float(valid.quantile(0.01)),
        "price_p50": float(valid.quantile(0.50)),
        "price_p99": float(valid.quantile(0.99)),
        "negative_share": float((valid < 0).mean()),
    }

    trailing = price.shift(1).rolling(_SPIKE_WINDOW_H, min_periods=_SPIKE_MIN_PERIODS_H)
    threshold = trailing.mean() + _SPIKE_SD * trailing.std()
    judged = price.notna() & threshold.notna()
    stats["spike_share"] = float((price[judged] > threshold[judged]).mean())

    for lag in (1, 24, 168):
        stats[f"acf_{lag}"] = float(price.corr(price.shift(lag)))
    stats["corr_price_residual_load"] = float(price.corr(residual))

    hour = data[local_hour_col]
    is_peak = hour.isin(list(_PEAK_HOURS))
    has_hour = hour.notna()
    stats["peak_offpeak_ratio"] = float(price[is_peak].mean() / price[has_hour & ~is_peak].mean())

    both = load.notna() & renewables.notna()
    stats["renewable_share"] = float(renewables[both].sum() / load[both].sum())
    return {name: stats[name] for name in STATISTICS}


def load_opsd_sample_frame(time_series_path: Path | str, zone: str) -> pd.DataFrame:
    """Read one zone of an OPSD ``time_series_60min_singleindex.csv`` into the stats frame.

    Args:
        time_series_path: the OPSD-format CSV (real or generated).
        zone: bidding-zone prefix of the columns, e.g. ``"DE_LU"``.

    Returns:
        Columns ts_utc, local_hour, price, load, load_forecast, solar, wind_onshore,
        wind_offshore (NaN where the file is empty or lacks the column).

    Raises:
        ValueError: if the file has no column for ``zone``'s load.
    """
    raw = pd.read_csv(time_series_path, dtype=str, keep_default_na=False)
    return opsd_zone_frame(raw, zone, source=str(time_series_path))


def opsd_zone_frame(raw: pd.DataFrame, zone: str, source: str = "the frame") -> pd.DataFrame:
    """The stats frame of one zone of an OPSD time-series file already read as text
    (``dtype=str, keep_default_na=False``), so that a file is read once for many zones."""
    if f"{zone}_load_actual_entsoe_transparency" not in raw.columns:
        raise ValueError(f"zone: no columns for {zone!r} in {source}")

    def column(suffix: str) -> pd.Series:
        name = f"{zone}_{suffix}"
        if name not in raw.columns:
            return pd.Series(np.nan, index=raw.index)
        return pd.to_numeric(raw[name].replace("", np.nan))

    local = raw["cet_cest_timestamp"].str.slice(11, 13).astype(int)
    return pd.DataFrame(
        {
            "ts_utc": pd.to_datetime(raw["utc_timestamp"], utc=True),
            "local_hour": local,
            "price": column("price_day_ahead"),
            "load": column("load_actual_entsoe_transparency"),
            "load_forecast": column("load_forecast_entsoe_transparency"),
            "solar": column("solar_generation_actual"),
            "wind_onshore": column("wind_onshore_generation_actual"),
            "wind_offshore": column("wind_offshore_generation_actual"),
        }
    )


def load_entsoe_deepforkit_frame(
    path: Path | str, start: str = "2016-01-01", end: str = "2020-01-01"
) -> pd.DataFrame:
    """Read a real ENTSO-E zone file (``shared/data/real/entsoe_deepforkit/<ZONE>.csv.gz``).

    The file is on a naive CET/CEST grid with 24 rows per day (DST regularised), so the
    ``ts_utc`` column returned here is that local grid used as an hourly index; lags on it
    are exact hour counts except across DST switches. Exact zeros in load are missing values
    (the source filled gaps with 0); Sol_DA and Won_DA are day-ahead forecasts, the best
    available proxy for actual solar and onshore wind.

    Args:
        path: the gzipped CSV.
        start: first local day kept (inclusive).
        end: first local day dropped (exclusive).

    Returns:
        Columns ts_utc, local_hour, price, load, solar, wind_onshore, wind_offshore.
    """
    raw = pd.read_csv(path)
    ts = pd.to_datetime(raw.iloc[:, 0], format="%m/%d/%Y %H:%M")
    keep = (ts >= pd.Timestamp(start)) & (ts < pd.Timestamp(end))
    raw, ts = raw[keep.to_numpy()], ts[keep]
    offshore = raw["Woff_DA"] if "Woff_DA" in raw.columns else 0.0
    return pd.DataFrame(
        {
            "ts_utc": ts.to_numpy(),
            "local_hour": ts.dt.hour.to_numpy(),
            "price": raw["Price_DA"].to_numpy(dtype=float),
            "load": raw["Load_AC"].replace(0, np.nan).to_numpy(dtype=float),
            "solar": raw["Sol_DA"].to_numpy(dtype=float),
            "wind_onshore": raw["Won_DA"].to_numpy(dtype=float),
            "wind_offshore": np.asarray(offshore, dtype=float) * np.ones(len(raw)),
        }
    )
