{#-
    The typed columns of a predictions view (ml_spike_predictions, ml_shadow_predictions),
    selected from the Python model that appends them: one list for both contracts.
-#}
{% macro prediction_columns() -%}
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
{%- endmacro %}
