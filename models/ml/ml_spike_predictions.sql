-- Task spike_risk: the champion's calibrated spike probabilities and alerts, as
-- users read them (rows from the Python model ml_spike_scores, appended once
-- per key and model version).
select {{ task_prediction_columns('spike_risk') }}
from {{ ref('ml_spike_scores') }}
