"""ERCOT staging and hourly layer on hand-written report files (tests/python/ercot_files.py).

Every value in those files encodes the UTC start its line must land on, computed with
Python's zoneinfo, so these tests check the SQL calendar against an independent oracle
around both DST changes, for all three timestamp conventions, then the resample, the
spine, incremental loading and the bad-input rules.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from conftest import run_dbt
from ercot_files import EPOCH, edit_line, write_reports

HOURLY = "+int_ercot__settlement_point_hours"
STAGING = {
    # table -> (value column, key column)
    "stg_ercot__dam_spp": ("dam_spp", "settlement_point"),
    "stg_ercot__rtm_spp": ("rtm_spp", "settlement_point"),
    "stg_ercot__sced_lmp": ("lmp", "settlement_point"),
    "stg_ercot__load": ("load_mw", "weather_zone"),  # TOTAL (ERCOT) is a sum: left out
    "stg_ercot__wind": ("actual_mw", "region"),
    "stg_ercot__solar": ("actual_mw", "region"),
    "stg_ercot__dam_as": ("mcpc", "ancillary_service"),
}


def build(raw_dir: Path, work_dir: Path, *extra: str, **dbt_vars):
    warehouse = work_dir / "ercot.duckdb"
    run = run_dbt(
        ["build", "--select", HOURLY, *extra],
        warehouse=warehouse,
        raw_dir=raw_dir,
        work_dir=work_dir,
        extra_vars=dbt_vars or None,
    )
    return warehouse, run


def query(warehouse: Path, sql: str):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    raw_dir = tmp_path_factory.mktemp("ercot_raw")
    write_reports(raw_dir)
    # gaps for the resample and the spine: on 01/15/2024 (CST, UTC-6) HB_NORTH misses the
    # 3rd quarter of hour ending 5 (10:30 UTC) and two SCED runs of it; LZ_WEST misses
    # hour ending 7 (12:00 UTC) in every price report
    day = "20240115"
    for report, drop in [
        (f"rtm_spp/RTM_SPP_{day}.csv", lambda x: x.startswith("01/15/2024,5,3,N,HB_NORTH")),
        (
            f"sced_lmp/SCED_LMP_{day}.csv",
            lambda x: x.startswith(("01/15/2024 04:10", "01/15/2024 04:55")) and "HB_NORTH" in x,
        ),
        (f"dam_spp/DAM_SPP_{day}.csv", lambda x: x.startswith("01/15/2024,07:00,N,LZ_WEST")),
        (f"rtm_spp/RTM_SPP_{day}.csv", lambda x: x.startswith("01/15/2024,7,") and "LZ_WEST" in x),
        (
            f"sced_lmp/SCED_LMP_{day}.csv",
            lambda x: x.startswith("01/15/2024 06:") and "LZ_WEST" in x,
        ),
    ]:
        path = raw_dir / "ercot" / report
        path.write_text("\n".join(x for x in path.read_text().splitlines() if not drop(x)) + "\n")
    return raw_dir


@pytest.fixture(scope="module")
def built(reports, tmp_path_factory) -> Path:
    warehouse, run = build(reports, tmp_path_factory.mktemp("ercot_build"))
    assert run.success, run.failure_text()
    return warehouse


# ---------------------------------------------------------------- time


@pytest.mark.parametrize("table", sorted(STAGING))
def test_every_line_lands_on_the_utc_start_zoneinfo_gives_it(built, table):
    value, key = STAGING[table]
    wrong = query(
        built,
        f"""
        select interval_start_utc, {value}, source_file, source_line from {table}
        where interval_start_utc <> timestamp '{EPOCH}' + to_minutes(cast(floor({value}) as bigint))
            and {key} <> 'ERCOT'
        limit 5""",
    )
    assert wrong == []
    assert query(built, f"select count(*) from {table}")[0][0] > 0


def test_hour_counts_on_dst_days(built):
    rows = dict(
        query(
            built,
            """
        select strftime(delivery_date, '%Y-%m-%d'), count(*) from stg_ercot__dam_spp
        where settlement_point = 'LZ_WEST' group by 1""",
        )
    )
    assert rows == {"2024-01-15": 23, "2024-03-09": 24, "2024-03-10": 23, "2024-11-03": 25}
    # the spring day has no hour ending 03:00 anywhere, the autumn day two 02:00
    for table, hour in [
        ("stg_ercot__dam_spp", "hour_ending"),
        ("stg_ercot__rtm_spp", "delivery_hour"),
        ("stg_ercot__load", "hour_ending"),
        ("stg_ercot__wind", "hour_ending"),
        ("stg_ercot__dam_as", "hour_ending"),
    ]:
        assert query(
            built, f"select count(*) from {table} where delivery_date = '2024-03-10' and {hour} = 3"
        ) == [(0,)], table


def test_hour_ending_24_starts_at_23_local(built):
    # 03/09/2024 is CST (UTC-6): hour ending 24:00 is 23:00-24:00 local, 05:00 UTC on the 10th
    assert query(
        built,
        """
        select interval_start_utc from stg_ercot__dam_spp
        where settlement_point = 'HB_NORTH' and delivery_date = '2024-03-09' and hour_ending = 24
    """,
    ) == [(datetime(2024, 3, 10, 5),)]
    # spring-forward day: 01:00 and 02:00 are CST, hour ending 04:00 already CDT (UTC-5)
    assert query(
        built,
        """
        select hour_ending, interval_start_utc from stg_ercot__dam_spp
        where settlement_point = 'HB_NORTH' and delivery_date = '2024-03-10' and hour_ending <= 4
        order by 2""",
    ) == [
        (1, datetime(2024, 3, 10, 6)),
        (2, datetime(2024, 3, 10, 7)),
        (4, datetime(2024, 3, 10, 8)),
    ]


def test_the_repeated_hour_is_the_second_pass_in_cst(built):
    # 2024-11-03: hour ending 02:00 once in CDT (06:00 UTC), then flagged Y in CST (07:00 UTC)
    assert query(
        built,
        """
        select hour_ending, repeated_hour, interval_start_utc from stg_ercot__dam_spp
        where settlement_point = 'HB_NORTH' and delivery_date = '2024-11-03' and hour_ending <= 3
        order by 3""",
    ) == [
        (1, False, datetime(2024, 11, 3, 5)),
        (2, False, datetime(2024, 11, 3, 6)),
        (2, True, datetime(2024, 11, 3, 7)),
        (3, False, datetime(2024, 11, 3, 8)),
    ]
    # the 15-minute intervals inside it: 4 unflagged from 06:00 UTC, 4 flagged from 07:00 UTC
    quarters = query(
        built,
        """
        select repeated_hour,
            list(strftime(interval_start_utc, '%H:%M') order by interval_start_utc)
        from stg_ercot__rtm_spp
        where settlement_point = 'HB_NORTH' and delivery_date = '2024-11-03' and delivery_hour = 2
        group by 1 order by 1""",
    )
    assert quarters == [
        (False, ["06:00", "06:15", "06:30", "06:45"]),
        (True, ["07:00", "07:15", "07:30", "07:45"]),
    ]
    # the 5-minute SCED runs of local 01:00-01:59: 12 in CDT, 12 flagged in CST
    runs = query(
        built,
        """
        select repeated_hour, count(*), min(interval_start_utc), max(sced_timestamp_utc)
        from stg_ercot__sced_lmp
        where settlement_point = 'HB_NORTH' and delivery_date = '2024-11-03' and hour_ending = 2
        group by 1 order by 1""",
    )
    assert runs == [
        (False, 12, datetime(2024, 11, 3, 6), datetime(2024, 11, 3, 6, 55, 17)),
        (True, 12, datetime(2024, 11, 3, 7), datetime(2024, 11, 3, 7, 55, 17)),
    ]


# ---------------------------------------------------------------- hourly layer


def test_resample_counts_means_and_flags(built):
    hour = "timestamp '2024-01-15 10:00'"  # hour ending 5, CST
    minutes = (datetime(2024, 1, 15, 10) - EPOCH).total_seconds() / 60
    rtm = query(
        built,
        f"""select rtm_spp_mean, rtm_spp_intervals, rtm_spp_incomplete
        from int_ercot__rtm_hourly
        where settlement_point = 'HB_NORTH' and hour_start_utc = {hour}""",
    )
    assert rtm == [(pytest.approx(minutes + (0 + 15 + 45) / 3), 3, True)]
    sced = query(
        built,
        f"""select sced_lmp_mean, sced_lmp_intervals, sced_lmp_incomplete
        from int_ercot__sced_hourly
        where settlement_point = 'HB_NORTH' and hour_start_utc = {hour}""",
    )
    kept = [m for m in range(0, 60, 5) if m not in (10, 55)]
    assert sced == [(pytest.approx(minutes + sum(kept) / len(kept)), 10, True)]
    complete = query(
        built,
        """select
            count(*) filter (where rtm_spp_intervals = 4 and not rtm_spp_incomplete),
            count(*) filter (where sced_lmp_intervals = 12), count(*)
        from int_ercot__settlement_point_hours
        where settlement_point = 'HB_NORTH' and dam_spp is not null""",
    )
    assert complete == [(95, 95, 96)]


def test_spine_keeps_an_hour_without_prices_and_joins_system_values(built):
    row = query(
        built,
        """select dam_spp, rtm_spp_mean, rtm_spp_intervals, rtm_spp_incomplete,
        sced_lmp_intervals, system_load_mw is not null, wind_actual_mw is not null,
        solar_forecast_mw is not null, as_ecrs_mcpc is not null, settlement_point_type
        from int_ercot__settlement_point_hours
        where settlement_point = 'LZ_WEST' and hour_start_utc = timestamp '2024-01-15 12:00'""",
    )
    assert row == [(None, None, 0, True, 0, True, True, True, True, "load_zone")]
    # days between the files are spine rows without values, but never the spring hour
    spans = query(
        built,
        """select count(*), count(dam_spp), min(hour_start_utc),
        max(hour_start_utc) from int_ercot__settlement_point_hours
        where settlement_point = 'HB_NORTH'""",
    )
    first, last = datetime(2024, 1, 15, 6), datetime(2024, 11, 4, 5)
    assert spans == [(int((last - first).total_seconds() // 3600) + 1, 96, first, last)]
    # the DAM price of an hour is on the row of the same UTC hour (values encode the hour)
    assert query(
        built,
        """select count(*) from int_ercot__settlement_point_hours
        where dam_spp is not null and hour_start_utc
            <> timestamp '2024-01-01' + to_minutes(cast(floor(dam_spp) as bigint))""",
    ) == [(0,)]


# ---------------------------------------------------------------- incremental


def test_a_new_day_file_loads_alone_and_matches_a_full_build(reports, built, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(reports, raw)
    warehouse = tmp_path / "ercot.duckdb"
    shutil.copyfile(built, warehouse)
    # a later day, and a late-arriving earlier day that prices only HB_NORTH: LZ_WEST's
    # spine rows from then on must survive the re-processing of those hours
    write_reports(raw, days=(date(2024, 11, 4),))
    write_reports(raw, days=(date(2024, 2, 1),), points=("HB_NORTH",))
    # a writer's half-written temporary file is not read
    (raw / "ercot" / "rtm_spp" / ".RTM_SPP_20241105.csv.tmp").write_text("Delivery Date,Deliv")
    run = run_dbt(
        ["build", "--select", HOURLY], warehouse=warehouse, raw_dir=raw, work_dir=tmp_path
    )
    assert run.success, run.failure_text()
    loaded = query(
        warehouse,
        """select count(distinct source_file) filter (
            where loaded_at = (select max(loaded_at) from stg_ercot__rtm_spp)),
        count(distinct source_file) from stg_ercot__rtm_spp""",
    )
    assert loaded == [(2, 6)]
    full_dir = tmp_path / "full"
    full_dir.mkdir()
    full, run = build(raw, full_dir)
    assert run.success, run.failure_text()
    columns = "* exclude (input_loaded_at)"
    for table in [
        "int_ercot__rtm_hourly",
        "int_ercot__sced_hourly",
        "int_ercot__settlement_point_hours",
    ]:
        sql = f"select count(*), sum(hash(t)) from (select {columns} from {table}) t"
        assert query(warehouse, sql) == query(full, sql), table


# ---------------------------------------------------------------- bad input

# case -> (file, line, column, value, failing model, rule)
BAD = {
    "bad_date": (
        "dam_spp/DAM_SPP_20240309.csv",
        5,
        "Delivery Date",
        "2024-03-09",
        "stg_ercot__dam_spp",
        "delivery_date_format",
    ),
    "hour_ending_25": (
        "dam_spp/DAM_SPP_20240309.csv",
        7,
        "Hour Ending",
        "25:00",
        "stg_ercot__dam_spp",
        "hour_ending_range",
    ),
    "interval_5": (
        "rtm_spp/RTM_SPP_20240309.csv",
        9,
        "Delivery Interval",
        "5",
        "stg_ercot__rtm_spp",
        "delivery_interval_range",
    ),
    "flag_on_normal_day": (
        "rtm_spp/RTM_SPP_20240309.csv",
        4,
        "Repeated Hour Flag",
        "Y",
        "stg_ercot__rtm_spp",
        "repeated_hour_flag_dst",
    ),
    "flag_on_dst_day_wrong_hour": (
        "dam_spp/DAM_SPP_20241103.csv",
        2,
        "Repeated Hour Flag",
        "Y",
        "stg_ercot__dam_spp",
        "repeated_hour_flag_dst",
    ),
    "flag_value": (
        "load/LOAD_WZ_20240309.csv",
        3,
        "DSTFlag",
        "X",
        "stg_ercot__load",
        "repeated_hour_flag_value",
    ),
    "sced_timestamp": (
        "sced_lmp/SCED_LMP_20240309.csv",
        6,
        "SCED Timestamp",
        "2024-03-09 00:05:17",
        "stg_ercot__sced_lmp",
        "sced_timestamp_format",
    ),
    "sced_flag_on_normal_day": (
        "sced_lmp/SCED_LMP_20240309.csv",
        6,
        "Repeated Hour Flag",
        "Y",
        "stg_ercot__sced_lmp",
        "repeated_hour_flag_dst",
    ),
    "text_price": (
        "rtm_spp/RTM_SPP_20240309.csv",
        11,
        "Settlement Point Price",
        "n/a",
        "stg_ercot__rtm_spp",
        "numeric_value",
    ),
    "text_in_wide_report": (
        "wind/WIND_20240309.csv",
        3,
        "ACTUAL_WEST",
        "n/a",
        "stg_ercot__wind",
        "numeric_value",
    ),
    "date_without_padding": (
        "dam_spp/DAM_SPP_20240309.csv",
        5,
        "Delivery Date",
        "3/9/2024",
        "stg_ercot__dam_spp",
        "delivery_date_format",
    ),
    "decimal_interval": (
        "rtm_spp/RTM_SPP_20240309.csv",
        9,
        "Delivery Interval",
        "2.5",
        "stg_ercot__rtm_spp",
        "delivery_interval_range",
    ),
    "decimal_hour": (
        "wind/WIND_20240309.csv",
        3,
        "HOUR_ENDING",
        "2.5",
        "stg_ercot__wind",
        "hour_ending_range",
    ),
    "empty_point": (
        "dam_spp/DAM_SPP_20240309.csv",
        4,
        "Settlement Point",
        "",
        "stg_ercot__dam_spp",
        "required_value",
    ),
    "empty_price": (
        "dam_spp/DAM_SPP_20240309.csv",
        8,
        "Settlement Point Price",
        "",
        "stg_ercot__dam_spp",
        "numeric_value",
    ),
    "empty_hour": (
        "rtm_spp/RTM_SPP_20240309.csv",
        8,
        "Delivery Hour",
        "",
        "stg_ercot__rtm_spp",
        "hour_ending_range",
    ),
}


def _expect_failure(raw, tmp_path, model, rule, *, file=None, column=None, line=None, text=()):
    # only the model that reads the file: a failing query writes nothing
    run = run_dbt(
        ["run", "--select", model],
        warehouse=tmp_path / "ercot.duckdb",
        raw_dir=raw,
        work_dir=tmp_path,
    )
    assert not run.success
    message = run.messages.get(model, "")
    assert message, run.failure_text()
    if rule:
        assert f"[rule: {rule}]" in message, message
    if file:
        assert file in message and f"column {column}, line {line}:" in message, message
    for piece in text:
        assert piece in message, message
    warehouse = tmp_path / "ercot.duckdb"
    assert not warehouse.exists() or query(
        warehouse, f"select count(*) from duckdb_tables() where table_name = '{model}'"
    ) == [(0,)]
    return message


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_cell_fails_naming_file_column_line_and_rule(case, reports, tmp_path):
    report, line, column, value, model, rule = BAD[case]
    raw = tmp_path / "raw"
    shutil.copytree(reports, raw)
    path = raw / "ercot" / report
    edit_line(path, line, column, value)
    _expect_failure(raw, tmp_path, model, rule, file=str(path), column=column, line=line)


def test_the_nonexistent_spring_hour_fails(reports, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(reports, raw)
    path = raw / "ercot" / "dam_spp" / "DAM_SPP_20240310.csv"
    edit_line(path, 6, "Hour Ending", "03:00")  # line 6: hour ending 04:00 of HB_NORTH
    _expect_failure(
        raw,
        tmp_path,
        "stg_ercot__dam_spp",
        "nonexistent_local_hour",
        file=str(path),
        column="Hour Ending",
        line=6,
        text=("03/10/2024",),
    )


def test_a_duplicated_interval_fails_naming_both_lines(reports, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(reports, raw)
    path = raw / "ercot" / "rtm_spp" / "RTM_SPP_20240309.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[3]]) + "\n")  # line 4 again as the last line
    message = _expect_failure(
        raw,
        tmp_path,
        "stg_ercot__rtm_spp",
        "unique_interval",
        file=str(path),
        column="Settlement Point Name",
        line=len(lines) + 1,
    )
    assert f"first at {path} line 4" in message


def test_a_day_landed_twice_fails_against_the_rows_already_loaded(reports, built, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(reports, raw)
    warehouse = tmp_path / "ercot.duckdb"
    shutil.copyfile(built, warehouse)
    copy = raw / "ercot" / "dam_spp" / "DAM_SPP_20240309_corrected.csv"
    shutil.copyfile(raw / "ercot" / "dam_spp" / "DAM_SPP_20240309.csv", copy)
    run = run_dbt(
        ["build", "--select", HOURLY], warehouse=warehouse, raw_dir=raw, work_dir=tmp_path
    )
    assert not run.success
    assert "[rule: unique_interval]" in run.messages["stg_ercot__dam_spp"]
    assert str(copy) in run.messages["stg_ercot__dam_spp"]
    assert query(warehouse, "select count(distinct source_file) from stg_ercot__dam_spp") == [(4,)]


@pytest.mark.parametrize("change", ["missing", "renamed"])
def test_a_missing_or_renamed_column_fails_before_reading(change, reports, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(reports, raw)
    path = raw / "ercot" / "rtm_spp" / "RTM_SPP_20240310.csv"
    text = path.read_text()
    if change == "renamed":
        text = text.replace("Delivery Interval", "Interval", 1)
    else:
        text = (
            "\n".join(
                ",".join(c for i, c in enumerate(x.split(",")) if i != 2) for x in text.splitlines()
            )
            + "\n"
        )
    path.write_text(text)
    _expect_failure(
        raw,
        tmp_path,
        "stg_ercot__rtm_spp",
        "required_columns",
        file=str(path),
        column="Delivery Interval",
        line=1,
    )


def test_a_report_without_files_fails_unless_optional(reports, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(reports, raw)
    shutil.rmtree(raw / "ercot" / "sced_lmp")
    _expect_failure(
        raw,
        tmp_path,
        "stg_ercot__sced_lmp",
        "raw_file_exists",
        text=("sced_lmp/*.csv*", "ercot_optional_sources"),
    )
    (tmp_path / "optional").mkdir()
    warehouse, run = build(raw, tmp_path / "optional", ercot_optional_sources=["sced_lmp"])
    assert run.success, run.failure_text()
    assert query(
        warehouse,
        """select count(*), count(sced_lmp_mean), bool_and(sced_lmp_incomplete)
        from int_ercot__settlement_point_hours""",
    )[0][1:] == (0, True)


def test_a_loaded_file_that_changes_fails_instead_of_being_skipped(reports, built, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(reports, raw)
    warehouse = tmp_path / "ercot.duckdb"
    shutil.copyfile(built, warehouse)
    path = raw / "ercot" / "dam_spp" / "DAM_SPP_20240115.csv"
    edit_line(path, 3, "Settlement Point Price", "99999.5")  # a correction, same name
    run = run_dbt(
        ["build", "--select", HOURLY], warehouse=warehouse, raw_dir=raw, work_dir=tmp_path
    )
    assert not run.success
    message = run.messages["stg_ercot__dam_spp"]
    assert str(path) in message and "[rule: immutable_files]" in message, message
    assert "--full-refresh" in message
