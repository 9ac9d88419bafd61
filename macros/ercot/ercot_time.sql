{#-
    ERCOT time conventions to exact UTC interval starts.

    ERCOT stamps its reports in Central Prevailing Time (America/Chicago) in three ways:
    hour ending ("01:00".."24:00", or 1..24; hour ending 24:00 starts at 23:00 local), hour
    ending plus a 15-minute interval (1..4), and the SCED run's timestamp. On the
    fall-back day the local hour 01:00-02:00 happens twice: the second time (CST) carries
    Repeated Hour Flag Y. On the spring-forward day 02:00-03:00 local does not exist.

    Staging does not convert local times arithmetically (DuckDB maps an ambiguous local time
    to its later instant and moves a nonexistent one silently). It joins each line to a
    calendar built from UTC instants instead: every instant of the delivery day's local
    intervals, with its local hour ending, interval and repeated-hour flag. A line that finds
    no calendar row is wrong, and ercot_interval_start_or_fail says why.
-#}

{% macro ercot_local(ts_utc) -%}
    {#- Central Prevailing Time (naive) of a naive UTC timestamp. -#}
    {{ utc_to_local(ts_utc, "'America/Chicago'") }}
{%- endmacro %}


{% macro ercot_parse_date(text) -%}
    {#- A delivery date written MM/DD/YYYY (two-digit month and day, as ERCOT writes them),
        or null. -#}
    case when regexp_full_match({{ text }}, '[0-9]{2}/[0-9]{2}/[0-9]{4}')
        then cast(try_strptime({{ text }}, '%m/%d/%Y') as date) end
{%- endmacro %}


{% macro ercot_parse_small_integer(text) -%}
    {#- A one- or two-digit whole number (hour ending 1..24, interval 1..4), or null:
        '2.5', '1e1' or '0x3' are not rounded into a valid value. -#}
    case when regexp_full_match({{ text }}, '[0-9]{1,2}') then cast({{ text }} as integer) end
{%- endmacro %}


{% macro ercot_parse_hour_ending(text) -%}
    {#- An hour ending written "01:00".."24:00" (two digits, on the hour) as 1..24, or null;
        the range is checked where the value is used. -#}
    case when regexp_full_match({{ text }}, '[0-9]{2}:00') then cast(left({{ text }}, 2) as integer) end
{%- endmacro %}


{% macro ercot_calendar(dates, grain_minutes) -%}
    {#- One row per local interval (grain_minutes long) of every delivery date in `dates`
        (a relation or parenthesised query with delivery_date_text, the date as written,
        MM/DD/YYYY): delivery_date, hour_ending (1..24), interval_in_hour (1..60/grain),
        repeated_hour_flag (Y on the second, CST, pass of the fall-back hour), local_start
        and interval_start_utc (naive UTC). A malformed date yields no row. -#}
    select
        delivery_date_text,
        delivery_date,
        interval_start_utc,
        local_start,
        hour(local_start) + 1 as hour_ending,
        minute(local_start) // {{ grain_minutes }} + 1 as interval_in_hour,
        case when row_number() over (
                partition by delivery_date_text, local_start order by interval_start_utc) = 2
            then 'Y' else 'N' end as repeated_hour_flag
    from (
        select
            dates.delivery_date_text,
            dates.delivery_date,
            instants.interval_start_utc,
            {{ ercot_local('instants.interval_start_utc') }} as local_start
        from (
            select
                delivery_date_text,
                {{ ercot_parse_date('delivery_date_text') }} as delivery_date
            from {{ dates }} as dates_seen
        ) as dates
        cross join lateral (
            -- local midnight is 05:00 or 06:00 UTC; these 26 hours hold the whole day (a
            -- null date, malformed, generates none)
            select unnest(generate_series(
                cast(dates.delivery_date as timestamp) + interval 5 hour,
                cast(dates.delivery_date as timestamp) + interval 31 hour,
                interval {{ grain_minutes }} minute)) as interval_start_utc
        ) as instants
    )
    where cast(local_start as date) = delivery_date
{%- endmacro %}


{% macro ercot_interval_start_or_fail(matched, file, line, date, hour, flag, interval=none) -%}
    {#-
        The calendar's interval_start_utc for a line (`matched`, null when the line found
        no calendar row), or an error naming file, column, line and rule. date, hour,
        flag, interval: dicts with `column` (header name), `raw` (text expression) and,
        for hour and interval, `parsed` (integer expression, null when malformed) and
        `format` (what a valid value looks like); hour may name itself with `label`
        (default 'hour ending').
    -#}
    {%- set hour_label = hour.get('label', 'hour ending') %}
    case
        when {{ matched }} is not null then {{ matched }}
        when {{ ercot_parse_date(date.raw) }} is null
            then {{ raise_raw_error(file, "'" ~ date.column ~ "'", line,
                "coalesce('''' || " ~ date.raw ~ " || '''', 'empty value')"
                ~ " || ' is not a date like 01/31/2024 (MM/DD/YYYY)'",
                'delivery_date_format') }}
        when {{ hour.parsed }} is null or {{ hour.parsed }} not between 1 and 24
            then {{ raise_raw_error(file, "'" ~ hour.column ~ "'", line,
                "coalesce('''' || " ~ hour.raw ~ " || '''', 'empty value')"
                ~ " || ' is not an hour ending " ~ hour.format ~ "'",
                'hour_ending_range') }}
        {%- if interval %}
        when {{ interval.parsed }} is null or {{ interval.parsed }} not between 1 and 4
            then {{ raise_raw_error(file, "'" ~ interval.column ~ "'", line,
                "coalesce('''' || " ~ interval.raw ~ " || '''', 'empty value')"
                ~ " || ' is not a 15-minute interval " ~ interval.format ~ "'",
                'delivery_interval_range') }}
        {%- endif %}
        when {{ flag.raw }} is null or {{ flag.raw }} not in ('N', 'Y')
            then {{ raise_raw_error(file, "'" ~ flag.column ~ "'", line,
                "coalesce('''' || " ~ flag.raw ~ " || '''', 'empty value')"
                ~ " || ' is not a repeated-hour flag (N or Y)'",
                'repeated_hour_flag_value') }}
        when {{ flag.raw }} = 'Y'
            then {{ raise_raw_error(file, "'" ~ flag.column ~ "'", line,
                "'Y marks the second pass of the fall-back hour, but " ~ hour_label ~ " '"
                ~ " || " ~ hour.raw ~ " || ' of ' || " ~ date.raw
                ~ " || ' is not repeated (only hour ending 02:00 of the first Sunday in November is)'",
                'repeated_hour_flag_dst') }}
        else {{ raise_raw_error(file, "'" ~ hour.column ~ "'", line,
                "'" ~ hour_label ~ " ' || " ~ hour.raw ~ " || ' of ' || " ~ date.raw
                ~ " || ' does not exist in Central Prevailing Time (clocks skip 02:00-03:00 on the"
                ~ " spring-forward day)'",
                'nonexistent_local_hour') }}
    end
{%- endmacro %}


{% macro ercot_unique_intervals_hook(key_column, key_label, grain_minutes) -%}
    {#-
        Post-hook of the ERCOT staging models: no (key, interval) twice among the rows this
        run loaded and the rows the table already held for the same period; otherwise an
        error naming the file, the column, both lines and the rule. Hooks run inside the
        model's transaction, so the error rolls the load back: nothing is written. Checking
        the written table (typed, compressed) costs less than a second pass over the CSV
        lines. Hours are screened first with a bitmask of the intervals seen, so only
        hours with a repeat are grouped by interval.
    -#}
    with

    period as (

        -- the span of the rows this run loaded (none: nothing to check)
        select min(interval_start_utc) as first_start, max(interval_start_utc) as last_start
        from {{ this }}
        where loaded_at = {{ ercot_loaded_at() }}

    ),

    repeated_hours as (

        -- the table itself, not a CTE of its rows: a CTE read twice is held in memory whole
        select {{ key_column }}, date_trunc('hour', interval_start_utc) as hour_start
        from {{ this }}
        inner join period
            on interval_start_utc between period.first_start and period.last_start
        group by all
        having count(*) > bit_count(bit_or(
            cast(1 as bigint) << (minute(interval_start_utc) // {{ grain_minutes }})))

    ),

    repeats as (

        select
            checked.{{ key_column }},
            checked.interval_start_utc,
            count(*) as repeats,
            min({'file': checked.source_file, 'line': checked.source_line}) as first_seen,
            max({'file': checked.source_file, 'line': checked.source_line}) as last_seen
        from {{ this }} as checked
        inner join period
            on checked.interval_start_utc between period.first_start and period.last_start
        semi join repeated_hours
            on checked.{{ key_column }} = repeated_hours.{{ key_column }}
            and date_trunc('hour', checked.interval_start_utc) = repeated_hours.hour_start
        group by all

    )

    select count(
        case when repeats > 1 then
            {{ raise_raw_error('last_seen.file', "'" ~ key_label ~ "'", 'last_seen.line',
                "'the interval starting ' || strftime(interval_start_utc, '%Y-%m-%d %H:%M')"
                ~ " || ' UTC for ' || " ~ key_column ~ " || ' appears '"
                ~ " || repeats || ' times, first at ' || first_seen.file || ' line ' || first_seen.line",
                'unique_interval') }}
        end
    ) as failures
    from repeats
{%- endmacro %}


{% macro ercot_earliest_new_hour(relations, watermark) -%}
    {#- A query for the earliest hour holding rows loaded after `watermark` (a SQL
        timestamp expression) in any of `relations` (each with interval_start_utc or
        hour_start_utc and loaded_at or input_loaded_at, given as a dict {relation, time,
        loaded}): the hours a late-arriving file touched, for incremental_since's also_from.
    -#}
    select min(hour_start) from (
        {%- for r in relations %}
        select min(date_trunc('hour', {{ r.time }})) as hour_start
        from {{ r.relation }} where {{ r.loaded }} > {{ watermark }}
        {{- ' union all' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}


{% macro ercot_resample_hourly(staging, price_column, prefix, intervals_per_hour) -%}
    {#- Hourly means of a sub-hourly price per settlement point, with the count of
        intervals seen and a flag when fewer than intervals_per_hour were, written in time
        order. Re-processes the hours from a look-back before the newest hour held, or
        from the earliest hour a late file touched (the staging rows loaded after the
        newest input_loaded_at held). -#}
    {%- set since = incremental_since('hour_start_utc', also_from=ercot_earliest_new_hour(
        [{'relation': staging, 'time': 'interval_start_utc', 'loaded': 'loaded_at'}],
        "(select max(input_loaded_at) from " ~ this ~ ")") if is_incremental() else none) %}
    select
        ---------- keys
        date_trunc('hour', interval_start_utc) as hour_start_utc,
        settlement_point,

        ---------- values
        avg({{ price_column }}) as {{ prefix }}_mean,
        count(*) as {{ prefix }}_intervals,
        count(*) < {{ intervals_per_hour }} as {{ prefix }}_incomplete,

        ---------- lineage
        max(loaded_at) as input_loaded_at

    from {{ staging }}{{ since_filter('interval_start_utc', since) }}
    group by all
    order by hour_start_utc, settlement_point
{%- endmacro %}
