-- One row per country, weather variable and UTC hour for every non-empty cell
-- of the OPSD weather_data file (temperature in °C, radiation in W/m²). Rename,
-- cast and convert to UTC only; bad timestamps or numbers abort with file,
-- column, line and rule.
{{ config(unique_key='ts_utc') }}
{%- set since = incremental_since('ts_utc') %}
{%- set raw_path = raw_source_path('opsd', 'weather_data') %}
{%- set column_regex = opsd_weather_column_regex() | trim %}
{%- do assert_raw_file_columns(
    source('opsd', 'weather_data'), raw_path,
    required=['utc_timestamp'],
    value_column_regex=column_regex,
    known_variables=opsd_known_variables('weather'),
    ignore_patterns=var('opsd_ignore_columns')) %}

with

source as (

    select
        -- file order: DuckDB keeps a CSV scan's rows in file order
        -- (preserve_insertion_order)
        row_number() over () + 1 as source_line,
        *
    from {{ source('opsd', 'weather_data') }}

),

timestamped as (

    select
        source_line,
        filename as source_file,
        {{ parse_utc_hour_or_fail('utc_timestamp', 'filename', 'source_line') }}
            as ts_utc,
        * exclude (source_line, filename, utc_timestamp)
    from source

)
{{ opsd_wide_to_long('timestamped', 'country', column_regex, since) }}
