{#-
    Rolling statistics over time windows ending at (and including) the current hour,
    on a complete hourly spine: a frame of `hours` rows is exactly `hours` hours.
    Nulls inside the window are skipped (the statistic covers the hours published).
    Statistics: mean, std (sample), min, max, count (of published values), and p<NN>
    quantiles (e.g. p90).
-#}

{% macro rolling_stat(column, stat, hours, partition_by='zone', order_by='ts_utc') -%}
    {%- set frame = "over (partition by " ~ partition_by ~ " order by " ~ order_by
        ~ " rows between " ~ (hours - 1) ~ " preceding and current row)" -%}
    {%- if stat == 'mean' -%} avg({{ column }}) {{ frame }}
    {%- elif stat == 'std' -%} stddev_samp({{ column }}) {{ frame }}
    {%- elif stat == 'min' -%} min({{ column }}) {{ frame }}
    {%- elif stat == 'max' -%} max({{ column }}) {{ frame }}
    {%- elif stat == 'count' -%} count({{ column }}) {{ frame }}
    {%- elif stat.startswith('p') and stat[1:] | int > 0 -%}
        {{ rolling_quantile(column, (stat[1:] | int) / 100, frame) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "rolling_stat: unknown statistic '" ~ stat ~ "' (mean, std, min, max, count, pNN)") }}
    {%- endif -%}
{%- endmacro %}

{% macro rolling_quantile(column, quantile, frame) -%}
    {{ return(adapter.dispatch('rolling_quantile', 'open_power_ml')(column, quantile, frame)) }}
{%- endmacro %}

{% macro duckdb__rolling_quantile(column, quantile, frame) -%}
    quantile_cont({{ column }}, {{ quantile }}) {{ frame }}
{%- endmacro %}

{% macro ramp(column, hours, partition_by='zone', order_by='ts_utc') -%}
    {#- Change over the last `hours` hours: the value minus the value `hours` before. -#}
    {{ column }} - {{ lag_hours(column, hours, partition_by, order_by) }}
{%- endmacro %}
