-- SCED locational marginal prices, one row per settlement point and 5-minute
-- interval (the interval holding the SCED run), stamped with its exact UTC
-- start; the run's own time is kept too. Raw lines come from the files of this
-- run ({{ source('ercot', 'sced_lmp') }}); errors name file, column, line and
-- rule.
{%- set raw = ercot_raw_files('sced_lmp', ['SCED Timestamp',
        'Repeated Hour Flag', 'Settlement Point', 'LMP']) %}
{{ config(post_hook="{{ ercot_unique_intervals_hook(
    'settlement_point', 'SCED Timestamp', 5) }}") }}

with

lines as (

    {{ ercot_lines(raw) }}

),

calendar as (

    {{ ercot_calendar(
        '(' ~ ercot_dates(raw, 'left("SCED Timestamp", 10)') ~ ')', 5) }}

),

parsed as (

    select
        lines.*,
        try_strptime(lines."SCED Timestamp", '%m/%d/%Y %H:%M:%S') as sced_local,
        time_bucket(interval 5 minute, sced_local) as interval_local,
        -- "LMP" is a raw CSV header: read quoted, as every header is here
        try_cast(lines."LMP" as double) as lmp_value  -- noqa: RF06
    from lines

),

timed as (

    select
        parsed.*,
        calendar.interval_start_utc as calendar_start,
        calendar.delivery_date,
        calendar.hour_ending
    from parsed
    left join calendar
        on parsed.interval_local = calendar.local_start
        and parsed."Repeated Hour Flag" = calendar.repeated_hour_flag

),

renamed as (

    select
        ---------- keys
        {{ ercot_interval_start_or_fail(
            "coalesce(calendar_start, case when sced_local is null then "
            ~ raise_raw_error(
                'source_file', "'SCED Timestamp'", 'source_line',
                "coalesce('''' || \"SCED Timestamp\" || '''', 'empty value')"
                ~ " || ' is not a timestamp like 01/31/2024 13:05:17"
                ~ " (MM/DD/YYYY HH:MM:SS)'",
                'sced_timestamp_format')
            ~ " end)",
            'source_file', 'source_line',
            date={'column': 'SCED Timestamp',
                  'raw': 'left("SCED Timestamp", 10)'},
            hour={'column': 'SCED Timestamp',
                  'raw': "strftime(sced_local, '%H:%M:%S')",
                  'label': 'time',
                  'parsed': 'hour(sced_local) + 1', 'format': '00:00..23:59'},
            flag={'column': 'Repeated Hour Flag',
                  'raw': '"Repeated Hour Flag"'}) }} as interval_start_utc,
        {{ ercot_required_text('"Settlement Point"', 'Settlement Point',
            'source_file', 'source_line') }} as settlement_point,

        ---------- values
        {{ number_or_fail('lmp_value', '"LMP"', "'LMP'", 'source_file',
            'source_line') }} as lmp,

        ---------- as published (Central Prevailing Time)
        calendar_start + (sced_local - interval_local) as sced_timestamp_utc,
        delivery_date,
        hour_ending,
        "Repeated Hour Flag" = 'Y' as repeated_hour,

        ---------- lineage
        source_file,
        source_line,
        source_file_bytes,
        source_file_modified,
        {{ ercot_loaded_at() }} as loaded_at

    from timed

)

-- rows keep the files' order, which is time order (ERCOT's files are per day or
-- per year, sorted within): time filters downstream skip row groups without a
-- sort here
select * from renamed
