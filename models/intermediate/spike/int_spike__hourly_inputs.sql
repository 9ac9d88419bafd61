-- depends_on: {{ ref('dq_int_opsd__zone_hours') }}
-- The series the spike mart is built from, one row per priced zone and UTC hour
-- on a complete spine that runs through the delivery day after the zone's last
-- published price (the day to forecast), with the time each value became
-- public:
--   price of hour h: after the day-ahead auction for h's delivery day, i.e. the
--     gate closure on the day before plus the publication delay;
--   actuals (load, solar, wind, weather) of hour h: at h + 1 h + the
--     publication delay;
--   load forecast of hour h: the lead time before its delivery day's gate
--     closure.
{{ config(unique_key='ts_utc') }}
{%- do assert_spike_definition_unchanged() %}
{%- set since = incremental_since('ts_utc') %}
{%- set origin = var('spike_forecast_origin') %}
{%- set availability = var('spike_availability') %}

with

hours as not materialized (

    select * from {{ ref('int_opsd__zone_hours') }}

),

zones as (

    select
        zone,
        any_value(country) as country,
        any_value(timezone) as timezone,
        max(ts_utc) as last_ts_utc,
        max(ts_utc) filter (where price_eur_mwh is not null)
            as last_price_ts_utc,
        -- generation a zone never publishes counts as none in the derived
        -- series; a gap in a series it does publish stays a gap (null)
        count(solar_mw) > 0 as publishes_solar,
        count(wind_onshore_mw) > 0 as publishes_wind_onshore,
        count(wind_offshore_mw) > 0 as publishes_wind_offshore
    from hours
    group by zone

),

to_forecast as (

    -- hours of the next delivery day that the hourly layer does not reach yet
    select
        zone,
        country,
        timezone,
        {{ hourly_series('last_ts_utc + interval 1 hour',
            'scoring_end_ts_utc') }} as ts_utc
    from (
        select
            *,
            {{ end_of_local_day_utc(
                "cast(" ~ utc_to_local('last_price_ts_utc', 'timezone')
                ~ " as date) + 1",
                'timezone') }} as scoring_end_ts_utc
        from zones
        where last_price_ts_utc is not null
    )
    where scoring_end_ts_utc > last_ts_utc

),

spine as not materialized (

    select *
    from (  -- noqa: AL10
        select
            zone,
            country,
            timezone,
            ts_utc,
            price_eur_mwh,
            load_actual_mw,
            load_forecast_mw,
            solar_mw,
            wind_onshore_mw,
            wind_offshore_mw,
            temperature_c
        from hours
        -- a price-spike mart: regions that publish no price (control areas)
        -- stay out
        where
            zone in (
                select zones.zone from zones
                where zones.last_price_ts_utc is not null
            )
        union all
        select
            zone,
            country,
            timezone,
            ts_utc,
            null as price_eur_mwh,
            null as load_actual_mw,
            null as load_forecast_mw,
            null as solar_mw,
            null as wind_onshore_mw,
            null as wind_offshore_mw,
            null as temperature_c
        from to_forecast
    )
    {%- if since %}
    where ts_utc >= timestamp '{{ since }}'
    {%- endif %}

),

clock as (

    -- time-zone arithmetic once per time zone and hour, not once per zone and
    -- hour
    select
        timezone,
        ts_utc,
        ts_local,
        {{ gate_closure_utc('ts_local', 'timezone') }} as gate_closure_ts_utc
    from (
        select
            timezone,
            ts_utc,
            {{ utc_to_local('ts_utc', 'timezone') }} as ts_local
        from (  -- noqa: AL10
            select distinct
                timezone,
                ts_utc
            from spine
        )
    )

),

localized as (

    select
        spine.*,
        clock.ts_local,
        clock.gate_closure_ts_utc,
        case
            when zones.publishes_solar then spine.solar_mw
            else 0
        end as solar_or_none,
        case
            when zones.publishes_wind_onshore then spine.wind_onshore_mw
            else 0
        end as wind_onshore_or_none,
        case
            when zones.publishes_wind_offshore then spine.wind_offshore_mw
            else 0
        end as wind_offshore_or_none
    from spine
    inner join zones on spine.zone = zones.zone
    inner join clock
        on spine.timezone = clock.timezone
        and spine.ts_utc = clock.ts_utc

),

derived as (

    select
        ---------- keys
        zone,
        ts_utc,
        country,
        timezone,
        ts_local,

        ---------- series
        price_eur_mwh,
        load_actual_mw,
        load_forecast_mw,
        solar_mw,
        wind_onshore_or_none + wind_offshore_or_none as wind_mw,
        load_actual_mw - solar_or_none - wind_onshore_or_none
        - wind_offshore_or_none
            as residual_load_mw,
        (solar_or_none + wind_onshore_or_none + wind_offshore_or_none)
        / nullif(load_actual_mw, 0) as renewable_share,
        temperature_c,

        ---------- publication times
        gate_closure_ts_utc
    from localized

)

select
    *,
    {%- if origin['mode'] == 'gate_closure' %}
    gate_closure_ts_utc as forecast_origin_ts_utc,
    {%- elif origin['mode'] == 'fixed_horizon' %}
    ts_utc - {{ hours(origin['horizon_hours']) }} as forecast_origin_ts_utc,
    {%- else %}
    {{ exceptions.raise_compiler_error(
        "var spike_forecast_origin.mode must be gate_closure or "
        ~ "fixed_horizon") }}
    {%- endif %}
    gate_closure_ts_utc
    + {{ hours(availability['price_publication_delay_hours']) }}
        as price_available_at_utc,
    ts_utc
    + {{ hours(1 + availability['actuals_publication_delay_hours']) }}
        as actual_available_at_utc,
    gate_closure_ts_utc
    - {{ hours(availability['load_forecast_lead_hours']) }}
        as load_forecast_available_at_utc
from derived
order by ts_utc, zone
