"""End-to-end: `dbt build` on the sample in a temporary folder, the CLI reading the
result, the data tests catching broken tables, and bad raw files stopping the build."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys

import duckdb
import pytest
from conftest import PROJECT_DIR, run_dbt

from python_ml.cli import duckdb_cli, snapshot_warehouse

pytestmark = pytest.mark.slow

TIME_SERIES = "time_series_60min_singleindex.csv"


def query(warehouse, sql):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


def read_raw(path):
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def write_raw(path, rows):
    with open(path, "w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


# ---------------------------------------------------------------- the built warehouse


def test_every_sample_zone_has_a_complete_hourly_series(template_warehouse, sample_raw_dir):
    header = read_raw(sample_raw_dir / "opsd" / TIME_SERIES)[0]
    zones_in_file = {
        c.removesuffix("_price_day_ahead") for c in header if c.endswith("_price_day_ahead")
    }
    rows = query(
        template_warehouse,
        """
        select zone, count(*), count(distinct ts_utc),
               date_diff('hour', min(ts_utc), max(ts_utc)) + 1
        from int_opsd__zone_hours group by zone order by zone""",
    )
    assert {r[0] for r in rows} == zones_in_file
    for zone, hours, distinct_hours, span in rows:
        assert hours == distinct_hours == span, zone


def test_hourly_layer_matches_the_raw_file_cell_by_cell(template_warehouse, sample_raw_dir):
    rows = read_raw(sample_raw_dir / "opsd" / TIME_SERIES)
    header, body = rows[0], rows[1:]
    column = header.index("DE_LU_price_day_ahead")
    raw = {r[0].replace("T", " ").removesuffix("Z"): float(r[column]) for r in body if r[column]}
    built = dict(
        query(
            template_warehouse,
            """
        select strftime(ts_utc, '%Y-%m-%d %H:%M:%S'), price_eur_mwh
        from int_opsd__zone_hours where zone = 'DE_LU' and price_eur_mwh is not null""",
        )
    )
    assert built == raw


def test_live_feed_day_has_load_forecasts_but_no_prices(template_warehouse):
    ((last_forecast, last_price, last_load),) = query(
        template_warehouse,
        """
        select max(ts_utc) filter (where load_forecast_mw is not null),
               max(ts_utc) filter (where price_eur_mwh is not null),
               max(ts_utc) filter (where load_actual_mw is not null)
        from int_opsd__zone_hours where zone = 'DE_LU'""",
    )
    assert (last_forecast - last_price).total_seconds() / 3600 >= 23
    assert last_load == last_price
    ((flagged,),) = query(
        template_warehouse,
        f"""
        select count(*) from int_opsd__zone_hours
        where zone = 'DE_LU' and ts_utc > '{last_price}' and is_price_missing""",
    )
    assert flagged == 0, "not yet published must not count as missing"


def test_empty_raw_cells_are_flagged_not_dropped(template_warehouse):
    ((missing,),) = query(
        template_warehouse,
        """
        select count(*) from int_opsd__zone_hours
        where is_price_missing or is_load_actual_missing or is_solar_missing
           or is_wind_onshore_missing""",
    )
    assert missing > 0


def test_zones_start_at_different_hours(template_warehouse):
    starts = query(
        template_warehouse,
        """
        select zone, min(ts_utc) from int_opsd__zone_hourly_spine group by zone""",
    )
    assert len({start for _, start in starts}) > 1


def test_duckdb_cli_shipped_with_the_project_reads_the_warehouse(template_warehouse):
    completed = subprocess.run(
        [
            str(duckdb_cli()),
            "-readonly",
            "-csv",
            str(template_warehouse),
            "select zone, count(*) as hours from int_opsd__zone_hours group by 1 order by 1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.strip().splitlines()
    assert lines[0] == "zone,hours"
    assert {line.split(",")[0] for line in lines[1:]} == {"DE_LU", "FR", "NL"}


def test_sql_shell_on_a_snapshot_does_not_block_a_writer(warehouse, tmp_path):
    snapshot = snapshot_warehouse(warehouse, tmp_path / "snapshots")
    shell = subprocess.Popen(
        [str(duckdb_cli()), "-readonly", str(snapshot)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with duckdb.connect(str(warehouse)) as writer:  # would fail if the shell held it
            writer.sql("create table written_while_shell_open as select 1 as x")
        out, err = shell.communicate("select count(*) from int_opsd__zone_hours;\n", timeout=60)
    finally:
        shell.kill()
    assert shell.returncode == 0, err
    assert any(ch.isdigit() for ch in out)


def test_summary_names_the_warehouse_and_every_zone(template_warehouse):
    completed = subprocess.run(
        [sys.executable, "-m", "python_ml", "summary", "--warehouse", str(template_warehouse)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=PROJECT_DIR,
    )
    assert completed.returncode == 0, completed.stderr
    assert str(template_warehouse.resolve()) in completed.stdout
    for zone in ("DE_LU", "FR", "NL"):
        assert f"\n  {zone} " in completed.stdout


# ---------------------------------------------------------------- data tests can fail


def test_gap_in_the_spine_fails_the_spine_test(warehouse, sample_raw_dir, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        con.sql("""delete from int_opsd__zone_hourly_spine where zone = 'FR'
                   and ts_utc = (select min(ts_utc) + interval 5 hour
                                 from int_opsd__zone_hourly_spine where zone = 'FR')""")
    run = run_dbt(
        ["test", "--select", "int_opsd__zone_hourly_spine,test_type:data"],
        warehouse=warehouse,
        raw_dir=sample_raw_dir,
        work_dir=tmp_path,
    )
    assert not run.success
    failed = {name for name, status in run.results.items() if status == "fail"}
    assert failed == {"hourly_spine_has_no_gaps_int_opsd__zone_hourly_spine_ts_utc__zone"}


def test_price_outside_the_band_fails(warehouse, sample_raw_dir, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        con.sql("""update int_opsd__zone_hours set price_eur_mwh = 1e9
                   where zone = 'NL' and price_eur_mwh is not null
                   and ts_utc = (select max(ts_utc) from int_opsd__zone_hours
                                 where zone = 'NL' and price_eur_mwh is not null)""")
    run = run_dbt(
        ["test", "--select", "int_opsd__zone_hours,test_type:data"],
        warehouse=warehouse,
        raw_dir=sample_raw_dir,
        work_dir=tmp_path,
    )
    assert not run.success
    failed = [name for name, status in run.results.items() if status == "fail"]
    assert len(failed) == 1 and failed[0].startswith("value_between_int_opsd__zone_hours_price")


# ---------------------------------------------------------------- bad raw input


def _missing_column(rows):
    rows[0][rows[0].index("cet_cest_timestamp")] = "cet_timestamp"
    return "cet_cest_timestamp", "required_columns", None


def _unparseable_timestamp(rows):
    rows[10][0] = rows[10][0].replace("T", " ").removesuffix(":00Z")
    return "utc_timestamp", "utc_timestamp_format", 11


def _repeated_timestamp(rows):
    rows[20][0] = rows[19][0]
    rows[20][1] = rows[19][1]
    return "utc_timestamp", "unique_utc_timestamp", 21


def _text_in_a_numeric_column(rows):
    column = rows[0].index("FR_load_actual_entsoe_transparency")
    row = next(i for i in range(30, len(rows)) if rows[i][column])
    rows[row][column] = "12,5 MW"
    return "FR_load_actual_entsoe_transparency", "numeric_value", row + 1


def _local_time_disagrees(rows):
    rows[15][1] = rows[16][1]
    return "cet_cest_timestamp", "local_timestamp_matches_utc", 16


@pytest.mark.parametrize(
    "corrupt",
    [
        _missing_column,
        _unparseable_timestamp,
        _repeated_timestamp,
        _text_in_a_numeric_column,
        _local_time_disagrees,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_bad_raw_file_stops_the_build_naming_file_column_and_rule(
    corrupt, warehouse, sample_raw_dir, tmp_path
):
    raw_dir = tmp_path / "raw"
    shutil.copytree(sample_raw_dir, raw_dir)
    raw_file = raw_dir / "opsd" / TIME_SERIES
    rows = read_raw(raw_file)
    column, rule, line = corrupt(rows)
    write_raw(raw_file, rows)
    before = query(
        warehouse,
        "select count(*), sum(hash(zone, ts_utc, price_eur_mwh)) from int_opsd__zone_hours",
    )

    run = run_dbt(["build"], warehouse=warehouse, raw_dir=raw_dir, work_dir=tmp_path)

    assert not run.success
    message = run.messages["stg_opsd__time_series"]
    assert str(raw_file) in message
    assert f"column {column}" in message
    assert f"[rule: {rule}]" in message
    if line is not None:
        assert f"line {line}:" in message
    for downstream in ("int_opsd__zone_hourly_spine", "int_opsd__zone_hours"):
        assert run.results[downstream] == "skipped"
    after = query(
        warehouse,
        "select count(*), sum(hash(zone, ts_utc, price_eur_mwh)) from int_opsd__zone_hours",
    )
    assert after == before


def test_absent_raw_file_names_the_path_and_the_way_out(warehouse, tmp_path):
    run = run_dbt(["build"], warehouse=warehouse, raw_dir=tmp_path / "nothing", work_dir=tmp_path)
    assert not run.success
    message = run.messages["stg_opsd__time_series"]
    assert "file not found [rule: raw_file_exists]" in message
    assert "python -m python_ml generate opsd" in message


def test_selecting_a_zone_the_file_lacks_fails(warehouse, sample_raw_dir, tmp_path):
    run = run_dbt(
        ["test", "--select", "opsd_selected_zones_are_in_the_raw_file"],
        warehouse=warehouse,
        raw_dir=sample_raw_dir,
        work_dir=tmp_path,
        extra_vars={"opsd_zones": ["DE_LU", "XX_1"]},
    )
    assert not run.success
    assert run.results == {"opsd_selected_zones_are_in_the_raw_file": "fail"}


def test_a_negative_load_passes_staging_and_is_stopped_by_its_expectation(
    warehouse, sample_raw_dir, tmp_path
):
    raw_dir = tmp_path / "raw"
    shutil.copytree(sample_raw_dir, raw_dir)
    raw_file = raw_dir / "opsd" / TIME_SERIES
    rows = read_raw(raw_file)
    column = "FR_load_actual_entsoe_transparency"
    # an hour inside the incremental look-back (older hours are checked but not re-staged)
    index = len(rows) - 30
    assert rows[index][rows[0].index(column)]
    rows[index][rows[0].index(column)] = "-5"
    write_raw(raw_file, rows)
    before = query(
        warehouse,
        "select count(*), sum(hash(zone, ts_utc, load_actual_mw)) from int_opsd__zone_hours",
    )

    run = run_dbt(
        ["build", "--exclude", "tag:ml", "tag:monitoring"],
        warehouse=warehouse,
        raw_dir=raw_dir,
        work_dir=tmp_path,
    )

    assert not run.success
    assert run.results["stg_opsd__time_series"] == "success"
    message = run.messages["expectations_passed_dq_stg_opsd__time_series_"]
    assert (
        "suite stg_opsd__time_series: 1 expectation(s) failed [rule: expectation_suite]" in message
    )
    assert (
        "column value: expect_column_values_to_be_between where variable == "
        '"load_actual_entsoe_transparency": 1 unexpected, e.g. [-5.0]'
    ) in message
    assert (
        f'"source_file": "{raw_file}", "source_line": {index + 1}, "source_column": "{column}"'
        in message
    )
    assert run.results["int_opsd__zone_hourly_spine"] == "skipped"
    assert (
        query(
            warehouse,
            "select count(*), sum(hash(zone, ts_utc, load_actual_mw)) from int_opsd__zone_hours",
        )
        == before
    )
    failed = query(
        warehouse,
        "select suite, column_name, unexpected_sample from dq_validation_results where not success",
    )
    assert failed == [("stg_opsd__time_series", "value", "[-5.0]")]
