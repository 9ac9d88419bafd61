-- Actual load, one row per weather zone and hour (weather_zone ERCOT is the
-- report's TOTAL), stamped with the hour's exact UTC start. Raw lines come from
-- the files of this run ({{ source('ercot', 'load') }}); errors name file,
-- column, line and rule.
{%- set zones = ['COAST', 'EAST', 'FAR_WEST', 'NORTH', 'NORTH_C', 'SOUTHERN',
    'SOUTH_C', 'WEST'] %}
{{ config(post_hook="{{ ercot_unique_intervals_hook(
    'weather_zone', 'HourEnding', 60) }}") }}

with

{{ ercot_hourly_report_cells('load', 'OperDay', 'HourEnding', 'hh:00',
    'DSTFlag', zones + ['TOTAL']) }},

renamed as (

    select
        ---------- keys
        interval_start_utc,
        case
            when value_column = 'TOTAL' then 'ERCOT'
            else value_column
        end as weather_zone,

        ---------- values
        value as load_mw,

        ---------- as published (Central Prevailing Time)
        delivery_date,
        hour_ending,
        repeated_hour,

        ---------- lineage
        source_file,
        source_line,
        source_file_bytes,
        source_file_modified,
        loaded_at

    from cells

)

select * from renamed
