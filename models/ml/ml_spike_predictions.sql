-- The champion's spike-risk predictions as users read them (rows from the Python model
-- ml_spike_scores, which appends each key once per model version).
{{ config(materialized='view') }}

select
    {{ prediction_columns() }}
from {{ ref('ml_spike_scores') }}
