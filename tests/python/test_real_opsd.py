"""Staging and hourly layers built from real OPSD extracts (../shared/data/real), checked
against the raw files. Real files carry many more columns than the sample: control
areas (DE_50hertz, ...), capacity and profile columns, zones that start mid-file."""

from __future__ import annotations

import gzip
import shutil

import duckdb
import pandas as pd
import pytest
from conftest import SHARED_REAL_DATA, run_dbt

pytestmark = pytest.mark.slow

DE_DIR = SHARED_REAL_DATA / "opsd_de_2018_extract"
DE_2018 = DE_DIR / "time_series_60min_singleindex_filtered.csv.gz"
FR_DIR = SHARED_REAL_DATA / "opsd_fr_2015_2019_extract"
FR_TIME_SERIES = FR_DIR / "time_series_60min_singleindex_filtered.csv.gz"
FR_WEATHER = FR_DIR / "weather_data_filtered.csv.gz"

needs_real_data = pytest.mark.skipif(
    not (DE_2018.exists() and FR_TIME_SERIES.exists() and FR_WEATHER.exists()),
    reason="real OPSD extracts not found beside the project (../shared/data/real)",
)


def land(gz_path, raw_dir, name):
    target = raw_dir / "opsd" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(gz_path, "rb") as source, open(target, "wb") as sink:
        shutil.copyfileobj(source, sink)
    return target


def build(tmp_path, time_series_gz):
    raw_dir = tmp_path / "raw"
    raw_file = land(time_series_gz, raw_dir, "time_series_60min_singleindex.csv")
    land(FR_WEATHER, raw_dir, "weather_data.csv")
    warehouse = tmp_path / "real.duckdb"
    run = run_dbt(
        ["build", "--select", "+fct_spike_features", "--exclude", "test_type:unit"],
        warehouse=warehouse,
        raw_dir=raw_dir,
        work_dir=tmp_path,
    )
    assert run.success, run.failure_text()
    return warehouse, pd.read_csv(raw_file, dtype=str, keep_default_na=False)


def hourly(warehouse, zone):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(
            f"select * from int_opsd__zone_hours where zone = '{zone}' order by ts_utc"
        ).df()


def raw_series(raw, column):
    series = raw.set_index(pd.to_datetime(raw["utc_timestamp"], utc=True).dt.tz_localize(None))
    values = series[column].replace("", None).dropna().astype(float)
    return values


@needs_real_data
def test_real_german_extract_keeps_every_region_and_value(tmp_path):
    warehouse, raw = build(tmp_path, DE_2018)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        zones = dict(
            con.sql(
                "select zone, count(*) from int_opsd__zone_hourly_spine group by zone"
            ).fetchall()
        )
    assert {"DE", "DE_LU", "DE_50hertz", "DE_amprion", "DE_tennet", "DE_transnetbw"} <= set(zones)
    assert zones["DE"] == 8784  # calendar 2018 in CET, a complete UTC grid

    de_lu = hourly(warehouse, "DE_LU")
    prices = raw_series(raw, "DE_LU_price_day_ahead")
    assert len(prices) == 2232
    built = de_lu.set_index("ts_utc")["price_eur_mwh"].dropna()
    pd.testing.assert_series_equal(
        built, prices, check_names=False, check_index_type=False, check_freq=False
    )
    assert de_lu["ts_utc"].min() >= pd.Timestamp("2018-09-30 22:00")

    de = hourly(warehouse, "DE").set_index("ts_utc")
    for column, raw_column in [
        ("load_actual_mw", "DE_load_actual_entsoe_transparency"),
        ("load_forecast_mw", "DE_load_forecast_entsoe_transparency"),
        ("wind_offshore_mw", "DE_wind_offshore_generation_actual"),
    ]:
        expected = raw_series(raw, raw_column)
        pd.testing.assert_series_equal(
            de[column].dropna(),
            expected,
            check_names=False,
            check_index_type=False,
            check_freq=False,
        )
    # OPSD leaves 24 load forecasts of 2018 empty: flagged, not dropped.
    assert int(de["is_load_forecast_missing"].sum()) == 24

    # The file ends with the last price; the mart adds the next delivery day to score.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        score = con.sql(
            "select target_ts_utc, price_lag_24h, load_actual_mw_mean_24h "
            "from fct_spike_features where zone = 'DE_LU' and split = 'score' "
            "order by 1"
        ).df()
    assert len(score) == 24
    assert score["target_ts_utc"].min() == prices.index.max() + pd.Timedelta(hours=1)
    assert score["price_lag_24h"].notna().all()
    assert score["load_actual_mw_mean_24h"].notna().all()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        mart_zones = {
            z for (z,) in con.sql("select distinct zone from fct_spike_features").fetchall()
        }
    assert mart_zones == {"DE_LU"}  # control areas and DE publish no price here


@needs_real_data
def test_real_french_extract_joins_weather_by_country(tmp_path):
    warehouse, raw = build(tmp_path, FR_TIME_SERIES)
    fr = hourly(warehouse, "FR").set_index("ts_utc")
    load = raw_series(raw, "FR_load_actual_entsoe_transparency")
    pd.testing.assert_series_equal(
        fr["load_actual_mw"].dropna(),
        load,
        check_names=False,
        check_index_type=False,
        check_freq=False,
    )
    assert len(fr) == (fr.index.max() - fr.index.min()) / pd.Timedelta(hours=1) + 1
    weather = pd.read_csv(FR_WEATHER)
    weather.index = pd.to_datetime(weather["utc_timestamp"], utc=True).dt.tz_localize(None)
    joined = fr["temperature_c"].dropna()
    expected = weather["FR_temperature"].reindex(joined.index)
    assert len(joined) > 40000
    pd.testing.assert_series_equal(
        joined, expected, check_names=False, check_index_type=False, check_freq=False
    )
