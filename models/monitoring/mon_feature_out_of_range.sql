-- Values outside a model's training range, which scoring accepts and counts (a
-- new extreme is news, not an error): per task, model, entity, feature and day,
-- the rows scored with that feature beyond the model's training minimum or
-- maximum, beside the rows the model scored that day. Read it beside
-- mon_feature_drift_psi: a feature drifting into new territory shows here
-- first.
{{ config(materialized='table') }}

with

scored as (

    select
        task,
        model_version,
        entity,
        cast(target_ts_utc as date) as scored_date,
        out_of_range_features
    from {{ ref('int_mon__model_scores') }}

),

daily as (

    select
        task,
        model_version,
        entity,
        scored_date,
        count(*) as rows_scored
    from scored
    group by task, model_version, entity, scored_date

),

beyond as (

    select
        task,
        model_version,
        entity,
        scored_date,
        unnest(string_split(out_of_range_features, ',')) as feature
    from scored
    where out_of_range_features is not null

)

select
    cast(beyond.task as varchar) as task,
    cast(beyond.model_version as bigint) as model_version,
    cast(beyond.entity as varchar) as entity,
    cast(beyond.feature as varchar) as feature,
    cast(beyond.scored_date as date) as scored_date,
    cast(count(*) as bigint) as rows_out_of_range,
    cast(min(daily.rows_scored) as bigint) as rows_scored,
    count(*) / min(daily.rows_scored) as share_out_of_range
from beyond
inner join daily
    on beyond.task = daily.task
    and beyond.model_version = daily.model_version
    and beyond.entity = daily.entity
    and beyond.scored_date = daily.scored_date
group by
    beyond.task,
    beyond.model_version,
    beyond.entity,
    beyond.feature,
    beyond.scored_date
