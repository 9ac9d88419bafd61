-- Wind power production (NP4-732-CD), actual and forecast (STWPF), one row per
-- region and hour (region SYSTEM_WIDE is ERCOT as a whole), stamped with the
-- hour's exact UTC start. Raw lines come from the files of this run
-- ({{ source('ercot', 'wind') }}); errors name file, column, line and rule.
-- Regional columns are optional; columns the report adds beyond these are not
-- read.
{{ config(post_hook="{{ ercot_unique_intervals_hook(
    'region', 'HOUR_ENDING', 60) }}") }}

{{ ercot_generation_report('wind', 'STWPF',
    ['PANHANDLE', 'COASTAL', 'SOUTH', 'WEST', 'NORTH']) }}
