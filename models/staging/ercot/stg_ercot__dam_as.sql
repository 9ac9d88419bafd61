-- DAM ancillary-service market clearing prices for capacity, one row per
-- service and delivery hour (REGDN, REGUP, RRS, NSPIN, and ECRS from
-- 2023-06-10), stamped with the hour's exact UTC start. Raw lines come from the
-- files of this run ({{ source('ercot', 'dam_as') }}); errors name file,
-- column, line and rule.
{{ config(post_hook="{{ ercot_unique_intervals_hook(
    'ancillary_service', 'Hour Ending', 60) }}") }}

with

{{ ercot_hourly_report_cells('dam_as', 'Delivery Date', 'Hour Ending', 'hh:00',
    'Repeated Hour Flag', ['REGDN', 'REGUP', 'RRS', 'NSPIN'], ['ECRS']) }},

renamed as (

    select
        ---------- keys
        interval_start_utc,
        value_column as ancillary_service,

        ---------- values
        value as mcpc,

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
