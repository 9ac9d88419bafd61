{#-
    Calendar features of a local (zone time) timestamp. Always known in advance.
    The holiday flag needs the public_holidays seed joined on country and local date
    (pass its date column) and the seed's list of countries (pass the joined country).
-#}

{% macro calendar_features(ts_local, holiday_date_column, holiday_country_column) -%}
    cast(extract('hour' from {{ ts_local }}) as integer) as hour_of_day,
    cast(extract('isodow' from {{ ts_local }}) as integer) as day_of_week,
    cast(extract('month' from {{ ts_local }}) as integer) as month,
    extract('isodow' from {{ ts_local }}) >= 6 as is_weekend,
    -- unknown (null), not false, for countries the holiday seed does not cover
    case when {{ holiday_country_column }} is not null
        then {{ holiday_date_column }} is not null end as is_public_holiday
{%- endmacro %}
