-- Every origin-anchored statistic of the spike mart, evaluated for the window that
-- ends at each zone-hour (windows and ramps count hours on the complete spine). The
-- mart reads one row of this table per origin and series family, at the last hour
-- whose value was public at the origin, instead of recomputing windows per target.
-- Also carries the target-hour price lags with their publication times, and the
-- trailing price statistics of the spike rule.
{{ config(unique_key='ts_utc') }}
{%- do assert_spike_definition_unchanged() %}
{%- set since = incremental_since('ts_utc') %}
{%- set features = spike_origin_features() %}
{%- set rule = var('spike_rule') %}

with

inputs as (

    select * from {{ ref('int_spike__hourly_inputs') }}
    {%- if since %}
    -- incremental: read the longest reach back before the first hour rebuilt
    where ts_utc >= {{ shift_hours(since, spike_max_lookback_hours()) }}
    {%- endif %}

),

windows as (

    select
        zone,
        ts_utc,

        ---------- origin-anchored statistics (window ending at this hour)
        {%- for f in features %}
        {%- if f.kind == 'last' %}
        {{ f.series }} as {{ f.name }},
        {%- elif f.kind == 'stat' %}
        {{ rolling_stat(f.series, f.stat, f.hours) }} as {{ f.name }},
        {%- else %}
        {{ ramp(f.series, f.hours) }} as {{ f.name }},
        {%- endif %}
        {%- endfor %}

        ---------- spike rule: trailing price statistics
        {{ rolling_stat('price_eur_mwh', 'mean', rule['window_hours']) }} as spike_rule_price_mean,
        {{ rolling_stat('price_eur_mwh', 'std', rule['window_hours']) }} as spike_rule_price_std,
        {{ rolling_stat('price_eur_mwh', 'count', rule['window_hours']) }}
            as spike_rule_price_count,

        ---------- target-hour price lags and when each lagged price was published
        {%- for lag in var('spike_price_lags_hours') %}
        {{ lag_hours('price_eur_mwh', lag) }} as price_lag_{{ lag }}h,
        {{ lag_hours('price_available_at_utc', lag) }} as price_lag_{{ lag }}h_available_at_utc
            {{- "," if not loop.last }}
        {%- endfor %}

    from inputs

)

select * from windows
{%- if since %}
where ts_utc >= timestamp '{{ since }}'
{%- endif %}
order by ts_utc, zone
