-- Spike-risk feature mart: one row per zone and target hour, forecast at its
-- origin.
-- Grain: (zone, target_ts_utc); forecast_origin_ts_utc is the moment the
-- forecast is made (gate_closure mode: D-1 at the auction's gate closure, zone
-- local time; fixed_horizon mode: target - horizon). Point in time: every
-- feature uses only values published at or before the origin (publication
-- times from int_spike__hourly_inputs).
-- Column roles (key / feature / label) are declared in the contract YAML.
-- Incremental runs rebuild the targets from the look-back on (labels arrive a
-- day after scoring).
{{ config(unique_key='target_ts_utc') }}
{%- do assert_spike_definition_unchanged() %}
{#- incremental: from the look-back, or from the oldest target still waiting
    for its label -#}
{%- set since = incremental_since('target_ts_utc',
    also_from="select min(target_ts_utc) from " ~ this
    ~ " where split = 'score'") %}
{%- set origin_cfg = var('spike_forecast_origin') %}
{%- set rule = var('spike_rule') %}
{%- set split = var('spike_split') %}
{%- set features = spike_origin_features() %}
{%- set gap_needed = spike_min_gap_hours() %}
{%- if split['gap_hours'] < gap_needed %}
    {{ exceptions.raise_compiler_error(
        "var spike_split.gap_hours is " ~ split['gap_hours']
        ~ " h; it must cover the longest lead time, the actuals' delay and "
        ~ "the longest reach back, " ~ gap_needed ~ " h") }}
{%- endif %}
{%- if origin_cfg['mode'] == 'fixed_horizon'
    and origin_cfg['horizon_hours'] < 36 %}
    {#- a shorter horizon would make the target day's auction result public at
        the origin, so the target's own price would be a feature -#}
    {{ exceptions.raise_compiler_error(
        "var spike_forecast_origin.horizon_hours must be at least 36 (the "
        ~ "day-ahead auction's longest lead); " ~ origin_cfg['horizon_hours']
        ~ " h would put the target's own published price among its "
        ~ "features") }}
{%- endif %}
{%- if rule['method'] not in ['trailing_mean_sd', 'absolute'] %}
    {{ exceptions.raise_compiler_error(
        "var spike_rule.method must be trailing_mean_sd or absolute, not "
        ~ rule['method']) }}
{%- endif %}

-- Import CTEs read several times are "not materialized": each reference scans
-- only the columns it needs instead of copying a wide table once.
with

inputs as not materialized (

    select * from {{ ref('int_spike__hourly_inputs') }}

),

origin_features as (

    select * from {{ ref('int_spike__origin_features') }}
    {%- if since %}
    where forecast_origin_ts_utc >= {{ shift_hours(since,
        spike_max_lead_hours() + 1) }}
    {%- endif %}

),

holidays as (

    select * from {{ ref('public_holidays') }}

),

holiday_countries as (

    select distinct country from holidays

),

last_observed as (

    select
        zone,
        max(ts_utc) filter (where price_eur_mwh is not null)
            as last_price_ts_utc
    from inputs
    group by zone

),

targets as (

    -- every hour is a target; the price lags come with the time each lagged
    -- price was published, so that only those public at the origin are kept
    select
        zone,
        ts_utc as target_ts_utc,
        forecast_origin_ts_utc,
        country,
        ts_local,
        price_eur_mwh,
        {%- for lag in var('spike_price_lags_hours') %}
        {{ lag_hours('price_eur_mwh', lag) }} as price_lag_{{ lag }}h,
        {{ lag_hours('price_available_at_utc', lag) }}
            as price_lag_{{ lag }}h_available_at_utc,
        {%- endfor %}
        load_forecast_mw,
        load_forecast_available_at_utc
    from inputs
    {%- if since %}
    -- incremental: the targets from `since` on and the hours their lags reach
    -- back to
    where ts_utc >= {{ shift_hours(since,
        var('spike_price_lags_hours') | max) }}
    {%- endif %}

),

assembled as (

    select
        ---------- keys
        targets.zone,
        targets.target_ts_utc,
        targets.forecast_origin_ts_utc,

        ---------- features: known ahead for the target hour
        cast(
            {{ dbt.datediff('targets.forecast_origin_ts_utc',
                'targets.target_ts_utc', 'hour') }}
            as integer
        ) as lead_hours,
        {{ calendar_features('targets.ts_local', 'holidays.holiday_date',
            'holiday_countries.country') }},
        {{ available_value('targets.load_forecast_mw',
            'targets.load_forecast_available_at_utc',
            'targets.forecast_origin_ts_utc') }} as load_forecast_mw,

        ---------- features: target-hour price lags, where public at the origin
        {%- for lag in var('spike_price_lags_hours') %}
        {{ available_value('targets.price_lag_' ~ lag ~ 'h',
            'targets.price_lag_' ~ lag ~ 'h_available_at_utc',
            'targets.forecast_origin_ts_utc') }} as price_lag_{{ lag }}h,
        {%- endfor %}

        ---------- features: origin-anchored (last value, windows, ramps)
        {%- for f in features %}
        origin_features.{{ f.name }},
        {%- endfor %}

        ---------- labels
        targets.price_eur_mwh,
        {%- if rule['method'] == 'trailing_mean_sd' %}
        case
            when origin_features.spike_rule_price_count
                >= {{ rule['min_observations'] }}
                then origin_features.spike_rule_price_mean
                    + {{ rule['k_sd'] }} * origin_features.spike_rule_price_std
        end
        {%- else %}
        cast({{ rule['absolute_eur_mwh'] }} as double)
        {%- endif %} as spike_threshold_eur_mwh,
        case
            when targets.target_ts_utc > last_observed.last_price_ts_utc
                or last_observed.last_price_ts_utc is null then 'score'
            when targets.target_ts_utc
                < timestamp '{{ split["validation_start"] }}'
                - {{ hours(split['gap_hours']) }} then 'train'
            when targets.target_ts_utc
                < timestamp '{{ split["validation_start"] }}' then 'gap'
            when targets.target_ts_utc
                < timestamp '{{ split["test_start"] }}'
                - {{ hours(split['gap_hours']) }} then 'validation'
            when targets.target_ts_utc
                < timestamp '{{ split["test_start"] }}' then 'gap'
            else 'test'
        end as split

    from targets
    left join origin_features
        on targets.zone = origin_features.zone
        and targets.forecast_origin_ts_utc
        = origin_features.forecast_origin_ts_utc
    left join holidays
        on targets.country = holidays.country
        and cast(targets.ts_local as date) = holidays.holiday_date
    left join holiday_countries
        on targets.country = holiday_countries.country
    left join last_observed
        on targets.zone = last_observed.zone
    {%- if since %}
    where targets.target_ts_utc >= timestamp '{{ since }}'
    {%- endif %}

)

select
    * exclude (price_eur_mwh, spike_threshold_eur_mwh, split),

    ---------- features: scale-free, (value - center) / scale
    -- (var spike_standardized_features)
    {%- for name, terms in var('spike_standardized_features').items() %}
    ({{ terms[0] }} - {{ terms[1] }}) / nullif({{ terms[2] }}, 0) as {{ name }},
    {%- endfor %}

    ---------- labels
    price_eur_mwh,
    spike_threshold_eur_mwh,
    price_eur_mwh > spike_threshold_eur_mwh as is_spike,
    split
from assembled
-- not re-sorted: sorting ~90 columns by time costs more memory than row-group
-- skipping saves
