-- Every registered model's metrics (every task) in long format, beside the
-- naive baselines scored on the same rows: split (validation, test), entity
-- (zone, settlement point; 'ALL' = pooled), predictor (model = as served,
-- model_uncalibrated, climatology, persistence), metric, value and, on the test
-- split, the 95 % day-block bootstrap interval. Unpacked from the evaluation
-- each training run stores.
{{ config(materialized='table') }}

with

runs as (

    select
        model_version,
        task,
        model_family,
        -- rows of release 0.1 name the entity "zone"
        unnest(from_json(
            evaluation_json,
            '[{"split": "VARCHAR", "entity": "VARCHAR",
            "zone": "VARCHAR",
            "predictor": "VARCHAR", "metric": "VARCHAR", "value": "DOUBLE",
            "ci_low": "DOUBLE", "ci_high": "DOUBLE"}]'
        )) as row  -- the name the select below reads -- noqa: RF04
    from {{ ref('ml_training_runs') }}

)

select
    cast(runs.model_version as bigint) as model_version,
    cast(runs.task as varchar) as task,
    cast(runs.model_family as varchar) as model_family,
    cast(row.split as varchar) as split,
    cast(coalesce(row.entity, row.zone) as varchar) as entity,
    cast(row.predictor as varchar) as predictor,
    cast(row.metric as varchar) as metric,
    cast(row.value as double) as value,
    cast(row.ci_low as double) as ci_low,
    cast(row.ci_high as double) as ci_high
from runs
