-- Task day_ahead_price: the champion's price forecasts with their quantiles, as
-- users read them (rows from the Python model ml_price_scores, appended once
-- per key and model version).
select {{ task_prediction_columns('day_ahead_price') }}
from {{ ref('ml_price_scores') }}
