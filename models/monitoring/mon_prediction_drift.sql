-- Prediction drift: PSI of the served score (calibrated probability, point
-- forecast) per task, model, entity and day against its distribution on the
-- model's validation window (see mon_drift_psi).
{{ config(materialized='view') }}

select
    task,
    model_version,
    entity,
    feature as score_column,
    drift_date,
    window_rows,
    bins,
    noise_floor,
    psi,
    severity
from {{ ref('mon_drift_psi') }}
where kind = 'prediction'
