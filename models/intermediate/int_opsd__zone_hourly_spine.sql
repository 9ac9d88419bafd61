-- depends_on: {{ ref('dq_stg_opsd__time_series') }}
-- The complete hourly axis of every bidding zone: one row per zone and UTC hour
-- from the zone's first to its last published value of any hourly series, with
-- no hour missing, so that lags and windows downstream are lags in time, not in
-- rows. Zones come from the raw file (var opsd_zones narrows them); country and
-- time zone come from the opsd_zones seed, defaulting to the zone code's
-- country prefix and CET/CEST for zones the seed does not list. Incremental
-- runs add the hours from the look-back on (macros/incremental.sql).
{{ config(unique_key='ts_utc') }}
{%- set since = incremental_since('ts_utc') %}
{%- set variables = opsd_hourly_series()
    | selectattr('source', 'equalto', 'time_series')
    | map(attribute='variable') | list %}
{%- set selected_zones = var('opsd_zones') %}

with

observed_zones as (

    select
        zone,
        min(ts_utc) as first_ts_utc,
        max(ts_utc) as last_ts_utc
    from {{ ref('stg_opsd__time_series') }}
    where variable in ({{ sql_strings(variables) }})
    {%- if selected_zones %}
        and zone in ({{ sql_strings(selected_zones) }})
    {%- endif %}
    group by zone

),

zones as (

    select
        observed_zones.zone,
        coalesce(
            zone_reference.country, left(observed_zones.zone, 2)
        ) as country,
        coalesce(zone_reference.timezone, 'Europe/Brussels') as timezone,
        observed_zones.first_ts_utc,
        observed_zones.last_ts_utc
    from observed_zones
    left join {{ ref('opsd_zones') }} as zone_reference
        on observed_zones.zone = zone_reference.zone

),

spine as (

    select
        zone,
        country,
        timezone,
        {%- if since %}
        {{ hourly_series(
            "greatest(first_ts_utc, timestamp '" ~ since ~ "')",
            'last_ts_utc'
        ) }}
        {%- else %}
        {{ hourly_series('first_ts_utc', 'last_ts_utc') }}
        {%- endif %} as ts_utc
    from zones

)

select
    zone,
    ts_utc,
    country,
    timezone
from spine
order by ts_utc, zone
