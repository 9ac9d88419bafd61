"""A warehouse built by release 0.1 upgrades in place: its model history (registry,
predictions, shadow predictions, promotions, inference log, schema versions) survives the
first `dbt build` of this release untouched, and the history continues from it.

The history is tests/fixtures/release_0_1/, written by release 0.1 itself (see
tests/fixtures/make_release_0_1.py) from the same ML sample this session generates; the
layers without history (staging, marts, monitoring) are rebuilt from that sample.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest
from conftest import ML_MODELS, ML_VARS, PROJECT_DIR, run_dbt

pytestmark = pytest.mark.slow

FIXTURE = PROJECT_DIR / "tests" / "fixtures" / "release_0_1"
LEGACY = sorted(p.stem for p in FIXTURE.glob("*.parquet"))


def legacy_hash(con, sql: str) -> tuple:
    return con.sql(f"select count(*), sum(hash(t)) from ({sql}) t").fetchall()[0]


def columns(con, table: str) -> list[str]:
    return [r[0] for r in con.sql(f"describe {table}").fetchall()]


@pytest.fixture(scope="module")
def upgraded(ml_raw_dir, tmp_path_factory):
    """A warehouse holding release 0.1's history, then this release's `dbt build`."""
    work = tmp_path_factory.mktemp("upgrade")
    warehouse = work / "open_power.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        for table in LEGACY:
            con.execute(
                f"create table {table} as select * from read_parquet('{FIXTURE / table}.parquet')"
            )
    (work / "logs").mkdir()
    shutil.copyfile(FIXTURE / "inference.jsonl", work / "logs" / "inference.jsonl")
    before = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in LEGACY:
            before[table] = (columns(con, table), legacy_hash(con, f"select * from {table}"))
    # the first build of this release also rolls the spike task back to release 0.1's first
    # champion: an imported artifact serves again
    run = run_dbt(
        ["build", "--select", *ML_MODELS, "--exclude", "test_type:unit"],
        warehouse=warehouse,
        raw_dir=ml_raw_dir,
        work_dir=work,
        extra_vars={**ML_VARS, "ml_promotion": {"promote_version": 1}},
    )
    assert run.success, run.failure_text()
    return warehouse, before


def test_the_registry_of_release_0_1_is_imported_whole(upgraded):
    warehouse, before = upgraded
    legacy_columns = before["ml_spike_training_runs"][0]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        imported = legacy_hash(
            con,
            f"select {', '.join(legacy_columns)} from ml_training_runs where model_version <= 3",
        )
        assert imported == before["ml_spike_training_runs"][1]
        # the old table is left as it was; nothing writes it any more
        assert (
            legacy_hash(con, "select * from ml_spike_training_runs")
            == before["ml_spike_training_runs"][1]
        )
        rows = con.sql(
            "select model_version, task, status, training_mode, task_kind "
            "from ml_model_registry order by model_version"
        ).fetchall()
    # release 0.1's history (v3 promoted over v1, v2 the last run's challenger), then this
    # build: a walk-forward spike retrain (v4, v5, retiring v2), the new task's first,
    # fixed-split models (v6 champion, v7), and the rollback to v1
    assert rows[:3] == [
        (1, "spike_risk", "champion", "fixed_split", "classification"),
        (2, "spike_risk", "retired", "fixed_split", "classification"),
        (3, "spike_risk", "retired", "fixed_split", "classification"),
    ]
    assert rows[3:] == [
        (4, "spike_risk", "challenger", "walk_forward", "classification"),
        (5, "spike_risk", "challenger", "walk_forward", "classification"),
        (6, "day_ahead_price", "champion", "fixed_split", "regression"),
        (7, "day_ahead_price", "challenger", "fixed_split", "regression"),
    ]


def test_served_and_shadow_predictions_and_the_logs_are_kept(upgraded):
    warehouse, before = upgraded
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table, now in (
            ("ml_spike_scores", "ml_spike_scores"),
            ("ml_shadow_scores", "ml_spike_shadow_scores"),
            ("ml_model_promotions", "ml_model_promotions"),
            ("mon_inference_runs", "mon_inference_runs"),
            ("feature_schema_versions", "feature_schema_versions"),
            ("dq_fct_spike_features", "dq_fct_spike_features"),
        ):
            legacy_columns, legacy = before[table]
            assert set(legacy_columns) <= set(columns(con, now)), now
            # every legacy row is still there, unchanged in every legacy column
            got = con.sql(f"""
                select count(*), sum(hash(t)) from (
                    select {", ".join(legacy_columns)} from {now}
                    intersect all
                    select * from read_parquet('{FIXTURE / table}.parquet')) t""").fetchall()[0]
            assert got == legacy, now
        # the champion of release 0.1 scored every servable row: nothing is scored twice
        assert con.sql(
            "select count(*) - count(distinct (zone, target_ts_utc, model_version)) "
            "from ml_spike_predictions"
        ).fetchall() == [(0,)]
        assert (
            con.sql(
                "select count(*) from ml_spike_scores where features_out_of_range is null"
            ).fetchall()[0][0]
            == before["ml_spike_scores"][1][0]
        )
        # old drift references name the entity "zone": read all the same
        assert con.sql(
            "select count(distinct model_version) from mon_drift_reference "
            "where model_version <= 3 and entity is not null"
        ).fetchall() == [(3,)]


def test_the_history_continues_from_release_0_1(upgraded):
    warehouse, _ = upgraded
    with duckdb.connect(str(warehouse), read_only=True) as con:
        decisions = con.sql(
            "select decision_id, task, decision, champion_before, "
            "champion_after from ml_model_promotions where decision_id > 3 "
            "order by decision_id"
        ).fetchall()
        served = con.sql(
            "select distinct model_version from ml_spike_predictions order by 1"
        ).fetchall()
    # decision ids continue release 0.1's log; the rollback takes effect from the next run
    assert decisions == [(4, "spike_risk", "rollback", 3, 1)]
    assert served == [(1,), (3,)]
