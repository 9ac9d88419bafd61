{#-
    For each partition (e.g. zone), the timestamp column holds every hour from its first
    to its last value exactly once: no gap, no duplicate, nothing off the hour. Fails
    with one row per broken partition, saying what is wrong.
-#}
{% test hourly_spine_has_no_gaps(model, column_name, partition_by) %}

with

per_partition as (

    select
        {{ partition_by }},
        min({{ column_name }}) as first_ts,
        max({{ column_name }}) as last_ts,
        count(*) as rows_found,
        count(distinct {{ column_name }}) as distinct_hours,
        count(*) filter (
            where {{ dbt.date_trunc('hour', column_name) }} <> {{ column_name }}
        ) as rows_off_the_hour,
        {{ dbt.datediff('min(' ~ column_name ~ ')', 'max(' ~ column_name ~ ')', 'hour') }} + 1
            as hours_expected
    from {{ model }}
    group by {{ partition_by }}

)

select *
from per_partition
where rows_found <> hours_expected
   or distinct_hours <> rows_found
   or rows_off_the_hour > 0

{% endtest %}
