"""The inference log: one JSON line per scoring run (champion or challenger, any task),
appended beside the warehouse (logs/inference.jsonl) and loaded into mon_inference_runs.

A record says which model scored which task's rows with which schema, what the parity check
found (breaks fail the run; values outside the training range are counted per feature), the
outcome, how many rows and alerts, when and how long.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import pandas as pd

INFERENCE_COLUMNS = {
    "run_id": "string",
    "dbt_invocation_id": "string",
    "task": "string",
    "role": "string",
    "model_version": "Int64",
    "model_family": "string",
    "feature_schema_hash": "string",
    "model_feature_schema_hash": "string",
    "parity_result": "string",
    "outcome": "string",
    "rows_scored": "int64",
    "alerts_raised": "Int64",
    "started_at_utc": "datetime64[us]",
    "duration_seconds": "float64",
    # since release 0.2
    "rows_out_of_range": "Int64",
    "out_of_range_json": "string",
}


def append_record(path: Path, record: Mapping[str, object]) -> None:
    """Append one record with a single write, fsync'd (runs are serialised by the warehouse
    lock, python_ml.ops.runs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (
        json.dumps(
            {
                k: (
                    v.isoformat(timespec="microseconds")
                    if isinstance(v, pd.Timestamp | datetime)
                    else v
                )
                for k, v in record.items()
            },
            sort_keys=True,
        )
        + "\n"
    )
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def read_new_records(path: Path, known_run_ids: set[str]) -> pd.DataFrame:
    """Records of `path` not yet in the table (mon_inference_runs appends them)."""
    rows = []
    if path.exists():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(
                    f"{path}, line {number}: not a JSON object ({error}) [rule: inference_log_json]"
                ) from error
            if record.get("run_id") not in known_run_ids:
                rows.append(record)
    frame = pd.DataFrame(rows, columns=list(INFERENCE_COLUMNS))
    frame["started_at_utc"] = pd.to_datetime(
        frame["started_at_utc"], format="ISO8601", utc=True
    ).dt.tz_localize(None)
    return frame.astype(INFERENCE_COLUMNS)
