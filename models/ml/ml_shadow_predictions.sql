-- Challengers' shadow predictions (rows from the Python model ml_shadow_scores): the same
-- rows and columns as ml_spike_predictions, never served.
{{ config(materialized='view') }}

select
    {{ prediction_columns() }}
from {{ ref('ml_shadow_scores') }}
