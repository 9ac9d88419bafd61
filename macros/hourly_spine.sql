{#-
    A complete hourly time axis. `hourly_series(first_ts, last_ts)` is a set-returning
    select expression yielding every hour from first_ts to last_ts inclusive, so a
    spine per zone is `select zone, {{ hourly_series('first_ts', 'last_ts') }} as ts_utc
    from bounds`. Lags and windows downstream count hours on this axis, never rows.
-#}

{% macro hourly_series(first_ts, last_ts) -%}
    {{ return(adapter.dispatch('hourly_series', 'open_power_ml')(first_ts, last_ts)) }}
{%- endmacro %}

{% macro duckdb__hourly_series(first_ts, last_ts) -%}
    unnest(generate_series({{ first_ts }}, {{ last_ts }}, interval 1 hour))
{%- endmacro %}

{% macro default__hourly_series(first_ts, last_ts) -%}
    {{ exceptions.raise_compiler_error(
        "hourly_series is implemented for DuckDB only; add a dispatch for "
        ~ target.type) }}
{%- endmacro %}
