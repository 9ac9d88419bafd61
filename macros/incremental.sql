{#-
    Incremental builds by time. Every time-keyed model re-processes the hours from
    `incremental_since(...)` on, a fixed look-back (var incremental_lookback_hours) before
    the newest hour it already holds, and replaces those hours (delete+insert keyed on the
    time column). The look-back covers late values: the live feed's last day carries load
    forecasts first and actuals and prices a day later. Models whose values reach further
    back (rolling windows) read that much more input but write only from `since` on.
    Tables are written ordered by time first, so a time filter skips whole row groups
    (DuckDB keeps min/max per row group); ordered by zone, every group spans all hours.
    ERCOT's staging tables keep their files' order (time order) instead of sorting, and its
    hourly layer is nearly time-ordered without a sort (see the model).
-#}

{% macro incremental_since(time_column, also_from=none) -%}
    {#- The first hour to re-process, as 'YYYY-MM-DD HH:MM:SS', or none on a full build.
        also_from: a query for an earlier hour that must be re-processed too. -#}
    {#- unit tests run without a relation of their own: they always see a full build -#}
    {%- if not execute or model.resource_type == 'unit_test' -%}{{ return(none) }}{%- endif -%}
    {%- if not is_incremental() -%}{{ return(none) }}{%- endif -%}
    {%- set lookback_start = "(select max(" ~ time_column ~ ") - "
        ~ hours(var('incremental_lookback_hours')) ~ " from " ~ this ~ ")" -%}
    {%- if also_from -%}
        {%- set lookback_start = "least(" ~ lookback_start ~ ", (" ~ also_from ~ "))" -%}
    {%- endif -%}
    {%- set result = run_query(
        "select strftime(" ~ lookback_start ~ ", '%Y-%m-%d %H:%M:%S')") -%}
    {%- set since = result.columns[0].values()[0] -%}
    {{ return(since) }}
{%- endmacro %}

{% macro shift_hours(ts_literal, hours_back) -%}
    {#- A timestamp literal `hours_back` hours before ts_literal ('YYYY-MM-DD HH:MM:SS'). -#}
    (timestamp '{{ ts_literal }}' - {{ hours(hours_back) }})
{%- endmacro %}

{% macro since_filter(column, since, keyword='where') -%}
    {#- `where <column> >= since` on an incremental run (since set), nothing on a full build. -#}
    {%- if since %} {{ keyword }} {{ column }} >= timestamp '{{ since }}'{% endif -%}
{%- endmacro %}
