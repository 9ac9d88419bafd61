{#-
    Calendar features of a local (zone time) timestamp. Always known in advance.
    The holiday flag needs the public_holidays seed joined on country and local date;
    pass the joined holiday column.
-#}

{% macro calendar_features(ts_local, holiday_date_column, prefix='') -%}
    cast(extract('hour' from {{ ts_local }}) as integer) as {{ prefix }}hour_of_day,
    cast(extract('isodow' from {{ ts_local }}) as integer) as {{ prefix }}day_of_week,
    cast(extract('month' from {{ ts_local }}) as integer) as {{ prefix }}month,
    extract('isodow' from {{ ts_local }}) >= 6 as {{ prefix }}is_weekend,
    {{ holiday_date_column }} is not null as {{ prefix }}is_public_holiday
{%- endmacro %}
