"""Scale mode of the OPSD sample generator: millions of zone-hours for benchmarks.

Call it through :func:`python_ml.data.opsd_sample.generate_opsd_sample` with
``SampleSpec(synthetic_zones=N)`` (or :func:`generate_scaled_sample` directly). The files have
exactly the layout of the default sample: ``utc_timestamp``, ``cet_cest_timestamp``, then zone
columns sorted like OPSD, plain decimals, empty cells for missing values, the last local day with
load forecasts only, and the same sidecar (so :func:`append_opsd_sample` works too).

Zones
-----
- **Named zones** in ``spec.zones`` are computed by the default model on the full grid: their
  columns are byte-identical to a sample of the same named zones without synthetic ones.
- **Synthetic zones** ``SY_0001`` ... ``SY_<N>`` (:func:`scaled_zones`) each copy the physics of
  one named archetype (AT, BE, DE_LU, DK_1, FR or NL: load shape and holidays of its country,
  heating/cooling/lighting, renewables mix, merit-order curve), with the level scaled by a
  log-uniform factor in [0.25, 1.5], each capacity varied by x[0.6, 1.4], price parameters by
  +-10-20 %, a temperature offset of +-2 degC and the mean wind speed by +-0.4 m/s; nameplate
  wind + solar is capped at 1.4 x the load level (DK_1 has 2.2 x and relies on its coupling to
  neighbours, which synthetic zones lack). Zones whose archetype has offshore wind get an
  offshore column. The parameters depend on the zone's number
  only (not on the seed or on N): ``SY_0042`` is the same kind of zone in every sample.
- All synthetic zones start at the sample start (no staggered starts: every zone has the same
  number of rows, convenient for benchmarks).

Model (vectorised across zones)
-------------------------------
All synthetic zones share the weather of one synthetic region, the country ``SY`` (written to
``weather_data.csv`` as ``SY_temperature`` etc.; the project maps ``SY_0001`` to country ``SY``
through its first two letters): the default model's weather at a central-European location
(50.5 N, 8 E). Each zone adds its own noise on top of these shared regime latents:

- load = level x (hourly shape by local hour and day type x season factors) + heating and cooling
  on the zone's temperature (region's 24 h-smoothed temperature + offset + ~4-day AR(1) anomaly of
  1 degC) + lighting in dark waking hours, x (1 + 1.5 % AR(1) noise); forecast ~2 % error;
- solar = capacity x the region's tilted-plane capacity factor x a zone cloud factor
  (lognormal, ~8 h AR(1));
- wind = logistic fleet power curve of a log-normal speed whose latent mixes the region's wind
  latent (weight 0.75) with the zone's own smoothed AR(1) (30 h); offshore adds a faster latent;
- price = the default merit order of residual load with outages, fuel level (shared with the
  named zones), peak premium, hourly and daily noise and tightness-dependent spikes, clipped to
  [-500, 3000]. Unlike named zones there is no 20 % pull to the mean price of all zones (it would
  make a zone depend on N); zones are coupled through the fuel level and the shared weather.
- Missing cells: ~0.1-0.2 % single hours per series and rare 3-12 h outages, as in OPSD.

Speed and determinism
---------------------
The grid is processed in blocks of 32 absolute UTC days (768 hours) for all zones at once and
streamed to the CSV through pyarrow's CSV writer (while the next block is computed), so memory
is bounded by the number of zones, not by the span. Random draws come from
``np.random.default_rng([seed, key, stream, block, chunk])`` per 64-zone chunk and absolute
block, and AR(1) filters carry their state from block to block, started at the sample's first
hour: an hour's values depend neither on the sample's length nor on N.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import sys
import tempfile
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
from scipy.signal import lfilter

from python_ml.data.files import atomic_write
from python_ml.data.opsd_sample import (
    _COLUMN_VARIABLES,
    _COUNTRIES,
    _DECIMALS,
    _NOISE_D,
    _NOISE_H,
    _NOISE_LOW_X,
    _OUTAGE_SD,
    _PEAK_PREMIUM,
    _PRICE_CAP,
    _PRICE_FLOOR,
    _SATURDAY_SHAPE,
    _SPIKE_P0,
    _SPIKE_P1,
    _SPIKE_SIZE,
    _SPIKE_X0,
    _SUNDAY_SHAPE,
    _WEEKDAY_SHAPE,
    _ZONES,
    SUPPORTED_ZONES,
    SYNTHETIC_PREFIX,
    TIME_SERIES_FILE,
    WEATHER_FILE,
    SampleResult,
    SampleSpec,
    _Calendar,
    _column_names,
    _csv,
    _drift_factor,
    _format,
    _fuel_level,
    _Grid,
    _holidays,
    _power_curve,
    _prices,
    _sha256,
    _weather,
    _weather_column_names,
    _write_sidecar,
    _zone_columns,
    _zone_series,
    scaled_zones,
)

__all__ = ["generate_scaled_sample", "scaled_column_names", "scaled_zones"]

_BLOCK_HOURS = 32 * 24  # absolute UTC blocks: random draws and streaming unit
_CHUNK = 64  # zones per random draw (a zone's draws do not depend on N)
_SCALE_KEY = zlib.crc32(b"scale:synthetic")
_MAX_OUTAGE_HOURS = 12
# random stream ids of scale mode
(
    _R_LOAD,
    _R_FCST,
    _R_TEMP,
    _R_CLOUD,
    _R_WIND,
    _R_OFFSHORE,
    _R_OUTAGE,
    _R_PRICE_H,
    _R_PRICE_D,
    _R_SPIKE,
    _R_MISSING,
    _R_OUTAGE_CELLS,
) = range(200, 212)

# variables in column order, their empty-cell threshold out of 1024 per hour (10-bit fields of
# one 64-bit draw per zone-hour) and their multi-hour outage rate per day
_VARIABLES = tuple(variable for variable, _suffix in _COLUMN_VARIABLES)
_SINGLE_OF_1024 = {
    "load_actual": 2,
    "load_forecast": 1,
    "price": 1,
    "solar": 2,
    "wind_offshore": 2,
    "wind_onshore": 2,
}
_OUTAGE_RATE = {
    "load_actual": 1 / 500,
    "load_forecast": 0.0,
    "price": 1 / 1500,
    "solar": 1 / 400,
    "wind_offshore": 1 / 400,
    "wind_onshore": 1 / 500,
}
_WIND_SIGMA = 0.33
_MAX_RENEWABLES_TO_LOAD = 1.4
_WRITE_OPTIONS = pa_csv.WriteOptions(include_header=False, batch_size=1 << 16, quoting_style="none")


# --------------------------------------------------------------------------- public API


def scaled_column_names(spec: SampleSpec) -> tuple[list[str], list[str]]:
    """Header of the time-series file and of the weather file for a scale-mode ``spec``."""
    params = _synthetic_params(spec.synthetic_zones)
    return _ts_header(spec, params), _weather_header(spec)


def generate_scaled_sample(
    out_dir: Path | str, spec: SampleSpec, *, progress: bool = False
) -> SampleResult:
    """Write a scale-mode sample (named plus ``spec.synthetic_zones`` synthetic zones).

    Usually called through :func:`generate_opsd_sample`, which delegates here when
    ``spec.synthetic_zones > 0``. Files and sidecar are replaced atomically.

    Args:
        out_dir: target folder, created if needed.
        spec: named zones (may be empty), synthetic zone count, span, seed, drift.
        progress: a progress bar over the 32-day blocks on stderr.

    Returns:
        Paths, time range and row count; ``zones`` lists named and synthetic zones in column
        order.
    """
    if spec.synthetic_zones < 1:
        raise ValueError("spec: scale mode needs synthetic_zones >= 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    grid = _Grid.from_spec(spec)
    cal = _Calendar.from_index(grid.index)
    params = _synthetic_params(spec.synthetic_zones)
    named = _NamedZones.compute(spec, grid, cal)
    region = _Region.compute(spec, grid, cal)

    ts_path = out_dir / TIME_SERIES_FILE
    weather_path = out_dir / WEATHER_FILE
    ts_sha = _write_time_series(ts_path, spec, grid, cal, params, named, region, progress)
    weather_text = _weather_text(spec, cal, named, region)
    atomic_write(weather_path, weather_text)
    _write_sidecar(out_dir, spec, grid, ts_sha, _sha256(weather_text))
    return SampleResult(
        time_series_path=ts_path,
        weather_path=weather_path,
        spec=spec,
        first_utc=grid.first_utc,
        last_actual_utc=grid.last_actual_utc,
        last_forecast_utc=grid.last_forecast_utc,
        rows=grid.n,
        zones=tuple(sorted(spec.zones)) + params.names,
    )


# --------------------------------------------------------------------------- zone parameters


@dataclass(frozen=True)
class _Params:
    """Per-zone parameters of the synthetic zones, arrays of length N (shape (N, 1))."""

    names: tuple[str, ...]
    archetype: np.ndarray  # index into SUPPORTED_ZONES
    load_base: np.ndarray
    heat: np.ndarray
    cool: np.ndarray
    lighting: np.ndarray
    temp_offset: np.ndarray
    solar_mw: np.ndarray
    solar_growth: np.ndarray
    onshore_mw: np.ndarray
    onshore_growth: np.ndarray
    offshore_mw: np.ndarray
    offshore_growth: np.ndarray
    wind_speed: np.ndarray
    must_run: np.ndarray
    dispatchable: np.ndarray
    price_a: np.ndarray
    price_b: np.ndarray
    price_gamma: np.ndarray
    scarcity: np.ndarray
    negative_slope: np.ndarray

    @property
    def offshore(self) -> np.ndarray:
        """Indices of the zones with an offshore wind column."""
        return np.flatnonzero(self.offshore_mw[:, 0] > 0)


def _synthetic_params(n: int) -> _Params:
    rows = []
    for i in range(n):
        rng = np.random.default_rng([_SCALE_KEY, i])
        arch = SUPPORTED_ZONES[int(rng.integers(len(SUPPORTED_ZONES)))]
        par, country = _ZONES[arch], _COUNTRIES[arch[:2]]
        level = math.exp(rng.uniform(math.log(0.25), math.log(1.5)))
        solar_f, onshore_f, offshore_f = rng.uniform(0.6, 1.4, 3)
        price_a_f, price_b_f, gamma_f, scarcity_f, negative_f = rng.uniform(0.8, 1.2, 5)
        must_run_f, dispatchable_f = rng.uniform(0.92, 1.08, 2)
        # at most 1.4 x the load level of nameplate wind + solar (DK_1 alone has 2.2 x, which
        # needs its neighbours' coupling to stay plausible)
        nameplate = solar_f * par.solar_mw + onshore_f * par.onshore_mw
        nameplate += offshore_f * par.offshore_mw
        cut = min(1.0, _MAX_RENEWABLES_TO_LOAD * par.load_base_mw / nameplate)
        solar_f, onshore_f, offshore_f = cut * solar_f, cut * onshore_f, cut * offshore_f
        rows.append(
            (
                SUPPORTED_ZONES.index(arch),
                level * par.load_base_mw,
                level * par.heat_mw_per_c,
                level * par.cool_mw_per_c,
                level * par.lighting_share * par.load_base_mw,
                rng.uniform(-2.0, 2.0),
                level * solar_f * par.solar_mw,
                level * solar_f * par.solar_growth_mw_yr,
                level * onshore_f * par.onshore_mw,
                level * onshore_f * par.onshore_growth_mw_yr,
                level * offshore_f * par.offshore_mw,
                level * offshore_f * par.offshore_growth_mw_yr,
                country.wind_speed + rng.uniform(-0.4, 0.4),
                level * must_run_f * par.must_run_mw,
                level * dispatchable_f * par.dispatchable_mw,
                price_a_f * par.price_a,
                price_b_f * par.price_b,
                (0.9 + 0.1 * gamma_f) * par.price_gamma,
                scarcity_f * par.scarcity_amp,
                negative_f * par.negative_slope,
            )
        )
    table = np.array(rows, dtype=float).reshape(n, 20)
    columns = [table[:, j : j + 1].copy() for j in range(20)]
    return _Params(scaled_zones(n), columns[0][:, 0].astype(int), *columns[1:])


# --------------------------------------------------------------------------- headers


def _ts_header(spec: SampleSpec, params: _Params) -> list[str]:
    names = ["utc_timestamp", "cet_cest_timestamp"]
    if spec.zones:
        names += _column_names(spec.zones)[2:]
    has_offshore = params.offshore_mw[:, 0] > 0
    for zone, offshore in zip(params.names, has_offshore.tolist(), strict=True):
        for variable, suffix in _COLUMN_VARIABLES:
            if variable == "wind_offshore" and not offshore:
                continue
            names.append(f"{zone}_{suffix}")
    return names


def _weather_header(spec: SampleSpec) -> list[str]:
    return _weather_column_names((*spec.zones, SYNTHETIC_PREFIX))


# --------------------------------------------------------------------------- named zones


@dataclass
class _NamedZones:
    """The default model's columns for the named zones (full grid, small)."""

    weather: dict
    columns: list[tuple[np.ndarray, np.ndarray, int]]  # values, blank mask, decimals

    @classmethod
    def compute(cls, spec: SampleSpec, grid: _Grid, cal: _Calendar) -> _NamedZones:
        zones = tuple(sorted(spec.zones))
        if not zones:
            return cls({}, [])
        weather = {c: _weather(spec, cal, c) for c in sorted({z[:2] for z in zones})}
        series = {z: _zone_series(spec, cal, grid.index, z, weather[z[:2]]) for z in zones}
        prices = _prices(spec, cal, zones, series, _fuel_level(spec, cal, grid.index))
        columns = [
            column
            for _zone, zone_columns in _zone_columns(spec, grid, cal, zones, series, prices)
            for column in zone_columns
        ]
        return cls(weather, columns)


# --------------------------------------------------------------------------- the region


@dataclass
class _Region:
    """Full-grid 1-D drivers shared by all synthetic zones (cheap: one value per hour)."""

    weather: object  # the SY _Weather
    base_shape: np.ndarray  # (archetypes, hours): hourly shape x season factors
    peak_shape: np.ndarray  # (archetypes, hours)
    dark_awake: np.ndarray
    solar_cf: np.ndarray
    wind_season: np.ndarray
    outage_base: np.ndarray
    years: np.ndarray
    fuel: np.ndarray
    load_drift: np.ndarray
    renewables_drift: np.ndarray
    forecast_only: np.ndarray

    @classmethod
    def compute(cls, spec: SampleSpec, grid: _Grid, cal: _Calendar) -> _Region:
        wx = _weather(spec, cal, SYNTHETIC_PREFIX)
        shapes = np.stack([_WEEKDAY_SHAPE, _SATURDAY_SHAPE, _SUNDAY_SHAPE])
        years = range(int(cal.local_date.year.min()), int(cal.local_date.year.max()) + 1)
        local_doy = np.asarray(cal.local_date.day_of_year, dtype=float)
        christmas = np.asarray(
            ((cal.local_date.month == 12) & (cal.local_date.day >= 24))
            | ((cal.local_date.month == 1) & (cal.local_date.day == 1)),
            dtype=float,
        )
        base, peak = [], []
        for arch in SUPPORTED_ZONES:
            day_type = cal.day_type.copy()
            day_type[cal.local_date.isin(list(_holidays(arch[:2], years)))] = 2
            shape = shapes[day_type, cal.local_hour]
            season_factor = (
                1.0
                - 0.07 * christmas
                - _ZONES[arch].august_dip * np.exp(-0.5 * ((local_doy - 224.0) / 9.0) ** 2)
            )
            base.append(shape * season_factor)
            peak.append(shape - shapes[day_type].mean(axis=1))
        tilt_gain = np.clip(
            np.sin(wx.elevation + math.radians(30.0)) / np.maximum(np.sin(wx.elevation), 0.05),
            0.0,
            3.0,
        )
        season = np.cos(2 * np.pi * (cal.doy - 20.0) / 365.25)
        awake = (cal.local_hour >= 6) & (cal.local_hour <= 22)
        return cls(
            weather=wx,
            base_shape=np.stack(base),
            peak_shape=np.stack(peak),
            dark_awake=np.clip((0.05 - wx.elevation) / 0.1, 0.0, 1.0) * awake,
            solar_cf=0.62 * (wx.direct * tilt_gain + wx.diffuse) / 1000.0,
            wind_season=1.0 + 0.13 * season,
            outage_base=0.06 + 0.04 * (1.0 - season) / 2.0,
            years=np.maximum(cal.years_since_2017, -3.0),
            fuel=_fuel_level(spec, cal, grid.index),
            load_drift=_drift_factor(spec, grid.index, "load"),
            renewables_drift=_drift_factor(spec, grid.index, "renewables"),
            forecast_only=np.asarray(grid.index > grid.last_actual_utc),
        )


# --------------------------------------------------------------------------- block randomness


def _block_rngs(seed: int, stream: int, block: int, n: int):
    for chunk in range((n + _CHUNK - 1) // _CHUNK):
        yield chunk, np.random.default_rng([seed, _SCALE_KEY, stream, block, chunk])


def _block_normals(seed: int, stream: int, block: int, n: int, cols: slice) -> np.ndarray:
    out = np.empty((n, cols.stop - cols.start))
    for chunk, rng in _block_rngs(seed, stream, block, n):
        rows = min(_CHUNK, n - chunk * _CHUNK)
        draw = rng.standard_normal((_CHUNK, _BLOCK_HOURS))
        out[chunk * _CHUNK : chunk * _CHUNK + rows] = draw[:rows, cols]
    return out


def _block_uniforms(seed: int, stream: int, block: int, n: int, cols: slice) -> np.ndarray:
    out = np.empty((n, cols.stop - cols.start))
    for chunk, rng in _block_rngs(seed, stream, block, n):
        rows = min(_CHUNK, n - chunk * _CHUNK)
        out[chunk * _CHUNK : chunk * _CHUNK + rows] = rng.random((_CHUNK, _BLOCK_HOURS))[
            :rows, cols
        ]
    return out


def _block_bits(seed: int, stream: int, block: int, n: int, cols: slice) -> np.ndarray:
    out = np.empty((n, cols.stop - cols.start), dtype=np.uint64)
    for chunk, rng in _block_rngs(seed, stream, block, n):
        rows = min(_CHUNK, n - chunk * _CHUNK)
        raw = rng.bit_generator.random_raw(_CHUNK * _BLOCK_HOURS).reshape(_CHUNK, _BLOCK_HOURS)
        out[chunk * _CHUNK : chunk * _CHUNK + rows] = raw[:rows, cols]
    return out


class _AR:
    """Unit-variance AR(1) per zone (rows), streamed block by block: x0 = e0, then causal."""

    def __init__(self, tau_hours: float, n: int) -> None:
        self.phi = math.exp(-1.0 / tau_hours)
        self.scale = math.sqrt(1.0 - self.phi * self.phi)
        self.state: np.ndarray | None = None
        self.n = n

    def __call__(self, innovations: np.ndarray) -> np.ndarray:
        drive = innovations * self.scale
        if self.state is None:
            drive[:, 0] = innovations[:, 0]
            self.state = np.zeros((self.n, 1))
        out, self.state = lfilter([1.0], [1.0, -self.phi], drive, axis=-1, zi=self.state)
        return out


class _SmoothAR:
    """Unit-variance AR(1) through a second AR(1) stage, streamed (like ``_smooth_ar``)."""

    def __init__(self, tau_hours: float, smooth_hours: float, n: int) -> None:
        self.slow = _AR(tau_hours, n)
        self.smooth = _AR(smooth_hours, n)
        phi1, phi2 = self.slow.phi, self.smooth.phi
        self.norm = math.sqrt((1.0 + phi1 * phi2) / (1.0 - phi1 * phi2))

    def __call__(self, innovations: np.ndarray) -> np.ndarray:
        return self.smooth(self.slow(innovations)) / self.norm


# --------------------------------------------------------------------------- synthetic model


class _SyntheticModel:
    """Synthetic zones' values, block by block, with the filter states carried over."""

    def __init__(self, spec: SampleSpec, params: _Params, region: _Region) -> None:
        n = len(params.names)
        self.spec, self.p, self.region, self.n = spec, params, region, n
        self.offshore = params.offshore
        n_off = len(self.offshore)
        self.ar = {
            _R_LOAD: _AR(8.0, n),
            _R_FCST: _AR(5.0, n),
            _R_TEMP: _AR(96.0, n),
            _R_CLOUD: _AR(8.0, n),
            _R_WIND: _SmoothAR(30.0, 5.0, n),
            _R_OFFSHORE: _SmoothAR(12.0, 3.0, n_off),
            _R_OUTAGE: _AR(240.0, n),
            _R_PRICE_H: _AR(8.0, n),
            _R_PRICE_D: _AR(30.0, n),
        }
        self.spike_state = np.zeros((n, 1))
        # multi-hour outages reaching past the end of a block: (variables, zones, hours)
        self.outage_carry = np.zeros((len(_VARIABLES), n, _MAX_OUTAGE_HOURS), dtype=bool)

    def _noise(self, stream: int, block: int, cols: slice, rows: np.ndarray | None = None):
        n = self.n if rows is None else int(rows[-1]) + 1
        draws = _block_normals(self.spec.seed, stream, block, n, cols)
        if rows is not None:
            draws = draws[rows]
        return self.ar[stream](draws)

    def block(self, block: int, cols: slice, hours: slice) -> dict[str, tuple]:
        """Values and blank masks (zones x hours) of one block's hours ``hours`` of the grid."""
        p, r, seed, n = self.p, self.region, self.spec.seed, self.n
        wx = r.weather

        # ---- load
        temperature = (
            wx.temperature_smooth[hours] + p.temp_offset + 1.0 * self._noise(_R_TEMP, block, cols)
        )
        load = (
            p.load_base * r.base_shape[p.archetype, hours]
            + p.heat * np.maximum(15.0 - temperature, 0.0)
            + p.cool * np.maximum(temperature - 22.0, 0.0)
            + p.lighting * r.dark_awake[hours]
        )
        load *= 1.0 + 0.015 * self._noise(_R_LOAD, block, cols)
        load *= r.load_drift[hours]
        forecast = load * (1.0 + 0.024 * self._noise(_R_FCST, block, cols))

        # ---- renewables
        years, re_drift = r.years[hours], r.renewables_drift[hours]

        def capacity(mw: np.ndarray, growth: np.ndarray) -> np.ndarray:
            return np.maximum(mw + growth * years, 0.3 * mw) * re_drift

        cloud = np.exp(0.2 * self._noise(_R_CLOUD, block, cols) - 0.02)
        solar = capacity(p.solar_mw, p.solar_growth) * np.clip(r.solar_cf[hours] * cloud, 0, 0.75)
        latent = 0.75 * wx.wind_latent[hours] + 0.661 * self._noise(_R_WIND, block, cols)
        mean_speed = p.wind_speed * r.wind_season[hours]
        lognormal = -0.5 * _WIND_SIGMA * _WIND_SIGMA
        onshore = capacity(p.onshore_mw, p.onshore_growth) * _power_curve(
            mean_speed * np.exp(_WIND_SIGMA * latent + lognormal)
        )
        residual = load - solar - onshore
        offshore = np.zeros((0, onshore.shape[1]))
        if len(self.offshore):
            off = self.offshore
            off_latent = 0.8 * latent[off] + 0.6 * self._noise(_R_OFFSHORE, block, cols, off)
            offshore = capacity(p.offshore_mw[off], p.offshore_growth[off]) * _power_curve(
                1.35 * mean_speed[off] * np.exp(_WIND_SIGMA * off_latent + lognormal)
            )
            residual[off] -= offshore

        # ---- price
        fuel = r.fuel[hours]
        outage = r.outage_base[hours] + _OUTAGE_SD * self._noise(_R_OUTAGE, block, cols)
        available = p.dispatchable * (1.0 - np.clip(outage, 0.0, 0.25))
        x = (residual - p.must_run) / (available - p.must_run)
        merit = fuel * (
            p.price_a
            + p.price_b * np.maximum(x, 0.0) ** p.price_gamma
            + p.scarcity * np.exp(np.minimum((x - 1.0) / 0.035, 4.0))
        )
        merit = np.where(x < 0.0, fuel * p.price_a + p.negative_slope * x, merit)
        premium = fuel * _PEAK_PREMIUM * r.peak_shape[p.archetype, hours]
        noise_scale = 1.0 + _NOISE_LOW_X * np.clip((0.15 - x) / 0.3, 0.0, 1.0)
        noise = _NOISE_H * self._noise(_R_PRICE_H, block, cols)
        noise += _NOISE_D * self._noise(_R_PRICE_D, block, cols)
        # a jump where u < p(x); conditional on that, u / p is uniform: size ~ Exp(1)
        uniform = _block_uniforms(seed, _R_SPIKE, block, n, cols)
        tight = np.clip((x - _SPIKE_X0) / (1.0 - _SPIKE_X0), 0.0, 1.0)
        probability = _SPIKE_P0 + _SPIKE_P1 * tight
        size = -np.log1p(-np.minimum(uniform / probability, 1.0 - 1e-12))
        jumps = np.where(uniform < probability, _SPIKE_SIZE * size * (1.0 + 4.0 * tight), 0.0)
        spikes, self.spike_state = lfilter([1.0], [1.0, -0.5], jumps, axis=-1, zi=self.spike_state)
        price = merit + premium + fuel * (noise * noise_scale + spikes)
        np.clip(price, _PRICE_FLOOR, _PRICE_CAP, out=price)

        values = {
            "load_actual": load,
            "load_forecast": forecast,
            "price": price,
            "solar": solar,
            "wind_offshore": offshore,
            "wind_onshore": onshore,
        }
        blanks = self._blanks(block, cols, r.forecast_only[hours])
        return {v: (values[v], blanks[v]) for v in _VARIABLES}

    def _blanks(self, block: int, cols: slice, forecast_only: np.ndarray) -> dict[str, np.ndarray]:
        seed, n = self.spec.seed, self.n
        bits = _block_bits(seed, _R_MISSING, block, n, cols)
        # multi-hour outages: per zone, absolute UTC day and variable, 3-12 hours from a
        # random hour; parts past the block end carry over to the next block
        events = np.empty((n, _BLOCK_HOURS // 24, len(_VARIABLES), 3))
        for chunk, rng in _block_rngs(seed, _R_OUTAGE_CELLS, block, n):
            rows = min(_CHUNK, n - chunk * _CHUNK)
            draw = rng.random((_CHUNK, _BLOCK_HOURS // 24, len(_VARIABLES), 3))
            events[chunk * _CHUNK : chunk * _CHUNK + rows] = draw[:rows]
        rates = np.array([_OUTAGE_RATE[v] for v in _VARIABLES])
        extended = np.zeros((len(_VARIABLES), n, _BLOCK_HOURS + _MAX_OUTAGE_HOURS), dtype=bool)
        extended[:, :, :_MAX_OUTAGE_HOURS] = self.outage_carry
        zone, day, var = np.nonzero(events[..., 0] < rates)
        for z, d, v in zip(zone.tolist(), day.tolist(), var.tolist(), strict=True):
            begin = d * 24 + int(events[z, d, v, 1] * 24)
            extended[v, z, begin : begin + 3 + int(events[z, d, v, 2] * 10)] = True
        self.outage_carry = extended[:, :, _BLOCK_HOURS:].copy()
        blanks = {}
        for index, variable in enumerate(_VARIABLES):
            field = (bits >> np.uint64(10 * index)) & np.uint64(1023)
            blank = (field < _SINGLE_OF_1024[variable]) | extended[index, :, cols]
            if variable == "wind_offshore":
                blank = blank[self.offshore]
            if variable != "load_forecast":
                blank |= forecast_only
            blanks[variable] = blank
        return blanks


# --------------------------------------------------------------------------- writing


def _arrow_numbers(values: np.ndarray, blank: np.ndarray, decimals: int) -> pa.Array:
    """Values as the default sample formats them: integers, or floats rounded to ``decimals``
    (Arrow writes the shortest round-trip form, i.e. no trailing zeros); null where ``blank``.
    """
    if decimals == 0:
        return pa.array(np.rint(values).astype(np.int64), mask=blank)
    return pa.array(np.round(values, decimals) + 0.0, mask=blank)


def _write_time_series(
    path: Path,
    spec: SampleSpec,
    grid: _Grid,
    cal: _Calendar,
    params: _Params,
    named: _NamedZones,
    region: _Region,
    progress: bool,
) -> str:
    header = _ts_header(spec, params)
    model = _SyntheticModel(spec, params, region)
    first_hour, last_hour = int(cal.epoch_hours[0]), int(cal.epoch_hours[-1])
    blocks = range(first_hour // _BLOCK_HOURS, last_hour // _BLOCK_HOURS + 1)
    n_zones = len(spec.zones) + spec.synthetic_zones
    bar = _progress_bar(len(blocks), n_zones, progress)
    digest = hashlib.sha256()
    names = [f"c{i}" for i in range(len(header))]
    offshore_row = {int(zone): row for row, zone in enumerate(params.offshore)}

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle, ThreadPoolExecutor(max_workers=1) as pool:
            head = (",".join(header) + "\n").encode()
            digest.update(head)
            handle.write(head)

            def write(table: pa.Table) -> None:
                sink = io.BytesIO()
                pa_csv.write_csv(table, sink, _WRITE_OPTIONS)
                data = sink.getbuffer()
                digest.update(data)
                handle.write(data)

            pending: Future | None = None
            for block in blocks:
                lo = max(first_hour, block * _BLOCK_HOURS)
                hi = min(last_hour + 1, (block + 1) * _BLOCK_HOURS)
                cols = slice(lo - block * _BLOCK_HOURS, hi - block * _BLOCK_HOURS)
                hours = slice(lo - first_hour, hi - first_hour)
                arrays = [pa.array(cal.utc_text[hours]), pa.array(cal.local_text[hours])]
                for values, blank, decimals in named.columns:
                    arrays.append(_arrow_numbers(values[hours], blank[hours], decimals))
                synthetic = model.block(block, cols, hours)
                flat = {
                    v: _arrow_numbers(values.ravel(), blank.ravel(), _DECIMALS[v])
                    for v, (values, blank) in synthetic.items()
                }
                width = hi - lo
                for zone in range(spec.synthetic_zones):
                    for variable in _VARIABLES:
                        if variable == "wind_offshore":
                            if zone not in offshore_row:
                                continue
                            row = offshore_row[zone]
                        else:
                            row = zone
                        arrays.append(flat[variable].slice(row * width, width))
                table = pa.Table.from_arrays(arrays, names=names)
                if pending is not None:
                    pending.result()
                pending = pool.submit(write, table)
                bar(width)
            if pending is not None:
                pending.result()
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def _weather_text(spec: SampleSpec, cal: _Calendar, named: _NamedZones, region: _Region) -> str:
    countries = sorted({*named.weather, SYNTHETIC_PREFIX})
    weather = {**named.weather, SYNTHETIC_PREFIX: region.weather}
    columns: list[list[str]] = [cal.utc_text]
    for country in countries:
        wx = weather[country]
        for values in (wx.temperature, wx.direct, wx.diffuse):
            columns.append(_format(values, 3, region.forecast_only))
    return _csv(_weather_header(spec), columns)


def _progress_bar(blocks: int, zones: int, enabled: bool):
    if not enabled:
        return lambda _hours: None
    from tqdm import tqdm

    bar = tqdm(
        total=blocks, file=sys.stderr, desc=f"opsd scale sample ({zones} zones)", unit="block"
    )
    done = [0]

    def step(hours: int) -> None:
        done[0] += hours * zones
        bar.set_postfix_str(f"{done[0] / 1e6:.1f}M zone-hours")
        bar.update(1)
        if bar.n >= blocks:
            bar.close()

    return step
