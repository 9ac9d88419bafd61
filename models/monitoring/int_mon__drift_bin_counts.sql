-- Rows scored per task, model, entity, day and reference bin: every feature of the task's
-- mart (meta.role feature in its contract) and the served score, for the rows each model
-- scored (the champion's and the challengers'), binned by the model's own reference.
-- A feature with one value per forecast origin (meta.grain origin) is counted once per
-- origin, on its first target hour, not 24 times: 24 copies of one value are one
-- observation. Features in var drift.skip_features are not monitored.
{{ config(materialized='table') }}
{%- set tasks = var('ml_tasks') %}

with

scored as (

    select
        task,
        model_version,
        entity,
        target_ts_utc,
        forecast_origin_ts_utc,
        score,
        target_ts_utc = min(target_ts_utc) over (
            partition by task, model_version, entity, forecast_origin_ts_utc
        ) as first_of_origin
    from {{ ref('int_mon__model_scores') }}

),

reference as (

    select model_version, entity, kind, feature, bin, lower_edge, upper_edge
    from {{ ref('mon_drift_reference') }}

),

feature_values as (

    {%- for name, task in tasks.items() %}
    {%- set mart = task['mart'] %}
    {%- set features = contract_columns(mart, 'feature')
        | reject('in', var('drift')['skip_features']) | list %}
    {%- set origin_anchored = contract_columns_with(mart, 'grain', 'origin') %}
    select
        scored.task,
        scored.model_version,
        scored.entity,
        cast(scored.target_ts_utc as date) as scored_date,
        'feature' as kind,
        names.feature,
        names.grain,
        case names.feature
            {%- for feature in features %}
            when '{{ feature }}' then cast(mart.{{ feature }} as double)
            {%- endfor %}
        end as value
    from scored
    inner join {{ ref(mart) }} as mart
        on scored.entity = cast(mart.{{ contract_key(mart, 'entity') }} as varchar)
        and scored.target_ts_utc = mart.{{ contract_key(mart, 'target_time') }}
    cross join (values
        {%- for feature in features %}
        ('{{ feature }}', '{{ "origin" if feature in origin_anchored else "target" }}')
        {{- "," if not loop.last }}
        {%- else %}
        ('', 'target')
        {%- endfor %}
    ) as names(feature, grain)
    where scored.task = '{{ name }}'
      and (names.grain = 'target' or scored.first_of_origin)
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

all_values as (

    select * from feature_values
    union all
    select
        task,
        model_version,
        entity,
        cast(target_ts_utc as date) as scored_date,
        'prediction' as kind,
        case task
            {%- for name, task in tasks.items() %}
            when '{{ name }}' then '{{ task["score_column"] }}'
            {%- endfor %}
        end as feature,
        'target' as grain,
        score as value
    from scored

),

binned as (

    select all_values.*, reference.bin
    from all_values
    inner join reference
        on all_values.model_version = reference.model_version
        and all_values.entity = reference.entity
        and all_values.kind = reference.kind
        and all_values.feature = reference.feature
        and reference.bin > 0
        and (reference.lower_edge is null or all_values.value > reference.lower_edge)
        and (reference.upper_edge is null or all_values.value <= reference.upper_edge)
    where all_values.value is not null and not isnan(all_values.value)
    union all
    select all_values.*, reference.bin
    from all_values
    inner join reference
        on all_values.model_version = reference.model_version
        and all_values.entity = reference.entity
        and all_values.kind = reference.kind
        and all_values.feature = reference.feature
        and reference.bin = 0
    where all_values.value is null or isnan(all_values.value)

)

select
    task,
    model_version,
    entity,
    kind,
    feature,
    grain,
    scored_date,
    bin,
    count(*) as rows_in_bin
from binned
group by task, model_version, entity, kind, feature, grain, scored_date, bin
