"""ENTSO-E extracts landed in the raw OPSD layout (python_ml.data.entsoe): DST handling, the
zero-means-missing rules, input errors, the written files, and (when present) the real
extracts in ../shared/data/real/entsoe_deepforkit. No dbt runs here."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from python_ml.data import entsoe
from python_ml.data.entsoe import land_entsoe_as_opsd, main, opsd_zone_for, read_entsoe_zone

PROJECT_DIR = Path(__file__).resolve().parents[2]
REAL_DIR = Path(__file__).parents[3] / "shared" / "data" / "real" / "entsoe_deepforkit"
HEADER = ",Price_DA,Load_DA,Load_AC,Gen_SC,Sol_DA,Won_DA"
HEADER_OFFSHORE = HEADER + ",Woff_DA"
TS_FILE, WX_FILE = "time_series_60min_singleindex.csv", "weather_data.csv"


# --------------------------------------------------------------------------- helpers


def local_text(day: dt.date, hour: int) -> str:
    return f"{day.month}/{day.day}/{day.year} {hour}:00"


def default_values(day: dt.date, hour: int) -> list[float]:
    """Price, Load_DA, Load_AC, Gen_SC, Sol_DA (0 at night), Won_DA."""
    solar = 0 if hour < 7 or hour > 18 else 10 * hour
    return [30 + hour + 0.25, 1000 + hour, 1100 + hour, 0, solar, 500 + hour]


def extract_rows(first: str, days: int, values=default_values, offshore: bool = False) -> list[str]:
    """24 local rows a day like the extracts: the spring day's 02:00 repeats 01:00, the autumn
    day has a single 02:00 row."""
    rows = []
    start = dt.date.fromisoformat(first)
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        for hour in range(24):
            is_spring_gap = day.month == 3 and day.weekday() == 6 and day.day >= 25 and hour == 2
            cells = values(day, hour - 1 if is_spring_gap else hour)
            if offshore:
                cells = [*cells, 700 + hour]
            rows.append(",".join([local_text(day, hour), *(f"{v:g}" for v in cells)]))
    return rows


def write_extract(path: Path, rows: list[str], header: str = HEADER) -> Path:
    text = "\n".join([header, *rows]) + "\n"
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def read_landed(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- DST


def test_spring_day_drops_the_forward_filled_hour(tmp_path):
    path = write_extract(tmp_path / "DE.csv.gz", extract_rows("2016-03-26", 3))

    frame = read_entsoe_zone(path)

    day = frame.loc[utc("2016-03-26 23:00") : utc("2016-03-27 21:00")]
    assert len(day) == 23 and day.notna().all().all()
    assert len(frame) == 24 + 23 + 24
    assert frame.index.is_monotonic_increasing and not frame.index.has_duplicates
    # local 01:00 CET = 00:00Z, local 03:00 CEST = 01:00Z (the 02:00 repeat is gone)
    assert frame.at[utc("2016-03-27 00:00"), "price_day_ahead"] == 31.25
    assert frame.at[utc("2016-03-27 01:00"), "price_day_ahead"] == 33.25
    assert frame.attrs["entsoe"]["spring_rows_dropped"] == 1
    assert frame.attrs["entsoe"]["spring_rows_not_repeats"] == 0
    assert list(frame.columns) == [
        "load_actual_entsoe_transparency",
        "load_forecast_entsoe_transparency",
        "price_day_ahead",
        "solar_generation_actual",
        "wind_onshore_generation_actual",
    ]


def test_autumn_day_lands_the_averaged_hour_once_and_leaves_the_second_blank(tmp_path):
    path = write_extract(tmp_path / "FR.csv", extract_rows("2016-10-29", 3))

    frame = read_entsoe_zone(path)

    day = frame.loc[utc("2016-10-29 22:00") : utc("2016-10-30 22:00")]
    assert len(day) == 25
    assert day.notna().all(axis=1).sum() == 24
    # local 02:00 (averaged) -> its first UTC hour 00:00Z (CEST); 01:00Z (CET) blank
    assert frame.at[utc("2016-10-30 00:00"), "price_day_ahead"] == 32.25
    assert frame.loc[utc("2016-10-30 01:00")].isna().all()
    assert frame.at[utc("2016-10-30 02:00"), "price_day_ahead"] == 33.25
    blanked = frame.attrs["entsoe"]["blanked_cells"]["autumn_second_hour_blank"]
    assert blanked == {column: 1 for column in frame.columns}


# --------------------------------------------------------------------------- zero rules


def test_zero_rules_blank_filled_gaps_and_keep_genuine_zeros(tmp_path):
    def values(day, hour):
        price, load_da, load_ac, gen_sc, solar, wind = default_values(day, hour)
        if day.day == 10 and hour == 3:
            load_ac = 0  # a filled gap in one load
        if day.day == 10 and hour == 4:
            price, load_da, load_ac = 0, 0, 0  # the whole row was filled
        if day.day == 10 and hour == 5:
            price = 0  # a genuine zero price: loads are published
        if day.day == 11:
            wind = 0  # zero all day: not a forecast anybody publishes
        return [price, load_da, load_ac, gen_sc, solar, wind]

    path = write_extract(tmp_path / "ES.csv.gz", extract_rows("2017-01-10", 2, values))

    frame = read_entsoe_zone(path)
    hour = frame.loc[utc("2017-01-10 02:00")]  # local 03:00
    assert np.isnan(hour["load_actual_entsoe_transparency"])
    assert hour["load_forecast_entsoe_transparency"] == 1003
    assert hour["price_day_ahead"] == 33.25
    row = frame.loc[utc("2017-01-10 03:00")]  # local 04:00: all zeros
    assert (
        row[
            [
                "price_day_ahead",
                "load_actual_entsoe_transparency",
                "load_forecast_entsoe_transparency",
            ]
        ]
        .isna()
        .all()
    )
    assert frame.at[utc("2017-01-10 04:00"), "price_day_ahead"] == 0.0
    night = frame.loc[utc("2017-01-09 23:00") : utc("2017-01-10 05:00"), "solar_generation_actual"]
    assert (night == 0).all()
    wind = frame["wind_onshore_generation_actual"]
    assert wind.loc[utc("2017-01-10 23:00") :].isna().all()  # local day 11
    assert wind.loc[: utc("2017-01-10 22:00")].notna().all()
    blanked = frame.attrs["entsoe"]["blanked_cells"]
    assert blanked["load_zero_is_missing"]["load_actual_entsoe_transparency"] == 2
    assert blanked["load_zero_is_missing"]["load_forecast_entsoe_transparency"] == 1
    assert blanked["price_zero_with_loads_missing"]["price_day_ahead"] == 1
    assert blanked["generation_zero_day_is_missing"]["wind_onshore_generation_actual"] == 24
    assert blanked["generation_zero_day_is_missing"]["solar_generation_actual"] == 0


# --------------------------------------------------------------------------- input errors


def test_wrong_header_names_file_and_rule(tmp_path):
    path = write_extract(
        tmp_path / "NL.csv",
        extract_rows("2017-01-10", 1),
        header=",Price,Load_DA,Load_AC,Gen_SC,Sol_DA,Won_DA",
    )
    with pytest.raises(ValueError, match=r"NL\.csv, line 1: header .*\[rule: header\]"):
        read_entsoe_zone(path)


def test_bad_timestamp_names_the_line(tmp_path):
    rows = extract_rows("2017-01-10", 1)
    rows[2] = "2017-01-10 02:00" + rows[2][len("1/10/2017 2:00") :]
    path = write_extract(tmp_path / "NL.csv.gz", rows)
    with pytest.raises(
        ValueError,
        match=r"NL\.csv\.gz, line 4: timestamp '2017-01-10 02:00'"
        r".*\[rule: timestamp_format\]",
    ):
        read_entsoe_zone(path)


@pytest.mark.parametrize(
    ("line", "replacement", "rule"),
    [
        (3, "1/10/2017 1:00,31,1001,n/a,0,0,501", r"column Load_AC: 'n/a'.*numeric_value"),
        (3, "1/10/2017 1:00,inf,1001,1101,0,0,501", r"column Price_DA: 'inf'.*numeric_value"),
        (3, "1/10/2017 0:00,31,1001,1101,0,0,501", "duplicate_local_time"),
        (4, "1/9/2017 5:00,31,1001,1101,0,0,501", "increasing_local_time"),
        (3, "1/10/2017 1:30,31,1001,1101,0,0,501", "hourly_grid"),
        (3, "1/10/2017 1:00,31,1001,1101,0,0", "row_shape"),
        (3, "13/10/2017 1:00,31,1001,1101,0,0,501", "timestamp_format"),
    ],
)
def test_malformed_rows_name_line_and_rule(tmp_path, line, replacement, rule):
    rows = extract_rows("2017-01-10", 1)
    rows[line - 2] = replacement
    path = write_extract(tmp_path / "BE.csv", rows)
    with pytest.raises(ValueError, match=rf"BE\.csv, line {line}: .*{rule}"):
        read_entsoe_zone(path)


# --------------------------------------------------------------------------- zones


def test_zone_names_map_to_the_seed():
    with open(PROJECT_DIR / "seeds" / "opsd_zones.csv", encoding="utf-8") as handle:
        seed = {row["zone"] for row in csv.DictReader(handle)}
    assert entsoe._SEED_ZONES == seed
    assert opsd_zone_for("DE") == "DE_LU"
    assert {opsd_zone_for(z) for z in ("FR", "NL", "ES", "DK_1", "NO_2", "SE_3")} <= seed
    with pytest.raises(ValueError, match=r"zone 'XX': unknown.*known_zone"):
        opsd_zone_for("XX")


# --------------------------------------------------------------------------- landing


def test_land_writes_opsd_files_outer_joined_with_provenance(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    de = write_extract(source / "DE.csv.gz", extract_rows("2016-03-26", 3))
    write_extract(
        source / "NL.csv", extract_rows("2016-03-27", 3, offshore=True), header=HEADER_OFFSHORE
    )
    raw_dir = tmp_path / "raw"

    opsd_dir = land_entsoe_as_opsd(source, ["NL", "DE"], raw_dir)

    assert opsd_dir == raw_dir / "opsd"
    assert sorted(p.name for p in opsd_dir.iterdir()) == [
        ".entsoe_provenance.json",
        TS_FILE,
        WX_FILE,
    ]
    ts = read_landed(opsd_dir / TS_FILE)
    assert list(ts.columns) == [
        "utc_timestamp",
        "cet_cest_timestamp",
        *(
            f"DE_LU_{v}"
            for v in (
                "load_actual_entsoe_transparency",
                "load_forecast_entsoe_transparency",
                "price_day_ahead",
                "solar_generation_actual",
                "wind_onshore_generation_actual",
            )
        ),
        *(
            f"NL_{v}"
            for v in (
                "load_actual_entsoe_transparency",
                "load_forecast_entsoe_transparency",
                "price_day_ahead",
                "solar_generation_actual",
                "wind_offshore_generation_actual",
                "wind_onshore_generation_actual",
            )
        ),
    ]
    # DE: 26th-28th, NL: 27th-29th (local) -> 24 + 23 + 24 + 24 UTC hours, no gap
    stamps = pd.to_datetime(ts["utc_timestamp"], format="%Y-%m-%dT%H:%M:%SZ", utc=True)
    assert len(ts) == 95 and (stamps.diff().dropna() == pd.Timedelta(hours=1)).all()
    assert ts["utc_timestamp"].iloc[0] == "2016-03-25T23:00:00Z"
    assert ts["cet_cest_timestamp"].iloc[0] == "2016-03-26T00:00:00+0100"
    local = pd.to_datetime(ts["cet_cest_timestamp"], format="%Y-%m-%dT%H:%M:%S%z", utc=True)
    assert (local == stamps).all()
    by_hour = ts.set_index("utc_timestamp")
    assert by_hour.at["2016-03-27T01:00:00Z", "cet_cest_timestamp"] == "2016-03-27T03:00:00+0200"
    assert by_hour.at["2016-03-27T01:00:00Z", "DE_LU_price_day_ahead"] == "33.25"
    assert by_hour.at["2016-03-27T01:00:00Z", "DE_LU_load_actual_entsoe_transparency"] == "1103"
    assert by_hour.at["2016-03-26T00:00:00Z", "NL_price_day_ahead"] == ""  # before NL starts
    assert by_hour.at["2016-03-29T21:00:00Z", "DE_LU_price_day_ahead"] == ""  # after DE ends
    assert by_hour.at["2016-03-29T21:00:00Z", "NL_wind_offshore_generation_actual"] == "723"

    weather = read_landed(opsd_dir / WX_FILE)
    assert list(weather.columns) == ["utc_timestamp"] + [
        f"{c}_{v}"
        for c in ("DE", "NL")
        for v in ("temperature", "radiation_direct_horizontal", "radiation_diffuse_horizontal")
    ]
    assert (weather["utc_timestamp"] == ts["utc_timestamp"]).all()
    assert (weather.drop(columns="utc_timestamp") == "").all().all()

    provenance = json.loads((opsd_dir / ".entsoe_provenance.json").read_text())
    assert provenance["zones"] == {"DE_LU": "DE", "NL": "NL"}
    assert provenance["files"]["DE_LU"]["sha256"] == entsoe._sha256(de)
    assert provenance["files"]["DE_LU"]["spring_rows_dropped"] == 1
    assert provenance["rows"] == {TS_FILE: 95, WX_FILE: 95}
    assert set(provenance["rules"]) == set(entsoe.RULES)
    assert provenance["blanked_cells"]["NL"]["autumn_second_hour_blank"]["total"] == 0


def test_landed_files_pass_the_staging_reads(tmp_path):
    """The staging models' reading rules, applied by DuckDB without dbt: strict CSV shape,
    utc_timestamp on an increasing hourly grid, local timestamp the same instant, numbers."""
    source = tmp_path / "source"
    source.mkdir()
    write_extract(source / "FR.csv", extract_rows("2016-10-29", 3))
    opsd_dir = land_entsoe_as_opsd(source, ["FR"], tmp_path / "raw")
    read = (
        "read_csv('{}', header = true, all_varchar = true, delim = ',', quote = '\"', "
        "escape = '\"', strict_mode = true, null_padding = false)"
    )
    with duckdb.connect() as con:
        bad = con.sql(f"""
            with lines as (
                select row_number() over () as line, * from {read.format(opsd_dir / TS_FILE)}
            ),
            parsed as (
                select line, FR_price_day_ahead,
                       try_strptime(utc_timestamp, '%Y-%m-%dT%H:%M:%SZ') as ts,
                       timezone('UTC', try_strptime(cet_cest_timestamp,
                                                    '%Y-%m-%dT%H:%M:%S%z')) as local_ts
                from lines
            )
            select count(*) filter (where ts is null or ts <> date_trunc('hour', ts)
                                    or ts <= previous_ts or local_ts <> ts),
                   count(*) filter (where isfinite(try_cast(FR_price_day_ahead as double))),
                   count(*)
            from (select *, lag(ts) over (order by line) as previous_ts from parsed)
        """).fetchone()
        weather = con.sql(f"select count(*) from {read.format(opsd_dir / WX_FILE)}").fetchone()
    assert bad == (0, 72, 73)
    assert weather == (73,)


def test_land_start_end_are_inclusive_local_days(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    write_extract(source / "DE.csv", extract_rows("2016-03-26", 3))
    opsd_dir = land_entsoe_as_opsd(
        source, ["DE"], tmp_path / "raw", start="2016-03-27", end="2016-03-27"
    )
    ts = read_landed(opsd_dir / TS_FILE)
    assert len(ts) == 23
    assert ts["cet_cest_timestamp"].iloc[0] == "2016-03-27T00:00:00+0100"
    assert ts["cet_cest_timestamp"].iloc[-1] == "2016-03-27T23:00:00+0200"
    with pytest.raises(ValueError, match="data_in_range"):
        land_entsoe_as_opsd(source, ["DE"], tmp_path / "raw", start="2017-01-01")
    with pytest.raises(ValueError, match="start: 'March' is not an ISO date"):
        land_entsoe_as_opsd(source, ["DE"], tmp_path / "raw", start="March")


def test_land_rejects_two_files_for_one_zone(tmp_path):
    write_extract(tmp_path / "DE.csv", extract_rows("2016-01-05", 1))
    write_extract(tmp_path / "DE_LU.csv", extract_rows("2016-01-05", 1))
    with pytest.raises(ValueError, match="both land as DE_LU"):
        land_entsoe_as_opsd(tmp_path, ["DE", "DE_LU"], tmp_path / "raw")


def test_failed_landing_leaves_earlier_files_untouched(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    write_extract(source / "FR.csv", extract_rows("2016-01-05", 1))
    opsd_dir = land_entsoe_as_opsd(source, ["FR"], tmp_path / "raw")
    before = (opsd_dir / TS_FILE).read_bytes()
    write_extract(source / "ES.csv", ["1/5/2016 0:00,x,1,1,1,1,1"])
    with pytest.raises(ValueError, match="numeric_value"):
        land_entsoe_as_opsd(source, ["FR", "ES"], tmp_path / "raw")
    assert (opsd_dir / TS_FILE).read_bytes() == before
    assert not [p for p in opsd_dir.iterdir() if p.name.endswith(".tmp")]


# --------------------------------------------------------------------------- command line


def test_main_reports_a_missing_source_file_on_one_line(tmp_path, capsys):
    write_extract(tmp_path / "DE.csv", extract_rows("2016-01-05", 1))
    code = main(
        ["--source", str(tmp_path), "--zones", "DE", "FR", "--raw-dir", str(tmp_path / "raw")]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "FR.csv.gz: source file not found" in err
    assert not (tmp_path / "raw" / "opsd" / TS_FILE).exists()


def test_main_lands_files(tmp_path, capsys):
    write_extract(tmp_path / "DE.csv", extract_rows("2016-01-05", 2))
    code = main(
        [
            "--source",
            str(tmp_path),
            "--zones",
            "DE",
            "--raw-dir",
            str(tmp_path / "raw"),
            "--start",
            "2016-01-06",
            "--end",
            "2016-01-06",
        ]
    )
    assert code == 0
    assert "landed DE_LU: 24 hours" in capsys.readouterr().out
    assert len(read_landed(tmp_path / "raw" / "opsd" / TS_FILE)) == 24


# --------------------------------------------------------------------------- real extracts


needs_real = pytest.mark.skipif(
    not (REAL_DIR / "DE.csv.gz").exists() or not (REAL_DIR / "ES.csv.gz").exists(),
    reason=f"real ENTSO-E extracts not found at {REAL_DIR}",
)


def source_row(path: Path, stamp: str) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith(stamp + ","):
                return line.rstrip("\n").split(",")[1:]
    raise AssertionError(f"{stamp} not in {path}")


@needs_real
def test_real_de_and_es_2016(tmp_path):
    opsd_dir = land_entsoe_as_opsd(
        REAL_DIR, ["DE", "ES"], tmp_path / "raw", start="2016-01-01", end="2016-12-31"
    )
    ts = read_landed(opsd_dir / TS_FILE)

    assert len(ts) == 8784 and ts["utc_timestamp"].is_unique
    assert ts["utc_timestamp"].iloc[[0, -1]].tolist() == [
        "2015-12-31T23:00:00Z",
        "2016-12-31T22:00:00Z",
    ]
    local_day = ts["cet_cest_timestamp"].str[:10]
    for zone in ("DE_LU", "ES"):
        price = ts[f"{zone}_price_day_ahead"]
        spring, autumn = price[local_day == "2016-03-27"], price[local_day == "2016-10-30"]
        assert len(spring) == 23 and (spring != "").all()
        assert len(autumn) == 25 and (autumn != "").sum() == 24
    blank_hour = ts.set_index("utc_timestamp").loc["2016-10-30T01:00:00Z"]
    assert (blank_hour.drop("cet_cest_timestamp") == "").all()

    by_hour = ts.set_index("utc_timestamp")
    variables = [
        "price_day_ahead",
        "load_forecast_entsoe_transparency",
        "load_actual_entsoe_transparency",
        None,
        "solar_generation_actual",
        "wind_onshore_generation_actual",
    ]  # source column order, Gen_SC dropped
    for name, zone in (("DE", "DE_LU"), ("ES", "ES")):
        for stamp, hour in (
            ("1/1/2016 0:00", "2015-12-31T23:00:00Z"),
            ("7/1/2016 12:00", "2016-07-01T10:00:00Z"),
            ("10/30/2016 2:00", "2016-10-30T00:00:00Z"),
            ("3/27/2016 3:00", "2016-03-27T01:00:00Z"),
        ):
            for variable, text in zip(
                variables, source_row(REAL_DIR / f"{name}.csv.gz", stamp), strict=True
            ):
                if variable is not None:
                    landed = by_hour.at[hour, f"{zone}_{variable}"]
                    assert float(landed) == float(text), (name, stamp, variable)

    provenance = json.loads((opsd_dir / ".entsoe_provenance.json").read_text())
    # the digest PROVENANCE.md publishes for DE.csv.gz
    assert provenance["files"]["DE_LU"]["sha256"] == (
        "ecccb9351c640fe60677357a1b6d6490adb32ea1f2dd2fac6c7797056e0d4051"
    )
    assert provenance["files"]["DE_LU"]["spring_rows_not_repeats"] == 0
    assert provenance["blanked_cells"]["DE_LU"]["autumn_second_hour_blank"]["total"] == 5
