-- Every registered model's drift reference in long format: per entity, kind (feature or
-- prediction) and feature, the bins fixed at training (bin 0 = missing; bin b covers
-- (lower_edge, upper_edge], open where null) and the share of reference rows in each.
{{ config(materialized='table') }}

with

runs as (

    select
        model_version,
        task,
        -- references of release 0.1 name the entity "zone"
        unnest(from_json(drift_reference_json, '[{"entity": "VARCHAR", "zone": "VARCHAR",
            "kind": "VARCHAR",
            "feature": "VARCHAR", "bin": "INTEGER", "lower": "DOUBLE", "upper": "DOUBLE",
            "expected_share": "DOUBLE", "reference_rows": "BIGINT"}]')) as ref
    from {{ ref('ml_training_runs') }}

)

select
    cast(model_version as bigint) as model_version,
    cast(task as varchar) as task,
    cast(coalesce(ref.entity, ref.zone) as varchar) as entity,
    cast(ref.kind as varchar) as kind,
    cast(ref.feature as varchar) as feature,
    cast(ref.bin as integer) as bin,
    cast(ref.lower as double) as lower_edge,
    cast(ref.upper as double) as upper_edge,
    cast(ref.expected_share as double) as expected_share,
    cast(ref.reference_rows as bigint) as reference_rows
from runs
