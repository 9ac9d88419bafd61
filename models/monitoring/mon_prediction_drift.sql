-- Prediction drift: PSI of the calibrated score per model, zone and day against the score
-- distribution on the model's validation window (see mon_drift_psi).
{{ config(materialized='view') }}

select model_version, zone, drift_date, window_rows, bins, noise_floor, psi, severity
from {{ ref('mon_drift_psi') }}
where kind = 'prediction'
