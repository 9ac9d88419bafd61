-- Origin-anchored features of the spike mart: one row per zone and forecast
-- origin with each series' last value, rolling statistics and ramps (vars
-- spike_origin_series, spike_windows_hours, spike_ramps_hours) at the last hour
-- whose value was public at the origin, and the spike rule's trailing price
-- statistics. The same for all 24 target hours of a delivery day, so computed
-- once per origin, not per target: the windows are evaluated along each zone's
-- hourly spine and only the anchor hours are kept.
{{ config(unique_key='forecast_origin_ts_utc') }}
{%- do assert_spike_definition_unchanged() %}
{%- set since = incremental_since('forecast_origin_ts_utc') %}
{%- set features = spike_origin_features() %}
{%- set rule = var('spike_rule') %}
{%- set availability = var('spike_availability') %}
{%- set actuals_lag_hours =
    1 + availability['actuals_publication_delay_hours'] %}
{#- mean, std and count come from running sums; min, max and quantiles from
    frames -#}
{%- set summed = {'price_eur_mwh': true} %}
{%- for f in features
    if f.kind == 'stat' and f.stat in ['mean', 'std', 'count'] %}
{%- do summed.update(
    {f.series: summed.get(f.series, false) or f.stat == 'std'}) %}
{%- endfor %}

with

inputs as not materialized (

    select * from {{ ref('int_spike__hourly_inputs') }}
    {%- if since %}
    -- incremental: the origins from `since` on and every hour their windows
    -- reach back to
    where ts_utc >= {{ shift_hours(since,
        actuals_lag_hours + spike_max_lookback_hours()) }}
    {%- endif %}

),

running as (

    select
        *
        {%- for series, with_squares in summed.items() %},
        {{ running_sums(series, with_squares) }}{% endfor %}
    from inputs

),

hourly_windows as (

    -- every statistic for the window ending at each hour
    select
        zone,
        ts_utc,
        {%- for f in features %}
        {%- if f.kind == 'last' %}
        {{ f.series }} as {{ f.name }},
        {%- elif f.kind == 'stat' and f.stat in ['mean', 'std', 'count'] %}
        {{ rolling_from_sums(f.series, f.stat, f.hours) }} as {{ f.name }},
        {%- elif f.kind == 'stat' %}
        {{ rolling_stat(f.series, f.stat, f.hours) }} as {{ f.name }},
        {%- else %}
        {{ ramp(f.series, f.hours) }} as {{ f.name }},
        {%- endif %}
        {%- endfor %}
        {{ rolling_from_sums('price_eur_mwh', 'mean', rule['window_hours']) }}
            as spike_rule_price_mean,
        {{ rolling_from_sums('price_eur_mwh', 'std', rule['window_hours']) }}
            as spike_rule_price_std,
        {{ rolling_from_sums('price_eur_mwh', 'count', rule['window_hours']) }}
            as spike_rule_price_count
    from running

),

zone_origins as (

    select distinct
        zone,
        timezone,
        forecast_origin_ts_utc
    from inputs
    {%- if since %}
    where forecast_origin_ts_utc >= timestamp '{{ since }}'
    {%- endif %}

),

origin_anchors as (

    -- per time zone and origin (time-zone arithmetic once, not per zone), the
    -- last hour of each availability class that was public at the origin:
    -- actuals end the publication delay + 1 h before it; prices run to the end
    -- of the last delivery day whose auction results were out
    select
        timezone,
        forecast_origin_ts_utc,
        forecast_origin_ts_utc - {{ hours(actuals_lag_hours) }}
            as actual_anchor_ts_utc,
        {{ end_of_local_day_utc(
            "cast(origin_local_less_delay as date) + case when "
            ~ "origin_local_less_delay >= cast(origin_local_less_delay as date)"
            ~ " + time '"
            ~ var('spike_forecast_origin')['gate_closure_local_time']
            ~ "' then 1 else 0 end", 'timezone') }} as price_anchor_ts_utc
    from (
        select
            timezone,
            forecast_origin_ts_utc,
            {{ utc_to_local(
                'forecast_origin_ts_utc - '
                ~ hours(availability['price_publication_delay_hours']),
                'timezone') }} as origin_local_less_delay
        from (  -- noqa: AL10
            select distinct
                timezone,
                forecast_origin_ts_utc
            from zone_origins
        )
    )

),

anchors as (

    -- the hours each origin reads: one row per zone, origin and availability
    -- class
    select
        zone_origins.zone,
        zone_origins.forecast_origin_ts_utc,
        availability.class as availability_class,
        case availability.class
            when 'actual' then origin_anchors.actual_anchor_ts_utc
            else origin_anchors.price_anchor_ts_utc
        end as anchor_ts_utc
    from zone_origins
    inner join origin_anchors
        on zone_origins.timezone = origin_anchors.timezone
        and zone_origins.forecast_origin_ts_utc
        = origin_anchors.forecast_origin_ts_utc
    cross join (values ('actual'), ('price')) as availability (class)

),

anchored as (

    select
        anchors.zone,
        anchors.forecast_origin_ts_utc,
        anchors.availability_class,
        hourly_windows.* exclude (zone, ts_utc)  -- noqa: RF02
    from anchors
    left join hourly_windows
        on anchors.zone = hourly_windows.zone
        and anchors.anchor_ts_utc = hourly_windows.ts_utc

)

select
    zone,
    forecast_origin_ts_utc,
    {%- for f in features %}
    max({{ f.name }}) filter (where availability_class = '{{ f.anchor }}')
        as {{ f.name }},
    {%- endfor %}
    max(spike_rule_price_mean) filter (where availability_class = 'price')
        as spike_rule_price_mean,
    max(spike_rule_price_std) filter (where availability_class = 'price')
        as spike_rule_price_std,
    max(spike_rule_price_count) filter (where availability_class = 'price')
        as spike_rule_price_count
from anchored
group by zone, forecast_origin_ts_utc
