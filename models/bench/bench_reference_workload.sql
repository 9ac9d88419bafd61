-- Benchmark only (bench/bench_features.py): the reference feature workload that the
-- benchmark also runs in plain DuckDB SQL, pandas and Polars, written with the project's
-- feature macros so that it measures them. Disabled unless var bench_enabled is true:
--   dbt run --select bench_reference_workload --vars '{bench_enabled: true}'
-- Per zone, on the complete hourly spine of int_spike__hourly_inputs:
--   price lags 24/48/168 h; mean and sample sd of the price over 24/168/672 rows ending
--   24 rows back (frame [t-24-w+1, t-24]); 168-row mean of residual load ending at t;
--   hour of day and ISO weekday of ts_local.
-- "Ending 24 rows back" is a rolling_stat over the 24 h price lag (the lag is null for
-- the first 24 rows of a zone, which lie outside the zone anyway, so the frames are the
-- same). Set var bench_rolling_offset: true once rolling_stat takes an `offset` argument
-- to call it on the price directly.
{{ config(
    materialized='table',
    enabled=var('bench_enabled', false),
    tags=['bench'],
) }}
{%- set lags = [24, 48, 168] %}
{%- set windows = [24, 168, 672] %}
{%- set known_offset = 24 %}
{%- set use_offset = var('bench_rolling_offset', false) %}

with

inputs as (

    select zone, ts_utc, ts_local, price_eur_mwh, residual_load_mw
    from {{ ref('int_spike__hourly_inputs') }}

),

lagged as (

    select
        *,
        {%- for lag in lags %}
        {{ lag_hours('price_eur_mwh', lag) }} as price_lag_{{ lag }}h,
        {%- endfor %}
        {{ calendar_features('ts_local', 'null', 'null') }}
    from inputs

),

features as (

    select
        zone,
        ts_utc,
        {%- for lag in lags %}
        price_lag_{{ lag }}h,
        {%- endfor %}
        {%- for w in windows %}
        {%- for stat in ['mean', 'std'] %}
        {%- if use_offset %}
        {{ rolling_stat('price_eur_mwh', stat, w, offset=known_offset) }}
        {%- else %}
        {{ rolling_stat('price_lag_' ~ known_offset ~ 'h', stat, w) }}
        {%- endif %} as price_{{ stat }}_{{ w }}h,
        {%- endfor %}
        {%- endfor %}
        {{ rolling_stat('residual_load_mw', 'mean', 168) }} as residual_load_mean_168h,
        hour_of_day,
        day_of_week
    from lagged

)

select * from features
