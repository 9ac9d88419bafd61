"""Land the 2024-26 ERCOT hub and load-zone extract in the native report layouts.

The extract (``../shared/data/real/ercot_hub_lz_hourly_2024_2026``, see its PROVENANCE.md
section 9) is a third-party processed table, not an ERCOT file:

- ``hub_lz_dam_rtm_hourly.csv.gz``: ``delivery_date`` (YYYY-MM-DD), ``hour_ending`` (1..24,
  Central Prevailing Time), ``settlement_point``, ``dam_spp``, ``rtm_spp_hourly_mean``
  (the mean of the hour's four 15-minute real-time prices);
- ``dam_as_mcpc_hourly.csv.gz``: ``delivery_date``, ``hour_ending``, ``regdn``, ``regup``,
  ``rrs``, ``nspin``, ``ecrs``.

:func:`land_hub_extract` writes them, one file per report and year, where the ERCOT staging
models read them (``<raw_dir>/ercot/{dam_spp,rtm_spp,dam_as}/``), so the hourly layer
``int_ercot__settlement_point_hours`` holds them and a DART model can be evaluated on them
(``make ercot-real``; ``python -m python_ml.data.ercot_real --help``).

Rules
-----
- **Real-time prices.** The extract has hourly means only. Each mean is written into all
  four 15-minute intervals of its hour, so the hourly layer's ``rtm_spp_mean`` is exactly the
  published mean and ``rtm_spp_intervals`` is 4. The intra-hour prices are not available:
  anything that needs them (15-minute volatility, the last interval) must not be computed
  from this data. The landing summary (``ercot_real_landing.json``) says so too.
- **The repeated fall-back hour** was dropped by the extract's author (only the first pass
  was kept), so hour ending 2 of the fall-back day is landed with Repeated Hour Flag N (the
  CDT pass) and the CST pass is absent: a row with 0 intervals in the hourly layer.
- **The nonexistent spring hour.** Hour ending 3 of the spring-forward day does not exist in
  Central Prevailing Time (02:00-03:00 local is skipped), and ERCOT's own files never carry
  it. The ancillary-service table has such a row in 2024 and 2025 (next to a missing hour
  ending 2): it cannot be placed on a real hour, so it is dropped and counted
  (``nonexistent_spring_hour_dropped``); the staging models would reject it.
- **Missing hours stay missing**: the spring-forward hour, the week after each spring change
  and the 48 rows the extract dropped are not filled; the hourly layer's spine shows them as
  rows without prices. An empty price cell is not written (the line is left out).
- Settlement point types come from :func:`python_ml.data.ercot_sample.settlement_points`,
  the list ``seeds/ercot_settlement_points.csv`` is written from (all 15 extract points are
  hubs or load zones).

The load, wind, solar and SCED reports have no counterpart in the extract: build with
``ercot_optional_sources: [sced_lmp, load, wind, solar]`` (the make target does).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from python_ml.data.ercot_sample import settlement_points
from python_ml.data.files import atomic_write

PRICES_FILE = "hub_lz_dam_rtm_hourly.csv.gz"
AS_FILE = "dam_as_mcpc_hourly.csv.gz"
LANDING_FILE = "ercot_real_landing.json"
SERVICES = ("regdn", "regup", "rrs", "nspin", "ecrs")


class ExtractError(ValueError):
    """The extract is not what this adapter expects; the message names file, line, column."""


def _rows(path: Path, columns: tuple[str, ...]):
    with gzip.open(path, "rt", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ExtractError(
                f"{path}, line 1: missing column(s) {', '.join(missing)}; "
                f"the header has {', '.join(reader.fieldnames or [])}"
            )
        yield from enumerate(reader, start=2)


def _spring_forward(day: date) -> bool:
    """Central Prevailing Time skips an hour on this day (the local day has 23 hours)."""
    central = ZoneInfo("America/Chicago")
    start = datetime(day.year, day.month, day.day, tzinfo=central)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=central)
    return (end.astimezone(ZoneInfo("UTC")) - start.astimezone(ZoneInfo("UTC"))) < timedelta(
        hours=24
    )


def _delivery(path: Path, line: int, row: dict) -> tuple[date, int]:
    try:
        day = date.fromisoformat(row["delivery_date"])
        hour = int(row["hour_ending"])
    except ValueError as error:
        raise ExtractError(f"{path}, line {line}: {error}") from None
    if not 1 <= hour <= 24:
        raise ExtractError(f"{path}, line {line}, column hour_ending: {hour} is not 1..24")
    return day, hour


def _write(path: Path, header: list[str], lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, ",".join(header) + "\n", *lines)


def land_hub_extract(source: Path | str, raw_dir: Path | str) -> dict:
    """Write the extract as native DAM SPP, RTM SPP and DAM AS files; return the summary."""
    source, out = Path(source), Path(raw_dir) / "ercot"
    types = {p.settlement_point: p.ercot_type_code for p in settlement_points()}
    dam: dict[int, list[str]] = defaultdict(list)
    rtm: dict[int, list[str]] = defaultdict(list)
    counts = defaultdict(int)
    prices = source / PRICES_FILE
    for line, row in _rows(
        prices,
        ("delivery_date", "hour_ending", "settlement_point", "dam_spp", "rtm_spp_hourly_mean"),
    ):
        day, hour = _delivery(prices, line, row)
        if hour == 3 and _spring_forward(day):
            counts["nonexistent_spring_hour_dropped"] += 1
            continue
        point = row["settlement_point"]
        if point not in types:
            raise ExtractError(
                f"{prices}, line {line}, column settlement_point: {point} is not "
                "a known settlement point (seeds/ercot_settlement_points.csv)"
            )
        stamp = day.strftime("%m/%d/%Y")
        if row["dam_spp"].strip():
            dam[day.year].append(f"{stamp},{hour:02d}:00,N,{point},{row['dam_spp']}\n")
            counts["dam_spp_hours"] += 1
        if row["rtm_spp_hourly_mean"].strip():
            rtm[day.year].extend(
                f"{stamp},{hour},{quarter},N,{point},{types[point]},{row['rtm_spp_hourly_mean']}\n"
                for quarter in range(1, 5)
            )
            counts["rtm_spp_hours"] += 1
    services: dict[int, list[str]] = defaultdict(list)
    ancillary = source / AS_FILE
    for line, row in _rows(ancillary, ("delivery_date", "hour_ending", *SERVICES)):
        day, hour = _delivery(ancillary, line, row)
        if hour == 3 and _spring_forward(day):
            counts["nonexistent_spring_hour_dropped"] += 1
            continue
        services[day.year].append(
            f"{day:%m/%d/%Y},{hour:02d}:00,N," + ",".join(row[s] for s in SERVICES) + "\n"
        )
        counts["dam_as_hours"] += 1
    for year, lines in dam.items():
        _write(
            out / "dam_spp" / f"DAM_SPP_{year}.csv",
            [
                "Delivery Date",
                "Hour Ending",
                "Repeated Hour Flag",
                "Settlement Point",
                "Settlement Point Price",
            ],
            lines,
        )
    for year, lines in rtm.items():
        _write(
            out / "rtm_spp" / f"RTM_SPP_{year}.csv",
            [
                "Delivery Date",
                "Delivery Hour",
                "Delivery Interval",
                "Repeated Hour Flag",
                "Settlement Point Name",
                "Settlement Point Type",
                "Settlement Point Price",
            ],
            lines,
        )
    for year, lines in services.items():
        _write(
            out / "dam_as" / f"DAM_AS_{year}.csv",
            ["Delivery Date", "Hour Ending", "Repeated Hour Flag", *[s.upper() for s in SERVICES]],
            lines,
        )
    summary = {
        "source": str(source),
        "files": {"dam_spp": sorted(dam), "rtm_spp": sorted(rtm), "dam_as": sorted(services)},
        **counts,
        "rtm_spp_intervals": "each 15-minute interval carries its hour's published mean; "
        "intra-hour prices are not in the extract",
        "absent_reports": ["sced_lmp", "load", "wind", "solar"],
    }
    (out / LANDING_FILE).write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m python_ml.data.ercot_real",
        description="Land the 2024-26 ERCOT hub/load-zone extract in the native report layouts.",
    )
    parser.add_argument(
        "--source",
        default="../shared/data/real/ercot_hub_lz_hourly_2024_2026",
        help="folder with the extract (default: %(default)s)",
    )
    parser.add_argument(
        "--raw-dir",
        default="warehouse/ercot_real/raw",
        help="landing folder; files go to <raw-dir>/ercot/ (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        summary = land_hub_extract(args.source, args.raw_dir)
    except (ExtractError, FileNotFoundError) as error:
        parser.exit(1, f"error: {error}\n")
    print(
        f"landed {args.source} in {args.raw_dir}/ercot/: {summary['dam_spp_hours']:,} DAM and "
        f"{summary['rtm_spp_hours']:,} RT settlement point hours, "
        f"{summary['dam_as_hours']:,} ancillary-service hours"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
