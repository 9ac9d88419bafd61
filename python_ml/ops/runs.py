"""Scheduled runs: the hourly and daily paths of selectors.yml, one at a time per warehouse.

``python -m python_ml run hourly`` (or ``daily``) takes an exclusive lock beside the
warehouse file, runs ``dbt build --selector <path>`` in-process, and releases the lock. A
second run started while the first holds the lock exits at once with code 75 and names the
holder. The lock is an ``flock`` on an open file, so the kernel drops it when its process
dies, SIGKILL included: a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import yaml

PATHS = ("hourly", "daily")
# sysexits.h EX_TEMPFAIL: try again later (cron mails it; a wrapper may retry)
EXIT_LOCKED = 75


class WarehouseBusy(Exception):
    """Another run holds the warehouse."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def _try_lock(handle, wait_seconds: float) -> bool:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


@contextmanager
def warehouse_lock(warehouse: Path, path_name: str, wait_seconds: float = 0.0) -> Iterator[Path]:
    """Hold the warehouse's run lock for the duration of the block, or raise WarehouseBusy
    (after waiting up to `wait_seconds` for the holder to finish)."""
    lock = lock_path(warehouse)
    lock.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock, "a+", encoding="utf-8")  # noqa: SIM115 - held for the block
    try:
        if not _try_lock(handle, wait_seconds):
            handle.seek(0)
            holder = handle.read().strip()
            try:
                info = json.loads(holder)
                who = (
                    f"pid {info['pid']} on {info['host']} ({info['path']} run, started "
                    f"{info['started_at_utc']})"
                )
            except (ValueError, KeyError):
                who = "another process"
            raise WarehouseBusy(
                f"{warehouse}: another run holds the warehouse: {who}; lock file {lock}. "
                "This run exits without touching it [rule: one_run_at_a_time]"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "path": path_name,
                    "started_at_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            )
        )
        handle.flush()
        yield lock
    finally:
        handle.close()  # closing the descriptor releases the flock


def release_dbt_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb caches per process (a class attribute), so this
    process can open the same file again with other settings (read-only)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def _has_table(warehouse: Path, name: str) -> bool:
    if not warehouse.exists():
        return False
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return bool(
            con.execute(
                "select count(*) from information_schema.tables where table_name = ?", [name]
            ).fetchall()[0][0]
        )


def drop_orphaned_staging_tables(warehouse: Path) -> list[str]:
    """Drop the `<model>__dbt_tmp<timestamp>` tables a killed run left behind (dbt-duckdb
    stages incremental Python models in them and drops them when the model completes).
    Called under the lock, so no other run can be using them."""
    if not warehouse.exists():
        return []
    import duckdb

    with duckdb.connect(str(warehouse)) as con:
        found = con.sql(
            "select table_catalog, table_schema, table_name from "
            "information_schema.tables where table_name like '%\\_\\_dbt\\_tmp%' "
            "escape '\\'"
        ).fetchall()
        for catalog, schema, name in found:
            con.execute(f'drop table "{catalog}"."{schema}"."{name}"')
    for _, _, name in found:
        print(f"[run] dropped {name}, left behind by an interrupted run", flush=True)
    return [name for _, _, name in found]


def run_path(
    path_name: str,
    warehouse: Path,
    dbt_vars: Mapping[str, object] | None = None,
    extra_args: list[str] | None = None,
) -> int:
    """Run one path under the lock; return a process exit code."""
    if path_name not in PATHS:
        raise ValueError(f"path must be one of {PATHS}, not {path_name!r}")
    from dbt.cli.main import dbtRunner

    started = time.perf_counter()
    previous = os.environ.get("OPEN_POWER_DUCKDB")
    try:
        with warehouse_lock(warehouse, path_name):
            # ml_spike_training_runs: a warehouse of release 0.1 (imported by the next build)
            if path_name == "hourly" and not (
                _has_table(warehouse, "ml_training_runs")
                or _has_table(warehouse, "ml_spike_training_runs")
            ):
                print(
                    f"[run] {warehouse}: no model has been trained yet; the hourly path "
                    "only scores. Run the daily path once first: python -m python_ml run "
                    "daily [rule: champion_exists]",
                    file=sys.stderr,
                    flush=True,
                )
                return 1
            drop_orphaned_staging_tables(warehouse)
            os.environ["OPEN_POWER_DUCKDB"] = str(warehouse)
            args = ["build", "--selector", path_name]
            if dbt_vars:
                args += ["--vars", yaml.safe_dump(dict(dbt_vars), default_flow_style=True)]
            print(
                f"[run] {path_name} path on {warehouse} (lock {lock_path(warehouse)})", flush=True
            )
            result = dbtRunner().invoke(args + list(extra_args or []))
    except WarehouseBusy as busy:
        print(f"[run] {busy}", file=sys.stderr, flush=True)
        return EXIT_LOCKED
    finally:
        release_dbt_duckdb()
        if previous is None:
            os.environ.pop("OPEN_POWER_DUCKDB", None)
        else:
            os.environ["OPEN_POWER_DUCKDB"] = previous
    seconds = time.perf_counter() - started
    status = "succeeded" if result.success else "FAILED"
    print(f"[run] {path_name} path {status} in {seconds:.1f} s", flush=True)
    return 0 if result.success else 1
