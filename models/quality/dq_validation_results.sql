-- Every Great Expectations validation run inside `dbt build`: one row per
-- suite, expectation and run (append-only history of the dq_* models). A run
-- whose rows, suite and parameters match the previous passing run appends
-- nothing.
{{ config(materialized='view') }}

{%- set suites = ['stg_opsd__time_series', 'int_opsd__zone_hours',
    'fct_spike_features'] %}
{%- for suite in suites %}
select
    cast(dbt_invocation_id as varchar) as dbt_invocation_id,
    cast(validated_at_utc as timestamp) as validated_at_utc,
    cast(suite as varchar) as suite,
    cast(expectation as varchar) as expectation,
    cast(column_name as varchar) as column_name,
    cast(success as boolean) as success,
    cast(observed_value as varchar) as observed_value,
    cast(unexpected_count as bigint) as unexpected_count,
    cast(unexpected_sample as varchar) as unexpected_sample,
    cast(unexpected_rows as varchar) as unexpected_rows,
    cast(element_count as bigint) as element_count,
    cast(rows_validated as bigint) as rows_validated,
    cast(data_fingerprint as varchar) as data_fingerprint
from {{ ref('dq_' ~ suite) }}
{{ 'union all' if not loop.last }}
{%- endfor %}
