-- One row per country, weather variable and UTC hour for every non-empty cell of
-- the OPSD weather_data file (temperature in °C, radiation in W/m²). Rename, cast
-- and convert to UTC only; bad timestamps or numbers abort with file, column,
-- line and rule.
{{ config(unique_key='ts_utc') }}
{%- set since = incremental_since('ts_utc') %}
{%- set raw_path = raw_source_path('opsd', 'weather_data') %}
{%- set column_regex = opsd_weather_column_regex() | trim %}
{%- do assert_raw_file_columns(
    source('opsd', 'weather_data'), raw_path,
    required=['utc_timestamp'],
    value_column_regex=column_regex) %}

with

source as (

    select
        -- file order: DuckDB keeps a CSV scan's rows in file order (preserve_insertion_order)
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

),

{%- if since %}

cells_checked as (

    -- incremental: every cell of the file is still checked, column by column, without
    -- unpivoting the lines that are not rewritten
    {{ check_numeric_columns_or_fail('timestamped', column_regex) }}

),

recent as (

    select * from timestamped
    where ts_utc >= timestamp '{{ since }}'

),
{%- endif %}

unpivoted as (

    -- only the columns that follow the naming convention; empty cells produce no row
    unpivot {{ 'recent' if since else 'timestamped' }}
    on columns('{{ column_regex }}')
    into name opsd_column value raw_value

),

column_names as (

    -- split each distinct column name once, not once per cell
    select
        opsd_column,
        regexp_extract(opsd_column, '{{ column_regex }}', 1) as country,
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
        column_names.country,
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
order by ts_utc, country, variable
