-- Challengers' shadow predictions (rows from the Python model ml_shadow_scores): the same
-- rows and columns as ml_spike_predictions, never served.
{{ config(materialized='view') }}

select
    cast(zone as varchar) as zone,
    cast(target_ts_utc as timestamp) as target_ts_utc,
    cast(forecast_origin_ts_utc as timestamp) as forecast_origin_ts_utc,
    cast(model_version as bigint) as model_version,
    cast(model_family as varchar) as model_family,
    cast(spike_probability as double) as spike_probability,
    cast(raw_score as double) as raw_score,
    cast(is_alert as boolean) as is_alert,
    cast(alert_threshold as double) as alert_threshold,
    cast(feature_schema_hash as varchar) as feature_schema_hash,
    cast(scored_at_utc as timestamp) as scored_at_utc,
    cast(dbt_invocation_id as varchar) as dbt_invocation_id
from {{ ref('ml_shadow_scores') }}
