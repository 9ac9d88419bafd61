"""The bad-input corpus (tests/corpus/opsd/, written by tests/corpus/make_corpus.py).

Each broken raw file is dropped into a copy of a warehouse that holds a trained model and
its predictions, and the whole `dbt build` runs. Structural and semantic errors must fail
the build with a message naming the file, the column and the rule, and leave the registry
and the predictions byte-identical. Quirks real OPSD files have (a zone starting mid-file,
a few missing hours, empty cells) are tolerated: missing flags in the hourly layer and the
counts recorded in dq_validation_results.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import ML_VARS, hashes, run_dbt

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "opsd"
TIME_SERIES = "time_series_60min_singleindex.csv"

# case -> (failing node, column named in the message, rule, further text of the message)
FAILING = {
    "missing_column": (
        "stg_opsd__time_series",
        "utc_timestamp",
        "required_columns",
        "required column is missing",
    ),
    "renamed_column": (
        "stg_opsd__time_series",
        "cet_cest_timestamp",
        "required_columns",
        "the header has utc_timestamp, cet_cest_time,",
    ),
    "text_in_numeric": (
        "stg_opsd__time_series",
        "DE_LU_price_day_ahead",
        "numeric_value",
        "line 40: ",
    ),
    "duplicate_hour": (
        "stg_opsd__time_series",
        "utc_timestamp",
        "unique_utc_timestamp",
        "line 31: '2017-10-28T02:00:00Z' repeats the previous line's hour",
    ),
    "dst_repeated_local_hour": (
        "stg_opsd__time_series",
        "cet_cest_timestamp",
        "local_timestamp_matches_utc",
        "line 53: '2017-10-29T02:00:00+0200' is not the same instant as 2017-10-29T01:00:00Z",
    ),
    "empty_file": ("stg_opsd__time_series", None, "non_empty_file", "the file is empty"),
    "header_only": (
        "stg_opsd__time_series",
        None,
        "data_rows_present",
        "a header but no data rows",
    ),
    "truncated_last_line": (
        "stg_opsd__time_series",
        "DE_LU_price_day_ahead",
        "row_shape",
        "line 98: the line has 4 fields, the header 19",
    ),
    "semicolon_delimiter": (
        "stg_opsd__time_series",
        "utc_timestamp",
        "required_columns",
        "the file looks semicolon-delimited",
    ),
    "wrong_timestamp_format": (
        "stg_opsd__time_series",
        "utc_timestamp",
        "utc_timestamp_format",
        "line 10: '26/10/2019 07:00' is not a UTC timestamp",
    ),
    "repeated_header": (
        "stg_opsd__time_series",
        "FR_load_actual_entsoe_transparency",
        "unique_header",
        "the header names it twice, at positions 9 and 10",
    ),
    "renamed_value_column": (
        "stg_opsd__time_series",
        "DE_LU_price_dayahead",
        "known_columns",
        "no rule recognises it; value columns are <region>_<variable> with variable one of",
    ),
    "negative_load": (
        "expectations_passed_dq_stg_opsd__time_series_",
        '"source_column": "FR_load_actual_entsoe_transparency"',
        "expectation_suite",
        '"source_line": 50',
    ),
    "price_1e9": (
        "expectations_passed_dq_stg_opsd__time_series_",
        '"source_column": "DE_LU_price_day_ahead"',
        "expectation_suite",
        "e.g. [1000000000.0]",
    ),
}
# Quirks real OPSD files have. On a warehouse built from the file alone they show as missing
# flags, and the hourly suite records them (within its tolerance): case -> (zone, flag,
# hours flagged). A zone whose columns are empty at the start of the file starts there.
FLAGGED = {
    "gap_of_three_hours": ("FR", "is_load_actual_missing", 3),
    "empty_cells": ("FR", "is_price_missing", 1),
    "zone_mid_file": ("FR", "is_price_missing", 0),
}
# Delivered onto the warehouse the model was trained on, these pass and change no model or
# prediction (hours an earlier delivery held keep their values: a file missing them is not
# a retraction).
HARMLESS = (
    "gap_of_a_day",
    "utf8_bom",
    "zone_mid_file",
    "gap_of_three_hours",
    "empty_cells",
    # the same instants with an explicit offset (what pandas writes, and +01:00)
    "utc_offset_zero",
    "utc_offset_plus_one",
    # a column of a family declared in var opsd_ignore_columns (*_capacity)
    "unused_opsd_family",
    "clean",
)


def test_the_corpus_has_every_case():
    cases = {p.name for p in CORPUS.iterdir() if p.is_dir()}
    assert cases == set(FAILING) | set(FLAGGED) | set(HARMLESS)
    assert len(cases - {"clean"}) >= 15


def land(case: str, tmp_path: Path, ml_raw_dir: Path) -> Path:
    """The case's time series beside the ML sample's weather file (OPSD only: the builds
    here exclude tag:ercot)."""
    raw_dir = tmp_path / "raw"
    (raw_dir / "opsd").mkdir(parents=True)
    shutil.copyfile(CORPUS / case / TIME_SERIES, raw_dir / "opsd" / TIME_SERIES)
    shutil.copyfile(ml_raw_dir / "opsd" / "weather_data.csv", raw_dir / "opsd" / "weather_data.csv")
    return raw_dir


@pytest.mark.parametrize("case", sorted(FAILING))
def test_a_broken_file_stops_the_build_and_touches_no_model_or_prediction(
    case, ml_warehouse, ml_raw_dir, tmp_path
):
    node, column, rule, text = FAILING[case]
    raw_dir = land(case, tmp_path, ml_raw_dir)
    before = hashes(ml_warehouse)

    run = run_dbt(
        ["build", "--exclude", "test_type:unit", "tag:ercot"],
        warehouse=ml_warehouse,
        raw_dir=raw_dir,
        work_dir=tmp_path,
        extra_vars={**ML_VARS, "retrain": True},
    )

    assert not run.success
    message = run.messages[node]
    assert str(raw_dir / "opsd" / TIME_SERIES) in message
    if column:
        assert f"column {column}" in message or column in message
    assert f"[rule: {rule}]" in message
    assert text in message
    assert run.results["ml_training_runs"] == "skipped"
    assert run.results["ml_spike_scores"] == "skipped"
    assert hashes(ml_warehouse) == before


@pytest.mark.parametrize("case", HARMLESS)
def test_a_quirk_delivered_onto_the_warehouse_passes_and_changes_no_model(
    case, ml_warehouse, ml_raw_dir, tmp_path
):
    before = hashes(ml_warehouse)
    run = run_dbt(
        ["build", "--exclude", "test_type:unit", "tag:ercot"],
        warehouse=ml_warehouse,
        raw_dir=land(case, tmp_path, ml_raw_dir),
        work_dir=tmp_path,
        extra_vars={**ML_VARS, "retrain": False},
    )
    assert run.success, run.failure_text()
    assert hashes(ml_warehouse) == before


@pytest.mark.parametrize("case", sorted(FLAGGED))
def test_a_quirk_is_flagged_and_recorded_not_fatal(case, ml_raw_dir, tmp_path):
    zone, flag, hours = FLAGGED[case]
    warehouse = tmp_path / "open_power.duckdb"
    run = run_dbt(
        ["build", "--select", "+dq_int_opsd__zone_hours", "--exclude", "test_type:unit"],
        warehouse=warehouse,
        raw_dir=land(case, tmp_path, ml_raw_dir),
        work_dir=tmp_path,
    )
    assert run.success, run.failure_text()
    clean = tmp_path / "clean.duckdb"
    run = run_dbt(
        ["build", "--select", "+int_opsd__zone_hours", "--exclude", "test_type:unit"],
        warehouse=clean,
        raw_dir=land("clean", tmp_path / "c", ml_raw_dir),
        work_dir=tmp_path / "c",
    )
    assert run.success, run.failure_text()
    count = f"select count(*) filter (where {flag}) from int_opsd__zone_hours where zone = '{zone}'"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        flags = con.sql(count).fetchall()[0][0]
        recorded = con.sql(
            "select coalesce(sum(unexpected_count), 0) from "
            f"dq_int_opsd__zone_hours where column_name = '{flag}'"
        ).fetchall()[0][0]
        everywhere = con.sql(
            f"select count(*) filter (where {flag}) from int_opsd__zone_hours"
        ).fetchall()[0][0]
        starts = dict(
            con.sql("select zone, min(ts_utc) from int_opsd__zone_hours group by zone").fetchall()
        )
    with duckdb.connect(str(clean), read_only=True) as con:
        baseline = con.sql(count).fetchall()[0][0]
    assert flags - baseline == hours
    assert recorded == everywhere  # the suite's count, recorded as a passing warning
    if case == "zone_mid_file":
        assert (starts[zone] - starts["DE_LU"]).total_seconds() == 24 * 3600


def test_a_column_listed_in_opsd_ignore_columns_is_accepted(ml_raw_dir, tmp_path):
    """known_columns refuses a renamed value column unless the user names it (or a pattern
    for it) in var opsd_ignore_columns. Then the file loads: the column is staged under its
    own name (nothing in the file is lost) and no hourly series reads it."""
    warehouse = tmp_path / "open_power.duckdb"
    run = run_dbt(
        ["build", "--select", "stg_opsd__time_series", "--exclude", "test_type:unit"],
        warehouse=warehouse,
        raw_dir=land("renamed_value_column", tmp_path, ml_raw_dir),
        work_dir=tmp_path,
        extra_vars={"opsd_ignore_columns": ["*_capacity", "DE_LU_price_day*"]},
    )
    assert run.success, run.failure_text()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        variables = dict(
            con.sql(
                "select source_column, count(*) from stg_opsd__time_series "
                "where zone = 'DE_LU' group by all"
            ).fetchall()
        )
    assert "DE_LU_load_actual_entsoe_transparency" in variables
    assert variables["DE_LU_price_dayahead"] == 97


@pytest.mark.parametrize("case", ["utc_offset_zero", "utc_offset_plus_one"])
def test_an_explicit_utc_offset_stages_the_same_instants_as_z(case, ml_raw_dir, tmp_path):
    """utc_timestamp written with +00:00 or +01:00 instead of Z denotes the same instants:
    staging holds exactly the rows of the Z-suffixed file."""
    staged = {}
    for name in ("clean", case):
        work = tmp_path / name
        run = run_dbt(
            ["build", "--select", "stg_opsd__time_series", "--exclude", "test_type:unit"],
            warehouse=work / "open_power.duckdb",
            raw_dir=land(name, work, ml_raw_dir),
            work_dir=work,
        )
        assert run.success, run.failure_text()
        with duckdb.connect(str(work / "open_power.duckdb"), read_only=True) as con:
            staged[name] = con.sql(
                "select ts_utc, zone, variable, value, source_column, source_line "
                "from stg_opsd__time_series order by all"
            ).fetchall()
    assert len(staged["clean"]) > 1000
    assert staged[case] == staged["clean"]
