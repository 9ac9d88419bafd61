-- One row per bidding zone and UTC hour on the complete spine, with every
-- hourly series as a typed column (the list lives in macro opsd_hourly_series)
-- and the weather of the zone's country. For each series, is_<series>_missing
-- is true when the zone publishes that series and this hour lies within its
-- published range but the raw cell was empty; hours before a series starts or
-- after its last published value (the live feed's last day has load forecasts
-- only) are null, not missing. Incremental runs rebuild the hours from the
-- look-back on; a flag of an hour before the look-back whose series resumes
-- only later is corrected by a --full-refresh.
{{ config(unique_key='ts_utc') }}
{%- set since = incremental_since('ts_utc') %}
{%- set series = opsd_hourly_series() %}
{%- set ts_series = series
    | selectattr('source', 'equalto', 'time_series') | list %}
{%- set weather_series = series
    | selectattr('source', 'equalto', 'weather') | list %}
{%- set ts_variables = ts_series | map(attribute='variable') | list %}
{%- set weather_variables = weather_series
    | map(attribute='variable') | list %}

with

spine as (

    select * from {{ ref('int_opsd__zone_hourly_spine') }}
    {%- if since %}
    where ts_utc >= timestamp '{{ since }}'
    {%- endif %}

),

zone_values as (

    select
        {%- for s in ts_series %}
        max(value) filter (where variable = '{{ s.variable }}')
            as {{ s.column }},
        {%- endfor %}
        zone,
        ts_utc
    from {{ ref('stg_opsd__time_series') }}
    where variable in ({{ sql_strings(ts_variables) }})
    {%- if since %}
        and ts_utc >= timestamp '{{ since }}'
    {%- endif %}
    group by zone, ts_utc

),

zone_series_ranges as (

    select
        {%- for s in ts_series %}
        min(ts_utc) filter (where variable = '{{ s.variable }}')
            as {{ s.column }}_first_ts,
        max(ts_utc) filter (where variable = '{{ s.variable }}')
            as {{ s.column }}_last_ts,
        {%- endfor %}
        zone
    from {{ ref('stg_opsd__time_series') }}
    group by zone

),

country_values as (

    select
        {%- for s in weather_series %}
        max(value) filter (where variable = '{{ s.variable }}')
            as {{ s.column }},
        {%- endfor %}
        country,
        ts_utc
    from {{ ref('stg_opsd__weather') }}
    where variable in ({{ sql_strings(weather_variables) }})
    {%- if since %}
        and ts_utc >= timestamp '{{ since }}'
    {%- endif %}
    group by country, ts_utc

),

country_series_ranges as (

    select
        {%- for s in weather_series %}
        min(ts_utc) filter (where variable = '{{ s.variable }}')
            as {{ s.column }}_first_ts,
        max(ts_utc) filter (where variable = '{{ s.variable }}')
            as {{ s.column }}_last_ts,
        {%- endfor %}
        country
    from {{ ref('stg_opsd__weather') }}
    group by country

),

joined as (

    select
        ---------- keys
        spine.zone,
        spine.ts_utc,
        spine.country,
        spine.timezone,

        ---------- values
        {%- for s in ts_series %}
        zone_values.{{ s.column }},
        {%- endfor %}
        {%- for s in weather_series %}
        country_values.{{ s.column }},
        {%- endfor %}

        ---------- missing-value flags
        {%- for s in ts_series %}
        coalesce(
            zone_values.{{ s.column }} is null
            and spine.ts_utc
            between zone_series_ranges.{{ s.column }}_first_ts
            and zone_series_ranges.{{ s.column }}_last_ts,
            false
        ) as is_{{ s.name }}_missing,
        {%- endfor %}
        {%- for s in weather_series[:-1] %}
        coalesce(
            country_values.{{ s.column }} is null
            and spine.ts_utc
            between country_series_ranges.{{ s.column }}_first_ts
            and country_series_ranges.{{ s.column }}_last_ts,
            false
        ) as is_{{ s.name }}_missing,
        {%- endfor %}
        {#- The last flag is outside the loop: a loop that ends the select list
            confuses sqlfluff's indent rule. #}
        {%- set s = weather_series | last %}
        coalesce(
            country_values.{{ s.column }} is null
            and spine.ts_utc
            between country_series_ranges.{{ s.column }}_first_ts
            and country_series_ranges.{{ s.column }}_last_ts,
            false
        ) as is_{{ s.name }}_missing

    from spine
    left join zone_values
        on spine.zone = zone_values.zone
        and spine.ts_utc = zone_values.ts_utc
    left join zone_series_ranges
        on spine.zone = zone_series_ranges.zone
    left join country_values
        on spine.country = country_values.country
        and spine.ts_utc = country_values.ts_utc
    left join country_series_ranges
        on spine.country = country_series_ranges.country

)

select * from joined
order by ts_utc, zone
