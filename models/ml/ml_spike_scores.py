# Scores the test and score rows of fct_spike_features with the champion of
# ml_model_registry (python_ml.jobs.scoring_job), after the train-serve parity check.
# Appends only keys (zone, target_ts_utc, model_version) it has not scored before.
# Users read the predictions through ml_spike_predictions (a SQL view with a contract).
from python_ml import jobs


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append", full_refresh=False)
    dbt.ref("dq_fct_spike_features")  # runs after the mart's expectations passed
    registry = dbt.ref("ml_model_registry").df()
    mart = dbt.ref("fct_spike_features").filter("split in ('test', 'score')").df()
    scored = (session.sql(f"select zone, target_ts_utc, model_version from {dbt.this}").df()
              if dbt.is_incremental else None)
    predictions = jobs.scoring_job("spike_risk", mart, registry,
                                   scored if scored is not None else mart.iloc[0:0])
    if predictions.empty and dbt.is_incremental:
        return session.sql(f"select * from {dbt.this} where false").df()
    return predictions
