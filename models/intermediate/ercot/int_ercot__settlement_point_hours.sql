-- The ERCOT hourly layer: one row per settlement point and UTC hour on a
-- complete spine, from the point's first to its last priced hour (DAM, RT or
-- SCED), with the DAM price, the RT and SCED hourly means and their interval
-- counts, and the system's load, wind, solar and DAM ancillary-service prices
-- of the hour. An hour without a value keeps its row with nulls (and 0
-- intervals), so gaps stay visible; the spring-forward hour does not exist in
-- UTC terms and is never invented.
{{ config(unique_key='hour_start_utc') }}
{%- set watermark = "(select max(input_loaded_at) from " ~ this ~ ")" %}
{%- set since = incremental_since(
    'hour_start_utc',
    also_from=ercot_earliest_new_hour([
        {'relation': ref('stg_ercot__dam_spp'), 'time': 'interval_start_utc',
            'loaded': 'loaded_at'},
        {'relation': ref('int_ercot__rtm_hourly'), 'time': 'hour_start_utc',
            'loaded': 'input_loaded_at'},
        {'relation': ref('int_ercot__sced_hourly'), 'time': 'hour_start_utc',
            'loaded': 'input_loaded_at'},
        {'relation': ref('stg_ercot__load'), 'time': 'interval_start_utc',
            'loaded': 'loaded_at'},
        {'relation': ref('stg_ercot__wind'), 'time': 'interval_start_utc',
            'loaded': 'loaded_at'},
        {'relation': ref('stg_ercot__solar'), 'time': 'interval_start_utc',
            'loaded': 'loaded_at'},
        {'relation': ref('stg_ercot__dam_as'), 'time': 'interval_start_utc',
            'loaded': 'loaded_at'},
    ], watermark) if is_incremental() else none
) %}

with

dam as (

    select
        interval_start_utc as hour_start_utc,
        settlement_point,
        dam_spp,
        loaded_at
    from {{ ref('stg_ercot__dam_spp') }}
    {{- since_filter('interval_start_utc', since) }}

),

rtm as (

    select * from {{ ref('int_ercot__rtm_hourly') }}
    {{- since_filter('hour_start_utc', since) }}

),

sced as (

    select * from {{ ref('int_ercot__sced_hourly') }}
    {{- since_filter('hour_start_utc', since) }}

),

priced_hours as (

    -- the tables themselves, not the CTEs above: a CTE read twice is held in
    -- memory whole
    select
        settlement_point,
        interval_start_utc as hour_start_utc
    from {{ ref('stg_ercot__dam_spp') }}
    {{- since_filter('interval_start_utc', since) }}
    union all
    select
        settlement_point,
        hour_start_utc
    from {{ ref('int_ercot__rtm_hourly') }}
    {{- since_filter('hour_start_utc', since) }}
    union all
    select
        settlement_point,
        hour_start_utc
    from {{ ref('int_ercot__sced_hourly') }}
    {{- since_filter('hour_start_utc', since) }}

),

point_spans as (

    -- each point's first to last priced hour; on an incremental run over its
    -- whole history (the table's span too), and the spine below re-builds only
    -- the hours from `since`
    select
        settlement_point,
        min(first_hour) as first_hour,
        max(last_hour) as last_hour
    from (
        select
            settlement_point,
            min(hour_start_utc) as first_hour,
            max(hour_start_utc) as last_hour
        from priced_hours
        group by settlement_point
        {%- if since %}
        union all
        -- the table has no gaps, so its rows from `since` on give the same
        -- bounds
        select
            settlement_point,
            min(hour_start_utc),
            max(hour_start_utc)
        from {{ this }}{{ since_filter('hour_start_utc', since) }}
        group by settlement_point
        {%- endif %}
    ) as spans
    group by settlement_point

),

spine as (

    select
        settlement_point,
        {{ hourly_series(
            "greatest(first_hour, timestamp '" ~ since ~ "')"
            if since else 'first_hour',
            'last_hour'
        ) }} as hour_start_utc
    from point_spans

),

point_hours as (

    select
        spine.settlement_point,
        spine.hour_start_utc,
        dam.dam_spp,
        rtm.rtm_spp_mean,
        coalesce(rtm.rtm_spp_intervals, 0) as rtm_spp_intervals,
        coalesce(rtm.rtm_spp_incomplete, true) as rtm_spp_incomplete,
        sced.sced_lmp_mean,
        coalesce(sced.sced_lmp_intervals, 0) as sced_lmp_intervals,
        coalesce(sced.sced_lmp_incomplete, true) as sced_lmp_incomplete,
        greatest(
            dam.loaded_at, rtm.input_loaded_at, sced.input_loaded_at
        ) as input_loaded_at
    from spine
    left join dam
        on spine.settlement_point = dam.settlement_point
        and spine.hour_start_utc = dam.hour_start_utc
    left join rtm
        on spine.settlement_point = rtm.settlement_point
        and spine.hour_start_utc = rtm.hour_start_utc
    left join sced
        on spine.settlement_point = sced.settlement_point
        and spine.hour_start_utc = sced.hour_start_utc

),

system_hours as (

    -- ERCOT-wide values of each hour, one row per hour
    select
        hour_start_utc,
        max(load_mw) filter (where source = 'load') as system_load_mw,
        max(actual_mw) filter (where source = 'wind') as wind_actual_mw,
        max(forecast_mw) filter (where source = 'wind') as wind_forecast_mw,
        max(actual_mw) filter (where source = 'solar') as solar_actual_mw,
        max(forecast_mw) filter (where source = 'solar') as solar_forecast_mw,
        {%- for service in ['regdn', 'regup', 'rrs', 'nspin', 'ecrs'] %}
        max(mcpc) filter (
            where source = 'as' and ancillary_service = '{{ service | upper }}'
        ) as as_{{ service }}_mcpc,
        {%- endfor %}
        max(loaded_at) as loaded_at
    from (
        select
            interval_start_utc as hour_start_utc,
            'load' as source,  -- name kept -- noqa: RF04
            load_mw,
            null as actual_mw,
            null as forecast_mw,
            null as ancillary_service,
            null as mcpc,
            loaded_at
        from {{ ref('stg_ercot__load') }}
        where weather_zone = 'ERCOT'
        {{- since_filter('interval_start_utc', since, 'and') }}
        union all by name
        select
            interval_start_utc as hour_start_utc,
            'wind' as source,  -- name kept -- noqa: RF04
            actual_mw,
            forecast_mw,
            loaded_at
        from {{ ref('stg_ercot__wind') }}
        where region = 'SYSTEM_WIDE'
        {{- since_filter('interval_start_utc', since, 'and') }}
        union all by name
        select
            interval_start_utc as hour_start_utc,
            'solar' as source,  -- name kept -- noqa: RF04
            actual_mw,
            forecast_mw,
            loaded_at
        from {{ ref('stg_ercot__solar') }}
        where region = 'SYSTEM_WIDE'
        {{- since_filter('interval_start_utc', since, 'and') }}
        union all by name
        select
            interval_start_utc as hour_start_utc,
            'as' as source,  -- name kept -- noqa: RF04
            ancillary_service,
            mcpc,
            loaded_at
        from {{ ref('stg_ercot__dam_as') }}
        {{- since_filter('interval_start_utc', since) }}
    )
    group by hour_start_utc

),

hours as (

    -- every hour of the spine once, with its local time and the system's values
    select
        hours.hour_start_utc,
        cast({{ ercot_local('hours.hour_start_utc') }} as date)
            as delivery_date,
        cast(hour({{ ercot_local('hours.hour_start_utc') }}) + 1 as integer)
            as hour_ending,
        -- the second pass of the fall-back hour: the same local time an hour
        -- earlier
        {{ ercot_local('hours.hour_start_utc') }}
        = {{ ercot_local('hours.hour_start_utc - interval 1 hour') }}
            as repeated_hour,
        system_hours.* exclude (system_hours.hour_start_utc)
    from (
        select
            {{ hourly_series(
                "greatest(min(first_hour), timestamp '" ~ since ~ "')"
                if since else 'min(first_hour)',
                'max(last_hour)'
            ) }} as hour_start_utc
        from point_spans
    ) as hours
    left join system_hours on hours.hour_start_utc = system_hours.hour_start_utc

),

points as (

    select * from {{ ref('ercot_settlement_points') }}

),

joined as (

    select
        ---------- keys
        point_hours.hour_start_utc,
        point_hours.settlement_point,

        ---------- the point
        points.settlement_point_type,
        points.load_zone,

        ---------- local hour (Central Prevailing Time)
        hours.delivery_date,
        hours.hour_ending,
        hours.repeated_hour,

        ---------- prices (USD/MWh)
        point_hours.dam_spp,
        point_hours.rtm_spp_mean,
        point_hours.rtm_spp_intervals,
        point_hours.rtm_spp_incomplete,
        point_hours.sced_lmp_mean,
        point_hours.sced_lmp_intervals,
        point_hours.sced_lmp_incomplete,

        ---------- system (MW; ancillary services USD/MW per hour)
        hours.system_load_mw,
        hours.wind_actual_mw,
        hours.wind_forecast_mw,
        hours.solar_actual_mw,
        hours.solar_forecast_mw,
        {%- for service in ['regdn', 'regup', 'rrs', 'nspin', 'ecrs'] %}
        hours.as_{{ service }}_mcpc,
        {%- endfor %}

        ---------- lineage
        greatest(
            point_hours.input_loaded_at, hours.loaded_at
        ) as input_loaded_at

    from point_hours
    left join points on point_hours.settlement_point = points.settlement_point
    inner join hours on point_hours.hour_start_utc = hours.hour_start_utc

)

-- no sort: 26M rows x 25 columns sorted at once exceed the memory limit at
-- scale; rows come out in the order of the joins' probe side, nearly
-- time-ordered (measured on the scale build: 279 of 26.3M consecutive rows step
-- back in time), so time filters still skip
select * from joined
