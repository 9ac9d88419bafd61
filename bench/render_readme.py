"""Write bench/README.md from the benchmarks' own results files (bench/results/*.json).

Every figure on that page comes from a results file a benchmark wrote; nothing is typed by
hand. Each benchmark calls this at its end; run it alone after editing the layout:

    .venv/bin/python bench/render_readme.py           # rewrite bench/README.md
    .venv/bin/python bench/render_readme.py --check   # exit 1 when the page is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
README = BENCH_DIR / "README.md"


def results_file(name: str) -> Path:
    """Where benchmark `name` keeps its results (committed, so the page can be rebuilt)."""
    return RESULTS_DIR / f"{name}.json"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    right = ["---:" if i else "---" for i in range(len(header))]
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(right) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _num(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def _features(results: dict) -> list[str]:
    machine = results.get("machine", {})
    lines = [
        "## Feature mart (`make bench`, bench/bench_features.py)",
        "",
        "The reference workload (price lags, rolling means and sds, a residual-load mean,",
        "calendar) in plain DuckDB SQL, the same SQL on the warehouse table, the project's dbt",
        "model, pandas and Polars, each in its own process; then the feature chain and an",
        "incremental day. Ratios are against plain DuckDB in the same run.",
        f"Machine: {machine.get('cpus')} cores, {machine.get('mem_gib')} GiB; duckdb "
        f"{machine.get('duckdb')}, polars {machine.get('polars')}, pandas {machine.get('pandas')}.",
    ]
    for label, size in results.get("sizes", {}).items():
        rows = []
        base = next(
            (r for r in size["results"] if r["engine"] == "duckdb-plain"),
            None,
        )
        for r in size["results"]:
            reference = base is not None and r["workload"] == "reference"
            rows.append(
                [
                    r["workload"],
                    r["engine"] + (" (earlier run)" if r.get("earlier_run") else ""),
                    _num(r["seconds"]),
                    _num(r.get("peak_mib"), 0),
                    f"{r['seconds'] / base['seconds']:.2f}" if reference else "",
                    f"{r['peak_mib'] / base['peak_mib']:.2f}"
                    if reference and r.get("peak_mib")
                    else "",
                ]
            )
        lines += [
            "",
            f"### {label} zone-hours: {size['zones']} zones, {size['rows']:,} rows, raw CSV "
            f"{size['raw_csv_mib']:.0f} MiB (measured {size['measured_at']})",
            "",
            *_table(
                ["workload", "engine", "seconds", "peak MiB", "× seconds", "× memory"],
                rows,
            ),
        ]
        incremental = size.get("incremental") or {}
        if incremental:
            lines += [
                "",
                "Incremental day over full rebuild: feature chain "
                f"{incremental['feature_chain_incremental_over_full']:.1%}, staging → mart "
                f"{incremental['staging_to_mart_incremental_over_full']:.1%}.",
            ]
        agreement = size.get("agreement") or {}
        if agreement:
            verdict = ", ".join(
                f"{engine} {'agrees' if a.get('ok') else 'DIFFERS'}"
                for engine, a in agreement.items()
            )
            lines += ["", f"Agreement with plain DuckDB (sampled rows, rtol 1e-6): {verdict}."]
    return lines


def _ercot(results: dict) -> list[str]:
    lines = [
        "## ERCOT layers (`make bench-ercot`, bench/bench_ercot.py)",
        "",
        "The full build of the ERCOT hourly layer, the 15-minute → hourly step in each",
        "engine (ratios against DuckDB SQL on Parquet in the same run) and an incremental day.",
    ]
    for label, run in results.items():
        state, full, steps = run["state"], run.get("full_build") or {}, run.get("step") or {}
        lines += [
            "",
            f"### {label}: {state['generate_output']} (measured {run['when']})",
            "",
        ]
        if full:
            lines.append(
                f"Full build: {full['seconds']:.1f} s, peak {full['peak_mib'] / 1024:.2f} GiB, "
                f"raw CSV {state['raw_gb']} GB."
            )
        base = steps.get("duckdb-parquet")
        rows = []
        for engine, r in steps.items():
            rows.append(
                [
                    engine,
                    f"{r['rows']:,}",
                    _num(r["seconds"]),
                    _num(r["peak_mib"] / 1024, 2),
                    f"{r['seconds'] / base['seconds']:.2f}" if base else "",
                    f"{r['peak_mib'] / base['peak_mib']:.2f}" if base else "",
                    "baseline"
                    if engine == "duckdb-parquet"
                    else f"{run.get('agreement', {}).get(engine, '?')} rows differ",
                ]
            )
        if rows:
            lines += [
                "",
                *_table(
                    ["engine", "rows", "seconds", "peak GiB", "× seconds", "× memory", "agreement"],
                    rows,
                ),
            ]
        incr = run.get("incremental_day") or {}
        if incr:
            share = f", {incr['seconds'] / full['seconds']:.1%} of the full build" if full else ""
            lines += [
                "",
                f"Incremental day ({incr['day']}): {incr['seconds']:.1f} s, peak "
                f"{incr['peak_mib'] / 1024:.2f} GiB{share}.",
            ]
    return lines


def _training(results: dict) -> list[str]:
    rows = [
        [
            name,
            str(run["workers"]),
            str(run["threads"]),
            _num(run["seconds"]),
            f"{run['ratio_to_serial']:.2f}",
        ]
        for name, run in results["runs"].items()
    ]
    return [
        "## Family training (`make bench-training`, bench/bench_training.py)",
        "",
        f"Task {results['task']} ({results['mode']}), {results['rows']:,} rows × "
        f"{results['features']} features from `{results['warehouse']}`, families "
        f"{', '.join(results['families'])}, {results['trials']} Optuna trials each, on "
        f"{results['cores']} cores (measured {results['measured_at_utc']}).",
        "",
        *_table(["run", "processes", "threads each", "seconds", "× serial"], rows),
        "",
        "Parallel models equal the serial ones bitwise: "
        f"{'yes' if results['parallel_equals_serial_bitwise'] else 'NO'}.",
    ]


SECTIONS: dict[str, Callable[[dict], list[str]]] = {
    "features": _features,
    "ercot": _ercot,
    "training": _training,
}


def render() -> str:
    lines = [
        "# Benchmarks",
        "",
        "<!-- Generated by bench/render_readme.py from bench/results/*.json: do not edit. -->",
        "",
        "Benchmarks run on purpose, not as tests; each prints its table, writes its results",
        "file under `bench/results/` and regenerates this page. Figures are single runs on",
        "the development machine unless a section says otherwise; other work on the machine",
        "adds noise. A benchmark not run yet says so.",
    ]
    for name, section in SECTIONS.items():
        path = results_file(name)
        if path.exists():
            lines += ["", *section(json.loads(path.read_text()))]
        else:
            lines += ["", f"## {name}", "", f"Not run yet: no `bench/results/{name}.json`."]
    return "\n".join(lines) + "\n"


def write() -> Path:
    README.write_text(render())
    return README


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is stale")
    args = parser.parse_args(argv)
    if args.check:
        if not README.exists() or README.read_text() != render():
            print(f"{README} is stale: run bench/render_readme.py", file=sys.stderr)
            return 1
        return 0
    print(f"wrote {write()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
