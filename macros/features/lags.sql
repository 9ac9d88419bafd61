{#-
    Lags in hours on a complete hourly spine: because every partition has one row per
    hour, a row offset of n is exactly n hours back. Never use these on gappy data.
-#}

{% macro lag_hours(column, hours, partition_by='zone', order_by='ts_utc') -%}
    lag({{ column }}, {{ hours }}) over (partition by {{ partition_by }} order by {{ order_by }})
{%- endmacro %}

{% macro available_value(value, available_at, origin) -%}
    {#- The value if it was published at or before the origin, else null. -#}
    case when {{ available_at }} <= {{ origin }} then {{ value }} end
{%- endmacro %}
