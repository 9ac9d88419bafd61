-- Solar power production (NP4-737-CD), actual and forecast (STPPF), one row per
-- region and hour (region SYSTEM_WIDE is ERCOT as a whole), stamped with the
-- hour's exact UTC start. Raw lines come from the files of this run
-- ({{ source('ercot', 'solar') }}); errors name file, column, line and rule.
-- Regional columns are optional; columns the report adds beyond these are not
-- read.
{{ config(post_hook="{{ ercot_unique_intervals_hook(
    'region', 'HOUR_ENDING', 60) }}") }}

{{ ercot_generation_report('solar', 'STPPF',
    ['FAR_WEST', 'CENTER_WEST', 'SOUTH_EAST']) }}
