-- Rows scored per model, zone, day and reference bin: every feature of fct_spike_features
-- (meta.role feature in its contract) and the calibrated score, for the rows each model
-- scored (the champion's and the challengers'), binned by the model's own reference.
-- A feature with one value per forecast origin (grain origin) is counted once per origin,
-- on its first target hour, not 24 times: 24 copies of one value are one observation.
-- Features in var drift.skip_features are not monitored.
{{ config(materialized='table') }}
{%- set features = contract_columns('fct_spike_features', 'feature')
    | reject('in', var('drift')['skip_features']) | list %}
{%- set origin_anchored = spike_origin_anchored_features() %}

with

predictions as (

    select model_version, zone, target_ts_utc, forecast_origin_ts_utc, spike_probability
    from {{ ref('ml_spike_scores') }}
    union all
    -- a promoted challenger scored its rows twice (shadow, then champion): count them once
    select model_version, zone, target_ts_utc, forecast_origin_ts_utc, spike_probability
    from {{ ref('ml_shadow_scores') }} as shadow
    where not exists (
        select 1 from {{ ref('ml_spike_scores') }} as served
        where served.model_version = shadow.model_version
          and served.zone = shadow.zone
          and served.target_ts_utc = shadow.target_ts_utc)

),

scored as (

    select
        *,
        target_ts_utc = min(target_ts_utc) over (
            partition by model_version, zone, forecast_origin_ts_utc) as first_of_origin
    from predictions

),

reference as (

    select model_version, zone, kind, feature, bin, lower_edge, upper_edge
    from {{ ref('mon_drift_reference') }}

),

feature_values as (

    select
        scored.model_version,
        scored.zone,
        cast(scored.target_ts_utc as date) as scored_date,
        'feature' as kind,
        names.feature,
        names.grain,
        case names.feature
            {%- for name in features %}
            when '{{ name }}' then cast(mart.{{ name }} as double)
            {%- endfor %}
        end as value
    from scored
    inner join {{ ref('fct_spike_features') }} as mart
        on scored.zone = mart.zone
        and scored.target_ts_utc = mart.target_ts_utc
    cross join (values
        {%- for name in features %}
        ('{{ name }}', '{{ "origin" if name in origin_anchored else "target" }}')
        {{- "," if not loop.last }}
        {%- endfor %}
    ) as names(feature, grain)
    where names.grain = 'target' or scored.first_of_origin

),

all_values as (

    select * from feature_values
    union all
    select
        model_version,
        zone,
        cast(target_ts_utc as date) as scored_date,
        'prediction' as kind,
        'spike_probability' as feature,
        'target' as grain,
        spike_probability as value
    from scored

),

binned as (

    select all_values.*, reference.bin
    from all_values
    inner join reference
        on all_values.model_version = reference.model_version
        and all_values.zone = reference.zone
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
        and all_values.zone = reference.zone
        and all_values.kind = reference.kind
        and all_values.feature = reference.feature
        and reference.bin = 0
    where all_values.value is null or isnan(all_values.value)

)

select
    model_version,
    zone,
    kind,
    feature,
    grain,
    scored_date,
    bin,
    count(*) as rows_in_bin
from binned
group by model_version, zone, kind, feature, grain, scored_date, bin
