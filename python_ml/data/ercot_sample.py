"""Deterministic, plausible ERCOT sample data in ERCOT's native daily CSV layouts.

:func:`generate_ercot_sample` writes one CSV per source and delivery day under
``<raw_dir>/ercot/<source>/``, laid out like the files ERCOT publishes (MIS reports), so the
warehouse's ERCOT path can be built and tested without a download.
:func:`append_ercot_sample` extends a sample by N delivery days like a daily feed would.

Sources and files (``YYYYMMDD`` is the delivery day)
----------------------------------------------------
============  ===============================  =================================================
source        file                             rows (per delivery day)
============  ===============================  =================================================
``dam_spp``   ``DAM_SPP_YYYYMMDD.csv``         DAM settlement point prices, hour x point
``rtm_spp``   ``RTM_SPP_YYYYMMDD.csv``         RT 15-minute settlement point prices
``sced_lmp``  ``SCED_LMP_YYYYMMDD.csv``        SCED 5-minute LMPs (one SCED run per interval)
``load``      ``LOAD_WZ_YYYYMMDD.csv``         hourly load by weather zone
``wind``      ``WIND_YYYYMMDD.csv``            hourly wind actual + STWPF by region
``solar``     ``SOLAR_YYYYMMDD.csv``           hourly solar actual + STPPF by region
``dam_as``    ``DAM_AS_YYYYMMDD.csv``          DAM ancillary service MCPCs (ECRS from 2023-06-10)
============  ===============================  =================================================

Headers are exactly :data:`HEADERS` (``dam_as`` before 2023-06-10: :data:`DAM_AS_HEADER_PRE_ECRS`),
unquoted, ``\\n`` line ends. Rows are in time order (UTC), then settlement point in seed order.

Time
----
Delivery days are local days in Central Prevailing Time (America/Chicago). Each day's grid is
built from UTC instants between local midnights, so the spring-forward day has 23 hours (no
hour ending 03:00 / Delivery Hour 3, no SCED run at 02:xx) and the fall-back day 25: the local
hour 01:00-02:00 occurs twice, first (CDT) with Repeated Hour Flag / DSTFlag ``N``, then (CST)
with ``Y``. Hour ending ``24:00`` is local 23:00-24:00. SCED timestamps are the local start of
the 5-minute interval plus a deterministic 5-45 s jitter (one per SCED run, shared by all points).

Settlement points
-----------------
:func:`settlement_points` is the one list (``seeds/ercot_settlement_points.csv`` is written from
it and a test keeps the two equal): 7 hubs, 8 load zones, then 985 synthetic resource nodes
``RN_<zone>_<nnnn>`` interleaved across load zones in proportion to their counts, so the first
``n`` points of any ``n`` span the zones. A sample uses the first ``spec.points`` points. In
scale mode the SCED file holds only the 15 hubs and load zones (all points otherwise).

Physical model (hourly, vectorised numpy)
-----------------------------------------
- **Weather**: one Texas temperature = annual sinusoid (coldest mid-January, 11 / 29 degC
  monthly means) + diurnal cycle (peak 16:00 local) + ~60 h AR(1) anomaly (larger in winter) +
  a winter storm. Each year has one storm of 3-5 consecutive February days, its dates and
  severity drawn from ``(seed, year)``: temperature falls by up to ~18 degC, up to ~20 GW of
  thermal capacity freezes off and wind turbines ice up (up to -60 %).
- **Load** per weather zone (COAST ... WEST): base x hourly shape (weekday / weekend) + cooling
  above 18 degC (summer afternoon peaks) + heating below 14 degC (steeper below 0: winter
  morning and evening peaks), split by zone shares (FAR_WEST flatter, industrial), x AR(1)
  noise, growing ~3 %/yr: ~35-85 GW in total.
- **Wind** per region (PANHANDLE, COASTAL, SOUTH, WEST, NORTH): log-normal speed from a shared
  and a regional ~30 h latent, spring-windy, night-heavy inland (low-level jet), afternoon sea
  breeze on the coast, through a logistic fleet power curve; West and Panhandle are the largest
  fleets (~5-30 GW total). STWPF = actual + a smoothed (~8 h) error, clipped to [0, capacity].
- **Solar** per region (FAR_WEST, CENTER_WEST, SOUTH_EAST): capacity (growing) x tracker-like
  response to the sun's elevation x clear-sky index (AR(1) clouds, cloudier in winter): 0 at
  night, ~5-25 GW peak. STPPF likewise with a smoothed error, 0 at night.
- **Energy price** (system lambda) from net load ``n = load - wind - solar`` (GW): fuel x
  (24 + 0.8 (n - 20) + 0.02 max(n - 40, 0)^2) above 20 GW, falling linearly below zero under
  it, plus an ORDC-like adder ``5000 exp(-reserves / 2.8)`` with reserves = available
  thermal capacity (seasonal maintenance, AR(1) outages, storm freeze) - n: a hockey stick.
  The fuel level is a per-month log-normal around a yearly level (2022 high, 2024 low),
  interpolated between months. RT uses actual quantities; DAM uses the forecasts.
- **Scarcity**: summer evenings (Jul-Sep, ~12 % of days) get an RT event of 1-3 hours within
  hour ending 17-21 with reserves of 0.3-4 GW (prices in the thousands); DAM anticipates an
  event with probability 0.6, and on ~6 % of summer days prices scarcity that does not
  materialise in RT. Winter storms tighten both markets.
- **Zones and hubs** co-move with the system price x (1 + loss factor), plus congestion:
  West + Panhandle wind above ~13 GW depresses HB_PAN, HB_WEST, LZ_WEST (down to negative
  prices), and less so LCRA / North; load above 60 GW adds a Houston premium (and a smaller
  South one); each has its own small AR(1) noise. HB_HUBAVG = mean of the four trading hubs,
  HB_BUSAVG close to it.
  Resource nodes = their load zone's price + a persistent node basis (heavy-tailed) + extra West
  congestion exposure for West nodes + small noise. Prices are clipped to [-251, 5000].
- **Resolutions**: the 15-minute RT price = the hour's RT level + intra-hour noise; the three
  SCED LMPs of a 15-minute interval scatter around it with zero mean (so the SCED mean of an
  hour equals the RTM mean up to rounding and clipping). DAM prices are hourly and smoother.
- **Ancillary services** (DAM MCPC, $/MW-h): base levels x fuel^0.5 x AR(1) noise, rising with
  the DAM scarcity adder (RRS and ECRS most, REGDN hardly), REGDN also with negative prices.

Determinism
-----------
Random draws come from ``np.random.default_rng([seed, stream, day])``: hourly system latents
are keyed by the absolute UTC day and every AR(1) recursion runs over a fixed 10-day window
ending at the delivery day (starting in its stationary state), per-day events and per-point
noise are keyed by the delivery day. A day's files therefore depend only on the seed, the
point count and the date: generating N days then appending K writes the same bytes as
generating N + K days (and any day can be rendered on its own).

Scale mode
----------
``ErcotSampleSpec(scale=True)``: 1000 points from 2022-01-01 for 1096 days (~105M RTM rows,
4.1 GB of RTM CSV, 5.2 GB in all), SCED limited to the 15 hubs and load zones. Rendering
builds each file's text with pyarrow compute kernels (no per-row Python): ~0.04 s per scale
day in one process (measured), so the full scale sample takes about a minute, mostly disk
writes; a process pool would not pay for its start-up and pickling.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.signal import lfilter

from python_ml.data.files import atomic_write

__all__ = [
    "DAM_AS_HEADER_PRE_ECRS",
    "DEFAULT_OUT_DIR",
    "ECRS_START",
    "HEADERS",
    "SOURCES",
    "ErcotSampleResult",
    "ErcotSampleSpec",
    "SettlementPoint",
    "append_ercot_sample",
    "file_path",
    "generate_ercot_sample",
    "settlement_points",
    "write_settlement_points_csv",
]

DEFAULT_OUT_DIR = Path("warehouse/raw/ercot")
SIDECAR_FILE = ".ercot_sample.json"
SIDECAR_VERSION = 1
LOCAL_TZ = "America/Chicago"
ECRS_START = dt.date(2023, 6, 10)
PRICE_FLOOR, PRICE_CAP = -251.0, 5000.0

SOURCES: tuple[str, ...] = (
    "dam_spp",
    "rtm_spp",
    "sced_lmp",
    "load",
    "wind",
    "solar",
    "dam_as",
)
_FILE_PREFIX = {
    "dam_spp": "DAM_SPP",
    "rtm_spp": "RTM_SPP",
    "sced_lmp": "SCED_LMP",
    "load": "LOAD_WZ",
    "wind": "WIND",
    "solar": "SOLAR",
    "dam_as": "DAM_AS",
}
LOAD_ZONES_WZ: tuple[str, ...] = (
    "COAST",
    "EAST",
    "FAR_WEST",
    "NORTH",
    "NORTH_C",
    "SOUTHERN",
    "SOUTH_C",
    "WEST",
)
WIND_REGIONS: tuple[str, ...] = ("PANHANDLE", "COASTAL", "SOUTH", "WEST", "NORTH")
SOLAR_REGIONS: tuple[str, ...] = ("FAR_WEST", "CENTER_WEST", "SOUTH_EAST")
AS_PRODUCTS: tuple[str, ...] = ("REGDN", "REGUP", "RRS", "NSPIN", "ECRS")

HEADERS: dict[str, str] = {
    "dam_spp": "Delivery Date,Hour Ending,Repeated Hour Flag,Settlement Point,"
    "Settlement Point Price",
    "rtm_spp": "Delivery Date,Delivery Hour,Delivery Interval,Repeated Hour Flag,"
    "Settlement Point Name,Settlement Point Type,Settlement Point Price",
    "sced_lmp": "SCED Timestamp,Repeated Hour Flag,Settlement Point,LMP",
    "load": "OperDay,HourEnding," + ",".join(LOAD_ZONES_WZ) + ",TOTAL,DSTFlag",
    "wind": "DELIVERY_DATE,HOUR_ENDING,ACTUAL_SYSTEM_WIDE,STWPF_SYSTEM_WIDE,"
    + ",".join(f"ACTUAL_{r},STWPF_{r}" for r in WIND_REGIONS)
    + ",DSTFlag",
    "solar": "DELIVERY_DATE,HOUR_ENDING,ACTUAL_SYSTEM_WIDE,STPPF_SYSTEM_WIDE,"
    + ",".join(f"ACTUAL_{r},STPPF_{r}" for r in SOLAR_REGIONS)
    + ",DSTFlag",
    "dam_as": "Delivery Date,Hour Ending,Repeated Hour Flag," + ",".join(AS_PRODUCTS),
}
DAM_AS_HEADER_PRE_ECRS = "Delivery Date,Hour Ending,Repeated Hour Flag," + ",".join(
    AS_PRODUCTS[:-1]
)

_DEFAULT_POINTS, _DEFAULT_START, _DEFAULT_DAYS = 20, "2024-01-01", 366
_SCALE_POINTS, _SCALE_START, _SCALE_DAYS = 1000, "2022-01-01", 1096


# --------------------------------------------------------------------------- settlement points


@dataclass(frozen=True)
class SettlementPoint:
    """One row of ``seeds/ercot_settlement_points.csv``."""

    settlement_point: str
    settlement_point_type: str  # hub | load_zone | resource_node
    ercot_type_code: str  # AH | HU | LZ | RN (RTM_SPP's Settlement Point Type)
    load_zone: str  # "" for the two average hubs


_HUBS: tuple[tuple[str, str, str], ...] = (
    ("HB_BUSAVG", "AH", ""),
    ("HB_HUBAVG", "AH", ""),
    ("HB_HOUSTON", "HU", "LZ_HOUSTON"),
    ("HB_NORTH", "HU", "LZ_NORTH"),
    ("HB_PAN", "HU", "LZ_WEST"),
    ("HB_SOUTH", "HU", "LZ_SOUTH"),
    ("HB_WEST", "HU", "LZ_WEST"),
)
_LZS: tuple[str, ...] = (
    "LZ_AEN",
    "LZ_CPS",
    "LZ_HOUSTON",
    "LZ_LCRA",
    "LZ_NORTH",
    "LZ_RAYBN",
    "LZ_SOUTH",
    "LZ_WEST",
)
# resource nodes per load zone (name abbreviation, count): 985 in all
_NODE_ZONES: tuple[tuple[str, str, int], ...] = (
    ("LZ_NORTH", "NOR", 220),
    ("LZ_HOUSTON", "HOU", 190),
    ("LZ_WEST", "WES", 175),
    ("LZ_SOUTH", "SOU", 160),
    ("LZ_LCRA", "LCR", 90),
    ("LZ_CPS", "CPS", 60),
    ("LZ_AEN", "AEN", 45),
    ("LZ_RAYBN", "RAY", 45),
)
N_HUBS_AND_ZONES = len(_HUBS) + len(_LZS)
MAX_POINTS = N_HUBS_AND_ZONES + sum(count for _z, _a, count in _NODE_ZONES)


def settlement_points(n: int = MAX_POINTS) -> tuple[SettlementPoint, ...]:
    """The first ``n`` settlement points in seed order (1 <= n <= 1000).

    Hubs, then load zones, then resource nodes ordered by their relative position within
    their zone (``(k - 0.5) / count``, ties in :data:`_NODE_ZONES` order), so that any prefix
    holds every zone's nodes roughly in proportion to the zone's count.
    """
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_POINTS:
        raise ValueError(f"n: must be an integer in 1..{MAX_POINTS}, got {n!r}")
    points = [SettlementPoint(name, "hub", code, zone) for name, code, zone in _HUBS]
    points += [SettlementPoint(zone, "load_zone", "LZ", zone) for zone in _LZS]
    nodes = []
    for order, (zone, abbreviation, count) in enumerate(_NODE_ZONES):
        for k in range(1, count + 1):
            nodes.append(((k - 0.5) / count, order, k, zone, abbreviation))
    nodes.sort(key=lambda item: (item[0], item[1]))
    points += [
        SettlementPoint(f"RN_{abbreviation}_{k:04d}", "resource_node", "RN", zone)
        for _position, _order, k, zone, abbreviation in nodes
    ]
    return tuple(points[:n])


def write_settlement_points_csv(path: Path | str) -> Path:
    """Write the seed ``ercot_settlement_points.csv`` (all 1000 points) atomically."""
    path = Path(path)
    lines = ["settlement_point,settlement_point_type,ercot_type_code,load_zone"]
    lines += [
        f"{p.settlement_point},{p.settlement_point_type},{p.ercot_type_code},{p.load_zone}"
        for p in settlement_points()
    ]
    atomic_write(path, ("\n".join(lines) + "\n").encode())
    return path


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class ErcotSampleSpec:
    """What to generate.

    Unset fields take the mode's default (default sample / ``scale``); after construction
    every field holds its resolved value and ``years`` is folded into ``days``.

    Attributes:
        points: first N settlement points of :func:`settlement_points` (default 20;
            scale 1000).
        start: first delivery day, ISO date (default 2024-01-01; scale 2022-01-01).
        days: delivery days (default 366; scale 1096). Exclusive with ``years``.
        years: span in years instead of ``days`` (whole years are calendar years).
        seed: base seed of every random stream.
        scale: scale mode (defaults above; SCED only for the 15 hubs and load zones).
    """

    points: int | None = None
    start: str | None = None
    days: int | None = None
    years: float | None = None
    seed: int = 7
    scale: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.scale, bool):
            raise ValueError(f"scale: must be a bool, got {self.scale!r}")
        points = self.points
        if points is None:
            points = _SCALE_POINTS if self.scale else _DEFAULT_POINTS
        if (
            not isinstance(points, int)
            or isinstance(points, bool)
            or not (1 <= points <= MAX_POINTS)
        ):
            raise ValueError(f"points: must be an integer in 1..{MAX_POINTS}, got {points!r}")
        start = self.start or (_SCALE_START if self.scale else _DEFAULT_START)
        try:
            start_date = dt.date.fromisoformat(str(start))
        except ValueError as error:
            raise ValueError(f"start: not an ISO date (YYYY-MM-DD): {start!r}") from error
        if not dt.date(2000, 1, 1) <= start_date <= dt.date(2099, 1, 1):
            raise ValueError(f"start: must be within 2000..2099, got {start!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise ValueError(f"seed: must be an integer >= 0, got {self.seed!r}")
        if self.days is not None and self.years is not None:
            raise ValueError("days and years: give one of them, not both")
        if self.years is not None:
            if (
                isinstance(self.years, bool)
                or not isinstance(self.years, int | float)
                or not (self.years > 0)
            ):
                raise ValueError(f"years: must be positive, got {self.years!r}")
            if float(self.years).is_integer():
                end = (
                    start_date.replace(year=start_date.year + int(self.years))
                    if not (start_date.month == 2 and start_date.day == 29)
                    else dt.date(start_date.year + int(self.years), 3, 1)
                )
                days = (end - start_date).days
            else:
                days = round(self.years * 365.25)
        else:
            days = self.days
            if days is None:
                days = _SCALE_DAYS if self.scale else _DEFAULT_DAYS
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise ValueError(f"days: must be an integer >= 1, got {days!r}")
        if start_date + dt.timedelta(days=days - 1) > dt.date(2099, 12, 31):
            raise ValueError("days: the sample must end before 2100")
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "start", start_date.isoformat())
        object.__setattr__(self, "days", days)
        object.__setattr__(self, "years", None)

    @property
    def first_day(self) -> dt.date:
        return dt.date.fromisoformat(self.start)

    @property
    def last_day(self) -> dt.date:
        return self.first_day + dt.timedelta(days=self.days - 1)

    @property
    def sced_points(self) -> int:
        """Points in the SCED file: all, or in scale mode the hubs and load zones only."""
        return min(self.points, N_HUBS_AND_ZONES) if self.scale else self.points


@dataclass
class ErcotSampleResult:
    """What a call wrote.

    Attributes:
        out_dir: the sample folder (``<raw_dir>/ercot``).
        spec: the whole sample's spec after the call (as in the sidecar).
        first_day, last_day: delivery days written by this call.
        days: delivery days written by this call.
        files: files written by this call.
        rows: data rows written per source by this call.
        bytes: bytes written by this call (data files).
    """

    out_dir: Path
    spec: ErcotSampleSpec
    first_day: dt.date
    last_day: dt.date
    days: int
    files: int
    rows: dict[str, int] = field(default_factory=dict)
    bytes: int = 0


def file_path(out_dir: Path | str, source: str, day: dt.date) -> Path:
    """``<out_dir>/<source>/<PREFIX>_YYYYMMDD.csv``."""
    return Path(out_dir) / source / f"{_FILE_PREFIX[source]}_{day:%Y%m%d}.csv"


# --------------------------------------------------------------------------- public API


def generate_ercot_sample(
    out_dir: Path | str = DEFAULT_OUT_DIR,
    spec: ErcotSampleSpec = ErcotSampleSpec(),  # noqa: B008 - frozen, immutable default
    progress: bool = True,
) -> ErcotSampleResult:
    """Write every source's daily files for ``spec`` into ``out_dir`` (``<raw_dir>/ercot``).

    Each file is written atomically (temporary file + rename); the sidecar
    ``.ercot_sample.json`` (spec and last day written) is written last. The same spec always
    gives byte-identical files. Files of other days already in ``out_dir`` are left alone.

    Args:
        out_dir: target folder, created if needed.
        spec: points, span, seed, scale mode.
        progress: print a line per month (or per 10 %) on stderr.

    Returns:
        What was written.
    """
    out_dir = Path(out_dir)
    result = _write_days(out_dir, spec, spec.first_day, spec.days, progress)
    _write_sidecar(out_dir, spec)
    return result


def append_ercot_sample(
    out_dir: Path | str,
    days: int,
    progress: bool = True,
) -> ErcotSampleResult:
    """Write the next ``days`` delivery days of the sample in ``out_dir``, like a daily feed.

    Reads the sidecar written by :func:`generate_ercot_sample`; the result (files and
    sidecar) is byte-identical to generating the longer sample in one go.

    Raises:
        FileNotFoundError: if the sidecar or the last day's files are missing.
        ValueError: if ``days`` is invalid or the sidecar is from another version.
    """
    out_dir = Path(out_dir)
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise ValueError(f"days: must be a positive integer, got {days!r}")
    sidecar_path = out_dir / SIDECAR_FILE
    if not sidecar_path.is_file():
        raise FileNotFoundError(
            f"{sidecar_path}: sidecar missing; append works only on a sample written by "
            "generate_ercot_sample"
        )
    sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
    if sidecar.get("version") != SIDECAR_VERSION:
        raise ValueError(
            f"{sidecar_path}: sidecar version {sidecar.get('version')!r}, expected "
            f"{SIDECAR_VERSION}; regenerate the sample"
        )
    spec = ErcotSampleSpec(**sidecar["spec"])
    if sidecar.get("last_day") != spec.last_day.isoformat():
        raise ValueError(f"{sidecar_path}: last_day does not match the spec; regenerate")
    missing = [
        file_path(out_dir, s, spec.last_day)
        for s in SOURCES
        if not file_path(out_dir, s, spec.last_day).is_file()
    ]
    if missing:
        raise FileNotFoundError(f"{missing[0]}: missing, but the sidecar describes it")
    new_spec = dataclasses.replace(spec, days=spec.days + days)
    first = spec.last_day + dt.timedelta(days=1)
    result = _write_days(out_dir, new_spec, first, days, progress)
    _write_sidecar(out_dir, new_spec)
    return result


# --------------------------------------------------------------------------- orchestration


def _write_days(
    out_dir: Path, spec: ErcotSampleSpec, first: dt.date, n_days: int, progress: bool
) -> ErcotSampleResult:
    for source in SOURCES:
        (out_dir / source).mkdir(parents=True, exist_ok=True)
    days = [first + dt.timedelta(days=i) for i in range(n_days)]
    rows = dict.fromkeys(SOURCES, 0)
    total_bytes = 0
    report = _Progress(n_days, spec, progress)
    for day in days:
        day_rows, day_bytes = _render_and_write(out_dir, spec, day)
        total_bytes += day_bytes
        for source, count in day_rows.items():
            rows[source] += count
        report(day)
    return ErcotSampleResult(
        out_dir=out_dir,
        spec=spec,
        first_day=first,
        last_day=days[-1],
        days=n_days,
        files=n_days * len(SOURCES),
        rows=rows,
        bytes=total_bytes,
    )


class _Progress:
    """A line per month written (samples up to two years), else per 10 % of the days."""

    def __init__(self, total: int, spec: ErcotSampleSpec, enabled: bool) -> None:
        self.total, self.enabled, self.done = total, enabled, 0
        self.started = time.perf_counter()
        self.next_share = 0.1
        self.label = f"ercot sample ({spec.points} points{', scale' if spec.scale else ''})"

    def __call__(self, day: dt.date) -> None:
        self.done += 1
        if not self.enabled:
            return
        if self.total <= 731:  # up to two years: a line per month
            due = (day + dt.timedelta(days=1)).day == 1
        else:  # longer: a line per 10 %
            due = self.done / self.total >= self.next_share - 1e-9
            while self.done / self.total >= self.next_share - 1e-9:
                self.next_share += 0.1
        if due or self.done == self.total:
            elapsed = time.perf_counter() - self.started
            print(
                f"{self.label}: through {day.isoformat()}, {self.done}/{self.total} days "
                f"({100 * self.done / self.total:.0f} %, {elapsed:.1f} s)",
                file=sys.stderr,
                flush=True,
            )


def _render_and_write(
    out_dir: Path, spec: ErcotSampleSpec, day: dt.date
) -> tuple[dict[str, int], int]:
    texts, rows = render_day(spec, day)
    written = 0
    for source in SOURCES:
        atomic_write(file_path(out_dir, source, day), *texts[source])
        written += sum(len(part) for part in texts[source])
    return rows, written


def render_day(
    spec: ErcotSampleSpec, day: dt.date
) -> tuple[dict[str, tuple[bytes | memoryview, ...]], dict[str, int]]:
    """Every source's file content for one delivery day (header included) and row counts."""
    grid = _DayGrid.build(day, spec.seed)
    points = settlement_points(spec.points)
    model = _day_model(spec.seed, grid)
    prices = _point_prices(spec.seed, grid, model, points, spec.sced_points)
    date_text = f"{day:%m/%d/%Y}"
    texts: dict[str, tuple[bytes | memoryview, ...]] = {}
    rows: dict[str, int] = {}
    names = [p.settlement_point for p in points]
    codes = [p.ercot_type_code for p in points]

    he = [f"{h:02d}:00" for h in grid.hour_ending]
    flags = grid.hour_flag
    prefix = [f"{date_text},{e},{f}," for e, f in zip(he, flags, strict=True)]
    texts["dam_spp"] = _long_text("dam_spp", prefix, [f"{n}," for n in names], prices.dam)
    rows["dam_spp"] = prices.dam.size

    q_hour = np.repeat(grid.hour_ending, 4)
    q_flag = np.repeat(flags, 4)
    q_interval = np.tile(np.arange(1, 5), grid.n_hours)
    prefix = [
        f"{date_text},{h},{i},{f},"
        for h, i, f in zip(q_hour.tolist(), q_interval.tolist(), q_flag, strict=True)
    ]
    texts["rtm_spp"] = _long_text(
        "rtm_spp", prefix, [f"{n},{c}," for n, c in zip(names, codes, strict=True)], prices.rtm
    )
    rows["rtm_spp"] = prices.rtm.size

    prefix = [
        f"{stamp},{f}," for stamp, f in zip(grid.sced_text, np.repeat(flags, 12), strict=True)
    ]
    texts["sced_lmp"] = _long_text(
        "sced_lmp", prefix, [f"{n}," for n in names[: spec.sced_points]], prices.sced
    )
    rows["sced_lmp"] = prices.sced.size

    dst_flags = list(flags)
    load_cols = [_fixed(model.load[:, i], 2) for i in range(len(LOAD_ZONES_WZ))]
    load_cents = np.rint(model.load * 100).astype(np.int64).sum(axis=1)
    load_cols.append(_fixed(load_cents / 100.0, 2))
    texts["load"] = _wide_text("load", date_text, he, load_cols, dst_flags)
    rows["load"] = grid.n_hours

    he_int = [str(h) for h in grid.hour_ending]
    for source, actual, forecast in (
        ("wind", model.wind, model.wind_fc),
        ("solar", model.solar, model.solar_fc),
    ):
        actual_t = np.rint(actual * 10).astype(np.int64)
        forecast_t = np.rint(forecast * 10).astype(np.int64)
        cols = [_fixed(actual_t.sum(axis=1) / 10.0, 1), _fixed(forecast_t.sum(axis=1) / 10.0, 1)]
        for i in range(actual.shape[1]):
            cols += [_fixed(actual_t[:, i] / 10.0, 1), _fixed(forecast_t[:, i] / 10.0, 1)]
        texts[source] = _wide_text(source, date_text, he_int, cols, dst_flags)
        rows[source] = grid.n_hours

    n_as = len(AS_PRODUCTS) if day >= ECRS_START else len(AS_PRODUCTS) - 1
    as_cols = [_fixed(model.ancillary[:, i], 2) for i in range(n_as)]
    header = HEADERS["dam_as"] if day >= ECRS_START else DAM_AS_HEADER_PRE_ECRS
    lines = [
        f"{date_text},{e},{f}," + ",".join(vals)
        for e, f, *vals in zip(he, flags, *as_cols, strict=True)
    ]
    texts["dam_as"] = ((header + "\n" + "\n".join(lines) + "\n").encode(),)
    rows["dam_as"] = grid.n_hours
    return texts, rows


# --------------------------------------------------------------------------- formatting

_FRACTIONS = {
    1: pa.array([str(i) for i in range(10)]),
    2: pa.array([f"{i:02d}" for i in range(100)]),
}
_SIGNS = pa.array(["", "-"])


def _fixed_array(values: np.ndarray, decimals: int) -> pa.Array:
    """Fixed-point decimal text ("-3.05", "0.00", "4999.99") built by pyarrow kernels."""
    scale = 10**decimals
    ints = np.rint(np.asarray(values, dtype=float).reshape(-1) * scale).astype(np.int64)
    magnitude = np.abs(ints)
    whole = pc.cast(pa.array(magnitude // scale), pa.string())
    fraction = _FRACTIONS[decimals].take(pa.array(magnitude % scale))
    sign = _SIGNS.take(pa.array((ints < 0).astype(np.int8)))
    return pc.binary_join_element_wise(sign, whole, ".", fraction, "")


def _fixed(values: np.ndarray, decimals: int) -> list[str]:
    return _fixed_array(values, decimals).to_pylist()


def _long_text(
    source: str, time_prefix: list[str], point_part: list[str], values: np.ndarray
) -> tuple[bytes | memoryview, ...]:
    """Header + one line per (time, point): time prefix, point columns, value (2 decimals).

    ``values`` has shape (times, points); the body is the data buffer of one pyarrow string
    array, so no per-row Python object is created.
    """
    n_times, n_points = values.shape
    times = pa.array(time_prefix).take(pa.array(np.repeat(np.arange(n_times), n_points)))
    pts = pa.array(point_part).take(pa.array(np.tile(np.arange(n_points), n_times)))
    lines = pc.binary_join_element_wise(times, pts, _fixed_array(values, 2), "\n", "")
    offsets = np.frombuffer(
        lines.buffers()[1], dtype=np.int32 if lines.type == pa.string() else np.int64
    )
    start, end = int(offsets[lines.offset]), int(offsets[lines.offset + len(lines)])
    body = memoryview(lines.buffers()[2])[start:end]
    return (HEADERS[source].encode() + b"\n", body)


def _wide_text(
    source: str, date_text: str, hour_text: list[str], columns: list[list[str]], flags: list[str]
) -> tuple[bytes, ...]:
    lines = [HEADERS[source]]
    for i, hour in enumerate(hour_text):
        lines.append(f"{date_text},{hour}," + ",".join(col[i] for col in columns) + f",{flags[i]}")
    return (("\n".join(lines) + "\n").encode(),)


# --------------------------------------------------------------------------- time grid


@dataclass(frozen=True)
class _DayGrid:
    day: dt.date
    day_number: int  # days since 1970-01-01: the delivery day's random key
    epoch_hours: np.ndarray  # UTC hour starts, hours since the epoch
    local_hour: np.ndarray  # local wall-clock hour of each hour start
    hour_ending: np.ndarray  # 1..24 (local hour + 1)
    hour_flag: list[str]  # "N" / "Y" (second occurrence of the repeated hour)
    weekday: int  # 0 Monday
    doy: np.ndarray  # fractional day of year at the middle of each hour (UTC)
    sced_text: list[str]  # "MM/DD/YYYY HH:MM:SS" of each SCED run (12 per hour)

    @property
    def n_hours(self) -> int:
        return len(self.epoch_hours)

    @classmethod
    def build(cls, day: dt.date, seed: int) -> _DayGrid:
        start = pd.Timestamp(day).tz_localize(LOCAL_TZ).tz_convert("UTC")
        end = pd.Timestamp(day + dt.timedelta(days=1)).tz_localize(LOCAL_TZ).tz_convert("UTC")
        epoch0 = pd.Timestamp("1970-01-01", tz="UTC")
        e0 = (start - epoch0) // pd.Timedelta("1h")
        e1 = (end - epoch0) // pd.Timedelta("1h")
        epoch_hours = np.arange(e0, e1, dtype=np.int64)
        day_number = (day - dt.date(1970, 1, 1)).days
        # 5-minute instants, UTC -> local wall clock (real instants only: no invented hour)
        fives = pd.date_range(start, end, freq="5min", inclusive="left")
        local = fives.tz_convert(LOCAL_TZ).tz_localize(None)
        wall = np.asarray(local.asi8)
        previous_max = np.maximum.accumulate(np.concatenate([[np.iinfo(np.int64).min], wall]))
        repeated = wall <= previous_max[:-1]
        local_hour = np.asarray(local.hour)[::12]
        hour_flag = ["Y" if r else "N" for r in repeated[::12].tolist()]
        # SCED runs: interval start + a jitter of 5..45 s (one per run, all points)
        jitter = np.random.default_rng([seed, _S_SCED_JITTER, day_number]).integers(
            5, 46, size=len(wall)
        )
        stamps = (local + pd.to_timedelta(jitter, unit="s")).strftime("%m/%d/%Y %H:%M:%S")
        doy = ((epoch_hours + 0.5) / 24.0 - 10957.5) % 365.2422
        return cls(
            day,
            day_number,
            epoch_hours,
            local_hour,
            local_hour + 1,
            hour_flag,
            day.weekday(),
            doy,
            list(stamps),
        )


# --------------------------------------------------------------------------- randomness

# random stream ids (system streams keyed by UTC day, the rest by delivery day)
_S_TEMP, _S_LOADN, _S_WIND_SHARED, _S_WIND, _S_CLOUD, _S_OUTAGE = 1, 2, 3, 4, 5, 6
_S_LOAD_FC, _S_WIND_FC, _S_SOLAR_FC, _S_RT, _S_DA, _S_ZONE, _S_AS = 7, 8, 9, 10, 11, 12, 13
_S_FUEL, _S_STORM, _S_EVENT = 20, 21, 22
_S_RT15, _S_NODE_NOISE, _S_SCED, _S_DAM_NOISE, _S_NODE_PARAMS = 30, 31, 32, 33, 34
_S_SCED_JITTER = 35
_WINDOW_DAYS = 10  # AR(1) recursions run over this many UTC days before the delivery day


def _latents(
    seed: int, stream: int, epoch_hours: np.ndarray, k: int, tau: float, smooth: float | None = None
) -> np.ndarray:
    """(hours, k) unit-variance AR(1) latents for the delivery day's hours.

    Innovations come per absolute UTC day from ``default_rng([seed, stream, utc_day])``;
    the recursion starts in its stationary state ``_WINDOW_DAYS`` UTC days before the day's
    first hour, so a day's values depend on its date only. ``smooth``: a second AR(1) stage.
    """
    first_day = int(epoch_hours[0] // 24) - _WINDOW_DAYS
    last_day = int(epoch_hours[-1] // 24)
    draws = np.concatenate(
        [
            np.random.default_rng([seed, stream, day]).standard_normal((24, k))
            for day in range(first_day, last_day + 1)
        ]
    )
    stop = int(epoch_hours[-1]) - first_day * 24 + 1
    start = int(epoch_hours[0]) - first_day * 24
    series = _ar1(draws[:stop], tau)
    if smooth is not None:
        phi1, phi2 = math.exp(-1.0 / tau), math.exp(-1.0 / smooth)
        series = _ar1_filter(series, phi2) / math.sqrt((1.0 + phi1 * phi2) / (1.0 - phi1 * phi2))
    return series[start:stop]


def _ar1(innovations: np.ndarray, tau: float) -> np.ndarray:
    """Stationary unit-variance AR(1) along axis 0, started at x0 = e0."""
    phi = math.exp(-1.0 / tau)
    drive = innovations * math.sqrt(1.0 - phi * phi)
    drive[0] = innovations[0]
    return lfilter([1.0], [1.0, -phi], drive, axis=0)


def _ar1_filter(values: np.ndarray, phi: float) -> np.ndarray:
    drive = values * math.sqrt(1.0 - phi * phi)
    drive[0] = values[0]
    return lfilter([1.0], [1.0, -phi], drive, axis=0)


def _day_rng(seed: int, stream: int, grid: _DayGrid) -> np.random.Generator:
    return np.random.default_rng([seed, stream, grid.day_number])


# --------------------------------------------------------------------------- physics

# weather-zone load: share of the weather-independent base, weather sensitivity
_WZ_SHARE = np.array([0.265, 0.035, 0.095, 0.022, 0.305, 0.08, 0.172, 0.026])
_WZ_WEATHER = np.array([1.05, 1.0, 0.35, 1.0, 1.1, 1.0, 1.05, 1.0])
# relative weekday load by local hour
_LOAD_SHAPE = np.array(
    [
        0.86,
        0.83,
        0.81,
        0.80,
        0.81,
        0.85,
        0.92,
        0.98,
        1.01,
        1.03,
        1.05,
        1.06,
        1.07,
        1.08,
        1.08,
        1.08,
        1.08,
        1.08,
        1.07,
        1.06,
        1.04,
        1.00,
        0.95,
        0.90,
    ]
)
# wind: MW installed 2024, mean hub-height speed, diurnal amplitude and peak local hour
_WIND_MW = np.array([5500.0, 4500.0, 5500.0, 17000.0, 6500.0])
_WIND_SPEED = np.array([8.4, 7.6, 7.6, 8.0, 7.7])
_WIND_DIURNAL = np.array([0.16, 0.14, 0.10, 0.18, 0.12])
_WIND_PEAK_HOUR = np.array([1.0, 16.0, 23.0, 2.0, 1.0])
# solar: share of installed MW, latitude, longitude
_SOLAR_SHARE = np.array([0.45, 0.25, 0.30])
_SOLAR_LAT = np.array([31.2, 31.8, 29.6])
_SOLAR_LON = np.array([-102.8, -100.2, -97.3])
# yearly fuel level (x 2024); years not listed use 1.2
_FUEL_YEAR = {2019: 0.95, 2020: 0.8, 2021: 1.5, 2022: 2.3, 2023: 1.05, 2024: 0.85, 2025: 1.1}


@dataclass
class _DayModel:
    load: np.ndarray  # (hours, 8) MW by weather zone
    wind: np.ndarray  # (hours, 5) MW
    wind_fc: np.ndarray
    solar: np.ndarray  # (hours, 3) MW
    solar_fc: np.ndarray
    rt_level: np.ndarray  # (hours,) system RT price $/MWh
    da_level: np.ndarray  # (hours,) system DAM price
    west_congestion: np.ndarray  # (hours,) $/MWh at factor 1 (RT)
    west_congestion_da: np.ndarray
    houston_premium: np.ndarray  # (hours,) $/MWh at factor 1 (RT)
    houston_premium_da: np.ndarray
    ancillary: np.ndarray  # (hours, 5) $/MW-h


def _years_since_2024(epoch_hours: np.ndarray) -> np.ndarray:
    return (epoch_hours / 24.0 - 19723.0) / 365.25  # 19723 = 2024-01-01


def _storm(seed: int, grid: _DayGrid) -> float:
    """Winter storm intensity (0..1) of the delivery day; one storm per February."""
    year = grid.day.year
    rng = np.random.default_rng([seed, _S_STORM, year])
    first = dt.date(year, 2, 1) + dt.timedelta(days=int(rng.integers(0, 22)))
    length = int(rng.integers(3, 6))
    severity = float(rng.uniform(0.7, 1.0))
    k = (grid.day - first).days
    if not 0 <= k < length:
        return 0.0
    profile = 0.55 + 0.45 * math.sin(math.pi * (k + 0.5) / length)
    return severity * profile


def _fuel(seed: int, epoch_hours: np.ndarray) -> np.ndarray:
    """Fuel level: per-month log-normal around the year's level, linear between mid-months."""
    stamps = pd.to_datetime(np.asarray(epoch_hours, dtype=np.int64), unit="h")
    month_index = np.asarray(stamps.year) * 12 + np.asarray(stamps.month) - 1
    mid = (np.asarray(stamps.day) - 1 + np.asarray(stamps.hour) / 24.0) / 30.44 - 0.5
    lo = month_index + np.floor(mid).astype(np.int64)
    frac = mid - np.floor(mid)

    def level(month: int) -> float:
        year = month // 12
        noise = np.random.default_rng([seed, _S_FUEL, month]).standard_normal()
        return _FUEL_YEAR.get(year, 1.2) * math.exp(0.12 * noise)

    cache = {m: level(m) for m in np.unique(np.concatenate([lo, lo + 1])).tolist()}
    a = np.array([cache[m] for m in lo.tolist()])
    b = np.array([cache[m] for m in (lo + 1).tolist()])
    return a + (b - a) * frac


def _sun_sin_elevation(grid: _DayGrid, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """sin(sun elevation) at the middle of each hour, (hours, regions)."""
    doy = grid.doy[:, None]
    decl = np.radians(23.44) * np.sin(2 * np.pi * (doy - 80.0) / 365.2422)
    b = 2 * np.pi * (doy - 81.0) / 364.0
    eot_minutes = 9.87 * np.sin(2 * b) - 7.53 * np.cos(b) - 1.5 * np.sin(b)
    utc_hour = ((grid.epoch_hours % 24) + 0.5)[:, None]
    solar_time = utc_hour + lon[None, :] / 15.0 + eot_minutes / 60.0
    hour_angle = np.radians(15.0 * (solar_time - 12.0))
    phi = np.radians(lat)[None, :]
    return np.sin(phi) * np.sin(decl) + np.cos(phi) * np.cos(decl) * np.cos(hour_angle)


def _energy_price(net_gw: np.ndarray, fuel: np.ndarray) -> np.ndarray:
    above = fuel * (24.0 + 0.8 * (net_gw - 20.0) + 0.02 * np.maximum(net_gw - 40.0, 0.0) ** 2)
    below = fuel * 24.0 + 1.8 * (net_gw - 20.0)
    return np.where(net_gw >= 20.0, above, below)


def _adder(reserves_gw: np.ndarray) -> np.ndarray:
    return 5000.0 * np.exp(-np.maximum(reserves_gw, 0.0) / 2.8)


def _day_model(seed: int, grid: _DayGrid) -> _DayModel:
    hours, n = grid.epoch_hours, grid.n_hours
    doy = grid.doy
    local_hour = grid.local_hour.astype(float)
    growth = _years_since_2024(hours)
    storm = _storm(seed, grid)
    rng = _day_rng(seed, _S_EVENT, grid)

    # ---- weather
    season = np.cos(2 * np.pi * (doy - 15.0) / 365.2422)  # +1 mid-January
    anomaly_sd = 2.6 + 1.4 * np.clip(season, 0.0, 1.0)
    temperature = (
        20.0
        - 9.0 * season
        + (4.5 + 1.0 * (1.0 - season) / 2.0) * np.cos(2 * np.pi * (local_hour - 16) / 24)
        + anomaly_sd * _latents(seed, _S_TEMP, hours, 1, 60.0, 4.0)[:, 0]
        - 18.0 * storm
    )

    # ---- load by weather zone (MW)
    weekend = grid.weekday >= 5
    base = 40_000.0 * _LOAD_SHAPE[grid.local_hour] * (0.94 if weekend else 1.0)
    cooling = 2_200.0 * np.maximum(temperature - 18.0, 0.0)
    heating = 1_400.0 * np.maximum(14.0 - temperature, 0.0) + 600.0 * np.maximum(-temperature, 0.0)
    evening = 1_500.0 * np.exp(-0.5 * ((local_hour - 19.5) / 1.5) ** 2) * (1 + season) / 2
    weather = cooling + heating + evening
    weather_share = _WZ_SHARE * _WZ_WEATHER / np.sum(_WZ_SHARE * _WZ_WEATHER)
    noise = 0.012 * _latents(seed, _S_LOADN, hours, len(LOAD_ZONES_WZ), 6.0)
    level = (1.0 + 0.03 * growth)[:, None]
    load = (base[:, None] * _WZ_SHARE + weather[:, None] * weather_share) * (1 + noise) * level
    load_fc = load.sum(axis=1) * (1.0 + 0.025 * _latents(seed, _S_LOAD_FC, hours, 1, 6.0)[:, 0])

    # ---- wind (MW)
    shared = _latents(seed, _S_WIND_SHARED, hours, 1, 30.0, 5.0)
    own = _latents(seed, _S_WIND, hours, len(WIND_REGIONS), 30.0, 5.0)
    latent = 0.7 * shared + 0.714 * own
    spring = 1.0 + 0.12 * np.cos(2 * np.pi * (doy - 100.0) / 365.2422)
    diurnal = 1.0 + _WIND_DIURNAL * np.cos(
        2 * np.pi * (local_hour[:, None] - _WIND_PEAK_HOUR) / 24.0
    )
    speed = _WIND_SPEED * spring[:, None] * diurnal * np.exp(0.26 * latent - 0.034)
    curve = np.clip(1.0 / (1.0 + np.exp(-(speed - 8.3) / 1.55)) - 0.004, 0.0, 0.8)
    wind_cap = _WIND_MW * (1.0 + 0.04 * growth)[:, None]
    wind = wind_cap * curve * (1.0 - 0.6 * storm)
    wind_err = _latents(seed, _S_WIND_FC, hours, len(WIND_REGIONS), 10.0, 3.0)
    wind_fc = np.clip(wind + (0.035 * wind_cap + 0.12 * wind) * wind_err, 0.0, wind_cap)

    # ---- solar (MW)
    sin_elev = _sun_sin_elevation(grid, _SOLAR_LAT, _SOLAR_LON)
    winter = (1.0 + season) / 2.0
    cloud = _latents(seed, _S_CLOUD, hours, len(SOLAR_REGIONS), 14.0, 3.0)
    clear = 0.22 + 0.78 / (1.0 + np.exp(-(1.7 * cloud + 1.5 - 1.1 * winter[:, None])))
    response = np.clip(sin_elev / 0.95, 0.0, 1.0) ** 0.9
    solar_cap = np.maximum(24_000.0 + 8_000.0 * growth, 6_000.0)[:, None] * _SOLAR_SHARE
    solar = solar_cap * 0.85 * response * clear
    solar_err = _latents(seed, _S_SOLAR_FC, hours, len(SOLAR_REGIONS), 6.0, 2.0)
    solar_fc = np.where(
        sin_elev > 0.0,
        np.clip(solar + 0.06 * solar_cap * solar_err * np.sqrt(response), 0.0, solar_cap),
        0.0,
    )

    # ---- capacity and reserves (GW)
    maintenance = np.exp(-0.5 * ((doy - 105.0) / 28.0) ** 2) + np.exp(
        -0.5 * ((doy - 295.0) / 28.0) ** 2
    )
    outage = _latents(seed, _S_OUTAGE, hours, 1, 72.0)[:, 0]
    capacity = (89.0 - 15.0 * maintenance - 2.5 * outage - 20.0 * storm - 2.0 * winter) * (
        1.0 + 0.03 * growth
    )
    total_load = load.sum(axis=1) / 1000.0
    net_rt = total_load - (wind.sum(axis=1) + solar.sum(axis=1)) / 1000.0
    net_da = (load_fc - wind_fc.sum(axis=1) - solar_fc.sum(axis=1)) / 1000.0
    reserves_rt = capacity - net_rt
    reserves_da = capacity + 1.0 - net_da  # DAM commits a little extra

    # ---- scarcity events (summer evenings): RT, DAM anticipation, DAM false alarms
    draws = rng.random(8)
    summer = 7 <= grid.day.month <= 9
    he = grid.hour_ending
    if summer and draws[0] < 0.12:
        first_he = 17 + int(draws[1] * 4)
        last_he = min(21, first_he + int(draws[2] * 3))
        in_event = (he >= first_he) & (he <= last_he)
        target = 0.3 + 3.7 * rng.random(n)
        reserves_rt = np.where(in_event, np.minimum(reserves_rt, target), reserves_rt)
        if draws[3] < 0.6:
            da_target = target * (0.7 + 1.3 * rng.random(n))
            reserves_da = np.where(in_event, np.minimum(reserves_da, da_target), reserves_da)
    if summer and draws[4] < 0.06:
        first_he = 17 + int(draws[5] * 4)
        in_alarm = (he >= first_he) & (he <= min(21, first_he + int(draws[6] * 2)))
        alarm = 0.8 + 3.2 * rng.random(n)
        reserves_da = np.where(in_alarm, np.minimum(reserves_da, alarm), reserves_da)

    # ---- system prices
    fuel = _fuel(seed, hours)
    rt_energy = _energy_price(net_rt, fuel)
    da_energy = _energy_price(net_da, fuel)
    rt_adder, da_adder = _adder(reserves_rt), _adder(reserves_da)
    rt_noise = _latents(seed, _S_RT, hours, 1, 3.0)[:, 0]
    da_noise = _latents(seed, _S_DA, hours, 1, 6.0)[:, 0]
    rt_level = rt_energy + rt_adder + (3.0 + 0.08 * np.abs(rt_energy + rt_adder)) * rt_noise
    da_level = da_energy * 1.02 + da_adder + (1.5 + 0.03 * np.abs(da_energy + da_adder)) * da_noise

    # ---- congestion: West wind export limit, Houston import at high load
    west_wind = (wind[:, 0] + wind[:, 3]) / 1000.0
    west_wind_fc = (wind_fc[:, 0] + wind_fc[:, 3]) / 1000.0
    west = 5.0 * np.maximum(west_wind - 13.0, 0.0) + 0.1 * np.maximum(west_wind - 13.0, 0.0) ** 2
    west_da = 0.9 * (
        5.0 * np.maximum(west_wind_fc - 13.0, 0.0) + 0.1 * np.maximum(west_wind_fc - 13.0, 0.0) ** 2
    )
    houston = 0.7 * np.maximum(total_load - 60.0, 0.0) * (1.0 + 0.002 * np.abs(rt_level))
    houston_da = 0.6 * np.maximum(load_fc / 1000.0 - 60.0, 0.0) * (1.0 + 0.002 * np.abs(da_level))

    # ---- ancillary services (DAM MCPC)
    as_noise = np.exp(0.25 * _latents(seed, _S_AS, hours, len(AS_PRODUCTS), 12.0))
    as_base = np.array([6.0, 9.0, 11.0, 5.0, 14.0])
    as_scarcity = np.array([0.02, 0.55, 0.85, 0.45, 0.9])
    tight = np.clip((30.0 - reserves_da) / 30.0, 0.0, 1.0)
    ancillary = (
        as_base * np.sqrt(fuel)[:, None] * (1.0 + 1.5 * tight[:, None]) * as_noise
        + as_scarcity * da_adder[:, None]
    )
    ancillary[:, 0] += 0.25 * np.maximum(-da_level, 0.0)
    ancillary = np.clip(ancillary, 0.0, PRICE_CAP)

    return _DayModel(
        load=load,
        wind=wind,
        wind_fc=wind_fc,
        solar=solar,
        solar_fc=solar_fc,
        rt_level=rt_level,
        da_level=da_level,
        west_congestion=west,
        west_congestion_da=west_da,
        houston_premium=houston,
        houston_premium_da=houston_da,
        ancillary=ancillary,
    )


# hubs and load zones (seed order): loss factor, West, Houston, South exposure, noise sd
_BASE_POINT_PARAMS: dict[str, tuple[float, float, float, float, float]] = {
    "HB_HOUSTON": (0.008, 0.0, 0.95, 0.0, 0.6),
    "HB_NORTH": (-0.004, 0.15, 0.0, 0.0, 0.6),
    "HB_PAN": (-0.02, 1.45, 0.0, 0.0, 1.2),
    "HB_SOUTH": (0.004, 0.05, 0.1, 0.3, 0.7),
    "HB_WEST": (-0.015, 1.1, 0.0, 0.0, 1.0),
    "LZ_AEN": (0.003, 0.2, 0.05, 0.15, 0.8),
    "LZ_CPS": (0.004, 0.1, 0.1, 0.3, 0.8),
    "LZ_HOUSTON": (0.01, 0.0, 1.0, 0.0, 0.7),
    "LZ_LCRA": (0.0, 0.3, 0.05, 0.1, 0.8),
    "LZ_NORTH": (-0.003, 0.15, 0.0, 0.0, 0.7),
    "LZ_RAYBN": (0.002, 0.1, 0.0, 0.0, 0.8),
    "LZ_SOUTH": (0.005, 0.05, 0.1, 0.35, 0.8),
    "LZ_WEST": (-0.012, 1.0, 0.0, 0.0, 1.0),
}
_TRADING_HUBS = ("HB_HOUSTON", "HB_NORTH", "HB_SOUTH", "HB_WEST")


@dataclass
class _PointPrices:
    dam: np.ndarray  # (hours, points)
    rtm: np.ndarray  # (intervals, points)
    sced: np.ndarray  # (runs, sced points)


def _node_params(seed: int) -> dict[str, np.ndarray]:
    """Persistent per-node basis and West exposure for all 985 nodes in seed order."""
    rng = np.random.default_rng([seed, _S_NODE_PARAMS])
    count = MAX_POINTS - N_HUBS_AND_ZONES
    basis = 1.6 * rng.standard_normal(count)
    heavy = rng.random(count) < 0.06
    basis = basis + heavy * 9.0 * rng.standard_normal(count)
    west_extra = rng.uniform(-0.3, 0.9, count)
    noise_sd = rng.uniform(0.3, 1.0, count)
    return {"basis": basis, "west_extra": west_extra, "noise_sd": noise_sd}


def _point_prices(
    seed: int, grid: _DayGrid, model: _DayModel, points: tuple[SettlementPoint, ...], n_sced: int
) -> _PointPrices:
    n = grid.n_hours
    names = [p.settlement_point for p in settlement_points(N_HUBS_AND_ZONES)]
    base_names = [name for name in names if name in _BASE_POINT_PARAMS]
    params = np.array([_BASE_POINT_PARAMS[name] for name in base_names])
    loss, w_exp, h_exp, s_exp, sd = (params[:, i] for i in range(5))

    # hourly RT and DAM level of the 13 base points (hours, 13)
    south_rt = 0.25 * model.houston_premium
    south_da = 0.25 * model.houston_premium_da
    rt_hour = (
        model.rt_level[:, None] * (1.0 + loss)
        - model.west_congestion[:, None] * w_exp
        + model.houston_premium[:, None] * h_exp
        + south_rt[:, None] * s_exp
    )
    da_hour = (
        model.da_level[:, None] * (1.0 + loss)
        - model.west_congestion_da[:, None] * w_exp
        + model.houston_premium_da[:, None] * h_exp
        + south_da[:, None] * s_exp
    )
    zone_noise = _latents(seed, _S_ZONE, grid.epoch_hours, len(base_names), 2.0)
    rt_hour = rt_hour + sd * zone_noise
    da_hour = da_hour + 0.5 * sd * zone_noise

    # 15-minute RT: shared intra-hour system noise + small per-point noise
    rng15 = _day_rng(seed, _S_RT15, grid)
    nq = 4 * n
    rt_hour_q = np.repeat(rt_hour, 4, axis=0)
    scale_q = 1.5 + 0.05 * np.abs(np.repeat(model.rt_level, 4))
    system_q = scale_q * rng15.standard_normal(nq)
    base_q = rt_hour_q + system_q[:, None] + 0.4 * sd * rng15.standard_normal((nq, len(sd)))

    def with_averages(values: np.ndarray, extra: np.ndarray) -> np.ndarray:
        hubs = np.stack([values[:, base_names.index(h)] for h in _TRADING_HUBS], axis=1)
        hubavg = hubs.mean(axis=1)
        return np.column_stack([hubavg + extra, hubavg, values])  # BUSAVG, HUBAVG, rest

    rng_dam = _day_rng(seed, _S_DAM_NOISE, grid)
    dam15 = with_averages(da_hour, 0.15 * rng_dam.standard_normal(n))
    rtm15 = with_averages(base_q, 0.15 * rng15.standard_normal(nq))

    n_nodes = len(points) - N_HUBS_AND_ZONES
    if n_nodes > 0:
        node = {k: v[:n_nodes] for k, v in _node_params(seed).items()}
        zone_index = np.array([names.index(p.load_zone) for p in points[N_HUBS_AND_ZONES:]])
        is_west = np.array([p.load_zone == "LZ_WEST" for p in points[N_HUBS_AND_ZONES:]])
        west_q = np.repeat(model.west_congestion, 4)[:, None]
        node_rng = _day_rng(seed, _S_NODE_NOISE, grid)
        rt_nodes = (
            rtm15[:, zone_index]
            + node["basis"]
            - west_q * node["west_extra"] * is_west
            + node["noise_sd"] * node_rng.standard_normal((nq, n_nodes))
        )
        da_nodes = (
            dam15[:, zone_index]
            + 0.85 * node["basis"]
            - model.west_congestion_da[:, None] * node["west_extra"] * is_west
            + 0.3 * node["noise_sd"] * node_rng.standard_normal((n, n_nodes))
        )
        rtm = np.concatenate([rtm15, rt_nodes], axis=1)
        dam = np.concatenate([dam15, da_nodes], axis=1)
    else:
        rtm, dam = rtm15[:, : len(points)], dam15[:, : len(points)]
    rtm = np.clip(rtm, PRICE_FLOOR, PRICE_CAP)
    dam = np.clip(dam, PRICE_FLOOR, PRICE_CAP)

    # SCED: three runs per 15-minute interval scattering around it with zero mean
    sced_rng = _day_rng(seed, _S_SCED, grid)
    base = rtm[:, :n_sced]
    spread = (2.0 + 0.04 * np.abs(base))[:, None, :]
    scatter = sced_rng.standard_normal((nq, 3, n_sced))
    scatter -= scatter.mean(axis=1, keepdims=True)
    sced = (base[:, None, :] + spread * scatter).reshape(nq * 3, n_sced)
    sced = np.clip(sced, PRICE_FLOOR, PRICE_CAP)
    return _PointPrices(dam=dam, rtm=rtm, sced=sced)


# --------------------------------------------------------------------------- files


def _write_sidecar(out_dir: Path, spec: ErcotSampleSpec) -> None:
    data = dataclasses.asdict(spec)
    del data["years"]
    sidecar = {
        "generator": "python_ml.data.ercot_sample",
        "version": SIDECAR_VERSION,
        "spec": data,
        "first_day": spec.first_day.isoformat(),
        "last_day": spec.last_day.isoformat(),
        "sources": list(SOURCES),
    }
    text = json.dumps(sidecar, indent=2, sort_keys=True) + "\n"
    atomic_write(out_dir / SIDECAR_FILE, text.encode())
