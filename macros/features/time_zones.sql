{#-
    Time-zone conversion of naive timestamps. The warehouse stores naive UTC
    timestamps (ts_utc); local market time is derived with the zone's IANA time zone,
    DST included.
-#}

{% macro utc_to_local(ts_utc, timezone) -%}
    {{ return(adapter.dispatch('utc_to_local', 'open_power_ml')(ts_utc, timezone)) }}
{%- endmacro %}

{% macro duckdb__utc_to_local(ts_utc, timezone) -%}
    timezone({{ timezone }}, timezone('UTC', {{ ts_utc }}))
{%- endmacro %}

{% macro local_to_utc(ts_local, timezone) -%}
    {#- Local wall-clock time to naive UTC (a nonexistent spring-forward time shifts on). -#}
    {{ return(adapter.dispatch('local_to_utc', 'open_power_ml')(ts_local, timezone)) }}
{%- endmacro %}

{% macro duckdb__local_to_utc(ts_local, timezone) -%}
    timezone('UTC', timezone({{ timezone }}, {{ ts_local }}))
{%- endmacro %}

{% macro hours(n) -%}
    {#- An interval of n hours (n a number or SQL expression). -#}
    ({{ n }}) * interval 1 hour
{%- endmacro %}

{% macro gate_closure_utc(local_date, timezone) -%}
    {#- UTC gate closure of the day-ahead auction for a delivery day: the day before, at
        var spike_forecast_origin.gate_closure_local_time in the zone's local time. -#}
    {{ local_to_utc("cast(" ~ local_date ~ " as date) - 1 + time '"
        ~ var('spike_forecast_origin')['gate_closure_local_time'] ~ "'", timezone) }}
{%- endmacro %}

{% macro end_of_local_day_utc(local_date, timezone) -%}
    {#- UTC start of the last hour of a local calendar day (23 or 25 hours on DST days). -#}
    ({{ local_to_utc("cast(cast(" ~ local_date ~ " as date) + 1 as timestamp)", timezone) }}
        - interval 1 hour)
{%- endmacro %}
