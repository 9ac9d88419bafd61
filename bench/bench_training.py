"""Benchmark: a task's families trained one after the other against one process per family.

Run on purpose, not as a test:

    make bench-training                                   # the demo warehouse, spike_risk
    make bench-training BENCH_TRAINING_ARGS='--warehouse warehouse/entsoe/open_power.duckdb'
    .venv/bin/python bench/bench_training.py --task day_ahead_price --trials 5

The task's mart is read once from the warehouse (under its lock, as a backtest reads it) and
trained by python_ml.training.pipeline.train_models, as the daily path trains it (mode
walk_forward, windows ending at the newest label; --mode fixed_split for a first training),
with var ml_training's settings except --trials, and without Optuna's timeout so that every
run tries the same trials. Three runs, each timed on the wall clock:

1. ``serial``: ``workers: 1``, each fit on all cores (the threads of a one-worker setting);
2. ``serial, 1 thread``: ``workers: 1``, each fit with the threads a parallel worker gets;
3. ``parallel``: ``workers`` = the smaller of the core count and the family count, the
   cores shared among them (the default).

Ratios are against run 1. Run 3 must equal run 2 bitwise (model text, parameters, trials,
calibration, threshold, evaluation): the fits are the same, only the processes differ.
Results go to ``bench/results/training.json``, from which bench/README.md is regenerated.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from render_readme import results_file  # noqa: E402
from render_readme import write as write_readme  # noqa: E402

from python_ml.cli import project_vars  # noqa: E402
from python_ml.training.backtest import load_inputs  # noqa: E402
from python_ml.training.pipeline import TrainingConfig, TrainingRun, train_models  # noqa: E402

RESULTS = results_file("training")


def log(msg: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def fingerprint(run: TrainingRun) -> list[tuple]:
    """What must not differ between two runs of the same fits."""
    return [
        (
            m.family,
            m.predictor.model_text,
            json.dumps(m.params, sort_keys=True, default=str),
            json.dumps(
                {k: v for k, v in m.tuning.items() if k != "seconds"}, sort_keys=True, default=str
            ),
            repr(m.calibration),
            repr(m.threshold),
            m.selection_value,
            json.dumps(m.evaluation, sort_keys=True, default=str),
        )
        for m in run.models
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--warehouse",
        default=os.environ.get(
            "OPEN_POWER_DUCKDB", str(PROJECT_DIR / "warehouse" / "open_power.duckdb")
        ),
    )
    parser.add_argument("--task", default="spike_risk")
    parser.add_argument("--mode", default="walk_forward", choices=["walk_forward", "fixed_split"])
    parser.add_argument("--trials", type=int, help="Optuna trials per family (default: var)")
    args = parser.parse_args()

    values = project_vars()
    tasks = values["ml_tasks"]
    if args.task not in tasks:
        parser.error(f"--task {args.task}: not a task of var ml_tasks ({', '.join(tasks)})")
    base = TrainingConfig.from_vars(values["ml_training"])
    base = replace(
        base, timeout_seconds=float("inf"), trials=args.trials if args.trials else base.trials
    )
    log(f"reading {args.task} from {args.warehouse}")
    task, schema, frame = load_inputs(Path(args.warehouse), args.task, tasks[args.task])
    cores = os.cpu_count() or 1
    families = len(base.families)
    workers = min(cores, families)
    shared_threads = max(1, cores // workers)
    runs = {
        "serial": replace(base, workers=1, fit=replace(base.fit, threads=cores)),
        "serial, 1 thread": replace(base, workers=1, fit=replace(base.fit, threads=shared_threads)),
        "parallel": replace(base, workers=workers, fit=replace(base.fit, threads=shared_threads)),
    }
    results: dict[str, dict] = {}
    prints: dict[str, list[tuple]] = {}
    for name, config in runs.items():
        log(
            f"{name}: {config.workers} worker(s) x {config.fit.threads} thread(s), "
            f"{config.trials} trials per family ({', '.join(config.families)})"
        )
        started = time.perf_counter()
        run = train_models(frame, schema, task, config, mode=args.mode, log=log, quiet_workers=True)
        seconds = time.perf_counter() - started
        prints[name] = fingerprint(run)
        results[name] = {
            "workers": config.workers,
            "threads": config.fit.threads,
            "seconds": round(seconds, 2),
        }
        log(f"{name}: {seconds:.1f} s")
    equal = prints["parallel"] == prints["serial, 1 thread"]
    serial = results["serial"]["seconds"]
    print(
        f"\n{task.name} ({args.mode}), {len(frame):,} mart rows, {len(schema.feature_columns)} "
        f"features, {base.trials} trials per family, {cores} cores"
    )
    print(f"{'run':<18} {'workers':>7} {'threads':>7} {'seconds':>9} {'/ serial':>9}")
    for name, r in results.items():
        r["ratio_to_serial"] = round(r["seconds"] / serial, 3)
        print(
            f"{name:<18} {r['workers']:>7} {r['threads']:>7} {r['seconds']:>9.1f} "
            f"{r['ratio_to_serial']:>9.3f}"
        )
    print(f"parallel equals serial with the same threads, bitwise: {equal}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "measured_at_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                "warehouse": str(args.warehouse),
                "task": task.name,
                "mode": args.mode,
                "rows": len(frame),
                "features": len(schema.feature_columns),
                "trials": base.trials,
                "families": list(base.families),
                "cores": cores,
                "runs": results,
                "parallel_equals_serial_bitwise": equal,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"results: {RESULTS}; {write_readme()} regenerated")
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
