"""Point in time: change every raw value published after a time T, rebuild, and prove that
nothing a forecast made before T could see has moved, and that everything after T did."""

from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT_DIR, run_dbt

pytestmark = pytest.mark.slow

T = pd.Timestamp("2017-01-20 11:00:30")  # UTC, 30 s after a gate closure (12:00 CET)
CALENDAR = {"lead_hours", "hour_of_day", "day_of_week", "month", "is_weekend", "is_public_holiday"}
# published value -> perturbed value, by OPSD variable family
PERTURB = {
    "price_day_ahead": lambda v: v * 1.5 + 1.0,
    "load_actual_entsoe_transparency": lambda v: v * 1.1,
    "load_forecast_entsoe_transparency": lambda v: v * 1.05,
    "solar_generation_actual": lambda v: v * 1.3,
    "wind_onshore_generation_actual": lambda v: v * 1.2,
    "wind_offshore_generation_actual": lambda v: v * 1.25,
    "temperature": lambda v: v + 1.5,
    "radiation_direct_horizontal": lambda v: v * 1.1,
    "radiation_diffuse_horizontal": lambda v: v * 1.1,
}


def gate_closure_utc(utc: pd.Series, tz: str) -> pd.Series:
    local_day = utc.dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()
    gate = local_day - pd.Timedelta(days=1) + pd.Timedelta(hours=12)
    return gate.dt.tz_localize(tz).dt.tz_convert("UTC").dt.tz_localize(None)


def perturb_after(path, zone_tz: dict[str, str], t: pd.Timestamp) -> int:
    """Rewrite the file, changing every value published after t; returns cells changed."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    utc = pd.to_datetime(frame["utc_timestamp"], utc=True)
    actual_known = utc.dt.tz_localize(None) + pd.Timedelta(hours=2)  # end of hour + 1 h
    changed = 0
    for column in frame.columns:
        family = next((f for f in PERTURB if column.endswith("_" + f)), None)
        if family is None:
            continue
        region = column[: -len(family) - 1]
        tz = zone_tz.get(region, "Europe/Brussels")
        if family == "price_day_ahead":
            published = gate_closure_utc(utc, tz) + pd.Timedelta(hours=1)
        elif family == "load_forecast_entsoe_transparency":
            published = gate_closure_utc(utc, tz) - pd.Timedelta(hours=2)
        else:
            published = actual_known
        mask = (published > t) & (frame[column] != "")
        frame.loc[mask, column] = [repr(PERTURB[family](float(v))) for v in frame.loc[mask, column]]
        changed += int(mask.sum())
    frame.to_csv(path, index=False)
    return changed


def test_features_before_t_do_not_move_and_features_after_t_do(
    template_warehouse, sample_raw_dir, tmp_path
):
    seed = pd.read_csv(PROJECT_DIR / "seeds" / "opsd_zones.csv")
    zone_tz = dict(zip(seed["zone"], seed["timezone"], strict=True))
    raw_dir = tmp_path / "raw"
    shutil.copytree(sample_raw_dir, raw_dir)
    changed = perturb_after(raw_dir / "opsd" / "time_series_60min_singleindex.csv", zone_tz, T)
    changed += perturb_after(raw_dir / "opsd" / "weather_data.csv", zone_tz, T)
    assert changed > 10_000

    warehouse = tmp_path / "perturbed.duckdb"
    run = run_dbt(
        ["build", "--select", "+fct_spike_features", "--exclude", "test_type:unit"],
        warehouse=warehouse,
        raw_dir=raw_dir,
        work_dir=tmp_path,
    )
    assert run.success, run.failure_text()

    with duckdb.connect(str(template_warehouse), read_only=True) as con:
        before = con.sql("select * from fct_spike_features order by zone, target_ts_utc").df()
        ((features, labels),) = con.sql(
            "select feature_columns, label_columns from feature_schema_versions "
            "order by schema_version desc limit 1"
        ).fetchall()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        after = con.sql("select * from fct_spike_features order by zone, target_ts_utc").df()

    keys = ["zone", "target_ts_utc", "forecast_origin_ts_utc"]
    assert before[keys].equals(after[keys])
    origin_before_t = (before["forecast_origin_ts_utc"] < T).to_numpy()
    target_before_t = (before["target_ts_utc"] < T).to_numpy()
    origin_after_t = (before["forecast_origin_ts_utc"] > T).to_numpy()
    assert origin_before_t.sum() > 500 and origin_after_t.sum() > 500

    def same(column, rows):
        a, b = before.loc[rows, column], after.loc[rows, column]
        if a.dtype.kind == "f":
            return np.array_equal(a.to_numpy(), b.to_numpy(), equal_nan=True)
        return a.astype(object).fillna("<null>").equals(b.astype(object).fillna("<null>"))

    for column in features:
        assert same(column, origin_before_t), f"{column} moved for an origin before T"
    for column in labels:
        assert same(column, target_before_t), f"label {column} moved for a target before T"

    unchanged_after_t = [c for c in features if c not in CALENDAR and same(c, origin_after_t)]
    assert unchanged_after_t == [], "these features ignore the data they are built from"
