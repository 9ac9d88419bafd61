-- DAM settlement point prices, one row per settlement point and delivery hour,
-- stamped with the hour's exact UTC start. Raw lines come from the files of
-- this run ({{ source('ercot', 'dam_spp') }}); every line is checked (date,
-- hour ending, flag, price, repeats) with errors naming file, column, line and
-- rule.
{%- set raw = ercot_raw_files('dam_spp', ['Delivery Date', 'Hour Ending',
        'Repeated Hour Flag', 'Settlement Point', 'Settlement Point Price']) %}
{{ config(post_hook="{{ ercot_unique_intervals_hook(
    'settlement_point', 'Settlement Point', 60) }}") }}

with

lines as (

    {{ ercot_lines(raw) }}

),

calendar as (

    {{ ercot_calendar('(' ~ ercot_dates(raw, '"Delivery Date"') ~ ')', 60) }}

),

parsed as (

    select
        lines.*,
        {{ ercot_parse_hour_ending('"Hour Ending"') }} as hour_ending,
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
        and parsed.hour_ending = calendar.hour_ending
        and parsed."Repeated Hour Flag" = calendar.repeated_hour_flag

),

renamed as (

    select
        ---------- keys
        {{ ercot_interval_start_or_fail(
            'calendar_start', 'source_file', 'source_line',
            date={'column': 'Delivery Date', 'raw': '"Delivery Date"'},
            hour={'column': 'Hour Ending', 'raw': '"Hour Ending"',
                  'parsed': 'hour_ending', 'format': '01:00..24:00'},
            flag={'column': 'Repeated Hour Flag',
                  'raw': '"Repeated Hour Flag"'}) }} as interval_start_utc,
        {{ ercot_required_text('"Settlement Point"', 'Settlement Point',
            'source_file', 'source_line') }} as settlement_point,

        ---------- values
        {{ number_or_fail('price', '"Settlement Point Price"',
            "'Settlement Point Price'", 'source_file',
            'source_line') }} as dam_spp,

        ---------- as published (Central Prevailing Time)
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
