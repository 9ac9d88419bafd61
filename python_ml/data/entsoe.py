"""Land ENTSO-E day-ahead extracts (one CSV per bidding zone) in the raw OPSD layout.

The extracts (``<ZONE>.csv`` or ``<ZONE>.csv.gz``, e.g. ``../shared/data/real/entsoe_deepforkit``)
were downloaded from the ENTSO-E Transparency Platform with ``entsoe-py``, converted to naive
CET/CEST local time, resampled to a complete hourly grid (mean) and saved after ``fillna(0)``.
Header ``,Price_DA,Load_DA,Load_AC,Gen_SC,Sol_DA,Won_DA[,Woff_DA]``; the unnamed first column
is the local hour start as ``M/D/YYYY H:MM``, in CET/CEST for every zone (the Nordic and
Baltic ones too). Data: ENTSO-E Transparency Platform (attribute ENTSO-E; its terms apply).

:func:`read_entsoe_zone` turns one file into an hourly UTC frame with OPSD variable names and
NaN for missing values; :func:`land_entsoe_as_opsd` writes several zones as
``<raw_dir>/opsd/time_series_60min_singleindex.csv`` and ``weather_data.csv``, the files
the dbt staging models read (``python -m python_ml.data.entsoe --help``).

Rules (the provenance sidecar counts the cells each one blanks)
----------------------------------------------------------------
- **Spring DST** (``spring_forward_hour_dropped``): local 02:00 on the last Sunday of March
  does not exist; the extract forward-filled it from 01:00. That row is dropped, so the local
  day has 23 UTC hours. Rows dropped, and those that were not a repeat of the previous row,
  are counted.
- **Autumn DST** (``autumn_second_hour_blank``): the extract has one local 02:00 row on the
  last Sunday of October, the mean of the two real hours (02:00 CEST and 02:00 CET). It is
  landed at the first of the two UTC hours (00:00 or 01:00Z, the CEST one) and the second
  UTC hour is left blank (missing): the day has 25 UTC hours, one of them empty, and no value
  is invented. The landed value is still a two-hour mean, so a load actual there carries an
  hour of information from the following hour; only a forecast origin falling in the hour
  between the two hours' publication could see it early (fixed-horizon mode, one origin a
  year). Day-ahead gate-closure origins (12:00 local) never do; prices are unaffected (both
  hours are published together).
- **Zero loads** (``load_zero_is_missing``): ``Load_DA`` or ``Load_AC`` exactly 0 is a filled
  gap; the cell is blanked.
- **Zero prices** (``price_zero_with_loads_missing``): a price of exactly 0 can be genuine
  (ES cleared at 0.0 EUR/MWh in 2020), so it is blanked only when both loads of the same row
  are 0 or empty, i.e. when the whole row looks like a filled gap. Other zero prices are kept.
- **Zero generation days** (``generation_zero_day_is_missing``): solar and wind zeros are
  kept (night-time solar is 0), except when a column is exactly 0 in every hour of a local
  day: a bidding zone never forecasts zero solar or wind for a whole day, so that is a filled
  gap (e.g. FR solar on 2020-07-12). The whole day is blanked for that column.
- **Empty cells** (``empty_in_source``) and **absent hours** (``hour_absent_in_source``) are
  missing as they are (the extracts have none; kept so other extracts land honestly).
- ``Gen_SC`` (scheduled generation) has no OPSD column the warehouse reads; it is dropped.

Column mapping
--------------
``Price_DA`` -> ``price_day_ahead``, ``Load_AC`` -> ``load_actual_entsoe_transparency``,
``Load_DA`` -> ``load_forecast_entsoe_transparency``, ``Sol_DA`` -> ``solar_generation_actual``,
``Won_DA`` -> ``wind_onshore_generation_actual``, ``Woff_DA`` ->
``wind_offshore_generation_actual``. The solar and wind columns are **day-ahead forecasts**
landed in OPSD's "actual" columns. That is conservative for point-in-time correctness: the
feature mart treats an actual as known only after its hour (plus a delay), while a day-ahead
forecast is public before the delivery day, so nothing leaks; features merely use them later
than they could, and they measure forecast rather than realised renewables.

Zones
-----
Files are named after zones; each lands under its code in ``seeds/opsd_zones.csv``.
``DE`` lands as ``DE_LU``: ``DE.csv`` is ``DE_AT_LU`` until 2018-09-30 and ``DE_LU`` from
2018-10-01 (one German price series across the split of the bidding zone). Other names map
1:1 when the seed has them; anything else is an error. The UTC conversion uses CET/CEST for
every zone because that is how the extract was written, whatever the zone's own time zone.

Weather
-------
The extracts carry no weather, but staging requires ``weather_data.csv`` with at least one
``<CC>_temperature``/``<CC>_radiation_*`` column. The file is written with those columns for
each zone's country and every cell empty: staging yields no weather rows, temperature and
radiation are null in the hourly layer (not flagged missing, since no range is published)
and weather features are null. An existing ``weather_data.csv`` is replaced.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import hashlib
import json
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from python_ml.data.files import atomic_write
from python_ml.data.opsd_sample import TIME_SERIES_FILE, WEATHER_FILE

__all__ = [
    "COLUMN_MAP",
    "RULES",
    "land_entsoe_as_opsd",
    "main",
    "opsd_zone_for",
    "read_entsoe_zone",
]

LOCAL_TZ = "Europe/Brussels"  # CET/CEST, the extracts' clock for every zone
PROVENANCE_FILE = ".entsoe_provenance.json"

REQUIRED_COLUMNS: tuple[str, ...] = ("Price_DA", "Load_DA", "Load_AC", "Gen_SC", "Sol_DA", "Won_DA")
OPTIONAL_COLUMN = "Woff_DA"
# source column -> OPSD variable (the column-name suffix after the zone)
COLUMN_MAP: dict[str, str] = {
    "Load_AC": "load_actual_entsoe_transparency",
    "Load_DA": "load_forecast_entsoe_transparency",
    "Price_DA": "price_day_ahead",
    "Sol_DA": "solar_generation_actual",
    "Woff_DA": "wind_offshore_generation_actual",
    "Won_DA": "wind_onshore_generation_actual",
}
_LOAD_COLUMNS = ("Load_DA", "Load_AC")
_GENERATION_COLUMNS = ("Sol_DA", "Won_DA", "Woff_DA")
_WEATHER_VARIABLES = ("temperature", "radiation_direct_horizontal", "radiation_diffuse_horizontal")

RULES: dict[str, str] = {
    "empty_in_source": "an empty cell in the source is missing",
    "hour_absent_in_source": "a UTC hour inside the file's range without a source row is missing",
    "spring_forward_hour_dropped": (
        "the forward-filled local 02:00 row of the spring DST day is dropped (counted in rows)"
    ),
    "autumn_second_hour_blank": (
        "the averaged local 02:00 row of the autumn DST day lands at the first (CEST) UTC "
        "hour; the second (CET) UTC hour is blank"
    ),
    "load_zero_is_missing": "Load_DA or Load_AC exactly 0 is blank",
    "price_zero_with_loads_missing": (
        "Price_DA exactly 0 is blank only when both loads of the row are 0 or empty"
    ),
    "generation_zero_day_is_missing": (
        "Sol_DA/Won_DA/Woff_DA exactly 0 in every hour of a local day is blank for that day; "
        "other zeros (night-time solar) are kept"
    ),
    "gen_sc_dropped": "Gen_SC has no OPSD column and is not landed",
}
# reason codes of blank cells (0: a value, or blank outside the file's range)
_CELL_RULES = (
    "empty_in_source",
    "hour_absent_in_source",
    "autumn_second_hour_blank",
    "load_zero_is_missing",
    "price_zero_with_loads_missing",
    "generation_zero_day_is_missing",
)
_CODE = {rule: code for code, rule in enumerate(_CELL_RULES, start=1)}

# File name -> OPSD zone code. Every other file name must be a zone of seeds/opsd_zones.csv
# (kept in sync by tests/python/test_entsoe.py).
_RENAMED_ZONES = {"DE": "DE_LU"}
_SEED_ZONES = frozenset(
    {
        "AT",
        "BE",
        "CH",
        "CZ",
        "DE_AT_LU",
        "DE_LU",
        "DK_1",
        "DK_2",
        "ES",
        "FI",
        "FR",
        "HU",
        "IT_NORD",
        "NL",
        "NO_2",
        "PL",
        "PT",
        "SE_3",
        "SI",
        "SK",
    }
)

_TIMESTAMP = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})")


# --------------------------------------------------------------------------- zones


def opsd_zone_for(name: str) -> str:
    """The OPSD zone code a file named ``<name>.csv[.gz]`` lands under.

    Raises:
        ValueError: for a name that is neither ``DE`` nor a zone of ``seeds/opsd_zones.csv``.
    """
    if name in _RENAMED_ZONES:
        return _RENAMED_ZONES[name]
    if name in _SEED_ZONES:
        return name
    known = sorted(_SEED_ZONES | set(_RENAMED_ZONES))
    raise ValueError(
        f"zone {name!r}: unknown; expected one of {', '.join(known)} "
        "(seeds/opsd_zones.csv, DE lands as DE_LU) [rule: known_zone]"
    )


def _source_file(source_dir: Path, name: str) -> Path:
    for candidate in (source_dir / f"{name}.csv.gz", source_dir / f"{name}.csv"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"{source_dir / (name + '.csv.gz')}: source file not found (nor {name}.csv) for zone "
        f"{name} [rule: source_file_exists]"
    )


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class _ZoneRead:
    """One file read and cleaned: values (UTC hour index, OPSD variables as columns, NaN for
    missing), reasons (same shape, code of the rule that blanked each cell, 0 otherwise)."""

    path: Path
    sha256: str
    values: pd.DataFrame
    reasons: pd.DataFrame
    source_rows: int
    spring_rows_dropped: int
    spring_rows_not_repeats: int


def _fail(path: Path, line: int | None, message: str, rule: str) -> ValueError:
    where = f"{path}, line {line}" if line is not None else f"{path}"
    return ValueError(f"{where}: {message} [rule: {rule}]")


def _open_text(path: Path):
    with open(path, "rb") as probe:
        is_gzip = probe.read(2) == b"\x1f\x8b"
    if is_gzip:
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _parse(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Header value columns, naive local hour starts (datetime64) and values (NaN if empty)."""
    stamps: list[dt.datetime] = []
    rows: list[list[float]] = []
    with _open_text(path) as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise _fail(path, 1, "empty file, expected a header", "header")
        expected = ["", *REQUIRED_COLUMNS]
        if header not in (expected, [*expected, OPTIONAL_COLUMN]):
            raise _fail(
                path,
                1,
                f"header {','.join(header)!r} is not "
                f"{','.join(expected)!r} (optionally followed by ,{OPTIONAL_COLUMN})",
                "header",
            )
        columns = header[1:]
        previous: dt.datetime | None = None
        for row in reader:
            line = reader.line_num
            if not row:
                continue  # blank line
            if len(row) != len(header):
                raise _fail(
                    path, line, f"{len(row)} fields, the header has {len(header)}", "row_shape"
                )
            match = _TIMESTAMP.fullmatch(row[0])
            try:
                if match is None:
                    raise ValueError
                month, day, year, hour, minute = (int(g) for g in match.groups())
                stamp = dt.datetime(year, month, day, hour, minute)
            except ValueError:
                raise _fail(
                    path,
                    line,
                    f"timestamp {row[0]!r} is not a local time like 1/5/2015 0:00 (M/D/YYYY H:MM)",
                    "timestamp_format",
                ) from None
            if minute != 0:
                raise _fail(path, line, f"timestamp {row[0]!r} is not on the hour", "hourly_grid")
            if previous is not None and stamp == previous:
                raise _fail(
                    path,
                    line,
                    f"local time {row[0]!r} repeats the previous line's",
                    "duplicate_local_time",
                )
            if previous is not None and stamp < previous:
                raise _fail(
                    path,
                    line,
                    f"local time {row[0]!r} is earlier than the previous line's",
                    "increasing_local_time",
                )
            previous = stamp
            values: list[float] = []
            for column, text in zip(columns, row[1:], strict=True):
                if text.strip() == "":
                    values.append(math.nan)
                    continue
                try:
                    value = float(text)
                except ValueError:
                    value = math.nan
                    text_ok = False
                else:
                    text_ok = math.isfinite(value)
                if not text_ok:
                    raise _fail(
                        path,
                        line,
                        f"column {column}: {text!r} is not a finite number",
                        "numeric_value",
                    )
                values.append(value)
            stamps.append(stamp)
            rows.append(values)
    if not rows:
        raise _fail(path, None, "no data rows", "not_empty")
    return (
        columns,
        np.array(stamps, dtype="datetime64[s]"),
        np.array(rows, dtype=np.float64).reshape(len(rows), len(columns)),
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_zone(path: Path) -> _ZoneRead:
    path = Path(path)
    columns, stamps, raw = _parse(path)
    local = pd.DatetimeIndex(stamps)
    n = len(local)
    as_cest = local.tz_localize(LOCAL_TZ, ambiguous=np.ones(n, dtype=bool), nonexistent="NaT")
    as_cet = local.tz_localize(LOCAL_TZ, ambiguous=np.zeros(n, dtype=bool), nonexistent="NaT")
    nonexistent = np.asarray(as_cest.isna())
    ambiguous = ~nonexistent & np.asarray(as_cest != as_cet)

    # spring: the nonexistent 02:00 row should repeat 01:00 (forward fill); drop it anyway
    spring = np.flatnonzero(nonexistent)
    not_repeats = sum(
        1
        for i in spring
        if i == 0
        or (local[i] - local[i - 1]) != pd.Timedelta(hours=1)
        or not np.array_equal(raw[i], raw[i - 1], equal_nan=True)
    )
    keep = ~nonexistent
    frame = pd.DataFrame(
        raw[keep], columns=columns, index=as_cest[keep].tz_convert("UTC").rename("utc_timestamp")
    )
    if not frame.index.is_monotonic_increasing or frame.index.has_duplicates:
        raise _fail(
            path, None, "local times do not map to increasing UTC hours", "increasing_local_time"
        )
    local_day = np.asarray(local[keep].normalize())
    reasons = pd.DataFrame(np.zeros(frame.shape, dtype=np.int8), index=frame.index, columns=columns)

    reasons[frame.isna()] = _CODE["empty_in_source"]
    loads_missing = np.ones(len(frame), dtype=bool)
    for column in _LOAD_COLUMNS:
        loads_missing &= np.asarray(frame[column].fillna(0.0) == 0)
    price_zero = np.asarray(frame["Price_DA"] == 0) & loads_missing
    reasons.loc[price_zero, "Price_DA"] = _CODE["price_zero_with_loads_missing"]
    for column in _LOAD_COLUMNS:
        reasons.loc[np.asarray(frame[column] == 0), column] = _CODE["load_zero_is_missing"]
    for column in _GENERATION_COLUMNS:
        if column in frame:
            all_zero_day = frame[column].eq(0).groupby(local_day).transform("all")
            reasons.loc[np.asarray(all_zero_day), column] = _CODE["generation_zero_day_is_missing"]
    frame = frame.mask(reasons != 0)

    # the complete UTC grid: the autumn day's second 02:00 (CET) and absent hours are blank
    grid = pd.date_range(frame.index[0], frame.index[-1], freq="h", name="utc_timestamp")
    frame = frame.reindex(grid)
    reasons = reasons.reindex(grid)
    absent = reasons.isna().all(axis=1)
    second_autumn_hour = grid.isin(as_cet[ambiguous].tz_convert("UTC"))
    reasons.loc[absent & ~second_autumn_hour, :] = _CODE["hour_absent_in_source"]
    reasons.loc[absent & second_autumn_hour, :] = _CODE["autumn_second_hour_blank"]
    reasons = reasons.astype(np.int8)

    landed = [c for c in COLUMN_MAP if c in columns]  # drops Gen_SC
    rename = {c: COLUMN_MAP[c] for c in landed}
    return _ZoneRead(
        path=path,
        sha256=_sha256(path),
        values=frame[landed].rename(columns=rename),
        reasons=reasons[landed].rename(columns=rename),
        source_rows=n,
        spring_rows_dropped=int(nonexistent.sum()),
        spring_rows_not_repeats=int(not_repeats),
    )


def _blank_counts(reasons: pd.DataFrame) -> dict[str, dict[str, int]]:
    """rule -> column -> cells blanked (rules that blanked nothing included, with zeros)."""
    return {
        rule: {column: int((reasons[column] == _CODE[rule]).sum()) for column in reasons.columns}
        for rule in _CELL_RULES
    }


def read_entsoe_zone(path: Path) -> pd.DataFrame:
    """Read one ENTSO-E extract and apply the module's cleaning rules.

    Args:
        path: ``<ZONE>.csv`` or ``<ZONE>.csv.gz`` (gzip is detected from the content).

    Returns:
        One row per UTC hour from the file's first to its last hour, with no hour missing
        (index ``utc_timestamp``, tz-aware UTC hour starts), and one float column per OPSD
        variable (``price_day_ahead``, ``load_actual_entsoe_transparency``, ...; ``Gen_SC`` is
        dropped), NaN where missing. ``attrs["entsoe"]`` holds the source file, its sha256,
        row counts and the cells each rule blanked.

    Raises:
        ValueError: malformed input, naming the file, the line and the rule: ``header``,
            ``row_shape``, ``timestamp_format``, ``hourly_grid``, ``numeric_value``,
            ``duplicate_local_time``, ``increasing_local_time``, ``not_empty``.
    """
    zone = _read_zone(Path(path))
    values = zone.values.copy()
    values.attrs["entsoe"] = {
        "source_file": str(zone.path),
        "sha256": zone.sha256,
        "source_rows": zone.source_rows,
        "spring_rows_dropped": zone.spring_rows_dropped,
        "spring_rows_not_repeats": zone.spring_rows_not_repeats,
        "blanked_cells": _blank_counts(zone.reasons),
    }
    return values


# --------------------------------------------------------------------------- landing


def _local_day_start_utc(day: str, name: str, days_after: int = 0) -> pd.Timestamp:
    try:
        parsed = dt.date.fromisoformat(day)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: {day!r} is not an ISO date like 2016-01-31") from None
    local = pd.Timestamp(parsed + dt.timedelta(days=days_after)).tz_localize(LOCAL_TZ)
    return local.tz_convert("UTC")


def _format_number(value: float) -> str:
    if value != value:  # NaN
        return ""
    value += 0.0  # -0.0 -> 0.0
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _csv_text(header: list[str], columns: list[list[str]]) -> str:
    lines = [",".join(header)]
    lines.extend(",".join(row) for row in zip(*columns, strict=True))
    return "\n".join(lines) + "\n"


def land_entsoe_as_opsd(
    source_dir: Path,
    zones: Sequence[str],
    raw_dir: Path,
    start: str | None = None,
    end: str | None = None,
) -> Path:
    """Write ENTSO-E extracts as the raw OPSD files the dbt staging models read.

    Writes ``<raw_dir>/opsd/time_series_60min_singleindex.csv`` (zones outer-joined on the
    UTC hour: one row per hour from the earliest to the latest landed hour, sorted, columns
    ``<ZONE>_<variable>`` sorted like OPSD's), ``weather_data.csv`` (the same hours, empty
    weather columns per country) and ``.entsoe_provenance.json`` (source files and sha256,
    zones, rules, row counts, cells blanked per rule). Each file is written to a temporary
    file and renamed into place.

    Args:
        source_dir: folder with ``<name>.csv.gz`` or ``<name>.csv`` per zone.
        zones: file names (``DE``, ``FR``, ...); see :func:`opsd_zone_for`.
        raw_dir: the dbt ``raw_dir``; ``opsd/`` is created in it.
        start: first local (CET/CEST) delivery day to land, ISO date, inclusive.
        end: last local delivery day to land, ISO date, inclusive.

    Returns:
        The ``<raw_dir>/opsd`` folder.

    Raises:
        FileNotFoundError: a zone's source file is missing.
        ValueError: unknown or duplicate zone, bad dates, malformed input (see
            :func:`read_entsoe_zone`), or a zone without data in ``start``..``end``.
    """
    source_dir, raw_dir = Path(source_dir), Path(raw_dir)
    zones = [zones] if isinstance(zones, str) else list(zones)
    if not zones:
        raise ValueError("zones: at least one zone is required")
    if len(set(zones)) != len(zones):
        raise ValueError(f"zones: duplicates in {zones}")
    opsd_zones = {name: opsd_zone_for(name) for name in zones}
    landed_as: dict[str, str] = {}
    for name, zone in opsd_zones.items():
        if zone in landed_as:
            raise ValueError(f"zones: {landed_as[zone]!r} and {name!r} both land as {zone}")
        landed_as[zone] = name
    first = _local_day_start_utc(start, "start") if start is not None else None
    stop = _local_day_start_utc(end, "end", days_after=1) if end is not None else None
    if first is not None and stop is not None and stop <= first:
        raise ValueError(f"end {end} is before start {start}")
    paths = {name: _source_file(source_dir, name) for name in zones}  # fail before reading

    frames: list[pd.DataFrame] = []
    files: dict[str, dict] = {}
    blanked: dict[str, dict[str, dict[str, int]]] = {}
    for name in sorted(zones, key=lambda n: opsd_zones[n]):
        zone = opsd_zones[name]
        read = _read_zone(paths[name])
        values, reasons = read.values, read.reasons
        in_range = np.ones(len(values), dtype=bool)
        if first is not None:
            in_range &= values.index >= first
        if stop is not None:
            in_range &= values.index < stop
        values, reasons = values[in_range], reasons[in_range]
        if values.empty or values.isna().all().all():
            raise ValueError(
                f"{paths[name]}: no data between {start or 'the start'} and "
                f"{end or 'the end'} [rule: data_in_range]"
            )
        frames.append(values.add_prefix(f"{zone}_"))
        counts = _blank_counts(reasons)
        blanked[zone] = {
            rule: {"total": sum(by_column.values()), **by_column}
            for rule, by_column in counts.items()
        }
        files[zone] = {
            "source_name": name,
            "source_file": str(paths[name]),
            "sha256": read.sha256,
            "source_rows": read.source_rows,
            "spring_rows_dropped": read.spring_rows_dropped,
            "spring_rows_not_repeats": read.spring_rows_not_repeats,
            "first_utc": values.index[0].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "last_utc": values.index[-1].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "hours": len(values),
            "non_blank_cells": {c: int(values[c].notna().sum()) for c in values.columns},
        }

    joined = pd.concat(frames, axis=1, join="outer", sort=True)
    grid = pd.date_range(joined.index[0], joined.index[-1], freq="h", name="utc_timestamp")
    joined = joined.reindex(grid)
    joined = joined[sorted(joined.columns)]

    utc_text = list(grid.strftime("%Y-%m-%dT%H:%M:%SZ"))
    local_text = list(grid.tz_convert(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M:%S%z"))
    ts_columns = [utc_text, local_text]
    ts_columns += [[_format_number(v) for v in joined[c].tolist()] for c in joined.columns]
    ts_text = _csv_text(["utc_timestamp", "cet_cest_timestamp", *joined.columns], ts_columns)

    countries = sorted({zone[:2] for zone in opsd_zones.values()})
    weather_header = ["utc_timestamp"] + [f"{c}_{v}" for c in countries for v in _WEATHER_VARIABLES]
    empty = [""] * len(grid)
    weather_text = _csv_text(weather_header, [utc_text] + [empty] * (len(weather_header) - 1))

    opsd_dir = raw_dir / "opsd"
    opsd_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(opsd_dir / TIME_SERIES_FILE, ts_text)
    atomic_write(opsd_dir / WEATHER_FILE, weather_text)
    provenance = {
        "generator": "python_ml.data.entsoe",
        "source": "ENTSO-E Transparency Platform extracts (entsoe-py), see module docstring",
        "source_dir": str(source_dir),
        "zones": {opsd_zones[name]: name for name in zones},
        "start": start,
        "end": end,
        "local_time_zone": LOCAL_TZ,
        "rules": RULES,
        "column_map": dict(COLUMN_MAP),
        "files": files,
        "rows": {TIME_SERIES_FILE: len(grid), WEATHER_FILE: len(grid)},
        "first_utc": utc_text[0],
        "last_utc": utc_text[-1],
        "blanked_cells": blanked,
        "weather": "no weather in the source: weather columns are written empty",
        "sha256": {
            TIME_SERIES_FILE: hashlib.sha256(ts_text.encode()).hexdigest(),
            WEATHER_FILE: hashlib.sha256(weather_text.encode()).hexdigest(),
        },
    }
    atomic_write(
        opsd_dir / PROVENANCE_FILE, json.dumps(provenance, indent=2, sort_keys=True) + "\n"
    )
    return opsd_dir


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: land ENTSO-E extracts in a raw folder; 0 on success, 2 on an error."""
    parser = argparse.ArgumentParser(
        prog="python -m python_ml.data.entsoe",
        description="Land ENTSO-E day-ahead extracts (<ZONE>.csv[.gz]) as the raw OPSD "
        "files the dbt build reads (<raw-dir>/opsd/).",
    )
    parser.add_argument(
        "--source",
        type=Path,
        required=True,
        help="folder with <ZONE>.csv.gz or <ZONE>.csv per zone",
    )
    parser.add_argument(
        "--zones",
        nargs="+",
        required=True,
        help="file names to land, e.g. DE FR NL ES (DE lands as DE_LU)",
    )
    parser.add_argument(
        "--raw-dir", type=Path, required=True, help="the dbt raw_dir; files go to <raw-dir>/opsd/"
    )
    parser.add_argument("--start", help="first local delivery day, ISO date (inclusive)")
    parser.add_argument("--end", help="last local delivery day, ISO date (inclusive)")
    args = parser.parse_args(argv)
    try:
        opsd_dir = land_entsoe_as_opsd(
            args.source, args.zones, args.raw_dir, start=args.start, end=args.end
        )
    except (OSError, ValueError) as error:
        message = " ".join(str(error).split())
        print(f"error: {message}", file=sys.stderr)
        return 2
    provenance = json.loads((opsd_dir / PROVENANCE_FILE).read_text(encoding="utf-8"))
    print(
        f"landed {', '.join(provenance['zones'])}: {provenance['rows'][TIME_SERIES_FILE]} "
        f"hours {provenance['first_utc']} .. {provenance['last_utc']} in {opsd_dir}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
