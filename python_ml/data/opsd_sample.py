"""Deterministic, physically plausible sample data in Open Power System Data's file format.

:func:`generate_opsd_sample` writes ``time_series_60min_singleindex.csv`` and ``weather_data.csv``
exactly as the OPSD ``time_series`` and ``weather_data`` packages lay them out, for a handful of
bidding zones, so the warehouse can be built and tested without a download.
:func:`append_opsd_sample` extends an existing sample by N hours like a live feed would.

Physical model
--------------
Everything is computed on an hourly UTC grid (``utc_timestamp`` is the hour start); local time is
Europe/Brussels (the ``cet_cest_timestamp`` column, DST-shifted). Per country (first two letters
of the zone) a weather model drives per zone a load, wind, solar and price model:

- **Sun**: solar declination, equation of time and hour angle (Spencer's series) give the sun
  elevation at the middle of each hour for the country's centroid; 0 at night.
- **Weather**: temperature = annual sinusoid (coldest around 20 January) + AR(1) anomaly with a
  ~4-day time scale (partly shared between countries) + diurnal cycle peaking at 15:00 solar time
  whose amplitude grows with sunshine. Cloudiness is an AR(1) latent (~18 h, partly shared)
  mapped to a clear-sky index (cloudier in winter). Global radiation = Haurwitz clear-sky
  irradiance x clear-sky index, split into diffuse (share falling with the clear-sky index) and
  direct horizontal; these are the weather file's radiation columns.
- **Load**: base level x hourly shape by local hour and day type (weekday / Saturday / Sunday
  and public holidays: night trough, morning ramp, midday plateau, evening peak) + heating
  (MW per degree below 15 degC of the 24 h-smoothed temperature; strong in FR) + cooling (above
  22 degC) + lighting (dark waking hours: winter evening peaks) x season factors (Christmas
  week; French August) x (1 + 1.5 % AR(1) noise). Load forecast = actual x (1 + AR(1) error),
  about 2 % MAPE.
- **Solar**: installed capacity (growing linearly in time) x performance ratio x radiation on a
  tilted plane from the same sun elevation and clear-sky index as the weather file.
- **Wind**: an Ornstein-Uhlenbeck latent per country (~30 h time scale, smoothed over ~5 h,
  correlated between countries) -> log-normal wind speed with a winter maximum -> logistic
  fleet power curve x installed capacity. Offshore uses a faster-moving latent correlated with
  onshore and a higher mean speed.
- **Price**: merit order of residual load ``R = load - solar - wind``. With ``m`` the must-run
  and ``C`` the available dispatchable capacity (nameplate minus AR(1) outages, more maintenance
  in summer), ``x = (R - m) / (C - m)``; for ``x >= 0`` the price is
  ``F * (a + b x^g + s exp((x - 1) / 0.035))`` (``g < 1``: Germany's flat coal-to-gas curve;
  ``g > 1``: France's cheap nuclear, then expensive winter peaks; the exponential term gives
  scarcity prices near capacity); for ``x < 0`` (renewables above must-run, e.g. sunny windy
  Sundays) it falls linearly below zero. ``F`` is the fuel-cost level shared by all zones (a
  slowly mean-reverting log random walk, ~4-month scale). Added on top, scaled by ``F``: a
  peak-hour premium (cycling costs, proportional to the load shape), hourly (~8 h) and daily
  (~30 h) AR(1) noise that is larger at low ``x``, and rare, short jumps (decaying by half each
  hour, exponential sizes) whose probability and size grow as ``x`` approaches 1. Zones are
  coupled through ``F``, correlated weather and a 20 % pull towards the zones' mean price; the
  result is clipped to the harmonised limits [-500, 3000] EUR/MWh.
- **Drift** (:class:`DriftRegime`): from its start, ramped in over 14 days, multiplies the fuel
  level (``fuel_price``: higher, more volatile prices), the installed wind and solar capacity
  (``renewables``) or the load (``load``). Hours before the start are byte-identical to the
  sample without drift.

OPSD quirks reproduced: sporadic single empty cells (~0.2 % per series) and a few multi-hour
outages; the zones after the first two (sorted) start ~7 % of the span later (at most 90 days);
the last local day holds load forecasts only (no actuals, prices or weather yet); plain
decimals without trailing zeros (MW as integers, prices with 2 decimals, weather with 3),
empty strings for missing values; columns sorted by zone, then variable, as OPSD sorts them
(so ``wind_offshore`` precedes ``wind_onshore``; zones without offshore wind have no column).

Determinism: every random innovation comes from ``np.random.default_rng([seed, key, stream,
day])`` with a CRC32 key of the zone or country and the absolute UTC day number, and every
recursion is causal from the fixed start, so an hour's values do not depend on the length of
the sample. Appending regenerates the longer sample and rewrites both files atomically; all rows
that had actuals before stay byte-identical.

Scale mode
----------
``SampleSpec(synthetic_zones=N)`` adds N synthetic zones ``SY_0001`` ... ``SY_<N>`` (see
:func:`scaled_zones`) for benchmarks of 10M+ zone-hours; :func:`generate_opsd_sample` then
delegates to :mod:`python_ml.data.scale`, a vectorised, block-streamed path (named zones in the
same spec keep their exact values). Samples without synthetic zones are unaffected.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from python_ml.data.files import atomic_write
from python_ml.data.holidays import public_holidays

__all__ = [
    "DEFAULT_OUT_DIR",
    "DEFAULT_ZONES",
    "SUPPORTED_ZONES",
    "SYNTHETIC_PREFIX",
    "DriftRegime",
    "SampleResult",
    "SampleSpec",
    "append_opsd_sample",
    "generate_opsd_sample",
    "scaled_zones",
]

DEFAULT_ZONES: tuple[str, ...] = ("DE_LU", "FR", "NL")
DEFAULT_OUT_DIR = Path("warehouse/raw/opsd")
TIME_SERIES_FILE = "time_series_60min_singleindex.csv"
WEATHER_FILE = "weather_data.csv"
SIDECAR_FILE = ".opsd_sample.json"
SIDECAR_VERSION = 1
LOCAL_TZ = "Europe/Brussels"
# region code of scale mode's synthetic zones (and of their one weather "country")
SYNTHETIC_PREFIX = "SY"

_DRIFT_RAMP_HOURS = 14 * 24
_PRICE_FLOOR, _PRICE_CAP = -500.0, 3000.0
# price model: peak premium and noise in EUR/MWh at fuel level 1; log-sd of the fuel level
_PEAK_PREMIUM, _NOISE_H, _NOISE_D, _NOISE_LOW_X, _FUEL_SD = 20.0, 3.0, 5.0, 2.0, 0.17
_OUTAGE_SD = 0.04  # sd of the unavailable share of dispatchable capacity
# spikes: tightness threshold, base and tight-system probability per hour, mean size
_SPIKE_X0, _SPIKE_P0, _SPIKE_P1, _SPIKE_SIZE = 0.6, 0.001, 0.03, 20.0


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class DriftRegime:
    """A structural change from ``start`` on, ramped in over 14 days.

    Attributes:
        start: ISO date (local midnight, Europe/Brussels) or timestamp (UTC if naive).
        kind: ``"fuel_price"`` multiplies the fuel-cost level, ``"renewables"`` the installed
            wind and solar capacity, ``"load"`` the load level.
        magnitude: the multiplier reached at the end of the ramp.
    """

    start: str
    kind: Literal["fuel_price", "renewables", "load"]
    magnitude: float

    def __post_init__(self) -> None:
        if self.kind not in ("fuel_price", "renewables", "load"):
            raise ValueError(
                f"kind: expected 'fuel_price', 'renewables' or 'load', got {self.kind!r}"
            )
        if not self.magnitude > 0:
            raise ValueError(f"magnitude: must be positive, got {self.magnitude!r}")
        _parse_instant(self.start)


@dataclass(frozen=True)
class SampleSpec:
    """What to generate.

    Attributes:
        zones: bidding zones (see :data:`SUPPORTED_ZONES`); columns are written sorted.
        start: first local delivery day (Europe/Brussels), ISO date.
        years: span in years (whole years are calendar years); ignored when ``days`` is set.
        days: span in local days, for small test samples.
        seed: base seed of every random stream.
        drift: optional structural change.
        hours_appended: hours of actuals added by :func:`append_opsd_sample` since generation.
        synthetic_zones: scale mode: this many synthetic zones (:func:`scaled_zones`) in
            addition to ``zones`` (which may then be empty); see :mod:`python_ml.data.scale`.
    """

    zones: tuple[str, ...] = DEFAULT_ZONES
    start: str = "2017-01-01"
    years: float = 3.0
    days: int | None = None
    seed: int = 42
    drift: DriftRegime | None = None
    hours_appended: int = 0
    synthetic_zones: int = 0

    def __post_init__(self) -> None:
        zones = tuple(self.zones)
        object.__setattr__(self, "zones", zones)
        if not isinstance(self.synthetic_zones, int) or self.synthetic_zones < 0:
            raise ValueError(
                f"synthetic_zones: must be an integer >= 0, got {self.synthetic_zones!r}"
            )
        if not zones and not self.synthetic_zones:
            raise ValueError("zones: at least one zone is required")
        unknown = [z for z in zones if z not in _ZONES]
        if unknown:
            raise ValueError(f"zones: unsupported {unknown}; supported are {sorted(_ZONES)}")
        if len(set(zones)) != len(zones):
            raise ValueError(f"zones: duplicates in {zones}")
        try:
            pd.Timestamp(self.start)
        except ValueError as error:
            raise ValueError(f"start: not an ISO date: {self.start!r}") from error
        if self.days is not None and self.days < 2:
            raise ValueError(f"days: at least 2 (one with actuals, one forecast), got {self.days}")
        if self.days is None and not self.years > 0:
            raise ValueError(f"years: must be positive, got {self.years}")
        if self.hours_appended < 0:
            raise ValueError(f"hours_appended: must be >= 0, got {self.hours_appended}")


@dataclass
class SampleResult:
    """What was written.

    Attributes:
        time_series_path: the OPSD ``time_series_60min_singleindex.csv``.
        weather_path: the OPSD ``weather_data.csv``.
        spec: the spec the files correspond to (also in the sidecar JSON).
        first_utc: first row's hour start.
        last_actual_utc: last hour with actuals and prices.
        last_forecast_utc: last row (load forecasts only after ``last_actual_utc``).
        rows: data rows in each file.
        zones: zones in column order.
    """

    time_series_path: Path
    weather_path: Path
    spec: SampleSpec
    first_utc: pd.Timestamp
    last_actual_utc: pd.Timestamp
    last_forecast_utc: pd.Timestamp
    rows: int
    zones: tuple[str, ...]


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class _Country:
    lat: float
    lon: float
    temp_mean: float  # annual mean, degC
    temp_amp: float  # half the summer-winter difference, degC
    temp_sd: float  # weather anomaly sd, degC
    cloud_bias: float  # higher = sunnier
    wind_speed: float  # annual mean hub-height speed onshore, m/s


@dataclass(frozen=True)
class _Zone:
    load_base_mw: float  # summer weekday-average level without heating
    heat_mw_per_c: float
    cool_mw_per_c: float
    lighting_share: float
    solar_mw: float  # installed on 2017-01-01
    solar_growth_mw_yr: float
    onshore_mw: float
    onshore_growth_mw_yr: float
    offshore_mw: float  # 0: no offshore column
    offshore_growth_mw_yr: float
    must_run_mw: float
    dispatchable_mw: float
    price_a: float  # EUR/MWh at must-run
    price_b: float  # linear slope over x in [0, 1]
    price_gamma: float  # curvature: < 1 concave, > 1 convex
    scarcity_amp: float  # EUR/MWh at x = 1
    negative_slope: float  # EUR/MWh per unit of x below 0
    august_dip: float = 0.0


_COUNTRIES: dict[str, _Country] = {
    "AT": _Country(47.6, 14.1, 8.0, 10.0, 3.2, 0.1, 5.6),
    "BE": _Country(50.6, 4.6, 10.8, 7.0, 3.0, -0.1, 6.6),
    "DE": _Country(51.1, 10.3, 9.6, 9.0, 3.2, -0.1, 6.3),
    "DK": _Country(56.0, 9.3, 8.6, 8.0, 2.8, -0.2, 7.6),
    "FR": _Country(46.6, 2.4, 12.3, 8.0, 3.0, 0.3, 6.1),
    "NL": _Country(52.2, 5.5, 10.6, 7.0, 2.9, -0.1, 7.0),
    # scale mode's synthetic region: a central-European mean climate (not a zone of its own)
    SYNTHETIC_PREFIX: _Country(50.5, 8.0, 10.0, 8.5, 3.0, 0.0, 6.5),
}

# fmt: off
_ZONES: dict[str, _Zone] = {
    "DE_LU": _Zone(
        load_base_mw=57_000, heat_mw_per_c=600, cool_mw_per_c=300, lighting_share=0.035,
        solar_mw=36_000, solar_growth_mw_yr=2_500, onshore_mw=34_000,
        onshore_growth_mw_yr=2_000, offshore_mw=4_000, offshore_growth_mw_yr=600,
        must_run_mw=22_000, dispatchable_mw=82_000, price_a=5.0, price_b=50.0,
        price_gamma=0.55, scarcity_amp=100.0, negative_slope=120.0,
    ),
    "FR": _Zone(
        load_base_mw=43_000, heat_mw_per_c=2_300, cool_mw_per_c=600, lighting_share=0.045,
        solar_mw=7_000, solar_growth_mw_yr=900, onshore_mw=12_000, onshore_growth_mw_yr=1_500,
        offshore_mw=0, offshore_growth_mw_yr=0, must_run_mw=22_000, dispatchable_mw=102_000,
        price_a=16.0, price_b=70.0, price_gamma=1.5, scarcity_amp=200.0, negative_slope=90.0,
        august_dip=0.08,
    ),
    "NL": _Zone(
        load_base_mw=11_300, heat_mw_per_c=150, cool_mw_per_c=60, lighting_share=0.035,
        solar_mw=2_200, solar_growth_mw_yr=1_400, onshore_mw=3_300, onshore_growth_mw_yr=300,
        offshore_mw=1_000, offshore_growth_mw_yr=150, must_run_mw=4_000,
        dispatchable_mw=18_500, price_a=16.0, price_b=36.0, price_gamma=1.0, scarcity_amp=140.0,
        negative_slope=90.0,
    ),
    "BE": _Zone(
        load_base_mw=9_300, heat_mw_per_c=140, cool_mw_per_c=60, lighting_share=0.035,
        solar_mw=3_600, solar_growth_mw_yr=500, onshore_mw=2_000, onshore_growth_mw_yr=250,
        offshore_mw=900, offshore_growth_mw_yr=400, must_run_mw=4_500, dispatchable_mw=16_000,
        price_a=15.0, price_b=36.0, price_gamma=1.0, scarcity_amp=160.0, negative_slope=90.0,
    ),
    "DK_1": _Zone(
        load_base_mw=2_300, heat_mw_per_c=25, cool_mw_per_c=0, lighting_share=0.04,
        solar_mw=600, solar_growth_mw_yr=150, onshore_mw=3_600, onshore_growth_mw_yr=100,
        offshore_mw=850, offshore_growth_mw_yr=100, must_run_mw=600, dispatchable_mw=6_000,
        price_a=5.0, price_b=45.0, price_gamma=0.7, scarcity_amp=120.0, negative_slope=60.0,
    ),
    "AT": _Zone(
        load_base_mw=7_000, heat_mw_per_c=120, cool_mw_per_c=40, lighting_share=0.035,
        solar_mw=1_100, solar_growth_mw_yr=200, onshore_mw=2_700, onshore_growth_mw_yr=200,
        offshore_mw=0, offshore_growth_mw_yr=0, must_run_mw=2_500, dispatchable_mw=14_000,
        price_a=10.0, price_b=40.0, price_gamma=0.8, scarcity_amp=140.0, negative_slope=90.0,
    ),
}
# fmt: on

SUPPORTED_ZONES: tuple[str, ...] = tuple(sorted(_ZONES))


def scaled_zones(n: int) -> tuple[str, ...]:
    """Codes of scale mode's ``n`` synthetic zones: ``SY_0001`` ... (zero-padded, >= 4 digits).

    They sort after every named zone, and the staging regex ``^(.+?)_((load|...)_.+)$``
    splits ``SY_0001_load_actual_entsoe_transparency`` into zone ``SY_0001`` and the variable.
    """
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"n: must be an integer >= 0, got {n!r}")
    width = max(4, len(str(n)))
    return tuple(f"{SYNTHETIC_PREFIX}_{i:0{width}d}" for i in range(1, n + 1))


# Relative load by local hour; weekday mean is 1.
# fmt: off
_WEEKDAY_SHAPE = np.array(
    [0.80, 0.77, 0.75, 0.75, 0.77, 0.83, 0.93, 1.03, 1.09, 1.12, 1.14, 1.15,
     1.14, 1.12, 1.09, 1.07, 1.06, 1.07, 1.09, 1.09, 1.05, 0.99, 0.93, 0.87]
)
_SATURDAY_SHAPE = np.array(
    [0.81, 0.77, 0.74, 0.73, 0.73, 0.75, 0.79, 0.85, 0.92, 0.97, 1.00, 1.02,
     1.01, 0.98, 0.95, 0.93, 0.93, 0.95, 0.98, 0.99, 0.97, 0.93, 0.89, 0.84]
)
_SUNDAY_SHAPE = np.array(
    [0.79, 0.75, 0.72, 0.70, 0.69, 0.69, 0.71, 0.75, 0.80, 0.86, 0.90, 0.92,
     0.91, 0.88, 0.86, 0.85, 0.86, 0.89, 0.93, 0.95, 0.94, 0.90, 0.86, 0.81]
)
# fmt: on

_COLUMN_VARIABLES: tuple[tuple[str, str], ...] = (
    ("load_actual", "load_actual_entsoe_transparency"),
    ("load_forecast", "load_forecast_entsoe_transparency"),
    ("price", "price_day_ahead"),
    ("solar", "solar_generation_actual"),
    ("wind_offshore", "wind_offshore_generation_actual"),
    ("wind_onshore", "wind_onshore_generation_actual"),
)
_DECIMALS = {
    "load_actual": 0,
    "load_forecast": 0,
    "price": 2,
    "solar": 0,
    "wind_offshore": 0,
    "wind_onshore": 0,
}
# sporadic empty-cell probability per hour, multi-hour outages per day
_MISSING_RATES = {
    "load_actual": (0.002, 1 / 500),
    "load_forecast": (0.001, 0.0),
    "price": (0.0005, 1 / 1500),
    "solar": (0.002, 1 / 400),
    "wind_offshore": (0.002, 1 / 400),
    "wind_onshore": (0.002, 1 / 500),
}

# random stream ids
_S_TEMP, _S_CLOUD, _S_WIND, _S_CLOUD_FAST = 1, 2, 3, 4
_S_LOAD, _S_FCST, _S_OFFSHORE, _S_OUTAGE, _S_PRICE_H, _S_PRICE_D, _S_SOLAR = range(10, 17)
_S_FUEL = 30
_S_SPIKE = 40
_S_MISSING = 100
_SHARED_KEY = 0


# --------------------------------------------------------------------------- public API


def generate_opsd_sample(
    out_dir: Path | str = DEFAULT_OUT_DIR,
    spec: SampleSpec = SampleSpec(),  # noqa: B008 - frozen, immutable default
    *,
    progress: bool = False,
) -> SampleResult:
    """Write the OPSD time series and weather files for ``spec`` into ``out_dir``.

    Both files and the sidecar ``.opsd_sample.json`` are replaced atomically. The same spec
    always gives byte-identical files. A spec with ``synthetic_zones`` is written by the
    streaming scale mode (:func:`python_ml.data.scale.generate_scaled_sample`).

    Args:
        out_dir: target folder, created if needed.
        spec: zones, span, seed, drift.
        progress: show progress on stderr.

    Returns:
        Paths, time range and row count of what was written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if spec.synthetic_zones:
        from python_ml.data.scale import generate_scaled_sample

        return generate_scaled_sample(out_dir, spec, progress=progress)
    grid = _Grid.from_spec(spec)
    ts_text, weather_text = _render(spec, grid, progress=progress)
    ts_path = out_dir / TIME_SERIES_FILE
    weather_path = out_dir / WEATHER_FILE
    atomic_write(ts_path, ts_text)
    atomic_write(weather_path, weather_text)
    _write_sidecar(out_dir, spec, grid, _sha256(ts_text), _sha256(weather_text))
    return SampleResult(
        time_series_path=ts_path,
        weather_path=weather_path,
        spec=spec,
        first_utc=grid.first_utc,
        last_actual_utc=grid.last_actual_utc,
        last_forecast_utc=grid.last_forecast_utc,
        rows=grid.n,
        zones=tuple(sorted(spec.zones)),
    )


def append_opsd_sample(
    out_dir: Path | str,
    hours: int,
    *,
    drift: DriftRegime | None = None,
    progress: bool = False,
) -> SampleResult:
    """Extend a generated sample by ``hours`` hours of actuals, like a live feed.

    Reads the sidecar written by :func:`generate_opsd_sample`, checks that the files on disk
    are the ones it describes, and rewrites both files atomically: rows that had actuals are
    unchanged byte for byte, forecast-only rows within the new range get their actuals, and
    load forecasts again run to the end of the local day after the last actual hour.

    Args:
        out_dir: folder holding the sample and its sidecar.
        hours: hours to add (> 0).
        drift: a regime to start now; its start must be after the current last actual hour,
            and the sample must not have one already.
        progress: show progress on stderr.

    Returns:
        The new state of the sample.

    Raises:
        FileNotFoundError: if the sidecar or a data file is missing.
        ValueError: if ``hours`` or ``drift`` is invalid or the files do not match the sidecar.
    """
    out_dir = Path(out_dir)
    if not isinstance(hours, int) or hours <= 0:
        raise ValueError(f"hours: must be a positive integer, got {hours!r}")
    sidecar_path = out_dir / SIDECAR_FILE
    if not sidecar_path.is_file():
        raise FileNotFoundError(
            f"{sidecar_path}: sidecar missing; append works only on a sample written by "
            "generate_opsd_sample"
        )
    sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
    if sidecar.get("version") != SIDECAR_VERSION:
        raise ValueError(
            f"{sidecar_path}: sidecar version {sidecar.get('version')!r}, "
            f"expected {SIDECAR_VERSION}; regenerate the sample"
        )
    spec = _spec_from_json(sidecar["spec"])
    _check_files_match(out_dir, spec, sidecar)

    if drift is not None:
        if spec.drift is not None:
            raise ValueError(f"drift: the sample already has a drift regime {spec.drift}")
        current = _Grid.from_spec(spec)
        if _parse_instant(drift.start) <= current.last_actual_utc:
            raise ValueError(
                f"drift: start {drift.start} is not after the last actual hour "
                f"{_iso_utc(current.last_actual_utc)}; published actuals cannot change"
            )
    new_spec = dataclasses.replace(
        spec, hours_appended=spec.hours_appended + hours, drift=drift or spec.drift
    )
    return generate_opsd_sample(out_dir, new_spec, progress=progress)


# --------------------------------------------------------------------------- time grid


@dataclass(frozen=True)
class _Grid:
    first_utc: pd.Timestamp
    last_actual_utc: pd.Timestamp
    last_forecast_utc: pd.Timestamp
    base_days: int  # local days of the fresh sample (for proportional quirks)
    index: pd.DatetimeIndex

    @property
    def n(self) -> int:
        return len(self.index)

    @classmethod
    def from_spec(cls, spec: SampleSpec) -> _Grid:
        start_local = pd.Timestamp(spec.start).normalize().tz_localize(LOCAL_TZ)
        if spec.days is not None:
            end_local = start_local + pd.DateOffset(days=spec.days)
        elif float(spec.years).is_integer():
            end_local = start_local + pd.DateOffset(years=int(spec.years))
        else:
            end_local = start_local + pd.DateOffset(days=round(spec.years * 365.25))
        base_days = (end_local.date() - start_local.date()).days
        if base_days < 2:
            raise ValueError(f"spec: span of {base_days} day(s); at least 2 are needed")
        # fresh sample: actuals through the end of the second-to-last local day
        last_actual = (end_local - pd.DateOffset(days=1)).tz_convert("UTC") - pd.Timedelta("1h")
        last_actual = last_actual + pd.Timedelta(hours=spec.hours_appended)
        last_local_day = last_actual.tz_convert(LOCAL_TZ).normalize()
        last_forecast = (last_local_day + pd.DateOffset(days=2)).tz_convert("UTC") - pd.Timedelta(
            "1h"
        )
        first = start_local.tz_convert("UTC")
        index = pd.date_range(first, last_forecast, freq="h")
        return cls(first, last_actual, last_forecast, base_days, index)


# --------------------------------------------------------------------------- randomness


def _key(kind: str, name: str) -> int:
    """Stable 32-bit key of a zone or country (CRC32, identical in every process)."""
    return zlib.crc32(f"{kind}:{name}".encode())


def _daily_draws(
    seed: int, key: int, stream: int, epoch_hours: np.ndarray, draw: str
) -> np.ndarray:
    """One draw per hour from a generator keyed by the absolute UTC day, so an hour's value
    never depends on where the sample starts or ends. draw: a numpy Generator method."""
    days = epoch_hours // 24
    first_day, last_day = int(days[0]), int(days[-1])
    block = np.empty((last_day - first_day + 1, 24))
    for i, day in enumerate(range(first_day, last_day + 1)):
        block[i] = getattr(np.random.default_rng([seed, key, stream, day]), draw)(24)
    return block.reshape(-1)[epoch_hours - first_day * 24]


def _normals(seed: int, key: int, stream: int, epoch_hours: np.ndarray) -> np.ndarray:
    """Standard normal innovation per hour."""
    return _daily_draws(seed, key, stream, epoch_hours, "standard_normal")


def _uniforms(seed: int, key: int, stream: int, epoch_hours: np.ndarray) -> np.ndarray:
    """Uniform [0, 1) draw per hour."""
    return _daily_draws(seed, key, stream, epoch_hours, "random")


def _ar1(innovations: np.ndarray, tau_hours: float) -> np.ndarray:
    """Stationary unit-variance AR(1) with e-folding time ``tau_hours``, started at x0 = e0."""
    phi = math.exp(-1.0 / tau_hours)
    drive = innovations * math.sqrt(1.0 - phi * phi)
    drive[0] = innovations[0]
    return lfilter([1.0], [1.0, -phi], drive)


def _smooth_ar(innovations: np.ndarray, tau_hours: float, smooth_hours: float) -> np.ndarray:
    """Unit-variance AR(1) passed through a second AR(1) stage: smooth from hour to hour."""
    slow = _ar1(innovations, tau_hours)
    phi1, phi2 = math.exp(-1.0 / tau_hours), math.exp(-1.0 / smooth_hours)
    drive = slow * math.sqrt(1.0 - phi2 * phi2)
    drive[0] = slow[0]
    out = lfilter([1.0], [1.0, -phi2], drive)
    return out / math.sqrt((1.0 + phi1 * phi2) / (1.0 - phi1 * phi2))


def _ema(values: np.ndarray, tau_hours: float) -> np.ndarray:
    """Causal exponential smoothing started at the first value."""
    alpha = 1.0 - math.exp(-1.0 / tau_hours)
    out, _ = lfilter([alpha], [1.0, alpha - 1.0], values, zi=[(1.0 - alpha) * values[0]])
    return out


# --------------------------------------------------------------------------- physics


@dataclass
class _Calendar:
    epoch_hours: np.ndarray
    years_since_2017: np.ndarray
    doy: np.ndarray  # fractional day of year (UTC)
    utc_hour: np.ndarray
    local_hour: np.ndarray
    day_type: np.ndarray  # 0 weekday, 1 Saturday, 2 Sunday
    local_date: pd.DatetimeIndex
    local_text: list[str]
    utc_text: list[str]

    @classmethod
    def from_index(cls, index: pd.DatetimeIndex) -> _Calendar:
        epoch_hours = np.asarray(
            (index - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta("1h"), dtype=np.int64
        )
        local = index.tz_convert(LOCAL_TZ)
        weekday = np.asarray(local.day_of_week)
        day_type = np.where(weekday == 6, 2, np.where(weekday == 5, 1, 0))
        offsets = local.strftime("%z")
        local_text = [
            f"{stamp}{offset}"
            for stamp, offset in zip(local.strftime("%Y-%m-%dT%H:%M:%S"), offsets, strict=True)
        ]
        years = (index - pd.Timestamp("2017-01-01", tz="UTC")) / pd.Timedelta(days=365.25)
        return cls(
            epoch_hours=epoch_hours,
            years_since_2017=np.asarray(years, dtype=float),
            doy=np.asarray(index.day_of_year, dtype=float) + np.asarray(index.hour) / 24.0,
            utc_hour=np.asarray(index.hour, dtype=float),
            local_hour=np.asarray(local.hour),
            day_type=day_type,
            local_date=local.tz_localize(None).normalize(),
            local_text=local_text,
            utc_text=list(index.strftime("%Y-%m-%dT%H:%M:%SZ")),
        )


def _sun_elevation(cal: _Calendar, lat: float, lon: float) -> np.ndarray:
    """Sun elevation (radians) at the middle of each UTC hour (Spencer's series)."""
    gamma = 2 * np.pi / 365.0 * (cal.doy - 1.0 + (cal.utc_hour + 0.5 - 12.0) / 24.0)
    decl = (
        0.006918
        - 0.399912 * np.cos(gamma)
        + 0.070257 * np.sin(gamma)
        - 0.006758 * np.cos(2 * gamma)
        + 0.000907 * np.sin(2 * gamma)
        - 0.002697 * np.cos(3 * gamma)
        + 0.00148 * np.sin(3 * gamma)
    )
    eqtime = 229.18 * (
        0.000075
        + 0.001868 * np.cos(gamma)
        - 0.032077 * np.sin(gamma)
        - 0.014615 * np.cos(2 * gamma)
        - 0.040849 * np.sin(2 * gamma)
    )
    solar_minutes = (cal.utc_hour + 0.5) * 60.0 + eqtime + 4.0 * lon
    hour_angle = np.radians(solar_minutes / 4.0 - 180.0)
    phi = math.radians(lat)
    sin_elev = np.sin(phi) * np.sin(decl) + np.cos(phi) * np.cos(decl) * np.cos(hour_angle)
    return np.arcsin(np.clip(sin_elev, -1.0, 1.0))


@dataclass
class _Weather:
    temperature: np.ndarray
    temperature_smooth: np.ndarray
    direct: np.ndarray
    diffuse: np.ndarray
    clear_index: np.ndarray
    elevation: np.ndarray
    wind_latent: np.ndarray


def _weather(spec: SampleSpec, cal: _Calendar, country: str) -> _Weather:
    par = _COUNTRIES[country]
    seed, own, hours = spec.seed, _key("country", country), cal.epoch_hours

    def mixed(stream: int, tau: float, rho: float, smooth: float) -> np.ndarray:
        shared = _smooth_ar(_normals(seed, _SHARED_KEY, stream, hours), tau, smooth)
        local = _smooth_ar(_normals(seed, own, stream, hours), tau, smooth)
        return math.sqrt(rho) * shared + math.sqrt(1.0 - rho) * local

    season = np.cos(2 * np.pi * (cal.doy - 20.0) / 365.25)  # +1 mid-winter, -1 mid-summer
    elevation = _sun_elevation(cal, par.lat, par.lon)
    sin_elev = np.sin(elevation)

    cloud = mixed(_S_CLOUD, 18.0, 0.5, 2.0) + 0.35 * _ar1(
        _normals(seed, own, _S_CLOUD_FAST, hours), 3.0
    )
    clear_index = 0.12 + 0.88 / (1.0 + np.exp(-(1.5 * cloud + par.cloud_bias - 0.55 * season)))
    ghi_clear = np.where(
        sin_elev > 0.0, 1098.0 * sin_elev * np.exp(-0.057 / np.maximum(sin_elev, 1e-3)), 0.0
    )
    ghi = ghi_clear * clear_index
    diffuse_fraction = 0.12 + 0.88 * (1.0 - clear_index) ** 1.3
    diffuse = ghi * diffuse_fraction
    direct = ghi - diffuse

    anomaly = mixed(_S_TEMP, 96.0, 0.6, 6.0) * par.temp_sd
    sunny = _ema(clear_index, 24.0)
    solar_hour = (cal.utc_hour + 0.5 + par.lon / 15.0) % 24.0
    diurnal_range = 3.0 + 8.0 * sunny * (1.0 - 0.4 * season)
    temperature = (
        par.temp_mean
        - par.temp_amp * season
        + anomaly
        + 0.5 * diurnal_range * np.cos(2 * np.pi * (solar_hour - 15.0) / 24.0)
    )
    return _Weather(
        temperature=temperature,
        temperature_smooth=_ema(temperature, 24.0),
        direct=direct,
        diffuse=diffuse,
        clear_index=clear_index,
        elevation=elevation,
        wind_latent=mixed(_S_WIND, 30.0, 0.6, 5.0),
    )


def _drift_factor(spec: SampleSpec, index: pd.DatetimeIndex, kind: str) -> np.ndarray:
    factor = np.ones(len(index))
    if spec.drift is None or spec.drift.kind != kind:
        return factor
    start = _parse_instant(spec.drift.start)
    elapsed = np.asarray((index - start) / pd.Timedelta("1h"), dtype=float)
    ramp = np.clip(elapsed / _DRIFT_RAMP_HOURS, 0.0, 1.0)
    return 1.0 + (spec.drift.magnitude - 1.0) * ramp


def _holidays(country: str, years: range) -> set[pd.Timestamp]:
    """National public holidays, from the same rules as the warehouse's holiday seed."""
    days = public_holidays(country, years.start, years.stop - 1)
    return {pd.Timestamp(day) for day, _name in days}


def _zone_series(
    spec: SampleSpec, cal: _Calendar, index: pd.DatetimeIndex, zone: str, wx: _Weather
) -> dict[str, np.ndarray]:
    """Load, forecast, solar, wind and the price inputs of one zone (price added later)."""
    par = _ZONES[zone]
    country = zone[:2]
    seed, key, hours = spec.seed, _key("zone", zone), cal.epoch_hours

    # ---- load
    day_type = cal.day_type.copy()
    years = range(int(cal.local_date.year.min()), int(cal.local_date.year.max()) + 1)
    is_holiday = cal.local_date.isin(list(_holidays(country, years)))
    day_type[is_holiday] = 2
    shapes = np.stack([_WEEKDAY_SHAPE, _SATURDAY_SHAPE, _SUNDAY_SHAPE])
    shape = shapes[day_type, cal.local_hour]
    heat = par.heat_mw_per_c * np.maximum(15.0 - wx.temperature_smooth, 0.0)
    cool = par.cool_mw_per_c * np.maximum(wx.temperature_smooth - 22.0, 0.0)
    dark = np.clip((0.05 - wx.elevation) / 0.1, 0.0, 1.0)
    awake = (cal.local_hour >= 6) & (cal.local_hour <= 22)
    lighting = par.lighting_share * par.load_base_mw * dark * awake
    local_doy = np.asarray(cal.local_date.day_of_year, dtype=float)
    christmas = ((cal.local_date.month == 12) & (cal.local_date.day >= 24)) | (
        (cal.local_date.month == 1) & (cal.local_date.day == 1)
    )
    season_factor = (
        1.0
        - 0.07 * np.asarray(christmas, dtype=float)
        - par.august_dip * np.exp(-0.5 * ((local_doy - 224.0) / 9.0) ** 2)
    )
    noise = 0.015 * _ar1(_normals(seed, key, _S_LOAD, hours), 8.0)
    load = (
        (par.load_base_mw * shape * season_factor + heat + cool + lighting)
        * (1.0 + noise)
        * _drift_factor(spec, index, "load")
    )
    forecast_error = 0.024 * _ar1(_normals(seed, key, _S_FCST, hours), 5.0)
    load_forecast = load * (1.0 + forecast_error)

    # ---- renewables
    re_drift = _drift_factor(spec, index, "renewables")
    growth = np.maximum(cal.years_since_2017, -3.0)

    def capacity(mw: float, growth_mw: float) -> np.ndarray:
        return np.maximum(mw + growth_mw * growth, 0.3 * mw) * re_drift

    tilt_gain = np.clip(
        np.sin(wx.elevation + math.radians(30.0)) / np.maximum(np.sin(wx.elevation), 0.05),
        0.0,
        3.0,
    )
    plane = wx.direct * tilt_gain + wx.diffuse
    solar_noise = 1.0 + 0.02 * _ar1(_normals(seed, key, _S_SOLAR, hours), 2.0)
    solar_cf = np.clip(0.62 * plane / 1000.0 * solar_noise, 0.0, 0.75)
    solar = capacity(par.solar_mw, par.solar_growth_mw_yr) * solar_cf

    season = np.cos(2 * np.pi * (cal.doy - 20.0) / 365.25)
    mean_speed = _COUNTRIES[country].wind_speed * (1.0 + 0.13 * season)
    sigma = 0.33
    speed = mean_speed * np.exp(sigma * wx.wind_latent - 0.5 * sigma * sigma)
    onshore = capacity(par.onshore_mw, par.onshore_growth_mw_yr) * _power_curve(speed)
    offshore_latent = 0.8 * wx.wind_latent + 0.6 * _smooth_ar(
        _normals(seed, key, _S_OFFSHORE, hours), 12.0, 3.0
    )
    offshore_speed = 1.35 * mean_speed * np.exp(sigma * offshore_latent - 0.5 * sigma * sigma)
    offshore = capacity(par.offshore_mw, par.offshore_growth_mw_yr) * _power_curve(offshore_speed)
    return {
        "load_actual": load,
        "load_forecast": load_forecast,
        "solar": solar,
        "wind_onshore": onshore,
        "wind_offshore": offshore,
        "peak_shape": shape - shapes[day_type].mean(axis=1),
    }


def _power_curve(speed: np.ndarray) -> np.ndarray:
    """Aggregated fleet power curve: logistic between cut-in (~3 m/s) and rated (~13 m/s)."""
    raw = 1.0 / (1.0 + np.exp(-(speed - 9.5) / 2.1))
    floor = 1.0 / (1.0 + math.exp(9.5 / 2.1))
    return np.clip((raw - floor) / (1.0 - floor), 0.0, 0.9)


def _fuel_level(spec: SampleSpec, cal: _Calendar, index: pd.DatetimeIndex) -> np.ndarray:
    """Shared fuel-cost level: slowly mean-reverting log random walk (~4-month time scale)."""
    walk = _ar1(_normals(spec.seed, _SHARED_KEY, _S_FUEL, cal.epoch_hours), 120.0 * 24.0)
    return np.exp(_FUEL_SD * walk) * _drift_factor(spec, index, "fuel_price")


def _prices(
    spec: SampleSpec,
    cal: _Calendar,
    zones: tuple[str, ...],
    series: dict[str, dict[str, np.ndarray]],
    fuel: np.ndarray,
) -> dict[str, np.ndarray]:
    season = np.cos(2 * np.pi * (cal.doy - 20.0) / 365.25)
    own: dict[str, np.ndarray] = {}
    for zone in zones:
        par, data = _ZONES[zone], series[zone]
        key = _key("zone", zone)
        residual = (
            data["load_actual"] - data["solar"] - data["wind_onshore"] - data["wind_offshore"]
        )
        outage = (
            0.06
            + 0.04 * (1.0 - season) / 2.0
            + _OUTAGE_SD * _ar1(_normals(spec.seed, key, _S_OUTAGE, cal.epoch_hours), 10.0 * 24.0)
        )
        available = par.dispatchable_mw * (1.0 - np.clip(outage, 0.0, 0.25))
        x = (residual - par.must_run_mw) / (available - par.must_run_mw)
        xp = np.maximum(x, 0.0)
        merit = fuel * (
            par.price_a
            + par.price_b * xp**par.price_gamma
            + par.scarcity_amp * np.exp(np.minimum((x - 1.0) / 0.035, 4.0))
        )
        merit = np.where(x < 0.0, fuel * par.price_a + par.negative_slope * x, merit)
        # cycling / start-up costs of plants committed only for the daily load peaks
        premium = fuel * _PEAK_PREMIUM * data["peak_shape"]
        noise_scale = 1.0 + _NOISE_LOW_X * np.clip((0.15 - x) / 0.3, 0.0, 1.0)
        noise = _NOISE_H * _ar1(_normals(spec.seed, key, _S_PRICE_H, cal.epoch_hours), 8.0)
        noise += _NOISE_D * _ar1(_normals(spec.seed, key, _S_PRICE_D, cal.epoch_hours), 30.0)
        spikes = _spikes(spec, cal, key, x)
        own[zone] = merit + premium + fuel * (noise * noise_scale + spikes)
    mean = np.mean(np.stack([own[z] for z in zones]), axis=0)
    coupling = 0.2 if len(zones) > 1 else 0.0
    return {
        z: np.clip((1.0 - coupling) * own[z] + coupling * mean, _PRICE_FLOOR, _PRICE_CAP)
        for z in zones
    }


def _spikes(spec: SampleSpec, cal: _Calendar, key: int, x: np.ndarray) -> np.ndarray:
    """Rare, short price jumps (EUR/MWh at F = 1), likelier and larger when the system is tight.

    Each hour draws a uniform and an exponential size from the zone's spike stream; a jump
    starts where the uniform is below ``p(x)`` and decays by half every hour.
    """
    uniform = _uniforms(spec.seed, key, _S_SPIKE, cal.epoch_hours)
    size = -np.log1p(-_uniforms(spec.seed, key, _S_SPIKE + 1, cal.epoch_hours))
    tight = np.clip((x - _SPIKE_X0) / (1.0 - _SPIKE_X0), 0.0, 1.0)
    probability = _SPIKE_P0 + _SPIKE_P1 * tight
    jumps = np.where(uniform < probability, _SPIKE_SIZE * size * (1.0 + 4.0 * tight), 0.0)
    return lfilter([1.0], [1.0, -0.5], jumps)


def _missing_mask(
    spec: SampleSpec, cal: _Calendar, zone: str, variable_index: int, variable: str
) -> np.ndarray:
    """Empty cells: sporadic single hours plus rare multi-hour outages, keyed per UTC day."""
    single_rate, outage_rate = _MISSING_RATES[variable]
    hours = cal.epoch_hours
    first_day, last_day = int(hours[0] // 24), int(hours[-1] // 24)
    key = _key("zone", zone)
    n_days = last_day - first_day + 1
    mask = np.zeros(n_days * 24 + 48, dtype=bool)
    for i, day in enumerate(range(first_day, last_day + 1)):
        rng = np.random.default_rng([spec.seed, key, _S_MISSING + variable_index, day])
        draws = rng.random(27)
        mask[i * 24 : i * 24 + 24] |= draws[:24] < single_rate
        if draws[24] < outage_rate:
            begin = i * 24 + int(draws[25] * 24)
            mask[begin : begin + 3 + int(draws[26] * 10)] = True
    return mask[hours - first_day * 24]


# --------------------------------------------------------------------------- rendering


def _column_names(zones: tuple[str, ...]) -> list[str]:
    names = ["utc_timestamp", "cet_cest_timestamp"]
    for zone in sorted(zones):
        for variable, suffix in _COLUMN_VARIABLES:
            if variable == "wind_offshore" and _ZONES[zone].offshore_mw == 0:
                continue
            names.append(f"{zone}_{suffix}")
    return names


def _weather_column_names(zones: tuple[str, ...]) -> list[str]:
    names = ["utc_timestamp"]
    for country in sorted({z[:2] for z in zones}):
        names += [
            f"{country}_temperature",
            f"{country}_radiation_direct_horizontal",
            f"{country}_radiation_diffuse_horizontal",
        ]
    return names


def _format(values: np.ndarray, decimals: int, blank: np.ndarray) -> list[str]:
    """OPSD-style plain decimals without trailing zeros ("53", "60.9"); "" where ``blank``."""
    rounded = np.round(values, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    if decimals == 0:
        text = [str(v) for v in rounded.astype(np.int64).tolist()]
    else:
        text = [f"{v:.{decimals}f}".rstrip("0").rstrip(".") for v in rounded.tolist()]
    return [("" if b else s) for s, b in zip(text, blank.tolist(), strict=True)]


def _render(spec: SampleSpec, grid: _Grid, *, progress: bool) -> tuple[str, str]:
    zones = tuple(sorted(spec.zones))
    countries = sorted({z[:2] for z in zones})
    steps = len(countries) + 2 * len(zones) + 1
    bar = _progress(steps, progress)

    cal = _Calendar.from_index(grid.index)
    is_forecast_only = np.asarray(grid.index > grid.last_actual_utc)
    weather: dict[str, _Weather] = {}
    for country in countries:
        weather[country] = _weather(spec, cal, country)
        bar(f"weather {country}")

    series: dict[str, dict[str, np.ndarray]] = {}
    for zone in zones:
        series[zone] = _zone_series(spec, cal, grid.index, zone, weather[zone[:2]])
        bar(f"load, wind, solar {zone}")
    fuel = _fuel_level(spec, cal, grid.index)
    prices = _prices(spec, cal, zones, series, fuel)

    columns: list[list[str]] = [cal.utc_text, cal.local_text]
    for zone, zone_columns in _zone_columns(spec, grid, cal, zones, series, prices):
        columns.extend(_format(values, decimals, blank) for values, blank, decimals in zone_columns)
        bar(f"format {zone}")

    ts_text = _csv(_column_names(zones), columns)

    wx_columns: list[list[str]] = [cal.utc_text]
    for country in countries:
        wx = weather[country]
        for values in (wx.temperature, wx.direct, wx.diffuse):
            wx_columns.append(_format(values, 3, is_forecast_only))
    weather_text = _csv(_weather_column_names(zones), wx_columns)
    bar("write")
    return ts_text, weather_text


def _zone_columns(
    spec: SampleSpec,
    grid: _Grid,
    cal: _Calendar,
    zones: tuple[str, ...],
    series: dict[str, dict[str, np.ndarray]],
    prices: dict[str, np.ndarray],
):
    """Per named zone, its file columns in OPSD order as (values, blank mask, decimals):
    blank before the zone starts, in the sample's gaps, and after the last actual hour for
    everything but the load forecast."""
    is_forecast_only = np.asarray(grid.index > grid.last_actual_utc)
    for position, zone in enumerate(zones):
        series[zone]["price"] = prices[zone]
        not_started = np.asarray(grid.index < _zone_start(grid, position))
        zone_columns = []
        for variable_index, (variable, _suffix) in enumerate(_COLUMN_VARIABLES):
            if variable == "wind_offshore" and _ZONES[zone].offshore_mw == 0:
                continue
            blank = not_started | _missing_mask(spec, cal, zone, variable_index, variable)
            if variable != "load_forecast":
                blank = blank | is_forecast_only
            zone_columns.append((series[zone][variable], blank, _DECIMALS[variable]))
        yield zone, zone_columns


def _zone_start(grid: _Grid, position: int) -> pd.Timestamp:
    """Zones after the first two (sorted) start later: ~7 % of the span each, <= 90 days."""
    if position < 2:
        return grid.first_utc
    delay_days = max(1, min(90, round(0.07 * grid.base_days))) * (position - 1)
    start_local = grid.first_utc.tz_convert(LOCAL_TZ) + pd.DateOffset(days=delay_days)
    return start_local.tz_convert("UTC")


def _csv(header: list[str], columns: list[list[str]]) -> str:
    lines = [",".join(header)]
    lines.extend(",".join(row) for row in zip(*columns, strict=True))
    return "\n".join(lines) + "\n"


def _progress(total: int, enabled: bool):
    if not enabled:
        return lambda _label: None
    from tqdm import tqdm

    bar = tqdm(total=total, file=sys.stderr, desc="opsd sample", unit="step")

    def step(label: str) -> None:
        bar.set_postfix_str(label)
        bar.update(1)
        if bar.n >= total:
            bar.close()

    return step


# --------------------------------------------------------------------------- files


def _write_sidecar(
    out_dir: Path, spec: SampleSpec, grid: _Grid, time_series_sha256: str, weather_sha256: str
) -> None:
    """Record the spec and the files' hashes, which append_opsd_sample checks and extends."""
    sidecar = {
        "generator": "python_ml.data.opsd_sample",
        "version": SIDECAR_VERSION,
        "spec": _spec_to_json(spec),
        "rows": grid.n,
        "first_utc": _iso_utc(grid.first_utc),
        "last_actual_utc": _iso_utc(grid.last_actual_utc),
        "last_forecast_utc": _iso_utc(grid.last_forecast_utc),
        "sha256": {TIME_SERIES_FILE: time_series_sha256, WEATHER_FILE: weather_sha256},
    }
    atomic_write(out_dir / SIDECAR_FILE, json.dumps(sidecar, indent=2, sort_keys=True) + "\n")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _expected_headers(spec: SampleSpec) -> dict[str, str]:
    if spec.synthetic_zones:
        from python_ml.data.scale import scaled_column_names

        ts_names, weather_names = scaled_column_names(spec)
    else:
        ts_names = _column_names(spec.zones)
        weather_names = _weather_column_names(spec.zones)
    return {TIME_SERIES_FILE: ",".join(ts_names), WEATHER_FILE: ",".join(weather_names)}


def _check_files_match(out_dir: Path, spec: SampleSpec, sidecar: dict) -> None:
    for name, header in _expected_headers(spec).items():
        path = out_dir / name
        if not path.is_file():
            raise FileNotFoundError(f"{path}: missing, but the sidecar describes it")
        # streamed in binary chunks: scale-mode files can be several GB
        digest, newlines = hashlib.sha256(), 0
        with path.open("rb") as handle:
            found = handle.readline().decode("utf-8").removesuffix("\n")
            handle.seek(0)
            while chunk := handle.read(1 << 24):
                digest.update(chunk)
                newlines += chunk.count(b"\n")
        if found != header:
            raise ValueError(
                f"{path}: header does not match the sidecar's spec; expected {header!r}, "
                f"found {found!r}"
            )
        rows = newlines - 1
        if rows != sidecar.get("rows"):
            raise ValueError(f"{path}: {rows} data rows, the sidecar expects {sidecar.get('rows')}")
        if digest.hexdigest() != sidecar.get("sha256", {}).get(name):
            raise ValueError(f"{path}: content changed since generation (sha256 mismatch)")


def _spec_to_json(spec: SampleSpec) -> dict:
    data = dataclasses.asdict(spec)
    data["zones"] = list(spec.zones)
    if not spec.synthetic_zones:
        del data["synthetic_zones"]  # sidecars of named-zone samples stay as they were
    return data


def _spec_from_json(data: dict) -> SampleSpec:
    drift = data.get("drift")
    return SampleSpec(
        zones=tuple(data["zones"]),
        start=data["start"],
        years=data["years"],
        days=data.get("days"),
        seed=data["seed"],
        drift=DriftRegime(**drift) if drift else None,
        hours_appended=data.get("hours_appended", 0),
        synthetic_zones=data.get("synthetic_zones", 0),
    )


def _parse_instant(value: str) -> pd.Timestamp:
    """An ISO date means local midnight (Europe/Brussels); a naive timestamp means UTC."""
    try:
        stamp = pd.Timestamp(value)
    except ValueError as error:
        raise ValueError(f"start: not an ISO date or timestamp: {value!r}") from error
    if stamp.tzinfo is not None:
        return stamp.tz_convert("UTC")
    if len(str(value).strip()) == 10:
        return stamp.tz_localize(LOCAL_TZ).tz_convert("UTC")
    return stamp.tz_localize("UTC")


def _iso_utc(stamp: pd.Timestamp) -> str:
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
