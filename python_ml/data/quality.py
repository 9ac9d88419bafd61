"""Great Expectations suites (JSON under expectations/) run on DataFrames read from DuckDB.

Great Expectations' SQL datasource does not work against DuckDB, so every suite validates a
pandas DataFrame through an ephemeral context's pandas datasource. Suites may reference
dbt vars as `{"$PARAMETER": "<var>"}`; the caller passes their values.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

SUITES_DIR = Path(__file__).resolve().parents[2] / "expectations"
# one row per expectation, as validate() returns them
RESULT_DTYPES = {
    "suite": "string",
    "expectation": "string",
    "column_name": "string",
    "success": "bool",
    "observed_value": "string",
    "unexpected_count": "Int64",
    "unexpected_sample": "string",
    "unexpected_rows": "string",
    "element_count": "Int64",
}
RESULT_COLUMNS = tuple(RESULT_DTYPES)


def suite_path(name: str) -> Path:
    return SUITES_DIR / f"{name}.json"


@cache
def _context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    quiet_progress(context)
    return context


def quiet_progress(context) -> None:
    """No per-metric progress bars in the build log."""
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context.variables.progress_bars = ProgressBarsConfig(globally=False)
    except Exception:  # noqa: BLE001 - cosmetics only
        pass


def row_identifiers(name: str) -> list[str]:
    """Columns that locate an unexpected row (suite meta `row_identifiers`), e.g. the raw
    file, line and column a staged value came from."""
    data = json.loads(suite_path(name).read_text(encoding="utf-8"))
    return list(data.get("meta", {}).get("row_identifiers", []))


def load_suite(name: str):
    """The suite stored in expectations/<name>.json as a Great Expectations suite."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    path = suite_path(name)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such expectation suite")
    data = json.loads(path.read_text(encoding="utf-8"))
    expectations = [
        ExpectationConfiguration(
            type=e["type"], kwargs=e["kwargs"], meta=e.get("meta", {})
        ).to_domain_obj()
        for e in data["expectations"]
    ]
    return gx.ExpectationSuite(name=data.get("name", name), expectations=expectations)


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class Validation:
    suite: str
    success: bool
    results: pd.DataFrame

    def failures(self) -> pd.DataFrame:
        return self.results[~self.results["success"]]

    def message(self, subject: str) -> str:
        failed = self.failures()
        lines = [
            f"{subject}: {len(failed)} of {len(self.results)} expectations of suite "
            f"{self.suite} failed [rule: expectation_suite]"
        ]
        for row in failed.itertuples():
            where = ""
            located = json.loads(row.unexpected_rows) if row.unexpected_rows else []
            if located:
                where = "; first at " + ", ".join(
                    f"{k} {v}" for k, v in located[0].items() if k != "value"
                )
            detail = (
                f"{row.unexpected_count} unexpected of {row.element_count}, e.g. "
                f"{row.unexpected_sample}{where}"
                if pd.notna(row.unexpected_count) and row.unexpected_count
                else f"observed {row.observed_value}"
            )
            lines.append(f"  column {row.column_name or '(table)'}: {row.expectation}: {detail}")
        return "\n".join(lines)


class ExpectationFailed(ValueError):
    def __init__(self, validation: Validation, subject: str) -> None:
        self.validation = validation
        super().__init__(validation.message(subject))


def validate(
    frame: pd.DataFrame, suite_name: str, parameters: Mapping[str, object] | None = None
) -> Validation:
    """Run one suite on a DataFrame; one result row per expectation."""
    suite = load_suite(suite_name)
    context = _context()
    name = f"frame_{suite_name}"
    try:
        source = context.data_sources.get(name)
    except (KeyError, ValueError):
        source = context.data_sources.add_pandas(name)
    try:
        asset = source.get_asset("frame")
    except (LookupError, ValueError):
        asset = source.add_dataframe_asset("frame")
    try:
        definition = asset.get_batch_definition("all")
    except (KeyError, ValueError):
        definition = asset.add_batch_definition_whole_dataframe("all")
    batch = definition.get_batch(batch_parameters={"dataframe": frame})
    identifiers = [c for c in row_identifiers(suite_name) if c in frame.columns]
    outcome = batch.validate(
        suite,
        expectation_parameters=dict(parameters or {}),
        result_format={
            "result_format": "SUMMARY",
            "unexpected_index_column_names": identifiers,
            "partial_unexpected_count": 5,
        },
    )
    rows = []
    for result in outcome.results:
        config = result.expectation_config
        info = result.result or {}
        kwargs = config.kwargs
        column = kwargs.get("column") or ",".join(
            kwargs.get("column_list")
            or kwargs.get("column_set")
            or [c for c in (kwargs.get("column_A"), kwargs.get("column_B")) if c]
        )
        raised = (result.exception_info or {}).get("raised_exception")
        observed = info.get("observed_value")
        if raised:
            observed = f"error: {(result.exception_info or {}).get('exception_message')}"
        condition = config.kwargs.get("row_condition")
        if isinstance(condition, Mapping):
            condition = (
                f"{condition['column']['name']} {condition['operator']} "
                f"{json.dumps(condition['parameter'])}"
                if condition.get("type") == "comparison"
                else json.dumps(condition)
            )
        elif condition is not None and not isinstance(condition, str):
            condition = str(condition)
        rows.append(
            {
                "suite": suite_name,
                "expectation": config.type + (f" where {condition}" if condition else ""),
                "column_name": column or None,
                "success": bool(result.success),
                "observed_value": None
                if observed is None
                else json.dumps(observed, default=str)
                if not isinstance(observed, str)
                else observed,
                "unexpected_count": info.get("unexpected_count"),
                "unexpected_sample": json.dumps(
                    [_plain(v) for v in (info.get("partial_unexpected_list") or [])[:5]],
                    default=str,
                ),
                "unexpected_rows": json.dumps(
                    [
                        {k: _plain(v) for k, v in located.items()}
                        for located in (info.get("partial_unexpected_index_list") or [])[:5]
                    ],
                    default=str,
                ),
                "element_count": info.get("element_count"),
            }
        )
    results = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    results = results.astype(RESULT_DTYPES)
    return Validation(suite_name, bool(results["success"].all()), results)


def fingerprint(frame: pd.DataFrame, suite_name: str, parameters: Mapping[str, object]) -> str:
    """What a validation's outcome depends on: the rows (order-independent), the suite file
    and the parameters."""
    rows = int(pd.util.hash_pandas_object(frame, index=False).sum()) if len(frame) else 0
    digest = hashlib.sha256()
    digest.update(f"{rows}:{len(frame)}:{list(frame.columns)}".encode())
    digest.update(suite_path(suite_name).read_bytes())
    digest.update(json.dumps(dict(parameters), sort_keys=True, default=str).encode())
    return digest.hexdigest()[:32]


def last_run(session, this, is_incremental: bool) -> pd.DataFrame:
    """The previous run's result rows of a dq_* model (none on its first run)."""
    columns = (
        {row[0] for row in session.sql(f"describe {this}").fetchall()} if is_incremental else set()
    )
    if "data_fingerprint" not in columns:  # first run, or a table from an earlier release
        return pd.DataFrame(columns=["data_fingerprint", "success"])
    return session.sql(
        f"select data_fingerprint, success from {this} where validated_at_utc "
        f"= (select max(validated_at_utc) from {this})"
    ).df()


def quality_job(
    suite_name: str,
    frame: pd.DataFrame,
    parameters: Mapping[str, object],
    invocation_id: str,
    validated_at: pd.Timestamp,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Validate a table and return its result rows (the dq_* models append them); the
    generic dbt test `expectations_passed` on those rows stops everything downstream.

    When the rows, suite and parameters are those of the previous run and that run passed,
    nothing is validated or appended: a rerun of the same hour leaves the history as it was.
    """
    print_ = fingerprint(frame, suite_name, parameters)
    if (
        previous is not None
        and len(previous)
        and bool(previous["success"].all())
        and set(previous["data_fingerprint"]) == {print_}
    ):
        print(
            f"[dq] {suite_name}: rows, suite and parameters unchanged since the last "
            "validation, which passed; nothing appended",
            flush=True,
        )
        return empty_results()
    validation = validate(frame, suite_name, parameters)
    results = validation.results.copy()
    results.insert(0, "dbt_invocation_id", invocation_id)
    results.insert(1, "validated_at_utc", validated_at)
    results["rows_validated"] = len(frame)
    results["data_fingerprint"] = print_
    if not validation.success:
        print(validation.message(suite_name), flush=True)
    return results


def empty_results() -> pd.DataFrame:
    """No rows, typed like quality_job's: a skipped validation appends nothing."""
    dtypes = {
        "dbt_invocation_id": "string",
        "validated_at_utc": "datetime64[us]",
        **RESULT_DTYPES,
        "rows_validated": "int64",
        "data_fingerprint": "string",
    }
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})
