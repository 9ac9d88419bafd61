-- Solar power production (NP4-737-CD), actual and forecast (STPPF), one row per region and hour (region
-- SYSTEM_WIDE is ERCOT as a whole), stamped with the hour's exact UTC start. Raw lines come
-- from the files of this run ({{ source('ercot', 'solar') }}); errors name file, column,
-- line and rule. Regional columns are optional; columns the report adds beyond these are
-- not read.
{%- set regions = ['FAR_WEST', 'CENTER_WEST', 'SOUTH_EAST'] %}
{%- set optional = [] %}
{%- for region in regions %}{% do optional.extend(['ACTUAL_' ~ region, 'STPPF_' ~ region]) %}{% endfor %}
{{ config(post_hook="{{ ercot_unique_intervals_hook('region', 'HOUR_ENDING', 60) }}") }}

with

{{ ercot_hourly_report_cells('solar', 'DELIVERY_DATE', 'HOUR_ENDING', 'integer', 'DSTFlag',
    ['ACTUAL_SYSTEM_WIDE', 'STPPF_SYSTEM_WIDE'], optional, extra_columns=true) }},

renamed as (

    select
        ---------- keys
        interval_start_utc,
        regexp_extract(value_column, '^(ACTUAL|STPPF)_(.+)$', 2) as region,

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
