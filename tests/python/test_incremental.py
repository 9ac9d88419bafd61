"""Incremental builds: after the live feed advances (the generator's append option), an
incremental `dbt build` gives the same tables as a full rebuild, and it really ran
incrementally (rows before the look-back were not rewritten)."""

from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pytest
from conftest import run_dbt

from python_ml.data.opsd_sample import append_opsd_sample

pytestmark = pytest.mark.slow

APPENDED_HOURS = 30
# model -> (key columns, canary: a column set to a marker value in its oldest row)
MODELS = {
    "stg_opsd__time_series": (["ts_utc", "zone", "variable"], "value"),
    "stg_opsd__weather": (["ts_utc", "country", "variable"], "value"),
    "int_opsd__zone_hourly_spine": (["zone", "ts_utc"], None),
    "int_opsd__zone_hours": (["zone", "ts_utc"], "temperature_c"),
    "int_spike__hourly_inputs": (["zone", "ts_utc"], "temperature_c"),
    "int_spike__origin_features": (["zone", "forecast_origin_ts_utc"], "price_eur_mwh_mean_24h"),
    "fct_spike_features": (["zone", "target_ts_utc"], "price_lag_24h"),
}
CANARY = 42.4242


def time_column(keys):
    return next(key for key in keys if key.endswith("ts_utc"))


def table(warehouse, model, keys):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(f"select * from {model} order by {', '.join(keys)}").df()


def test_incremental_build_after_append_equals_a_full_rebuild(sample_raw_dir, tmp_path):
    raw_dir = tmp_path / "raw"
    shutil.copytree(sample_raw_dir, raw_dir)
    before = tmp_path / "before.duckdb"
    run = run_dbt(
        ["build", "--exclude", "test_type:unit", "tag:ml", "tag:monitoring"],
        warehouse=before,
        raw_dir=raw_dir,
        work_dir=tmp_path / "w1",
    )
    assert run.success, run.failure_text()

    append_opsd_sample(raw_dir / "opsd", APPENDED_HOURS)

    incremental = tmp_path / "incremental.duckdb"
    shutil.copyfile(before, incremental)
    with duckdb.connect(str(incremental)) as con:
        for model, (keys, canary) in MODELS.items():
            if canary:
                con.sql(f"""update {model} set {canary} = {CANARY}
                            where ({", ".join(keys)}) = (select ({", ".join(keys)}) from {model}
                            order by {time_column(keys)}, {", ".join(keys)} limit 1)""")
    run = run_dbt(
        ["build", "--exclude", "test_type:unit", "tag:ml", "tag:monitoring"],
        warehouse=incremental,
        raw_dir=raw_dir,
        work_dir=tmp_path / "w2",
    )
    assert run.success, run.failure_text()

    full = tmp_path / "full.duckdb"
    run = run_dbt(
        ["build", "--exclude", "test_type:unit", "tag:ml", "tag:monitoring"],
        warehouse=full,
        raw_dir=raw_dir,
        work_dir=tmp_path / "w3",
    )
    assert run.success, run.failure_text()

    for model, (keys, canary) in MODELS.items():
        got, want = table(incremental, model, keys), table(full, model, keys)
        assert len(got) == len(want), model
        assert got[keys].equals(want[keys]), model
        if canary:
            # the canary row lies before the look-back: an incremental run leaves it alone
            planted = got[canary] == CANARY
            assert planted.sum() == 1, f"{model} was rebuilt in full, not incrementally"
            got.loc[planted, canary] = want.loc[planted, canary]
        for column in want.columns:
            a, b = got[column], want[column]
            if b.dtype.kind == "f":
                assert np.allclose(a.to_numpy(), b.to_numpy(), rtol=1e-9, atol=0, equal_nan=True), (
                    model,
                    column,
                )
            else:
                assert (
                    a.astype(object).fillna("<null>").equals(b.astype(object).fillna("<null>"))
                ), (model, column)

    old = table(before, "fct_spike_features", ["zone", "target_ts_utc"])
    new = table(incremental, "fct_spike_features", ["zone", "target_ts_utc"])
    assert len(new) - len(old) >= APPENDED_HOURS * old["zone"].nunique()
    scored_before = old.loc[old["split"] == "score", ["zone", "target_ts_utc"]]
    relabelled = scored_before.merge(new, on=["zone", "target_ts_utc"])
    assert relabelled["price_eur_mwh"].notna().any(), "labels of scored hours never arrived"
