{#-
    Fails (with the failed expectations in the message) when the current invocation's
    validation rows in a dq_* model hold a failed expectation. Attached to each dq_* model,
    so a failure skips every model downstream of it in `dbt build`.
-#}
{% test expectations_passed(model) %}

with failed as (

    select
        suite,
        'column ' || coalesce(column_name, '(table)') || ': ' || expectation || ': '
            || coalesce(unexpected_count::varchar || ' unexpected, e.g. ' || unexpected_sample
                        || coalesce(', first at ' || nullif(unexpected_rows, '[]'), ''),
                        'observed ' || coalesce(observed_value, 'nothing')) as line
    from {{ model }}
    where dbt_invocation_id = '{{ invocation_id }}' and not success

),

summary as (

    select
        'suite ' || min(suite) || ': ' || count(*) || ' expectation(s) failed '
        || '[rule: expectation_suite]; ' || string_agg(line, '; ') as failure
    from failed
    having count(*) > 0

)

-- error() sits in the filter so that dbt's count(*) over this query must evaluate it
select failure from summary where error(failure) is null

{% endtest %}
