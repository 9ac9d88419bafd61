"""Benchmark of the ERCOT layers at scale: full build, the 15-minute -> hourly step in DuckDB
(the project's dbt model and plain DuckDB), pandas and Polars, and an incremental day.

Run on purpose, not as a test:

    make bench-ercot                                        # scale: 1,000 points x 3 years
    make bench-ercot BENCH_ERCOT_ARGS='--points 100 --days 365'   # quick (~2 min)
    .venv/bin/python bench/bench_ercot.py --fresh --repeat 2

What is measured (cached in ``warehouse/bench/ercot/<label>/``; ``--fresh`` redoes it):

1. Generation of the sample (``python -m python_ml generate ercot --scale``: 1,000 settlement
   points x 1,096 days, ~105M 15-minute RT rows, SCED for the 15 hubs and load zones only),
   reported as context.
2. Full build: ``dbt run --select +int_ercot__settlement_point_hours`` on an empty warehouse
   (after ``dbt seed``): staging of every report from CSV, the resamples and the hourly
   layer. Per-model seconds come from dbt's run_results.json.
3. The 15-minute -> hourly step (hourly mean, intervals seen, incomplete flag per settlement
   point and hour) on the staged rows, each engine in its own child process; wall seconds
   and peak RSS (``os.wait4`` rusage) cover the whole child (start-up, reading, computing,
   writing):
   - ``dbt-project``: ``dbt run --select int_ercot__rtm_hourly --full-refresh`` (the model as
     shipped, dbt start-up and parsing included; the model's own seconds are printed too);
   - ``duckdb-table``: the same SQL in python duckdb, warehouse table in, table out;
   - ``duckdb-parquet``: the same SQL, parquet in, parquet out (the baseline of the ratios);
   - ``polars``: ``scan_parquet`` -> ``group_by`` -> ``sink_parquet``;
   - ``pandas``: ``read_parquet`` -> ``groupby`` -> ``to_parquet``.
   The parquet input (interval_start_utc, settlement_point, rtm_spp) is exported once from
   ``stg_ercot__rtm_spp``. Every engine's result is compared with duckdb-parquet on all rows
   (counts, interval counts and means to 1e-9 relative).
4. Incremental day: on a copy of the built warehouse, one delivery day is appended to the
   raw sample and ``dbt run --select +int_ercot__settlement_point_hours`` is timed with the
   full build's raw folder and target path, as a scheduled run would (dbt's partial parsing
   applies): staging reads only the new files, the hourly models re-process their look-back.
   Ratio incremental / full build; node seconds beside. The appended files are removed
   afterwards.

Output: a table on stdout, progress on stderr, results in ``bench/results/ercot.json``
(bench/README.md is regenerated from it). Engines use their defaults on this machine (DuckDB
and Polars: all cores; pandas: one); dbt's DuckDB memory limit is the profile's
(``OPEN_POWER_DUCKDB_MEMORY``, default 8GB) unless ``--memory-limit`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import render_readme  # noqa: E402
from bench_features import log, run_measured, versions  # noqa: E402

PROJECT_DIR = Path(__file__).resolve().parents[1]
BENCH_ROOT = PROJECT_DIR / "warehouse" / "bench" / "ercot"
DBT = str(Path(sys.executable).with_name("dbt"))
HOURLY_LAYER = "+int_ercot__settlement_point_hours"
STEP_MODEL = "int_ercot__rtm_hourly"
ENGINES = ("dbt-project", "duckdb-table", "duckdb-parquet", "polars", "pandas")

# the step as the model computes it (models/intermediate/ercot/int_ercot__rtm_hourly.sql)
STEP_SQL = """
    select
        date_trunc('hour', interval_start_utc) as hour_start_utc,
        settlement_point,
        avg(rtm_spp) as rtm_spp_mean,
        count(*) as rtm_spp_intervals,
        count(*) < 4 as rtm_spp_incomplete
    from {source}
    group by all
    order by hour_start_utc, settlement_point
"""


# --------------------------------------------------------------------------- engines (children)


def engine_duckdb_table(db: str, _out: str) -> int:
    import duckdb

    with duckdb.connect(db) as con:
        con.execute(
            "create or replace table bench_rtm_hourly as "
            + STEP_SQL.format(source="stg_ercot__rtm_spp")
        )
        return con.sql("select count(*) from bench_rtm_hourly").fetchall()[0][0]


def engine_duckdb_parquet(inp: str, out: str) -> int:
    import duckdb

    with duckdb.connect() as con:
        con.execute(
            f"copy ({STEP_SQL.format(source=f'read_parquet({inp!r})')}) to '{out}' (format parquet)"
        )
        return con.sql(f"select count(*) from read_parquet('{out}')").fetchall()[0][0]


def engine_polars(inp: str, out: str) -> int:
    import polars as pl

    (
        pl.scan_parquet(inp)
        .group_by(
            pl.col("interval_start_utc").dt.truncate("1h").alias("hour_start_utc"),
            "settlement_point",
        )
        .agg(pl.col("rtm_spp").mean().alias("rtm_spp_mean"), pl.len().alias("rtm_spp_intervals"))
        .with_columns((pl.col("rtm_spp_intervals") < 4).alias("rtm_spp_incomplete"))
        .sort("hour_start_utc", "settlement_point")
        .sink_parquet(out)
    )
    return pl.scan_parquet(out).select(pl.len()).collect().item()


def engine_pandas(inp: str, out: str) -> int:
    import pandas as pd

    frame = pd.read_parquet(inp)
    frame["hour_start_utc"] = frame["interval_start_utc"].dt.floor("h")
    result = (
        frame.groupby(["hour_start_utc", "settlement_point"], sort=True)["rtm_spp"]
        .agg(rtm_spp_mean="mean", rtm_spp_intervals="size")
        .reset_index()
    )
    result["rtm_spp_incomplete"] = result["rtm_spp_intervals"] < 4
    result.to_parquet(out, index=False)
    return len(result)


WORKERS = {
    "duckdb-table": engine_duckdb_table,
    "duckdb-parquet": engine_duckdb_parquet,
    "polars": engine_polars,
    "pandas": engine_pandas,
}


def worker_main(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    source = args.db if args.worker == "duckdb-table" else args.input
    rows = WORKERS[args.worker](source, args.output)
    print(json.dumps({"rows": rows, "inner_seconds": time.perf_counter() - started}))


# --------------------------------------------------------------------------- parent


def dbt_env(warehouse: Path, memory_limit: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "OPEN_POWER_DUCKDB": str(warehouse),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    if memory_limit:
        env["OPEN_POWER_DUCKDB_MEMORY"] = memory_limit
    return env


def dbt_cmd(args: list[str], raw_dir: Path, work: Path) -> list[str]:
    return [
        DBT,
        *args,
        "--project-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--vars",
        json.dumps({"raw_dir": str(raw_dir)}),
    ]


def model_seconds(work: Path) -> dict[str, float]:
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[-1]: round(r["execution_time"], 2) for r in results}


def table_rows(db: Path, table: str) -> int:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(f"select count(*) from {table}").fetchall()[0][0]


def prepare(label: str, spec_args: list[str], fresh: bool) -> dict:
    folder = BENCH_ROOT / label
    raw_dir = folder / "raw"
    state_file = folder / "state.json"
    if fresh and folder.exists():
        shutil.rmtree(folder)
    if state_file.exists():
        log(f"{label}: prepared sample found in {folder} (--fresh to redo)")
        return json.loads(state_file.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    log(f"{label}: generating the sample ({' '.join(spec_args)})")
    gen = run_measured(
        [
            sys.executable,
            "-m",
            "python_ml",
            "generate",
            "ercot",
            "--quiet",
            "--raw-dir",
            str(raw_dir),
            *spec_args,
        ],
        folder / "logs" / "generate.log",
    )
    state = {
        "label": label,
        "generate": {k: gen[k] for k in ("seconds", "peak_mib")},
        "generate_output": gen["stdout"].strip(),
        "raw_gb": round(sum(p.stat().st_size for p in raw_dir.rglob("*.csv")) / 1e9, 2),
    }
    state_file.write_text(json.dumps(state, indent=2))
    return state


def full_build(label: str, memory_limit: str | None) -> dict:
    folder = BENCH_ROOT / label
    warehouse = folder / "ercot.duckdb"
    for suffix in ("", ".wal"):
        Path(f"{warehouse}{suffix}").unlink(missing_ok=True)
    env = dbt_env(warehouse, memory_limit)
    work = folder / "full"
    run_measured(
        dbt_cmd(["seed", "--select", "ercot_settlement_points"], folder / "raw", work),
        folder / "logs" / "seed.log",
        env,
    )
    log(f"{label}: full build (dbt run --select {HOURLY_LAYER})")
    result = run_measured(
        dbt_cmd(["run", "--select", HOURLY_LAYER], folder / "raw", work),
        folder / "logs" / "full_build.log",
        env,
    )
    return {
        "seconds": result["seconds"],
        "peak_mib": result["peak_mib"],
        "models": model_seconds(work),
        "rows": {
            t: table_rows(warehouse, t)
            for t in (
                "stg_ercot__rtm_spp",
                "stg_ercot__dam_spp",
                "stg_ercot__sced_lmp",
                "int_ercot__rtm_hourly",
                "int_ercot__settlement_point_hours",
            )
        },
        "warehouse_gb": round(warehouse.stat().st_size / 1e9, 2),
    }


def export_input(label: str) -> Path:
    import duckdb

    folder = BENCH_ROOT / label
    target = folder / "rtm_15min.parquet"
    if not target.exists():
        log(f"{label}: exporting stg_ercot__rtm_spp to {target.name}")
        with duckdb.connect(str(folder / "ercot.duckdb"), read_only=True) as con:
            con.execute(
                "copy (select interval_start_utc, settlement_point, rtm_spp from "
                f"stg_ercot__rtm_spp) to '{target}' (format parquet)"
            )
    return target


def run_step(label: str, engine: str, memory_limit: str | None) -> dict:
    folder = BENCH_ROOT / label
    out = folder / f"step_{engine}.parquet"
    out.unlink(missing_ok=True)
    log(f"{label}: 15-minute -> hourly with {engine}")
    if engine == "dbt-project":
        work = folder / "step_dbt"
        result = run_measured(
            dbt_cmd(["run", "--select", STEP_MODEL, "--full-refresh"], folder / "raw", work),
            folder / "logs" / "step_dbt.log",
            dbt_env(folder / "ercot.duckdb", memory_limit),
        )
        return {
            "seconds": result["seconds"],
            "peak_mib": result["peak_mib"],
            "model_seconds": model_seconds(work)[STEP_MODEL],
            "rows": table_rows(folder / "ercot.duckdb", STEP_MODEL),
        }
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        engine,
        "--input",
        str(folder / "rtm_15min.parquet"),
        "--output",
        str(out),
        "--db",
        str(folder / "ercot.duckdb"),
    ]
    result = run_measured(cmd, folder / "logs" / f"step_{engine}.log")
    inner = json.loads(result["stdout"].strip().splitlines()[-1])
    return {"seconds": result["seconds"], "peak_mib": result["peak_mib"], "rows": inner["rows"]}


def agreement(label: str, engines: list[str]) -> dict:
    """Every engine's hourly rows against duckdb-parquet's, all rows."""
    import duckdb

    folder = BENCH_ROOT / label
    base = f"read_parquet('{folder / 'step_duckdb-parquet.parquet'}')"
    out = {}
    with duckdb.connect() as con:
        con.execute(f"attach '{folder / 'ercot.duckdb'}' as w (read_only)")
        for engine in engines:
            if engine == "duckdb-parquet":
                continue
            other = {"dbt-project": f"w.{STEP_MODEL}", "duckdb-table": "w.bench_rtm_hourly"}.get(
                engine, f"read_parquet('{folder / f'step_{engine}.parquet'}')"
            )
            mismatches = con.sql(f"""
                select count(*) from {base} a full join {other} b
                    on a.hour_start_utc = b.hour_start_utc
                    and a.settlement_point = b.settlement_point
                where a.settlement_point is null or b.settlement_point is null
                    or a.rtm_spp_intervals <> b.rtm_spp_intervals
                    or a.rtm_spp_incomplete <> b.rtm_spp_incomplete
                    or abs(a.rtm_spp_mean - b.rtm_spp_mean)
                        > 1e-9 * greatest(1, abs(a.rtm_spp_mean))""").fetchall()[0][0]
            out[engine] = mismatches
    return out


def incremental_day(label: str, memory_limit: str | None) -> dict:
    """One appended day, built incrementally as the scheduled run would: the same warehouse
    path, raw folder and target path as the full build (so dbt's partial parsing applies).
    The built warehouse is kept aside and put back afterwards, the appended files removed."""
    from python_ml.data.ercot_sample import SIDECAR_FILE, SOURCES, append_ercot_sample, file_path

    folder = BENCH_ROOT / label
    out_dir = folder / "raw" / "ercot"
    sidecar = (out_dir / SIDECAR_FILE).read_bytes()
    warehouse = folder / "ercot.duckdb"
    kept = folder / "ercot.full.duckdb"
    log(f"{label}: keeping the built warehouse aside, then one appended day")
    shutil.copyfile(warehouse, kept)
    appended = append_ercot_sample(out_dir, 1, progress=False)
    try:
        result = run_measured(
            dbt_cmd(["run", "--select", HOURLY_LAYER], folder / "raw", folder / "full"),
            folder / "logs" / "incremental_day.log",
            dbt_env(warehouse, memory_limit),
        )
        models = model_seconds(folder / "full")
        rows = table_rows(warehouse, "stg_ercot__rtm_spp")
    finally:
        for source in SOURCES:
            file_path(out_dir, source, appended.first_day).unlink(missing_ok=True)
        (out_dir / SIDECAR_FILE).write_bytes(sidecar)
        Path(f"{warehouse}.wal").unlink(missing_ok=True)
        os.replace(kept, warehouse)
    return {
        "seconds": result["seconds"],
        "peak_mib": result["peak_mib"],
        "models": models,
        "day": str(appended.first_day),
        "rtm_rows_after": rows,
    }


def report(label: str, state: dict, full: dict, steps: dict, agree: dict, incr: dict) -> str:
    lines = [
        f"ERCOT layers, {label}: {state['generate_output']}",
        f"generation {state['generate']['seconds']:.0f} s, raw CSV {state['raw_gb']} GB",
        "",
    ]
    if full:
        lines.append(
            f"full build (dbt run {HOURLY_LAYER}): {full['seconds']:.1f} s, "
            f"peak {full['peak_mib'] / 1024:.2f} GiB, warehouse {full['warehouse_gb']} GB"
        )
        lines.append(
            f"  node seconds (sum over models, 2 dbt threads): "
            f"{sum(full['models'].values()):.1f}; per model (s): "
            + ", ".join(f"{k} {v}" for k, v in full["models"].items())
        )
        lines.append("  rows: " + ", ".join(f"{k} {v:,}" for k, v in full["rows"].items()))
    if steps:
        base = steps.get("duckdb-parquet")
        lines += [
            "",
            "15-minute -> hourly step",
            f"  {'engine':16} {'rows':>12} {'seconds':>8} "
            f"{'peak GiB':>9} {'x time':>7} {'x memory':>8}  agreement",
        ]
        for engine, r in steps.items():
            ratio_t = f"{r['seconds'] / base['seconds']:.2f}" if base else "-"
            ratio_m = f"{r['peak_mib'] / base['peak_mib']:.2f}" if base else "-"
            extra = f" (model {r['model_seconds']:.1f} s)" if "model_seconds" in r else ""
            agreed = (
                "baseline"
                if engine == "duckdb-parquet"
                else (f"{agree.get(engine, '?')} rows differ")
            )
            lines.append(
                f"  {engine:16} {r['rows']:>12,} {r['seconds']:>8.1f} "
                f"{r['peak_mib'] / 1024:>9.2f} {ratio_t:>7} {ratio_m:>8}  {agreed}{extra}"
            )
    if incr:
        share = f", {incr['seconds'] / full['seconds']:.1%} of the full build" if full else ""
        lines += [
            "",
            f"incremental day ({incr['day']}): {incr['seconds']:.1f} s, peak "
            f"{incr['peak_mib'] / 1024:.2f} GiB{share}",
            f"  node seconds: {sum(incr['models'].values()):.1f}"
            + (
                f" ({sum(incr['models'].values()) / sum(full['models'].values()):.1%} of "
                "the full build's)"
                if full
                else ""
            )
            + "; per model (s): "
            + ", ".join(f"{k} {v}" for k, v in incr["models"].items()),
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--points", type=int, help="settlement points (default: scale mode, 1000)")
    p.add_argument("--days", type=int, help="delivery days (default: scale mode, 1096)")
    p.add_argument("--fresh", action="store_true", help="regenerate the sample and rebuild")
    p.add_argument(
        "--engines",
        nargs="*",
        default=list(ENGINES),
        choices=ENGINES,
        help="engines of the 15-minute -> hourly step (none: skip the step)",
    )
    p.add_argument("--repeat", type=int, default=1, help="runs per engine; the fastest counts")
    p.add_argument("--memory-limit", help="DuckDB memory limit for the dbt runs, e.g. 4GB")
    p.add_argument(
        "--skip-full",
        action="store_true",
        help="reuse the warehouse and the full-build figures of an earlier run",
    )
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--input", help=argparse.SUPPRESS)
    p.add_argument("--output", help=argparse.SUPPRESS)
    p.add_argument("--db", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker_main(args)
        return
    spec = ["--scale"]
    if args.points:
        spec += ["--points", str(args.points)]
    if args.days:
        spec += ["--days", str(args.days)]
    label = "scale" if spec == ["--scale"] else f"{args.points or 1000}p_{args.days or 1096}d"
    state = prepare(label, spec, args.fresh)
    results_file = render_readme.results_file("ercot")
    results = json.loads(results_file.read_text()) if results_file.exists() else {}
    earlier = results.get(label, {})
    if args.skip_full and (BENCH_ROOT / label / "ercot.duckdb").exists() and earlier:
        full = earlier["full_build"]
        log(f"{label}: full build from the run of {earlier['when']}")
    else:
        full = full_build(label, args.memory_limit)
    export_input(label)
    steps: dict[str, dict] = {}
    for _ in range(args.repeat):
        for engine in args.engines:
            result = run_step(label, engine, args.memory_limit)
            if engine not in steps or result["seconds"] < steps[engine]["seconds"]:
                steps[engine] = result
    agree = agreement(label, list(steps)) if "duckdb-parquet" in steps else {}
    incr = incremental_day(label, args.memory_limit)
    text = report(label, state, full, steps, agree, incr)
    print(text)
    if not steps and earlier:
        steps, agree = earlier.get("step", {}), earlier.get("agreement", {})
    results[label] = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "versions": versions(),
        "memory_limit": args.memory_limit,
        "state": state,
        "full_build": full,
        "step": steps,
        "agreement": agree,
        "incremental_day": incr,
        "report": text,
    }
    results_file.parent.mkdir(parents=True, exist_ok=True)
    results_file.write_text(json.dumps(results, indent=2))
    log(f"results in {results_file}; {render_readme.write()} regenerated")


if __name__ == "__main__":
    main()
