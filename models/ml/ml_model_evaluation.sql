-- Every registered model's metrics in long format, beside the naive baselines scored on the
-- same rows: split (validation, test), zone ('ALL' = pooled), predictor (model = calibrated,
-- model_uncalibrated, climatology, persistence), metric, value and, on the test split, the
-- 95 % day-block bootstrap interval. Unpacked from the evaluation each training run stores.
{{ config(materialized='table') }}

with

runs as (

    select
        model_version,
        task,
        model_family,
        unnest(from_json(evaluation_json, '[{"split": "VARCHAR", "zone": "VARCHAR",
            "predictor": "VARCHAR", "metric": "VARCHAR", "value": "DOUBLE",
            "ci_low": "DOUBLE", "ci_high": "DOUBLE"}]')) as row
    from {{ ref('ml_spike_training_runs') }}

)

select
    cast(model_version as bigint) as model_version,
    cast(task as varchar) as task,
    cast(model_family as varchar) as model_family,
    cast(row.split as varchar) as split,
    cast(row.zone as varchar) as zone,
    cast(row.predictor as varchar) as predictor,
    cast(row.metric as varchar) as metric,
    cast(row.value as double) as value,
    cast(row.ci_low as double) as ci_low,
    cast(row.ci_high as double) as ci_high
from runs
