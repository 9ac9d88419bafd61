-- Real-time settlement point prices, one row per settlement point and 15-minute
-- interval, stamped with the interval's exact UTC start. Raw lines come from
-- the files of this run ({{ source('ercot', 'rtm_spp') }}); every line is
-- checked (date, hour, interval, flag, price, repeats) with errors naming file,
-- column, line and rule.
{%- set raw = ercot_raw_files('rtm_spp', ['Delivery Date', 'Delivery Hour',
        'Delivery Interval', 'Repeated Hour Flag', 'Settlement Point Name',
        'Settlement Point Type', 'Settlement Point Price']) %}
{{ config(post_hook="{{ ercot_unique_intervals_hook(
    'settlement_point', 'Settlement Point Name', 15) }}") }}

with

lines as (

    {{ ercot_lines(raw) }}

),

calendar as (

    {{ ercot_calendar('(' ~ ercot_dates(raw, '"Delivery Date"') ~ ')', 15) }}

),

parsed as (

    select
        lines.*,
        {{ ercot_parse_small_integer('"Delivery Hour"') }} as delivery_hour,
        {{ ercot_parse_small_integer('"Delivery Interval"') }}
            as delivery_interval,
        try_cast(lines."Settlement Point Price" as double) as price
    from lines

),

timed as (

    select
        parsed.*,
        calendar.interval_start_utc as calendar_start,
        calendar.delivery_date
    from parsed
    left join calendar
        on parsed."Delivery Date" = calendar.delivery_date_text
        and parsed.delivery_hour = calendar.hour_ending
        and parsed.delivery_interval = calendar.interval_in_hour
        and parsed."Repeated Hour Flag" = calendar.repeated_hour_flag

),

renamed as (

    select
        ---------- keys
        {{ ercot_interval_start_or_fail(
            'calendar_start', 'source_file', 'source_line',
            date={'column': 'Delivery Date', 'raw': '"Delivery Date"'},
            hour={'column': 'Delivery Hour', 'raw': '"Delivery Hour"',
                  'parsed': 'delivery_hour', 'format': '1..24'},
            interval={'column': 'Delivery Interval',
                      'raw': '"Delivery Interval"',
                      'parsed': 'delivery_interval', 'format': '1..4'},
            flag={'column': 'Repeated Hour Flag',
                  'raw': '"Repeated Hour Flag"'}) }} as interval_start_utc,
        {{ ercot_required_text(
            '"Settlement Point Name"', 'Settlement Point Name',
            'source_file', 'source_line') }} as settlement_point,

        ---------- values
        {{ number_or_fail('price', '"Settlement Point Price"',
            "'Settlement Point Price'", 'source_file',
            'source_line') }} as rtm_spp,

        ---------- as published (Central Prevailing Time)
        "Settlement Point Type" as settlement_point_type_code,
        delivery_date,
        delivery_hour,
        delivery_interval,
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
