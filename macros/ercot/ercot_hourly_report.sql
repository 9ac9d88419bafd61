{#-
    The shared first part of the staging models for ERCOT's hourly wide reports (load by
    weather zone, wind, solar, DAM ancillary-service prices): one line per delivery hour,
    one column per value. Produces the WITH list up to a CTE `cells`: one row per
    non-empty value cell, with interval_start_utc (checked through the calendar),
    value_column (the header name), value (a finite number, else an error naming file,
    column, line and rule) and the line's lineage. The model shapes `cells`; its post-hook
    (ercot_unique_intervals_hook) checks repeats.
-#}

{% macro ercot_hourly_report_cells(table_name, date_column, hour_column, hour_style,
        flag_column, value_columns, optional_value_columns=[], extra_columns=false) -%}
    {#- hour_style: 'hh:00' for "01:00".."24:00", 'integer' for 1..24. -#}
{%- set raw = ercot_raw_files(table_name, [date_column, hour_column, flag_column] + value_columns,
    optional_value_columns, extra_columns) %}
lines as (

    {{ ercot_lines(raw) }}

),

calendar as (

    {{ ercot_calendar('(' ~ ercot_dates(raw, '"' ~ date_column ~ '"') ~ ')', 60) }}

),

parsed as (

    select
        lines.*,
        {%- if hour_style == 'hh:00' %}
        {{ ercot_parse_hour_ending('"' ~ hour_column ~ '"') }} as parsed_hour
        {%- else %}
        {{ ercot_parse_small_integer('"' ~ hour_column ~ '"') }} as parsed_hour
        {%- endif %}
    from lines

),

timed as (

    select
        {{ ercot_interval_start_or_fail('calendar.interval_start_utc', 'parsed.source_file',
            'parsed.source_line',
            date={'column': date_column, 'raw': 'parsed."' ~ date_column ~ '"'},
            hour={'column': hour_column, 'raw': 'parsed."' ~ hour_column ~ '"',
                  'parsed': 'parsed.parsed_hour',
                  'format': '01:00..24:00' if hour_style == 'hh:00' else '1..24'},
            flag={'column': flag_column, 'raw': 'parsed."' ~ flag_column ~ '"'}) }}
            as interval_start_utc,
        calendar.delivery_date,
        parsed.parsed_hour as hour_ending,
        parsed."{{ flag_column }}" = 'Y' as repeated_hour,
        parsed.* exclude (parsed_hour, "{{ date_column }}", "{{ hour_column }}", "{{ flag_column }}")
    from parsed
    left join calendar
        on parsed."{{ date_column }}" = calendar.delivery_date_text
        and parsed.parsed_hour = calendar.hour_ending
        and parsed."{{ flag_column }}" = calendar.repeated_hour_flag

),

unpivoted as (

    -- empty cells produce no row (a value not published)
    unpivot timed
    on {% for name in value_columns + optional_value_columns -%}
        "{{ name }}"{{ ', ' if not loop.last }}
    {%- endfor %}
    into name value_column value raw_value

),

cells as (

    select
        interval_start_utc,
        delivery_date,
        hour_ending,
        repeated_hour,
        value_column,
        {{ number_or_fail('try_cast(raw_value as double)', 'raw_value', 'value_column',
            'source_file', 'source_line') }} as value,
        source_file,
        source_line,
        source_file_bytes,
        source_file_modified,
        {{ ercot_loaded_at() }} as loaded_at
    from unpivoted

)
{%- endmacro %}


{% macro ercot_generation_report(table_name, forecast_prefix, regions) -%}
    {#- The wind and solar staging models: ACTUAL_<region> and <forecast_prefix>_<region>
        columns (SYSTEM_WIDE required, `regions` optional, further report columns not read)
        to one row per region and hour with actual_mw and forecast_mw. -#}
    {%- set optional = [] %}
    {%- for region in regions %}
        {%- do optional.extend(['ACTUAL_' ~ region, forecast_prefix ~ '_' ~ region]) %}
    {%- endfor %}
with

{{ ercot_hourly_report_cells(table_name, 'DELIVERY_DATE', 'HOUR_ENDING', 'integer', 'DSTFlag',
    ['ACTUAL_SYSTEM_WIDE', forecast_prefix ~ '_SYSTEM_WIDE'], optional, extra_columns=true) }},

renamed as (

    select
        ---------- keys
        interval_start_utc,
        regexp_extract(value_column, '^(ACTUAL|{{ forecast_prefix }})_(.+)$', 2) as region,

        ---------- values
        max(value) filter (where starts_with(value_column, 'ACTUAL_')) as actual_mw,
        max(value) filter (where not starts_with(value_column, 'ACTUAL_')) as forecast_mw,

        ---------- as published (Central Prevailing Time)
        any_value(delivery_date) as delivery_date,
        any_value(hour_ending) as hour_ending,
        any_value(repeated_hour) as repeated_hour,

        ---------- lineage
        any_value(source_file) as source_file,
        min(source_line) as source_line,
        any_value(source_file_bytes) as source_file_bytes,
        any_value(source_file_modified) as source_file_modified,
        any_value(loaded_at) as loaded_at

    from cells
    -- a line's cells share interval, file and line; a region repeated on two lines stays
    -- two rows, which the repeat check reports
    group by interval_start_utc, region, source_file, source_line

)

select * from renamed
{%- endmacro %}
