"""ERCOT staging and hourly layer on real files (../shared/data/real, PROVENANCE.md §6, §7,
§9), skipped when they are absent: the official 2015-16 DAM settlement point prices and
ancillary-service prices read through the staging models as ERCOT published them (gzip,
one file per year, 'REGUP ' with a trailing space), checked line by line against the
files and a zoneinfo oracle; and the 2024-26 hub extract landed by its adapter."""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest
from conftest import SHARED_REAL_DATA, run_dbt

pytestmark = pytest.mark.slow

DAM_DIR = SHARED_REAL_DATA / "ercot_dam_spp_hub_lz_2015_2016"
AS_DIR = SHARED_REAL_DATA / "ercot_dam_as_mcpc_2015_2016"
HUB_DIR = SHARED_REAL_DATA / "ercot_hub_lz_hourly_2024_2026"
OPTIONAL = ["sced_lmp", "load", "wind", "solar"]


def query(warehouse, sql):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


def utc_start(date_text: str, hour_ending: str, flag: str) -> datetime:
    """Oracle: the UTC start of an hour-ending stamp, by zoneinfo (fold=1 for flag Y)."""
    day = datetime.strptime(date_text, "%m/%d/%Y")
    local = day + timedelta(hours=int(hour_ending[:2]) - 1)
    aware = local.replace(tzinfo=ZoneInfo("America/Chicago"), fold=1 if flag == "Y" else 0)
    return aware.astimezone(UTC).replace(tzinfo=None)


@pytest.mark.skipif(
    not (DAM_DIR.exists() and AS_DIR.exists()),
    reason="real ERCOT 2015-16 DAM files not found (../shared/data/real)",
)
def test_official_dam_files_parse_hour_by_hour(tmp_path):
    raw = tmp_path / "raw" / "ercot"
    for folder, source in [("dam_spp", DAM_DIR), ("dam_as", AS_DIR)]:
        (raw / folder).mkdir(parents=True)
        for path in source.glob("*.csv.gz"):
            (raw / folder / path.name).symlink_to(path)
    warehouse = tmp_path / "real.duckdb"
    run = run_dbt(
        ["run", "--select", "stg_ercot__dam_spp", "stg_ercot__dam_as"],
        warehouse=warehouse,
        raw_dir=tmp_path / "raw",
        work_dir=tmp_path,
    )
    assert run.success, run.failure_text()

    per_year = query(
        warehouse,
        """select year(delivery_date), count(*),
        count(distinct settlement_point), min(dam_spp), max(dam_spp)
        from stg_ercot__dam_spp group by 1 order by 1""",
    )
    assert per_year == [(2015, 122_640, 14, -2.66, 2252.95), (2016, 122_976, 14, -27.74, 290.71)]
    hours = dict(
        query(
            warehouse,
            """select strftime(delivery_date, '%Y-%m-%d'), count(*) / 14
        from stg_ercot__dam_spp where delivery_date in ('2015-03-08', '2015-11-01', '2016-03-13',
        '2016-11-06', '2016-07-01') group by 1""",
        )
    )
    assert hours == {
        "2015-03-08": 23,
        "2015-11-01": 25,
        "2016-03-13": 23,
        "2016-11-06": 25,
        "2016-07-01": 24,
    }
    # the repeated hour: hour ending 02:00 at 06:00 UTC (CDT), then flagged Y at 07:00 UTC
    assert query(
        warehouse,
        """select hour_ending, repeated_hour, interval_start_utc
        from stg_ercot__dam_spp where settlement_point = 'HB_HOUSTON'
        and delivery_date = '2016-11-06' and hour_ending = 2 order by 3""",
    ) == [(2, False, datetime(2016, 11, 6, 6)), (2, True, datetime(2016, 11, 6, 7))]

    # every line of the files, by file and line: point, price and UTC start
    staged = {
        (r[0].split("/")[-1], r[1]): r[2:]
        for r in query(
            warehouse,
            """
        select source_file, source_line, settlement_point, dam_spp, interval_start_utc
        from stg_ercot__dam_spp""",
        )
    }
    checked = 0
    for path in sorted(DAM_DIR.glob("*.csv.gz")):
        with gzip.open(path, "rt", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            for line, (day, hour, flag, point, price) in enumerate(reader, start=2):
                assert staged[(path.name, line)] == (
                    point,
                    float(price),
                    utc_start(day, hour, flag),
                ), (path.name, line)
                checked += 1
    assert checked == len(staged) == 245_616

    services = query(
        warehouse,
        """select ancillary_service, count(*) from stg_ercot__dam_as
        group by 1 order by 1""",
    )
    assert services == [(s, 8_760 + 8_784) for s in ["NSPIN", "REGDN", "REGUP", "RRS"]]


@pytest.mark.skipif(
    not HUB_DIR.exists(), reason="ERCOT 2024-26 hub extract not found (../shared/data/real)"
)
def test_the_hub_extract_lands_in_the_hourly_layer(tmp_path):
    from python_ml.data.ercot_real import land_hub_extract

    summary = land_hub_extract(HUB_DIR, tmp_path / "raw")
    assert summary["dam_spp_hours"] == summary["rtm_spp_hours"] == 279_183
    assert summary["nonexistent_spring_hour_dropped"] == 2
    warehouse = tmp_path / "real.duckdb"
    run = run_dbt(
        ["build", "--select", "+int_ercot__settlement_point_hours"],
        warehouse=warehouse,
        raw_dir=tmp_path / "raw",
        work_dir=tmp_path,
        extra_vars={"ercot_optional_sources": OPTIONAL},
    )
    assert run.success, run.failure_text()
    totals = query(
        warehouse,
        """select count(dam_spp), count(rtm_spp_mean),
        count(*) filter (where rtm_spp_intervals = 4), count(distinct settlement_point),
        round(avg(dam_spp - rtm_spp_mean), 1) from int_ercot__settlement_point_hours""",
    )
    assert totals == [(279_183, 279_183, 279_183, 15, 2.1)]
    # PROVENANCE §9: the scarcity evening of 2024-08-20 on HB_NORTH
    assert query(
        warehouse,
        """select dam_spp, round(rtm_spp_mean) from
        int_ercot__settlement_point_hours where settlement_point = 'HB_NORTH'
        and delivery_date = '2024-08-20' and hour_ending = 20""",
    ) == [(648.03, 3048.0)]
    # the dropped repeated hour and the week after spring DST are spine rows without prices
    gaps = query(
        warehouse,
        """select count(*) filter (where repeated_hour),
        count(*) filter (where delivery_date between '2024-03-11' and '2024-03-16')
        from int_ercot__settlement_point_hours
        where settlement_point = 'HB_NORTH' and dam_spp is null and rtm_spp_intervals = 0""",
    )
    assert gaps == [(2, 6 * 24)]
