-- One row per region, variable and UTC hour for every non-empty value cell of the
-- OPSD 60-minute single-index file. Rename, cast and convert to UTC only: the raw
-- file is read by header name as text, and a bad timestamp or number aborts the
-- build with the file, column, line and rule in the message.
{{ config(unique_key='ts_utc') }}
{%- set since = incremental_since('ts_utc') %}
{%- set raw_path = raw_source_path('opsd', 'time_series_60min_singleindex') %}
{%- set column_regex = opsd_time_series_column_regex() | trim %}
{%- do assert_raw_file_columns(
    source('opsd', 'time_series_60min_singleindex'), raw_path,
    required=['utc_timestamp', 'cet_cest_timestamp'],
    value_column_regex=column_regex) %}

with

source as (

    select
        -- file order: DuckDB keeps a CSV scan's rows in file order (preserve_insertion_order)
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

    select
        * exclude (cet_cest_timestamp)
    from timestamped
    where {{ check_local_timestamp_or_fail(
        'cet_cest_timestamp', 'ts_utc', 'source_file', 'source_line') }}

),

{%- if since %}

cells_checked as (

    -- incremental: every cell of the file is still checked, column by column, without
    -- unpivoting the lines that are not rewritten
    {{ check_numeric_columns_or_fail('local_time_checked', column_regex) }}

),

recent as (

    select * from local_time_checked
    where ts_utc >= timestamp '{{ since }}'

),
{%- endif %}

unpivoted as (

    -- only the columns that follow the naming convention; empty cells produce no row
    unpivot {{ 'recent' if since else 'local_time_checked' }}
    on columns('{{ column_regex }}')
    into name opsd_column value raw_value

),

column_names as (

    -- split each distinct column name once, not once per cell
    select
        opsd_column,
        regexp_extract(opsd_column, '{{ column_regex }}', 1) as zone,
        regexp_extract(opsd_column, '{{ column_regex }}', 2) as variable
    from (select distinct opsd_column from unpivoted)

),

parsed as (

    select *, try_cast(raw_value as double) as parsed_value
    from unpivoted

),

renamed as (

    select
        ---------- keys
        parsed.ts_utc,
        column_names.zone,
        column_names.variable,

        ---------- values
        {{ number_or_fail('parsed.parsed_value', 'parsed.raw_value', 'parsed.opsd_column',
            'parsed.source_file', 'parsed.source_line') }} as value,

        ---------- lineage
        parsed.opsd_column as source_column,
        parsed.source_file,
        parsed.source_line

    from parsed
    inner join column_names on parsed.opsd_column = column_names.opsd_column

)
{%- if since %}

-- reading cells_checked makes the whole-file check part of the query
select renamed.*
from renamed, cells_checked
where cells_checked.failures = 0
{%- else %}

select * from renamed
{%- endif %}
order by ts_utc, zone, variable
