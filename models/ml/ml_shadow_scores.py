# Shadow deployment: every challenger (python_ml.lifecycle) scores the rows the champion
# scored, into this table instead of the served predictions (python_ml.jobs.shadow_job).
# Appends only keys it has not scored per model version; each run is logged like the
# champion's. Users read it through ml_shadow_predictions (a SQL view with a contract).
from python_ml import jobs, lifecycle


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append", full_refresh=False)
    runs = dbt.ref("ml_spike_training_runs").df()
    schema = jobs.latest_schema(dbt.ref("feature_schema_versions").df(), "fct_spike_features")
    champion_keys = dbt.ref("ml_spike_scores").project("zone, target_ts_utc").distinct().df()
    mart = dbt.ref("fct_spike_features").filter("split in ('test', 'score')").df()
    scored = (session.sql(f"select zone, target_ts_utc, model_version from {dbt.this}").df()
              if dbt.is_incremental else mart.iloc[0:0])
    promotions = jobs.previous_table(session, dbt.this, "ml_model_promotions",
                                     lifecycle.empty_promotions())
    return jobs.shadow_job("spike_risk", mart, runs, promotions, champion_keys, scored,
                           schema.schema_hash, jobs.inference_log_path(session))
