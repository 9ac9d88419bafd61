-- One row per region, variable and UTC hour for every non-empty value cell of
-- the OPSD 60-minute single-index file. Rename, cast and convert to UTC only:
-- the raw file is read by header name as text, and a bad timestamp or number
-- aborts the build with the file, column, line and rule in the message.
{{ config(unique_key='ts_utc') }}
{%- set since = incremental_since('ts_utc') %}
{%- set raw_path = raw_source_path('opsd', 'time_series_60min_singleindex') %}
{%- set column_regex = opsd_time_series_column_regex() | trim %}
{%- do assert_raw_file_columns(
    source('opsd', 'time_series_60min_singleindex'), raw_path,
    required=['utc_timestamp', 'cet_cest_timestamp'],
    value_column_regex=column_regex,
    known_variables=opsd_known_variables('time_series'),
    ignore_patterns=var('opsd_ignore_columns')) %}

with

source as (

    select
        -- file order: DuckDB keeps a CSV scan's rows in file order
        -- (preserve_insertion_order)
        row_number() over () + 1 as source_line,
        *
    from {{ source('opsd', 'time_series_60min_singleindex') }}

),

timestamped as (

    select
        source_line,
        filename as source_file,
        {{ parse_utc_hour_or_fail('utc_timestamp', 'filename', 'source_line') }}
            as ts_utc,
        * exclude (source_line, filename, utc_timestamp)
    from source

),

local_time_checked as (

    select * exclude (cet_cest_timestamp)
    from timestamped
    where {{ check_local_timestamp_or_fail(
        'cet_cest_timestamp', 'ts_utc', 'source_file', 'source_line') }}

)
{{ opsd_wide_to_long('local_time_checked', 'zone', column_regex, since) }}
