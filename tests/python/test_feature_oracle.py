"""The SQL feature mart against an independent pandas implementation, value by value, on a
sample that spans both DST switches, has a gap of missing hours and a zone that starts later."""

from __future__ import annotations

import csv

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT_DIR, run_dbt
from reference import REFERENCE_COLUMNS, reference_features

from python_ml.data.opsd_sample import SampleSpec, generate_opsd_sample

pytestmark = pytest.mark.slow

ZONES = {
    "DE_LU": ("Europe/Berlin", "DE"),
    "FR": ("Europe/Paris", "FR"),
    "NL": ("Europe/Amsterdam", "NL"),
}
GAP_HOURS = ("2018-05-10T03:00:00Z", "2018-05-10T09:00:00Z")  # DE_LU publishes nothing
SPLIT = {"validation_start": "2018-06-01", "test_start": "2018-09-01", "gap_hours": 720}


@pytest.fixture(scope="module")
def oracle_build(tmp_path_factory):
    work = tmp_path_factory.mktemp("oracle")
    raw_dir = work / "raw"
    # 2018-03-01 .. 2018-11-06: both DST switches (25 March, 28 October); NL starts later
    result = generate_opsd_sample(raw_dir / "opsd", SampleSpec(start="2018-03-01", days=250))
    path = result.time_series_path
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    de_lu = [i for i, name in enumerate(header) if name.startswith("DE_LU_")]
    for row in rows[1:]:
        if GAP_HOURS[0] <= row[0] <= GAP_HOURS[1]:
            for i in de_lu:
                row[i] = ""
    with open(path, "w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)

    warehouse = work / "oracle.duckdb"
    run = run_dbt(
        ["build", "--select", "+fct_spike_features", "--exclude", "test_type:unit"],
        warehouse=warehouse,
        raw_dir=raw_dir,
        work_dir=work,
        extra_vars={"spike_split": SPLIT},
    )
    assert run.success, run.failure_text()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        mart = con.sql("select * from fct_spike_features").df()
    return path, mart


def test_sample_has_the_hard_cases(oracle_build):
    path, mart = oracle_build
    starts = mart.groupby("zone")["target_ts_utc"].min()
    assert starts["NL"] > starts["DE_LU"]
    de = mart[mart["zone"] == "DE_LU"].set_index("target_ts_utc").sort_index()
    assert de.loc["2018-05-10 03:00":"2018-05-10 09:00", "price_eur_mwh"].isna().all()
    origins = de["forecast_origin_ts_utc"]
    # gate closure 12:00 local is 11:00 UTC in winter and 10:00 UTC in summer
    assert origins.loc["2018-03-20 12:00"] == pd.Timestamp("2018-03-19 11:00")
    assert origins.loc["2018-06-20 12:00"] == pd.Timestamp("2018-06-19 10:00")


@pytest.mark.parametrize("zone", sorted(ZONES))
def test_sql_features_equal_the_pandas_reference(oracle_build, zone):
    path, mart = oracle_build
    holidays = pd.read_csv(
        PROJECT_DIR / "seeds" / "public_holidays.csv", parse_dates=["holiday_date"]
    )
    tz, country = ZONES[zone]
    expected = reference_features(
        path, zone, tz, set(holidays.loc[holidays["country"] == country, "holiday_date"])
    )
    actual = mart[mart["zone"] == zone]
    # the mart's spine may run one delivery day further (the day to score); compare the
    # reference's hours, and require the mart to have every one of them
    merged = expected.merge(
        actual, on=["zone", "target_ts_utc"], how="left", suffixes=("_expected", ""), indicator=True
    )
    assert (merged["_merge"] == "both").all()
    assert len(merged) > 5000
    for column in REFERENCE_COLUMNS:
        want, got = merged[f"{column}_expected"], merged[column]
        if column == "forecast_origin_ts_utc":
            assert (want == got).all(), column
        elif column in ("hour_of_day", "day_of_week", "is_public_holiday", "is_spike"):
            mismatched = ~((want.isna() & got.isna()) | (want == got).fillna(False))
            assert not mismatched.any(), (column, merged.loc[mismatched, "target_ts_utc"].head())
        else:
            want, got = want.astype(float).to_numpy(), got.astype(float).to_numpy()
            assert (np.isnan(want) == np.isnan(got)).all(), column
            assert np.allclose(want, got, rtol=1e-9, atol=1e-9, equal_nan=True), column
    assert merged["is_spike"].fillna(False).astype(bool).any()
    assert merged["is_public_holiday"].astype(bool).any()


def test_split_labels_follow_the_boundary_dates(oracle_build):
    _, mart = oracle_build
    gap = pd.Timedelta(hours=SPLIT["gap_hours"])
    validation, test = pd.Timestamp(SPLIT["validation_start"]), pd.Timestamp(SPLIT["test_start"])
    last_price = mart.loc[mart["price_eur_mwh"].notna()].groupby("zone")["target_ts_utc"].max()
    expected = pd.Series("test", index=mart.index)
    target = mart["target_ts_utc"]
    expected[target < test] = "gap"
    expected[target < test - gap] = "validation"
    expected[target < validation] = "gap"
    expected[target < validation - gap] = "train"
    expected[target > mart["zone"].map(last_price)] = "score"
    assert (mart["split"] == expected).all()
    assert set(mart["split"]) == {"train", "gap", "validation", "test", "score"}
    # labels exist wherever a price and enough history do, and never for rows to score
    assert mart.loc[mart["split"] == "score", "is_spike"].isna().all()
    labelled = mart["price_eur_mwh"].notna() & mart["spike_threshold_eur_mwh"].notna()
    assert mart.loc[labelled, "is_spike"].notna().all()
