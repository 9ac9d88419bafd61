-- Benchmark only (bench/bench_features.py): the reference feature workload that the
-- benchmark also runs in plain DuckDB SQL, pandas and Polars, written with the project's
-- feature macros so that it measures them. Disabled unless var bench_enabled is true:
--   dbt run --select bench_reference_workload --vars '{bench_enabled: true}'
-- Per zone, on the complete hourly spine of int_spike__hourly_inputs:
--   price lags 24/48/168 h; mean and sample sd of the price over 24/168/672 rows ending
--   24 rows back (frame [t-24-w+1, t-24]); 168-row mean of residual load ending at t;
--   hour of day and ISO weekday of ts_local.
-- One window stage: lags and frames share one sort of the input.
{{ config(
    materialized='table',
    enabled=var('bench_enabled', false),
    tags=['bench'],
) }}
{%- set lags = [24, 48, 168] %}
{%- set windows = [24, 168, 672] %}
{%- set known_offset = 24 %}

with

inputs as (

    select zone, ts_utc, ts_local, price_eur_mwh, residual_load_mw
    from {{ ref('int_spike__hourly_inputs') }}

),

features as (

    select
        zone,
        ts_utc,
        {%- for lag in lags %}
        {{ lag_hours('price_eur_mwh', lag) }} as price_lag_{{ lag }}h,
        {%- endfor %}
        {%- for w in windows %}
        {%- for stat in ['mean', 'std'] %}
        {{ rolling_stat('price_eur_mwh', stat, w, offset=known_offset) }}
            as price_{{ stat }}_{{ w }}h,
        {%- endfor %}
        {%- endfor %}
        {{ rolling_stat('residual_load_mw', 'mean', 168) }} as residual_load_mean_168h,
        {{ calendar_features('ts_local', 'null', 'null') }}
    from inputs

)

select
    zone,
    ts_utc,
    {%- for lag in lags %}
    price_lag_{{ lag }}h,
    {%- endfor %}
    {%- for w in windows %}
    price_mean_{{ w }}h,
    price_std_{{ w }}h,
    {%- endfor %}
    residual_load_mean_168h,
    hour_of_day,
    day_of_week
from features
