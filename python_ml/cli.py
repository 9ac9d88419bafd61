"""Command line of Open Power ML: ``python -m python_ml <command>`` (or ``open-power-ml``).

Commands
--------
generate opsd   write the deterministic OPSD-format sample into the raw folder
generate ercot  write the deterministic ERCOT sample (native daily CSVs) into the raw folder
download opsd   fetch the real OPSD packages (verified, resumable, atomic)
summary         print what the warehouse holds and where it is
sql             open the DuckDB CLI read-only on a snapshot of the warehouse
run hourly      the hourly path (score new hours, drift, inference log), one run at a time
run daily       the daily path (retrain, shadow, promotion), one run at a time
backtest        replay the daily retraining over history (walk-forward), resumable
lifecycle       demo: new days with drift, hourly runs, a daily run, a printed summary
report          static HTML monitoring report with plots (offline)
docs            dbt docs and Great Expectations Data Docs under one index
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

DEFAULT_WAREHOUSE = Path("warehouse/open_power.duckdb")
DEFAULT_RAW_DIR = Path("warehouse/raw")


def warehouse_path(explicit: str | None = None) -> Path:
    """The warehouse: --warehouse, else $OPEN_POWER_DUCKDB (as in profiles.yml), else default."""
    return Path(explicit or os.environ.get("OPEN_POWER_DUCKDB") or DEFAULT_WAREHOUSE)


class CliError(Exception):
    """A failure the user can act on; printed as one line, exit code 1."""


# ---------------------------------------------------------------- generate


def _cmd_generate_opsd(args: argparse.Namespace) -> int:
    from python_ml.data.opsd_sample import (
        DEFAULT_ZONES,
        DriftRegime,
        SampleSpec,
        append_opsd_sample,
        generate_opsd_sample,
    )

    out_dir = Path(args.raw_dir) / "opsd"
    drift = None
    if args.drift_kind:
        if not args.drift_start:
            raise CliError("--drift-kind needs --drift-start (a date such as 2019-06-01)")
        drift = DriftRegime(
            start=args.drift_start, kind=args.drift_kind, magnitude=args.drift_magnitude
        )

    started = time.perf_counter()
    if args.append_hours:
        result = append_opsd_sample(
            out_dir, args.append_hours, drift=drift, progress=not args.quiet
        )
        action = f"appended {args.append_hours} hours to"
    else:
        existing = out_dir / "time_series_60min_singleindex.csv"
        if args.if_absent and existing.exists():
            print(f"sample data present in {out_dir}/ (kept; delete it to regenerate)")
            return 0
        spec = SampleSpec(
            zones=tuple(args.zones or DEFAULT_ZONES),
            start=args.start,
            years=args.years,
            days=args.days,
            seed=args.seed,
            drift=drift,
            synthetic_zones=args.synthetic_zones,
        )
        result = generate_opsd_sample(out_dir, spec, progress=not args.quiet)
        action = "wrote"
    seconds = time.perf_counter() - started
    zones = (
        ", ".join(result.zones)
        if len(result.zones) <= 8
        else f"{len(result.zones)} ({', '.join(result.zones[:3])}, ...)"
    )
    print(
        f"{action} {result.time_series_path} and {result.weather_path}: "
        f"{result.rows} hours, zones {zones}, "
        f"actuals until {result.last_actual_utc}, load forecasts until {result.last_forecast_utc} "
        f"({seconds:.1f} s)"
    )
    return 0


def _cmd_generate_ercot(args: argparse.Namespace) -> int:
    from python_ml.data.ercot_sample import (
        SIDECAR_FILE,
        ErcotSampleSpec,
        append_ercot_sample,
        generate_ercot_sample,
    )

    out_dir = Path(args.raw_dir) / "ercot"
    started = time.perf_counter()
    try:
        if args.append_days:
            result = append_ercot_sample(out_dir, args.append_days, progress=not args.quiet)
            action = f"appended {result.days} days to"
        else:
            # any report file counts: real files landed there must not get sample days mixed in
            if args.if_absent and (
                (out_dir / SIDECAR_FILE).exists() or any(out_dir.glob("*/*.csv*"))
            ):
                print(f"ERCOT data present in {out_dir}/ (kept; delete it to regenerate)")
                return 0
            spec = ErcotSampleSpec(
                points=args.points,
                start=args.start,
                days=args.days,
                years=args.years,
                seed=args.seed,
                scale=args.scale,
            )
            result = generate_ercot_sample(out_dir, spec, progress=not args.quiet)
            action = "wrote"
    except (ValueError, FileNotFoundError) as error:
        raise CliError(str(error)) from None
    seconds = time.perf_counter() - started
    rows = ", ".join(f"{source} {count:,}" for source, count in result.rows.items())
    print(
        f"{action} {out_dir}/: {result.files} files for delivery days {result.first_day} .. "
        f"{result.last_day} ({result.days} days, {result.spec.points} settlement points, "
        f"{result.bytes / 1e6:.1f} MB); rows: {rows} ({seconds:.1f} s)"
    )
    return 0


# ---------------------------------------------------------------- download


def _cmd_download_opsd(args: argparse.Namespace) -> int:
    import logging

    from python_ml.data.download import BASE_URL, DownloadError, download_opsd

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    versions = {}
    if args.time_series_version:
        versions["time_series"] = args.time_series_version
    if args.weather_version:
        versions["weather"] = args.weather_version
    try:
        results = download_opsd(
            Path(args.raw_dir) / "opsd",
            packages=args.package or ("time_series", "weather"),
            versions=versions,
            base_url=args.base_url or BASE_URL,
            progress=not args.quiet,
        )
    except DownloadError as error:
        raise CliError(str(error)) from None
    for result in results:
        verified = "checksum verified" if result.checksum_verified else "no published checksum"
        if getattr(result, "reused", False):
            verified += ", already present and unchanged"
        print(
            f"{result.package} {result.version}: {result.path} "
            f"({result.bytes / 1e6:.1f} MB, {verified})"
        )
    return 0


# ---------------------------------------------------------------- summary


def _cmd_summary(args: argparse.Namespace) -> int:
    import duckdb

    path = warehouse_path(args.warehouse)
    if not path.exists():
        raise CliError(f"{path}: no warehouse yet; run `make demo` (or dbt build) first")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:
        raise CliError(f"{path}: cannot open read-only ({error})") from None
    with con:
        tables = con.sql(
            "select table_name, table_type from information_schema.tables "
            "where table_schema = 'main' order by table_name"
        ).fetchall()
        print(f"Warehouse: {path.resolve()} ({path.stat().st_size / 1e6:.1f} MB)")
        print(f"{'relation':<36} {'rows':>12}")
        for name, _kind in tables:
            (rows,) = con.sql(f'select count(*) from "{name}"').fetchall()[0]
            print(f"{name:<36} {rows:>12,}")
        names = {name for name, _ in tables}
        if "int_opsd__zone_hours" in names:
            print()
            print("Hourly layer per zone (int_opsd__zone_hours):")
            rows = con.sql(
                """
                select
                    zone,
                    min(ts_utc) as first_hour_utc,
                    max(ts_utc) as last_hour_utc,
                    count(*) as hours,
                    date_diff('hour', min(ts_utc), max(ts_utc)) + 1 - count(*) as gaps,
                    max(ts_utc) filter (where price_eur_mwh is not null) as last_price_utc,
                    count(*) filter (where is_price_missing) as missing_prices,
                    round(avg(price_eur_mwh), 1) as mean_price
                from int_opsd__zone_hours
                group by zone
                order by zone
                """
            ).fetchall()
            header = (
                "zone",
                "first hour (UTC)",
                "last hour (UTC)",
                "hours",
                "gaps",
                "last price (UTC)",
                "missing prices",
                "mean EUR/MWh",
            )
            _print_rows(header, rows)
        if "int_ercot__settlement_point_hours" in names:
            print()
            print(
                "ERCOT hourly layer by settlement point type (int_ercot__settlement_point_hours):"
            )
            _print_table(
                con.sql(
                    """
                select
                    coalesce(settlement_point_type, 'not in seed') as type,
                    count(distinct settlement_point) as points,
                    min(hour_start_utc) as first_hour_utc,
                    max(hour_start_utc) as last_hour_utc,
                    count(*) as point_hours,
                    count(*) filter (where rtm_spp_incomplete) as rt_incomplete,
                    round(avg(dam_spp), 2) as mean_dam_usd,
                    round(avg(dam_spp - rtm_spp_mean), 2) as mean_dart_usd
                from int_ercot__settlement_point_hours
                group by all
                order by type
                """
                )
            )
        if "fct_spike_features" in names:
            print()
            print("Spike feature mart (fct_spike_features): rows and spike base rate by split")
            _print_table(
                con.sql(
                    """
                select
                    zone,
                    split,
                    count(*) as rows,
                    min(target_ts_utc) as first_target_utc,
                    max(target_ts_utc) as last_target_utc,
                    round(100 * avg(is_spike::int), 2) as spike_rate_pct
                from fct_spike_features
                group by zone, split
                order by zone, min(target_ts_utc)
                """
                )
            )
        if {"ml_model_registry", "ml_model_evaluation"} <= names:
            _print_model_summary(con, names)
    print()
    print("Query it: make sql   (read-only DuckDB shell on a snapshot; builds stay unblocked)")
    return 0


SUMMARY_METRICS = {
    "classification": (
        "pr_auc",
        "roc_auc",
        "brier",
        "log_loss",
        "ece",
        "ece_quantile",
        "precision_at_threshold",
        "recall_at_threshold",
        "alert_rate",
        "base_rate",
    ),
    "regression": (
        "mae",
        "rmse",
        "bias",
        "interval_coverage",
        "interval_nominal",
        "interval_width",
    ),
}
SUMMARY_PREDICTORS = {
    "classification": ("model", "model_uncalibrated", "persistence", "climatology"),
    "regression": ("model", "persistence", "climatology"),
}


def _print_model_summary(con, names: set[str]) -> None:
    """Per task: its champion, its test metrics beside the baselines, its predictions."""
    champions = con.sql(
        """
        select task, model_version, model_family, coalesce(task_kind, 'classification'),
               calibration_method, threshold, trained_at_utc, test_start_utc, test_end_utc,
               training_mode, validation_end_utc
        from ml_model_registry where status = 'champion' order by task
        """
    ).fetchall()
    print()
    if not champions:
        print("Models: no champion yet (dbt build --vars '{retrain: true}')")
        return
    (registered,) = con.sql("select count(*) from ml_model_registry").fetchall()[0]
    print(f"Models: {registered} registered (ml_model_registry)")
    for (
        task,
        version,
        family,
        kind,
        calibration,
        threshold,
        trained_at,
        test_start,
        test_end,
        mode,
        data_end,
    ) in champions:
        detail = f"alert threshold {threshold:.4f}" if threshold is not None else f"{calibration}"
        print()
        print(
            f"Task {task} ({kind}): champion model_version {version} ({family}, {detail}, "
            f"{mode}, data to {data_end:%Y-%m-%d}), trained {trained_at:%Y-%m-%d %H:%M} UTC"
        )
        if test_start is None:
            print("  no test window (a walk-forward model is judged by shadow scoring)")
        else:
            print(
                f"  test metrics, all entities, {test_start:%Y-%m-%d} .. {test_end:%Y-%m-%d}"
                " (ml_model_evaluation; [95 % day-block bootstrap interval]):"
            )
            rows = con.execute(
                "select metric, predictor, value, ci_low, ci_high from ml_model_evaluation "
                "where model_version = ? and split = 'test' and entity = 'ALL'",
                [version],
            ).fetchall()
            values = {(m, p): (v, lo, hi) for m, p, v, lo, hi in rows}

            def cell(key: tuple[str, str], values=values) -> str:
                if key not in values or values[key][0] is None:
                    return "-"
                v, lo, hi = values[key]
                return f"{v:.4f}" + (f" [{lo:.4f}, {hi:.4f}]" if lo is not None else "")

            predictors = SUMMARY_PREDICTORS[kind]
            table = [
                (metric, *(cell((metric, p)) for p in predictors))
                for metric in SUMMARY_METRICS[kind]
                if (metric, "model") in values
            ]
            _print_rows(("metric", *predictors), table)
            for metric in values:
                if metric[1] == "model" and metric[0].endswith("_minus_persistence"):
                    print(f"  {metric[0]}: {cell(metric)}")
        view = (
            con.execute("select models from ml_tasks where task = ?", [task]).fetchall()
            if "ml_tasks" in names
            else []
        )
        if view and f"ml_{view[0][0]}_predictions" in names:
            name = f"ml_{view[0][0]}_predictions"
            count, last = con.sql(f"select count(*), max(target_ts_utc) from {name}").fetchall()[0]
            print(f"  predictions: {count:,} rows in {name}, last target hour {last} UTC")


def _print_table(relation) -> None:
    _print_rows(tuple(relation.columns), relation.fetchall())


def _print_rows(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [tuple(header), *[tuple("" if v is None else str(v) for v in row) for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        padded = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  " + " | ".join(padded).rstrip())


# ---------------------------------------------------------------- sql


def duckdb_cli() -> Path:
    """The DuckDB CLI installed beside this interpreter (package duckdb-cli)."""
    beside = Path(sys.executable).parent / "duckdb"
    found = beside if beside.exists() else shutil.which("duckdb")
    if not found:
        raise CliError("DuckDB CLI not found; install the project (make install) to get it")
    return Path(found)


def snapshot_warehouse(
    path: Path, snapshot_dir: Path | None = None, wait_seconds: float = 60.0
) -> Path:
    """Copy the warehouse to a snapshot file, consistently, and return its path.

    DuckDB allows one writer per file, and any open connection, even read-only, keeps a
    writer out. A shell opened on a snapshot holds no lock on the warehouse, so a
    scheduled ``dbt build`` keeps running. The copy is taken while holding a read-only
    connection, which a writer cannot hold at the same time, so it is never mid-write.
    """
    import duckdb

    if not path.exists():
        raise CliError(f"{path}: no warehouse yet; run `make demo` (or dbt build) first")
    snapshot_dir = snapshot_dir or path.parent / ".snapshots"
    snapshot_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = duckdb.connect(str(path), read_only=True)
            break
        except duckdb.IOException as error:
            if time.monotonic() > deadline:
                raise CliError(
                    f"{path}: still locked by a build after {wait_seconds:.0f} s ({error})"
                ) from None
            time.sleep(1.0)
    try:
        target = snapshot_dir / f"{path.stem}.snapshot{path.suffix}"
        partial = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(path, partial)
        wal = path.with_name(path.name + ".wal")
        target_wal = target.with_name(target.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, partial.with_name(partial.name + ".wal"))
            os.replace(partial.with_name(partial.name + ".wal"), target_wal)
        else:
            target_wal.unlink(missing_ok=True)  # a stale log would replay onto the new copy
        os.replace(partial, target)
    finally:
        con.close()
    return target


def _cmd_sql(args: argparse.Namespace) -> int:
    path = warehouse_path(args.warehouse)
    snapshot = snapshot_warehouse(path)
    cli = duckdb_cli()
    command = [str(cli), "-readonly", str(snapshot), *args.sql]
    if not args.sql:
        print(
            f"DuckDB shell on a snapshot of {path} taken {time.strftime('%H:%M:%S')} "
            "(read-only; .quit to leave)",
            file=sys.stderr,
        )
    sys.stdout.flush()
    os.execv(command[0], command)
    return 0  # not reached


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m python_ml",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write sample raw data")
    generate_sources = generate.add_subparsers(dest="source", required=True)
    opsd = generate_sources.add_parser(
        "opsd",
        help="OPSD-format sample (time series + weather)",
        description="Write the deterministic OPSD-format sample into <raw-dir>/opsd/.",
    )
    opsd.add_argument(
        "--raw-dir", default=str(DEFAULT_RAW_DIR), help="landing folder (default: %(default)s)"
    )
    opsd.add_argument(
        "--zones",
        nargs="+",
        metavar="ZONE",
        help="bidding zones, e.g. DE_LU FR NL (default: the sample's three)",
    )
    opsd.add_argument("--years", type=float, default=3.0, help="span in years (default: 3)")
    opsd.add_argument("--days", type=int, help="span in days (overrides --years)")
    opsd.add_argument(
        "--start", default="2017-01-01", help="first local delivery day (default: %(default)s)"
    )
    opsd.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    opsd.add_argument(
        "--synthetic-zones",
        type=int,
        default=0,
        metavar="N",
        help="add N synthetic zones SY_0001.. (scale mode, for benchmarks)",
    )
    opsd.add_argument(
        "--append-hours",
        type=int,
        metavar="N",
        help="advance the existing sample's live feed by N hours",
    )
    opsd.add_argument(
        "--if-absent", action="store_true", help="do nothing when the sample already exists"
    )
    opsd.add_argument(
        "--drift-kind",
        choices=["fuel_price", "renewables", "load"],
        help="inject a drift regime from --drift-start on",
    )
    opsd.add_argument("--drift-start", help="UTC date or timestamp the drift starts at")
    opsd.add_argument(
        "--drift-magnitude",
        type=float,
        default=2.0,
        help="multiplier of the drifting quantity (default: 2.0)",
    )
    opsd.add_argument("--quiet", action="store_true", help="no progress output")
    opsd.set_defaults(handler=_cmd_generate_opsd)

    ercot = generate_sources.add_parser(
        "ercot",
        help="ERCOT sample (DAM/RTM/SCED prices, load, wind, solar, AS)",
        description="Write the deterministic ERCOT sample, one native-layout CSV per source "
        "and delivery day, into <raw-dir>/ercot/<source>/.",
    )
    ercot.add_argument(
        "--raw-dir", default=str(DEFAULT_RAW_DIR), help="landing folder (default: %(default)s)"
    )
    ercot.add_argument(
        "--points",
        type=int,
        help="first N settlement points of the seed (default: 20; scale: 1000)",
    )
    ercot.add_argument(
        "--start", help="first delivery day (default: 2024-01-01; scale: 2022-01-01)"
    )
    span = ercot.add_mutually_exclusive_group()
    span.add_argument("--days", type=int, help="span in delivery days (default: 366; scale: 1096)")
    span.add_argument("--years", type=float, help="span in years instead of --days")
    ercot.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    ercot.add_argument(
        "--scale",
        action="store_true",
        help="scale mode: 1000 points over 3 years, SCED for hubs and load "
        "zones only (~105M RTM rows, for benchmarks)",
    )
    ercot.add_argument(
        "--append-days",
        type=int,
        metavar="N",
        help="write the existing sample's next N delivery days",
    )
    ercot.add_argument(
        "--if-absent", action="store_true", help="do nothing when the sample already exists"
    )
    ercot.add_argument("--quiet", action="store_true", help="no progress output")
    ercot.set_defaults(handler=_cmd_generate_ercot)

    download = commands.add_parser("download", help="fetch real raw data")
    download_sources = download.add_subparsers(dest="source", required=True)
    dl_opsd = download_sources.add_parser(
        "opsd",
        help="Open Power System Data packages",
        description="Download OPSD's time series (60 min, single index) and weather packages "
        "into <raw-dir>/opsd/, replacing the sample.",
    )
    dl_opsd.add_argument(
        "--raw-dir", default=str(DEFAULT_RAW_DIR), help="landing folder (default: %(default)s)"
    )
    dl_opsd.add_argument(
        "--package",
        action="append",
        choices=["time_series", "weather"],
        help="only this package (repeatable; default: both)",
    )
    dl_opsd.add_argument(
        "--time-series-version",
        metavar="YYYY-MM-DD",
        help="time series package version (default: 2020-10-06)",
    )
    dl_opsd.add_argument(
        "--weather-version",
        metavar="YYYY-MM-DD",
        help="weather package version (default: 2020-09-16)",
    )
    dl_opsd.add_argument("--base-url", help=argparse.SUPPRESS)
    dl_opsd.add_argument("--quiet", action="store_true", help="no progress bar")
    dl_opsd.set_defaults(handler=_cmd_download_opsd)

    summary = commands.add_parser("summary", help="what the warehouse holds")
    summary.add_argument(
        "--warehouse", help=f"DuckDB file (default: $OPEN_POWER_DUCKDB or {DEFAULT_WAREHOUSE})"
    )
    summary.set_defaults(handler=_cmd_summary)

    sql = commands.add_parser(
        "sql",
        help="read-only DuckDB shell on a snapshot of the warehouse",
        description="Open the DuckDB CLI read-only on a fresh snapshot of the warehouse; "
        'extra arguments go to the CLI, e.g. "select count(*) from ...".',
    )
    sql.add_argument("--warehouse", help="DuckDB file")
    sql.add_argument("sql", nargs=argparse.REMAINDER, help="arguments for the DuckDB CLI")
    sql.set_defaults(handler=_cmd_sql)

    run = commands.add_parser(
        "run",
        help="the hourly or daily path (selectors.yml) under the warehouse lock",
        description="dbt build --selector hourly|daily, in-process, one run at a time per "
        "warehouse (a second run exits with code 75).",
    )
    run.add_argument("path", choices=["hourly", "daily"])
    run.add_argument(
        "--warehouse", help=f"DuckDB file (default: $OPEN_POWER_DUCKDB or {DEFAULT_WAREHOUSE})"
    )
    run.add_argument("--vars", help="dbt vars as YAML, e.g. '{raw_dir: /data/raw}'")
    run.set_defaults(handler=_cmd_run)

    lifecycle = commands.add_parser(
        "lifecycle",
        help="demo: drifted new days, hourly runs, a daily run, a summary",
        description="On a copy of the demo warehouse (warehouse/lifecycle/): append days "
        "with a drift regime, run the hourly path after each, then the daily "
        "path (retrain, shadow, promotion), and print a summary.",
    )
    lifecycle.add_argument(
        "--warehouse", help=f"the demo warehouse to start from (default: {DEFAULT_WAREHOUSE})"
    )
    lifecycle.add_argument(
        "--raw-dir", default=str(DEFAULT_RAW_DIR), help="its raw folder (default: %(default)s)"
    )
    lifecycle.add_argument(
        "--out",
        default="warehouse/lifecycle",
        help="where the copy goes, replaced each time (default: %(default)s)",
    )
    lifecycle.add_argument("--days", type=int, default=10, help="days appended (default: 10)")
    lifecycle.add_argument(
        "--drift-kind", default="fuel_price", choices=["fuel_price", "renewables", "load"]
    )
    lifecycle.add_argument("--drift-magnitude", type=float, default=2.5)
    lifecycle.set_defaults(handler=_cmd_lifecycle)

    report = commands.add_parser(
        "report",
        help="static HTML report with plots (reliability, drift, alert rate, ...)",
        description="Write <out>/index.html: inline SVG plots from the warehouse's "
        "monitoring tables, viewable offline.",
    )
    report.add_argument(
        "--warehouse", help=f"DuckDB file (default: $OPEN_POWER_DUCKDB or {DEFAULT_WAREHOUSE})"
    )
    report.add_argument("--out", help="output folder (default: report/ beside the warehouse)")
    report.add_argument(
        "--task",
        default="spike_risk",
        help="a classification task of var ml_tasks (default: %(default)s)",
    )
    report.set_defaults(handler=_cmd_report)

    docs = commands.add_parser(
        "docs",
        help="build the data-docs site (dbt docs + Great Expectations Data Docs)",
        description="Write dbt's static docs and the Great Expectations Data Docs (suites "
        "validated on the warehouse's tables) under one index page, viewable "
        "offline. Needs npm once, to fetch the Data Docs' CSS and JavaScript.",
    )
    docs.add_argument("--warehouse", help="DuckDB file")
    docs.add_argument("--out", default="warehouse/docs", help="site folder (default: %(default)s)")
    docs.set_defaults(handler=_cmd_docs)

    notebook = commands.add_parser(
        "notebook",
        help="execute the walk-through notebook on the warehouse and render it to HTML",
        description="Run notebooks/walkthrough.py (jupytext) cell by cell on a snapshot of "
        "the warehouse and write <out>/walkthrough.html with its outputs and plots.",
    )
    notebook.add_argument(
        "--warehouse", help=f"DuckDB file (default: $OPEN_POWER_DUCKDB or {DEFAULT_WAREHOUSE})"
    )
    notebook.add_argument(
        "--raw-dir", default=str(DEFAULT_RAW_DIR), help="its raw folder (default: %(default)s)"
    )
    notebook.add_argument(
        "--out", default="warehouse/notebook", help="output folder (default: %(default)s)"
    )
    notebook.add_argument(
        "--timeout", type=int, default=600, help="seconds a cell may run (default: %(default)s)"
    )
    notebook.set_defaults(handler=_cmd_notebook)

    backtest = commands.add_parser(
        "backtest",
        help="walk-forward backtest of a task: retrain every N days, score the next period",
        description="Replay the daily path's walk-forward retraining over history: train at "
        "each cut on the labelled rows before it, score the period up to the "
        "next cut, and write ml_backtest_cuts, ml_backtest_predictions and "
        "ml_backtest_metrics to the warehouse. Resumes after its last finished "
        "cut when started again with the same settings.",
    )
    backtest.add_argument(
        "--task", default="spike_risk", help="a task of var ml_tasks (default: %(default)s)"
    )
    backtest.add_argument("--start", required=True, help="first cut, a date (YYYY-MM-DD)")
    backtest.add_argument("--end", required=True, help="last day scored, a date")
    backtest.add_argument(
        "--every", default="28d", help="days between cuts, e.g. 28d or 4w (default: %(default)s)"
    )
    backtest.add_argument(
        "--warehouse", help=f"DuckDB file (default: $OPEN_POWER_DUCKDB or {DEFAULT_WAREHOUSE})"
    )
    backtest.add_argument(
        "--vars", help="dbt vars as YAML, over dbt_project.yml, e.g. '{ml_backtest: {trials: 5}}'"
    )
    backtest.add_argument("--fresh", action="store_true", help="redo every cut instead of resuming")
    backtest.add_argument("--quiet", action="store_true", help="no progress bar")
    backtest.set_defaults(handler=_cmd_backtest)
    return parser


def project_vars(overrides: str | None = None) -> dict[str, object]:
    """dbt_project.yml's vars with --vars (YAML) on top, as dbt applies them."""
    import yaml

    project_dir = Path(os.environ.get("DBT_PROJECT_DIR", Path(__file__).resolve().parents[1]))
    values = dict(yaml.safe_load((project_dir / "dbt_project.yml").read_text())["vars"])
    if overrides:
        given = yaml.safe_load(overrides)
        if not isinstance(given, dict):
            raise CliError(f"--vars must be a YAML mapping, got {overrides!r}")
        values.update(given)
    return values


def _cmd_backtest(args: argparse.Namespace) -> int:
    import pandas as pd

    from python_ml.ops.runs import WarehouseBusy
    from python_ml.training import backtest

    values = project_vars(args.vars)
    tasks = values.get("ml_tasks") or {}
    if args.task not in tasks:
        raise CliError(f"--task {args.task}: not a task of var ml_tasks ({', '.join(tasks)})")
    try:
        spec = backtest.BacktestSpec(
            args.task,
            pd.Timestamp(args.start),
            pd.Timestamp(args.end),
            backtest.parse_every(args.every),
        )
        spec.cuts()
        config = backtest.backtest_config(values["ml_training"], values.get("ml_backtest"))
        result = backtest.run_backtest(
            warehouse_path(args.warehouse),
            spec,
            tasks[args.task],
            config,
            progress=not args.quiet,
            fresh=args.fresh,
        )
    except (ValueError, FileNotFoundError, WarehouseBusy) as error:
        raise CliError(str(error)) from None
    from python_ml.training.tasks import Task

    print(backtest.summary_table(Task.from_config(args.task, tasks[args.task]), result.metrics))
    print(
        f"backtest {result.backtest_id}: {result.cuts} cuts ({result.cuts_run} run now) in "
        f"{result.seconds:.0f} s; tables ml_backtest_cuts, ml_backtest_predictions, "
        f"ml_backtest_metrics (where backtest_id = '{result.backtest_id}')"
    )
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    import yaml

    from python_ml.ops import runs

    dbt_vars = yaml.safe_load(args.vars) if args.vars else {}
    if not isinstance(dbt_vars, dict):
        raise CliError(f"--vars must be a YAML mapping, got {args.vars!r}")
    return runs.run_path(args.path, warehouse_path(args.warehouse), dbt_vars)


def _cmd_report(args: argparse.Namespace) -> int:
    from python_ml.ops import report

    warehouse = warehouse_path(args.warehouse)
    out = Path(args.out) if args.out else warehouse.parent / "report"
    try:
        page = report.build_report(warehouse, out, args.task)
    except FileNotFoundError as error:
        raise CliError(str(error)) from error
    print(f"report written: {page} (open it in a browser; it loads nothing from the network)")
    return 0


def _cmd_lifecycle(args: argparse.Namespace) -> int:
    from python_ml.ops import lifecycle_demo

    spec = lifecycle_demo.LifecycleSpec(
        source_warehouse=warehouse_path(args.warehouse),
        source_raw=Path(args.raw_dir),
        out_dir=Path(args.out),
        days=args.days,
        drift_kind=args.drift_kind,
        drift_magnitude=args.drift_magnitude,
    )
    try:
        return lifecycle_demo.run(spec)
    except lifecycle_demo.LifecycleError as error:
        raise CliError(str(error)) from error


def _cmd_docs(args: argparse.Namespace) -> int:
    from python_ml.ops import docs

    project_dir = Path(os.environ.get("DBT_PROJECT_DIR", Path.cwd()))
    try:
        index = docs.build_site(
            warehouse_path(args.warehouse),
            Path(args.out).resolve(),
            project_dir,
            docs.dbt_var_defaults(project_dir),
        )
    except docs.DocsError as error:
        raise CliError(str(error)) from None
    print(f"data docs: {index}")
    return 0


def _cmd_notebook(args: argparse.Namespace) -> int:
    from python_ml.ops import notebook

    try:
        page = notebook.render(
            warehouse_path(args.warehouse),
            Path(args.out).resolve(),
            raw_dir=Path(args.raw_dir).resolve(),
            timeout=args.timeout,
        )
    except notebook.NotebookError as error:
        raise CliError(str(error)) from None
    print(f"notebook: {page}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except CliError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
