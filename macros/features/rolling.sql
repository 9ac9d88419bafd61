{#-
    Rolling statistics over time windows ending at (and including) the current hour, or
    `offset` hours before it, on a complete hourly spine: a frame of `hours` rows is exactly `hours` hours.
    Nulls inside the window are skipped (the statistic covers the hours published).
    Statistics: mean, std (sample), min, max, count (of published values), and p<NN>
    quantiles (e.g. p90).
-#}

{% macro rolling_stat(column, stat, hours, offset=0, partition_by='zone', order_by='ts_utc') -%}
    {#- offset: the window ends that many hours before the current one (0: at it). -#}
    {%- set frame_end = "current row" if offset == 0 else offset ~ " preceding" -%}
    {%- set frame = "over (partition by " ~ partition_by ~ " order by " ~ order_by
        ~ " rows between " ~ (hours - 1 + offset) ~ " preceding and " ~ frame_end ~ ")" -%}
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

{#-
    Sums, means, standard deviations and counts from running sums differenced at two
    lags: one cumulative pass per series (running_sums, in a first select) replaces a
    re-aggregated frame per window and statistic (rolling_from_sums, in the next one).
    The sums are exact: values are fixed-point decimals (6 decimal places, so a value moves
    by at most 5e-7) summed without rounding, so a window's total does not depend on where
    the running sum started. An incremental run, whose running sums start at its look-back,
    therefore writes bitwise the same features as the run before it or a full build.
-#}

{% macro running_sums(column, with_squares=true, partition_by='zone', order_by='ts_utc') -%}
    {%- set running = "over (partition by " ~ partition_by ~ " order by " ~ order_by
        ~ " rows between unbounded preceding and current row)" -%}
    {%- set exact = "cast(" ~ column ~ " as decimal(38, 6))" -%}
    sum({{ exact }}) {{ running }} as {{ column }}__running_sum,
    {%- if with_squares %}
    sum({{ exact }} * {{ exact }}) {{ running }} as {{ column }}__running_sumsq,
    {%- endif %}
    count({{ column }}) {{ running }} as {{ column }}__running_n
{%- endmacro %}

{% macro window_total(running, hours, partition_by='zone', order_by='ts_utc') -%}
    {#- The running total's increase over the last `hours` rows (all of them at the start). -#}
    ({{ running }} - coalesce({{ lag_hours(running, hours, partition_by, order_by) }}, 0))
{%- endmacro %}

{% macro rolling_from_sums(column, stat, hours, partition_by='zone', order_by='ts_utc') -%}
    {%- set n = window_total(column ~ '__running_n', hours, partition_by, order_by) -%}
    {%- set total = "cast(" ~ window_total(column ~ '__running_sum', hours, partition_by, order_by)
        ~ " as double)" -%}
    {%- if stat == 'count' -%}
        {{ n }}
    {%- elif stat == 'mean' -%}
        {{ total }} / nullif({{ n }}, 0)
    {%- elif stat == 'std' -%}
        {%- set squares = "cast(" ~ window_total(column ~ '__running_sumsq', hours, partition_by,
            order_by) ~ " as double)" -%}
        case when {{ n }} >= 2 then sqrt(greatest(
            ({{ squares }} - {{ total }} * {{ total }} / {{ n }}) / ({{ n }} - 1), 0)) end
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "rolling_from_sums: '" ~ stat ~ "' needs rolling_stat (mean, std, count only)") }}
    {%- endif -%}
{%- endmacro %}
