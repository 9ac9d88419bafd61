"""Benchmark of the spike feature workloads: the project's dbt + DuckDB approach against
plain DuckDB window SQL, pandas and Polars, on scaled OPSD samples.

Run on purpose, not as a test:

    make bench                                  # sizes 10M and 50M zone-hours
    make bench BENCH_ARGS='--sizes 1M'          # quick end-to-end run (~1-2 min)
    .venv/bin/python bench/bench_features.py --sizes 1M 10M --fresh

What is measured, per size (zone-hours; zones = size / 26,280 hours of 3 years):

1. Preparation (cached in ``warehouse/bench/<size>/``; ``--fresh`` redoes it): generation of a
   scaled sample (``SampleSpec(zones=(), synthetic_zones=N)``), ``dbt seed``, ``dbt run`` of
   staging + the hourly layer (``+int_opsd__zone_hours``), ``dbt run`` of
   ``int_spike__hourly_inputs``, and the export of its (zone, ts_utc, ts_local, price_eur_mwh,
   residual_load_mw) ordered by zone, ts_utc to ``inputs.parquet``. Reported as context.

2. Reference workload, the same in every engine: per zone, ordered by time on the complete
   hourly spine, price lags 24/48/168 h; mean and sample sd of the price over 24, 168 and 672
   rows ending 24 rows back (frame [t-24-w+1, t-24], nulls skipped, partial frames at a zone's
   start); the 168-row mean of residual load ending at t; hour of day and ISO weekday of
   ts_local. Each engine runs in its own child process; the wall seconds and the peak RSS
   (``os.wait4`` rusage of the child) cover the whole child: interpreter start, imports,
   reading the input, computing, writing the result.

   - ``duckdb-plain``: window SQL with ``rows between ... preceding and ... preceding``
     frames in python duckdb, reading ``inputs.parquet``, writing a parquet file (baseline);
   - ``duckdb-table``: the same SQL reading the warehouse table ``int_spike__hourly_inputs``
     and writing a table into the warehouse (what dbt does, without dbt);
   - ``dbt-project``: ``dbt run --select bench_reference_workload`` (models/bench/, built with
     the project's macros ``lag_hours``, ``rolling_stat``, ``calendar_features``), a table in
     the warehouse; dbt's start-up, parsing and compilation are included;
   - ``pandas``: groupby shift / groupby rolling, parquet in, parquet out;
   - ``polars``: lazy ``scan_parquet`` -> ``shift`` / ``rolling_mean`` / ``rolling_std`` over
     zone -> ``sink_parquet``.

   With ``--repeat N`` every engine runs N times (interleaved per engine) and the fastest run
   is reported; all runs are in results.json. Other processes on the machine add noise.

   Agreement: every engine's result is compared with duckdb-plain on a sample of rows (all
   rows of the first and the last zone plus a 1 % hash sample), every column, rtol 1e-6
   (nulls must match nulls).

3. Feature mart: ``dbt run --select int_spike__hourly_inputs+ --full-refresh`` (the feature
   chain: hourly inputs -> origin features -> fct_spike_features + feature_schema_versions).
   Then, on a
   copy of the prepared folder (the cache stays clean), one day (24 h) is appended to the raw
   sample (``append_opsd_sample``) and these runs are timed:
   - hourly layer, incremental: ``dbt run --select +int_opsd__zone_hours``
   - feature chain, incremental: ``dbt run --select int_spike__hourly_inputs+``
   - another day appended, then staging -> mart, incremental: ``dbt run --select
     +fct_spike_features`` (staging re-reads and re-validates the whole raw CSV by design)
   - staging -> mart with ``--full-refresh`` on the same data,
   and the ratios incremental / full are printed (the feature chain's reference is its full
   refresh on the prepared warehouse, two days shorter; ``--rebuild-chain`` also rebuilds it
   on the appended copy). ``--mart-exclude feature_schema_versions`` leaves a model out of the
   feature-chain runs (its table is dropped from the bench warehouse first), e.g. while it is
   broken; the selection actually run is in each log under ``warehouse/bench/<size>/logs``.

Output: one table per size on stdout (workload, engine, rows, seconds, rows/s, peak MiB, ratio
to duckdb-plain in seconds and memory), agreement and incremental ratios; progress on stderr;
all results merged into ``bench/results/features.json`` (bench/README.md is regenerated
from it). Engines use their defaults on this
machine (DuckDB and Polars: all cores; pandas: one), nothing is tuned per engine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import render_readme  # bench/ is on the path: the script runs from there

PROJECT_DIR = Path(__file__).resolve().parents[1]
BENCH_ROOT = PROJECT_DIR / "warehouse" / "bench"
HOURS_PER_ZONE = 26_280  # 3 years (2017-2019) of hours
BIN_DIR = Path(sys.executable).parent

LAGS = (24, 48, 168)
WINDOWS = (24, 168, 672)
KNOWN_OFFSET = 24  # rolling price statistics end this many rows back
RESIDUAL_WINDOW = 168
RESULT_COLUMNS = (
    ["zone", "ts_utc"]
    + [f"price_lag_{k}h" for k in LAGS]
    + [f"price_{stat}_{w}h" for w in WINDOWS for stat in ("mean", "std")]
    + [f"residual_load_mean_{RESIDUAL_WINDOW}h", "hour_of_day", "day_of_week"]
)
INPUT_COLUMNS = ["zone", "ts_utc", "ts_local", "price_eur_mwh", "residual_load_mw"]
ENGINES = ("duckdb-plain", "duckdb-table", "dbt-project", "pandas", "polars")
# the feature chain alone: the hourly inputs' descendants in the spike and mart folders (the
# ML, monitoring and quality layers below the mart are not part of it)
FEATURE_CHAIN = (
    "int_spike__hourly_inputs+,path:models/intermediate/spike",
    "int_spike__hourly_inputs+,path:models/marts",
)
BENCH_MODEL = "bench_reference_workload"


def log(msg: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- engines (children)


def plain_sql(source: str) -> str:
    """The reference workload as plain DuckDB window SQL over ``source``."""
    w = "partition by zone order by ts_utc"
    cols = ["zone", "ts_utc"]
    cols += [f"lag(price_eur_mwh, {k}) over ({w}) as price_lag_{k}h" for k in LAGS]
    for n in WINDOWS:
        frame = f"({w} rows between {KNOWN_OFFSET + n - 1} preceding and {KNOWN_OFFSET} preceding)"
        cols.append(f"avg(price_eur_mwh) over {frame} as price_mean_{n}h")
        cols.append(f"stddev_samp(price_eur_mwh) over {frame} as price_std_{n}h")
    cols.append(
        f"avg(residual_load_mw) over ({w} rows between {RESIDUAL_WINDOW - 1} preceding"
        f" and current row) as residual_load_mean_{RESIDUAL_WINDOW}h"
    )
    cols.append("cast(extract('hour' from ts_local) as integer) as hour_of_day")
    cols.append("cast(extract('isodow' from ts_local) as integer) as day_of_week")
    return "select\n    " + ",\n    ".join(cols) + f"\nfrom {source}"


def engine_duckdb_plain(inp: str, out: str) -> int:
    import duckdb

    con = duckdb.connect()
    sql = plain_sql(f"read_parquet('{inp}')")
    con.execute(f"copy ({sql}) to '{out}' (format parquet)")
    return con.execute(f"select count(*) from read_parquet('{out}')").fetchone()[0]


def engine_duckdb_table(db: str, table: str) -> int:
    import duckdb

    con = duckdb.connect(db)
    con.execute("set timezone = 'UTC'")
    con.execute(f"create or replace table {table} as {plain_sql('int_spike__hourly_inputs')}")
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def engine_pandas(inp: str, out: str) -> int:
    import pandas as pd

    df = pd.read_parquet(inp, columns=INPUT_COLUMNS)
    res = df[["zone", "ts_utc"]].copy()
    price = df.groupby("zone", sort=False)["price_eur_mwh"]
    for k in LAGS:
        res[f"price_lag_{k}h"] = price.shift(k)
    known = res[f"price_lag_{KNOWN_OFFSET}h"] if KNOWN_OFFSET in LAGS else price.shift(KNOWN_OFFSET)
    by_zone = known.groupby(df["zone"], sort=False)
    for n in WINDOWS:
        roll = by_zone.rolling(n, min_periods=1)
        res[f"price_mean_{n}h"] = roll.mean().reset_index(level=0, drop=True)
        res[f"price_std_{n}h"] = roll.std().reset_index(level=0, drop=True)
    resid = df.groupby("zone", sort=False)["residual_load_mw"].rolling(
        RESIDUAL_WINDOW, min_periods=1
    )
    res[f"residual_load_mean_{RESIDUAL_WINDOW}h"] = resid.mean().reset_index(level=0, drop=True)
    res["hour_of_day"] = df["ts_local"].dt.hour.astype("int32")
    res["day_of_week"] = (df["ts_local"].dt.dayofweek + 1).astype("int32")
    res.to_parquet(out, index=False)
    return len(res)


def engine_polars(inp: str, out: str) -> int:
    import polars as pl

    price = pl.col("price_eur_mwh")
    known = price.shift(KNOWN_OFFSET)
    exprs = [pl.col("zone"), pl.col("ts_utc")]
    exprs += [price.shift(k).over("zone").alias(f"price_lag_{k}h") for k in LAGS]
    for n in WINDOWS:
        exprs.append(known.rolling_mean(n, min_samples=1).over("zone").alias(f"price_mean_{n}h"))
        exprs.append(known.rolling_std(n, min_samples=1).over("zone").alias(f"price_std_{n}h"))
    exprs.append(
        pl.col("residual_load_mw")
        .rolling_mean(RESIDUAL_WINDOW, min_samples=1)
        .over("zone")
        .alias(f"residual_load_mean_{RESIDUAL_WINDOW}h")
    )
    exprs.append(pl.col("ts_local").dt.hour().cast(pl.Int32).alias("hour_of_day"))
    exprs.append(pl.col("ts_local").dt.weekday().cast(pl.Int32).alias("day_of_week"))
    pl.scan_parquet(inp).select(exprs).sink_parquet(out)
    return pl.scan_parquet(out).select(pl.len()).collect().item()


def worker_main(args: argparse.Namespace) -> None:
    """Child process: run one engine, print {rows, inner_seconds} as JSON on stdout."""
    t0 = time.perf_counter()
    if args.worker == "duckdb-plain":
        rows = engine_duckdb_plain(args.input, args.output)
    elif args.worker == "duckdb-table":
        rows = engine_duckdb_table(args.db, args.output)
    elif args.worker == "pandas":
        rows = engine_pandas(args.input, args.output)
    elif args.worker == "polars":
        rows = engine_polars(args.input, args.output)
    else:
        raise SystemExit(f"unknown engine {args.worker}")
    print(json.dumps({"rows": rows, "inner_seconds": time.perf_counter() - t0}))


# --------------------------------------------------------------------------- measuring children


# A tiny launcher between the benchmark and each measured command. Linux carries the peak
# RSS of a process's memory image across fork and exec, so a command forked straight from
# this (large) parent process would report at least the parent's RSS. The launcher is a
# fresh, small interpreter: it forks and execs the command, waits for it with os.wait4 and
# prints the child's wall seconds and peak RSS (KiB) as JSON on the descriptor it is given.
LAUNCHER = """
import json, os, sys, time
fd = int(sys.argv[1])
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.close(fd)
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - t0
os.write(fd, json.dumps({"seconds": seconds, "maxrss_kib": usage.ru_maxrss,
                         "exit": os.waitstatus_to_exitcode(status)}).encode())
os.close(fd)
"""


def run_measured(cmd: list[str], log_file: Path, env: dict[str, str] | None = None) -> dict:
    """Run cmd as a measured child: wall seconds, peak RSS (MiB) and stdout."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    r, w = os.pipe()
    with open(log_file, "w") as fh:
        fh.write("$ " + " ".join(cmd) + "\n")
        fh.flush()
        proc = subprocess.Popen(
            [sys.executable, "-S", "-c", LAUNCHER, str(w), *cmd],
            stdout=subprocess.PIPE,
            stderr=fh,
            cwd=PROJECT_DIR,
            env=env,
            pass_fds=(w,),
        )
        os.close(w)
        out, _ = proc.communicate()
        with os.fdopen(r, "rb") as fr:
            report = fr.read()
        fh.write(out.decode(errors="replace"))
    meas = json.loads(report) if report else {"exit": proc.returncode}
    if proc.returncode != 0 or meas.get("exit") != 0:
        tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"{cmd[:4]} failed ({meas.get('exit')}), log {log_file}:\n{tail}")
    return {
        "seconds": meas["seconds"],
        "peak_mib": meas["maxrss_kib"] / 1024,
        "stdout": out.decode(errors="replace"),
    }


class Size:
    def __init__(self, label: str):
        self.label = label
        text = label.upper()
        mult = {"K": 1e3, "M": 1e6, "G": 1e9}.get(text[-1], 1)
        value = float(text[:-1]) if text[-1] in "KMG" else float(text)
        self.zones = max(1, round(value * mult / HOURS_PER_ZONE))
        self.dir = BENCH_ROOT / label
        self.raw_dir = self.dir / "raw"
        self.db = self.dir / "bench.duckdb"
        self.parquet = self.dir / "inputs.parquet"
        self.out_dir = self.dir / "out"
        self.state = self.dir / "prepared.json"


class Dbt:
    """dbt CLI invocations against one warehouse file and raw folder, run as measured children."""

    def __init__(self, db: Path, raw_dir: Path, work: Path):
        self.db = db
        self.raw_dir = raw_dir
        self.work = work
        self.n = 0

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            OPEN_POWER_DUCKDB=str(self.db),
            DBT_PROFILES_DIR=str(PROJECT_DIR),
            DBT_PROJECT_DIR=str(PROJECT_DIR),
            DBT_SEND_ANONYMOUS_USAGE_STATS="False",
        )
        return env

    def __call__(self, *args: str, extra_vars: dict | None = None, name: str = "dbt") -> dict:
        self.n += 1
        dbt_vars = {"raw_dir": str(self.raw_dir), **(extra_vars or {})}
        cmd = [
            str(BIN_DIR / "dbt"), *args,
            "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
            "--target-path", str(self.work / "dbt_target"),
            "--log-path", str(self.work / "dbt_logs"),
            "--vars", json.dumps(dbt_vars),
        ]  # fmt: skip
        log(f"  $ dbt {' '.join(args)}")
        res = run_measured(cmd, self.work / "logs" / f"{self.n:02d}_{name}.log", env=self.env())
        # dbt's own account: seconds spent executing the nodes (the rest is start-up,
        # parsing, compilation, catalog queries)
        run_results = self.work / "dbt_target" / "run_results.json"
        try:
            rr = json.loads(run_results.read_text())
            res["inner_seconds"] = sum(n.get("execution_time") or 0 for n in rr["results"])
            res["nodes"] = {n["unique_id"].split(".")[-1]: round(n.get("execution_time") or 0, 2)
                            for n in rr["results"]}  # fmt: skip
        except (OSError, KeyError, ValueError):
            res["inner_seconds"] = None
        log(f"    {res['seconds']:.1f} s (nodes {res['inner_seconds'] or 0:.1f} s),"
            f" peak {res['peak_mib']:.0f} MiB")  # fmt: skip
        return res


def table_rows(db: Path, table: str) -> int:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        con.close()


# --------------------------------------------------------------------------- steps


def prepare(size: Size, fresh: bool) -> dict:
    if size.state.exists() and size.parquet.exists() and size.db.exists() and not fresh:
        state = json.loads(size.state.read_text())
        log(f"{size.label}: prepared folder {size.dir} reused (--fresh to rebuild)")
        state["cached"] = True
        return state
    from python_ml.data.opsd_sample import SampleSpec, generate_opsd_sample

    if size.dir.exists():
        shutil.rmtree(size.dir)
    size.dir.mkdir(parents=True)
    steps = {}
    log(f"{size.label}: generating {size.zones} synthetic zones x 3 years")
    t0 = time.perf_counter()
    spec = SampleSpec(zones=(), years=3, synthetic_zones=size.zones, seed=42)
    generate_opsd_sample(size.raw_dir / "opsd", spec, progress=True)
    steps["generate sample"] = {"seconds": time.perf_counter() - t0, "peak_mib": None}
    csv_bytes = sum(p.stat().st_size for p in (size.raw_dir / "opsd").glob("*.csv"))

    dbt = Dbt(size.db, size.raw_dir, size.dir)
    steps["dbt seed"] = dbt("seed", name="seed")
    steps["staging+hourly layer (+int_opsd__zone_hours)"] = dbt(
        "run", "--select", "+int_opsd__zone_hours", name="hourly"
    )
    steps["int_spike__hourly_inputs"] = dbt(
        "run", "--select", "int_spike__hourly_inputs", name="inputs"
    )

    import duckdb

    log(f"{size.label}: exporting int_spike__hourly_inputs to {size.parquet.name}")
    t0 = time.perf_counter()
    con = duckdb.connect(str(size.db), read_only=True)
    con.execute("set timezone = 'UTC'")
    con.execute(
        f"copy (select {', '.join(INPUT_COLUMNS)} from int_spike__hourly_inputs"
        f" order by zone, ts_utc) to '{size.parquet}' (format parquet)"
    )
    rows = con.execute("select count(*) from int_spike__hourly_inputs").fetchone()[0]
    con.close()
    steps["export inputs.parquet"] = {"seconds": time.perf_counter() - t0, "peak_mib": None}
    for s in steps.values():
        s.pop("stdout", None)
    state = {
        "zones": size.zones,
        "rows": rows,
        "raw_csv_mib": csv_bytes / 2**20,
        "prep": steps,
        "prepared_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cached": False,
    }
    size.state.write_text(json.dumps(state, indent=2))
    return state


def run_engine(size: Size, engine: str) -> dict:
    size.out_dir.mkdir(exist_ok=True)
    log(f"{size.label}: reference workload, {engine}")
    if engine == "dbt-project":
        dbt = Dbt(size.db, size.raw_dir, size.dir)
        res = dbt("run", "--select", BENCH_MODEL, extra_vars={"bench_enabled": True},
                  name="bench_model")  # fmt: skip
        res["rows"] = table_rows(size.db, BENCH_MODEL)
        res["output"] = f"{size.db.name}:{BENCH_MODEL}"
    else:
        out = size.out_dir / f"{engine}.parquet"
        out.unlink(missing_ok=True)
        cmd = [sys.executable, __file__, "--worker", engine]
        if engine == "duckdb-table":
            cmd += ["--db", str(size.db), "--output", "bench_plain_workload"]
        else:
            cmd += ["--input", str(size.parquet), "--output", str(out)]
        res = run_measured(cmd, size.dir / "logs" / f"engine_{engine}.log")
        res.update(json.loads(res["stdout"].strip().splitlines()[-1]))
        res["output"] = (f"{size.db.name}:bench_plain_workload" if engine == "duckdb-table"
                         else str(out.relative_to(size.dir)))  # fmt: skip
        log(f"    {res['seconds']:.1f} s (inner {res['inner_seconds']:.1f} s),"
            f" peak {res['peak_mib']:.0f} MiB")  # fmt: skip
    res.pop("stdout", None)
    res.update(workload="reference", engine=engine)
    return res


def check_agreement(size: Size, engines: list[str], rtol: float = 1e-6) -> dict:
    """Compare a sample of each engine's rows with duckdb-plain, column by column."""
    import duckdb

    base = size.out_dir / "duckdb-plain.parquet"
    if not base.exists():
        return {}
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    con.execute(f"attach '{size.db}' as wh (read_only)")
    con.execute(
        f"create temp table base as select * from read_parquet('{base}') where zone in"
        f" ((select min(zone) from read_parquet('{base}')), (select max(zone) from"
        f" read_parquet('{base}'))) or hash(zone, ts_utc) % 100 = 0"
    )
    n_base = con.execute("select count(*) from base").fetchone()[0]
    value_cols = RESULT_COLUMNS[2:]
    out = {}
    for engine in engines:
        if engine == "duckdb-plain":
            continue
        src = {
            "dbt-project": f"wh.{BENCH_MODEL}",
            "duckdb-table": "wh.bench_plain_workload",
        }.get(engine, f"read_parquet('{size.out_dir / (engine + '.parquet')}')")
        checks = ", ".join(
            f"count(*) filter (where not (((b.{c} is null or isnan(b.{c}::double))"
            f" and (e.{c} is null or isnan(e.{c}::double)))"
            f" or abs(b.{c} - e.{c}) <= {rtol} * greatest(abs(b.{c}), abs(e.{c})) + 1e-12))"
            f" as {c}"
            for c in value_cols
        )
        try:
            row = con.execute(
                f"select count(e.zone) as matched, {checks} from base b left join {src} e"
                f" on b.zone = e.zone and b.ts_utc = e.ts_utc"
            ).fetchone()
        except duckdb.Error as exc:
            out[engine] = {"ok": False, "error": str(exc).splitlines()[0]}
            continue
        bad = {c: v for c, v in zip(value_cols, row[1:], strict=True) if v}
        ok = row[0] == n_base and not bad
        out[engine] = {"ok": ok, "rows_compared": n_base, "rows_matched": row[0],
                       "mismatches": bad}  # fmt: skip
        status = "agree" if ok else f"DIFFER (matched {row[0]}/{n_base}, mismatches {bad})"
        log(f"{size.label}: {engine} vs duckdb-plain on {n_base} sampled rows: {status}")
    con.close()
    return out


def mart_runs(
    size: Size, keep_copy: bool, rebuild_chain: bool, exclude: list[str]
) -> tuple[list[dict], dict]:
    from python_ml.data.opsd_sample import append_opsd_sample

    results = []

    def record(workload: str, res: dict, rows: int | None) -> dict:
        res.pop("stdout", None)
        res.update(workload=workload, engine="dbt", rows=rows)
        results.append(res)
        return res

    excl = [BENCH_MODEL, *exclude]
    if exclude:
        import duckdb

        con = duckdb.connect(str(size.db))
        for name in exclude:
            con.execute(f"drop table if exists {name}")
        con.close()
        log(f"{size.label}: feature chain runs exclude {exclude} (tables dropped)")
    dbt = Dbt(size.db, size.raw_dir, size.dir)
    log(f"{size.label}: feature mart, full refresh of the feature chain")
    res = dbt("run", "--select", *FEATURE_CHAIN, "--full-refresh", "--exclude", *excl,
              name="chain_full")  # fmt: skip
    mart_rows = table_rows(size.db, "fct_spike_features")
    full_chain_cached = record("feature chain full-refresh", res, mart_rows)

    # incremental day, on a copy of the prepared warehouse and raw folder
    inc = size.dir / "incremental"
    if inc.exists():
        shutil.rmtree(inc)
    inc.mkdir()
    log(f"{size.label}: copying warehouse and raw sample to {inc}")
    shutil.copytree(size.raw_dir, inc / "raw")
    shutil.copy2(size.db, inc / "bench.duckdb")
    dbt_inc = Dbt(inc / "bench.duckdb", inc / "raw", inc)

    log(f"{size.label}: appending 24 h to the raw sample (day 1)")
    t0 = time.perf_counter()
    append_opsd_sample(inc / "raw" / "opsd", 24)
    append_s = time.perf_counter() - t0
    log(f"    {append_s:.1f} s")
    hourly_inc = record("hourly layer incremental (+1 day)",
                        dbt_inc("run", "--select", "+int_opsd__zone_hours", name="hourly_inc"),
                        None)  # fmt: skip
    chain_inc = record("feature chain incremental (+1 day)",
                       dbt_inc("run", "--select", *FEATURE_CHAIN, "--exclude", *excl,
                               name="chain_inc"), None)  # fmt: skip

    log(f"{size.label}: appending 24 h to the raw sample (day 2)")
    append_opsd_sample(inc / "raw" / "opsd", 24)
    all_inc = record(
        "staging->mart incremental (+1 day)",
        dbt_inc("run", "--select", "+fct_spike_features", name="all_inc"),
        None,
    )
    all_full = record("staging->mart full-refresh",
                      dbt_inc("run", "--select", "+fct_spike_features", "--full-refresh",
                              name="all_full"),
                      table_rows(inc / "bench.duckdb", "fct_spike_features"))  # fmt: skip
    chain_full = full_chain_cached
    if rebuild_chain:
        chain_full = record("feature chain full-refresh (+2 days)",
                            dbt_inc("run", "--select", *FEATURE_CHAIN, "--full-refresh",
                                    "--exclude", *excl, name="chain_full2"),
                            table_rows(inc / "bench.duckdb", "fct_spike_features"))  # fmt: skip
    ratios = {
        "feature_chain_incremental_over_full": chain_inc["seconds"] / chain_full["seconds"],
        "staging_to_mart_incremental_over_full": all_inc["seconds"] / all_full["seconds"],
        "append_sample_seconds": append_s,
        "hourly_incremental_seconds": hourly_inc["seconds"],
        "feature_chain_full_on_cache_seconds": full_chain_cached["seconds"],
    }
    if not keep_copy:
        shutil.rmtree(inc)
    return results, ratios


# --------------------------------------------------------------------------- report


def fmt_table(size_label: str, state: dict, results: list[dict]) -> str:
    base = next((r for r in results if r["engine"] == "duckdb-plain"), None)
    head = (f"{'workload':<46} {'engine':<13} {'rows':>12} {'seconds':>9} {'rows/s':>12}"
            f" {'inner s':>8} {'peak MiB':>9} {'x sec':>7} {'x mem':>7}")  # fmt: skip
    lines = [
        f"== {size_label}: {state['zones']} zones, {state['rows']:,} rows in"
        f" int_spike__hourly_inputs, raw CSV {state['raw_csv_mib']:.0f} MiB"
        f"{' (preparation cached, times from then)' if state.get('cached') else ''} ==",
        head,
        "-" * len(head),
    ]
    rows = [dict(r, workload="prep: " + k, engine="") for k, r in state["prep"].items()]
    for r in rows + results:
        secs = r["seconds"]
        mem = r.get("peak_mib")
        n = r.get("rows")
        rate = (
            f"{n / secs:,.0f}"
            if n and r["workload"] in ("reference",) or (n and "full" in r["workload"])
            else ""
        )
        inner = f"{r['inner_seconds']:.1f}" if r.get("inner_seconds") is not None else ""
        xs = f"{secs / base['seconds']:.2f}" if base and r["workload"] == "reference" else ""
        is_ref = base and r["workload"] == "reference"
        xm = f"{mem / base['peak_mib']:.2f}" if is_ref and mem else ""
        engine = r["engine"] + ("*" if r.get("earlier_run") else "")
        lines.append(
            f"{r['workload']:<46} {engine:<13} {(f'{n:,}' if n else ''):>12} {secs:>9.1f}"
            f" {rate:>12} {inner:>8} {(f'{mem:.0f}' if mem else ''):>9} {xs:>7} {xm:>7}"
        )
    if any(r.get("earlier_run") for r in results):
        lines.append("* measured by an earlier run (kept in results.json)")
    return "\n".join(lines)


def versions() -> dict:
    out = {"python": platform.python_version(), "cpus": os.cpu_count()}
    for mod in ("duckdb", "pandas", "polars", "pyarrow", "dbt.version"):
        try:
            m = __import__(mod, fromlist=["x"])
            out[mod.split(".")[0]] = getattr(m, "__version__", None) or m.get_installed_version()
        except Exception:  # noqa: BLE001 - informative only
            pass
    try:
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
        out["mem_gib"] = round(mem_kib / 2**20, 1)
    except OSError:
        pass
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--sizes",
        nargs="+",
        default=["10M", "50M"],
        help="zone-hours per sample, e.g. 1M 10M 50M (default 10M 50M)",
    )
    p.add_argument("--fresh", action="store_true", help="regenerate and rebuild cached samples")
    p.add_argument(
        "--engines",
        nargs="+",
        default=list(ENGINES),
        choices=(*ENGINES, "none"),
        help="reference engines to run ('none': only the mart runs)",
    )
    p.add_argument(
        "--mart-exclude",
        nargs="*",
        default=[],
        help="extra models to leave out of the feature-chain runs (their tables are"
        " dropped from the bench warehouse first), e.g. feature_schema_versions",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each reference engine N times and report the fastest run"
        " (all runs are kept in results.json)",
    )
    p.add_argument(
        "--no-mart", action="store_true", help="skip the feature mart and incremental runs"
    )
    p.add_argument(
        "--rebuild-chain",
        action="store_true",
        help="also full-refresh the feature chain on the appended copy (default: the"
        " full refresh on the prepared warehouse, 2 days shorter, is the reference)",
    )
    p.add_argument("--keep-copy", action="store_true", help="keep the incremental copy")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--input", help=argparse.SUPPRESS)
    p.add_argument("--output", help=argparse.SUPPRESS)
    p.add_argument("--db", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker_main(args)
        return

    sys.path.insert(0, str(PROJECT_DIR))
    BENCH_ROOT.mkdir(parents=True, exist_ok=True)
    results_path = render_readme.results_file("features")
    results_path.parent.mkdir(parents=True, exist_ok=True)
    all_results = json.loads(results_path.read_text()) if results_path.exists() else {}
    all_results.setdefault("sizes", {})
    all_results["machine"] = versions()
    engines = [e for e in ENGINES if e in args.engines]
    tables = []
    failed: list[str] = []
    for label in args.sizes:
        size = Size(label)
        state = prepare(size, args.fresh)
        results = []
        for engine in engines:
            try:
                runs = [run_engine(size, engine) for _ in range(args.repeat)]
                best = min(runs, key=lambda r: r["seconds"])
                best["repeats"] = [
                    {"seconds": r["seconds"], "peak_mib": r["peak_mib"]} for r in runs
                ]
                results.append(best)
            except RuntimeError as exc:  # one broken engine must not stop the others
                log(f"{label}: {engine} FAILED: {exc}")
                failed.append(f"{label} {engine}: {str(exc).splitlines()[0]}")
        agreement = check_agreement(size, [r["engine"] for r in results])
        ratios = {}
        if not args.no_mart:
            try:
                mart, ratios = mart_runs(
                    size, args.keep_copy, args.rebuild_chain, args.mart_exclude
                )
                results += mart
            except RuntimeError as exc:
                log(f"{label}: feature mart runs FAILED: {exc}")
                failed.append(f"{label} mart: {str(exc).splitlines()[0]}")
        # keep what this run did not re-measure (e.g. the mart runs after --no-mart)
        prev = all_results["sizes"].get(label) or {}
        done = {(r["workload"], r["engine"]) for r in results}
        for r in prev.get("results", []):
            if (r["workload"], r["engine"]) not in done:
                r.setdefault("earlier_run", prev.get("measured_at"))
                results.append(r)
        agreement = {**prev.get("agreement", {}), **agreement}
        ratios = ratios or prev.get("incremental", {})
        table = fmt_table(label, state, results)
        if agreement:
            table += "\nagreement with duckdb-plain (sampled rows, rtol 1e-6): " + ", ".join(
                f"{e} {'OK' if a['ok'] else 'DIFFERS ' + json.dumps(a.get('mismatches') or a)}"
                for e, a in agreement.items())  # fmt: skip
        if ratios:
            table += (
                "\nincremental day / full rebuild: feature chain"
                f" {ratios['feature_chain_incremental_over_full']:.1%},"
                f" staging->mart {ratios['staging_to_mart_incremental_over_full']:.1%}"
            )
        print(table + "\n", flush=True)
        tables.append(table)
        all_results["sizes"][label] = {
            **state,
            "results": results,
            "agreement": agreement,
            "incremental": ratios,
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        results_path.write_text(json.dumps(all_results, indent=2, default=str))
        log(f"results written to {results_path}; {render_readme.write()} regenerated")
    if failed:
        print("FAILED: " + "; ".join(failed), flush=True)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
