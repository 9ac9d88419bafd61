# Scores the test and score rows of fct_spike_features with the champion (python_ml.jobs.
# scoring_job), after the train-serve parity check, and logs the run to
# warehouse/logs/inference.jsonl (loaded into mon_inference_runs). Appends only keys
# (zone, target_ts_utc, model_version) it has not scored before. The champion comes from the
# registry and the promotions log as the previous run left it (python_ml.lifecycle).
# Users read the predictions through ml_spike_predictions (a SQL view with a contract).
from python_ml import jobs, lifecycle


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append", full_refresh=False)
    dbt.ref("dq_fct_spike_features")  # runs after the mart's expectations passed
    runs = dbt.ref("ml_spike_training_runs").df()
    schema = jobs.latest_schema(dbt.ref("feature_schema_versions").df(), "fct_spike_features")
    mart = dbt.ref("fct_spike_features").filter("split in ('test', 'score')").df()
    scored = (session.sql(f"select zone, target_ts_utc, model_version from {dbt.this}").df()
              if dbt.is_incremental else mart.iloc[0:0])
    promotions = jobs.previous_table(session, dbt.this, "ml_model_promotions",
                                     lifecycle.empty_promotions())
    return jobs.scoring_job("spike_risk", mart, runs, promotions, scored, schema.schema_hash,
                            jobs.inference_log_path(session))
