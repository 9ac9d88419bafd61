-- The model registry of every task as users read it: one row per trained model,
-- append-only across runs (rows come from the Python model ml_training_runs;
-- this view gives them a contract). status is current, derived from the
-- promotions log (ml_model_status).
{{ config(materialized='view') }}

select
    cast(runs.model_version as bigint) as model_version,
    cast(runs.task as varchar) as task,
    cast(runs.model_family as varchar) as model_family,
    cast(status.status as varchar) as status,
    cast(runs.status as varchar) as registered_status,
    cast(runs.trained_at_utc as timestamp) as trained_at_utc,
    cast(runs.dbt_invocation_id as varchar) as dbt_invocation_id,
    cast(runs.train_start_utc as timestamp) as train_start_utc,
    cast(runs.train_end_utc as timestamp) as train_end_utc,
    cast(runs.validation_start_utc as timestamp) as validation_start_utc,
    cast(runs.validation_end_utc as timestamp) as validation_end_utc,
    cast(runs.calibration_start_utc as timestamp) as calibration_start_utc,
    cast(runs.test_start_utc as timestamp) as test_start_utc,
    cast(runs.test_end_utc as timestamp) as test_end_utc,
    cast(runs.feature_schema_hash as varchar) as feature_schema_hash,
    cast(runs.feature_columns as varchar[]) as feature_columns,
    cast(runs.feature_domains_json as varchar) as feature_domains_json,
    cast(runs.hyperparameters_json as varchar) as hyperparameters_json,
    cast(runs.tuning_json as varchar) as tuning_json,
    cast(runs.validation_metrics_json as varchar) as validation_metrics_json,
    cast(runs.test_metrics_json as varchar) as test_metrics_json,
    cast(runs.threshold as double) as threshold,
    cast(runs.threshold_json as varchar) as threshold_json,
    cast(runs.calibration_method as varchar) as calibration_method,
    cast(runs.calibration_json as varchar) as calibration_json,
    cast(runs.feature_importance_json as varchar) as feature_importance_json,
    cast(runs.model_format as varchar) as model_format,
    cast(runs.model_artifact as varchar) as model_artifact,
    runs.model_artifact is not null as artifact_retained,
    cast(runs.evaluation_json as varchar) as evaluation_json,
    cast(runs.drift_reference_json as varchar) as drift_reference_json,
    cast(coalesce(runs.training_mode, 'fixed_split') as varchar)
        as training_mode,
    cast(coalesce(runs.task_kind, 'classification') as varchar) as task_kind
from {{ ref('ml_training_runs') }} as runs
left join {{ ref('ml_model_status') }} as status
    on runs.model_version = status.model_version
