"""The mart's enforced contract and its recorded feature schema."""

from __future__ import annotations

import duckdb
import pytest
import yaml
from conftest import copy_project, run_dbt

pytestmark = pytest.mark.slow

MART_YAML = "models/marts/_marts__models.yml"


def schema_rows(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(
            "select schema_version, schema_hash, feature_columns, label_columns, "
            "key_columns from feature_schema_versions order by schema_version"
        ).fetchall()


def edit_mart_column(project, column, **changes):
    path = project / MART_YAML
    document = yaml.safe_load(path.read_text())
    mart = next(m for m in document["models"] if m["name"] == "fct_spike_features")
    entry = next(c for c in mart["columns"] if c["name"] == column)
    for key, value in changes.items():
        if isinstance(value, dict):
            entry.setdefault(key, {}).update(value)
        else:
            entry[key] = value
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))


def test_roles_keep_labels_out_of_the_feature_list(template_warehouse):
    ((version, schema_hash, features, labels, keys),) = schema_rows(template_warehouse)
    assert version == 1 and len(schema_hash) == 64
    assert keys == ["zone", "target_ts_utc", "forecast_origin_ts_utc"]
    assert set(labels) == {"price_eur_mwh", "spike_threshold_eur_mwh", "is_spike", "split"}
    assert not set(labels) & set(features)
    assert "price_lag_24h" in features and "price_eur_mwh_mean_672h" in features


def test_rebuild_adds_no_schema_row_and_a_changed_schema_adds_one(
    warehouse, sample_raw_dir, tmp_path
):
    run = run_dbt(
        [
            "build",
            "--select",
            "fct_spike_features",
            "feature_schema_versions",
            "--exclude",
            "test_type:unit",
        ],
        warehouse=warehouse,
        raw_dir=sample_raw_dir,
        work_dir=tmp_path / "w1",
    )
    assert run.success, run.failure_text()
    assert len(schema_rows(warehouse)) == 1

    project = copy_project(tmp_path / "project")
    edit_mart_column(project, "month", meta={"role": "label"})
    run = run_dbt(
        [
            "build",
            "--select",
            "fct_spike_features",
            "feature_schema_versions",
            "--exclude",
            "test_type:unit",
        ],
        warehouse=warehouse,
        raw_dir=sample_raw_dir,
        work_dir=tmp_path / "w2",
        project_dir=project,
    )
    assert run.success, run.failure_text()
    rows = schema_rows(warehouse)
    assert [r[0] for r in rows] == [1, 2]
    assert rows[0][1] != rows[1][1]
    assert "month" in rows[0][2] and "month" not in rows[1][2] and "month" in rows[1][3]


def test_contract_rejects_a_column_of_the_wrong_type(warehouse, sample_raw_dir, tmp_path):
    project = copy_project(tmp_path / "project")
    edit_mart_column(project, "hour_of_day", data_type="varchar")
    run = run_dbt(
        [
            "build",
            "--select",
            "fct_spike_features",
            "--full-refresh",
            "--exclude",
            "test_type:unit",
        ],
        warehouse=warehouse,
        raw_dir=sample_raw_dir,
        work_dir=tmp_path / "w",
        project_dir=project,
    )
    assert not run.success
    message = run.messages["fct_spike_features"]
    assert "contract" in message.lower() and "hour_of_day" in message


def test_a_column_without_a_role_fails_the_schema_record(warehouse, sample_raw_dir, tmp_path):
    project = copy_project(tmp_path / "project")
    edit_mart_column(project, "month", meta={"role": "maybe"})
    run = run_dbt(
        ["build", "--select", "feature_schema_versions"],
        warehouse=warehouse,
        raw_dir=sample_raw_dir,
        work_dir=tmp_path / "w",
        project_dir=project,
    )
    assert not run.success
    assert (
        "column month: meta.role must be key, feature or label"
        in run.messages["feature_schema_versions"]
    )


def test_changed_definition_needs_a_full_refresh_and_is_recorded(
    warehouse, sample_raw_dir, tmp_path
):
    stricter = {
        "spike_rule": {
            "method": "trailing_mean_sd",
            "window_hours": 672,
            "k_sd": 3.0,
            "min_observations": 168,
            "absolute_eur_mwh": 150,
        }
    }
    args = [
        "build",
        "--select",
        "int_spike__hourly_inputs+",
        "--exclude",
        "test_type:unit",
        "tag:ml",
        "tag:monitoring",
    ]
    run = run_dbt(
        args,
        warehouse=warehouse,
        raw_dir=sample_raw_dir,
        work_dir=tmp_path / "w1",
        extra_vars=stricter,
    )
    assert not run.success
    assert "[rule: definition_unchanged]" in run.messages["int_spike__hourly_inputs"]

    run = run_dbt(
        [*args, "--full-refresh"],
        warehouse=warehouse,
        raw_dir=sample_raw_dir,
        work_dir=tmp_path / "w2",
        extra_vars=stricter,
    )
    assert run.success, run.failure_text()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql(
            "select schema_version, schema_hash, definition_json "
            "from feature_schema_versions order by 1"
        ).fetchall()
    assert [r[0] for r in rows] == [1, 2]  # the history survives --full-refresh
    assert rows[0][1] == rows[1][1]  # same columns, new definition
    assert '"k_sd": 3.0' in rows[1][2] and '"k_sd": 2.5' in rows[0][2]
