# Trains the spike-risk models (python_ml.jobs.training_job) and appends their registry rows.
# With var retrain = false it appends nothing; the registry must then already hold a champion.
# Users read the registry through ml_model_registry (a SQL view with an enforced contract).
import pandas as pd

from python_ml import jobs


def model(dbt, session):
    # full_refresh=False: --full-refresh of the features must not wipe the model history.
    dbt.config(materialized="incremental", incremental_strategy="append", full_refresh=False)
    retrain = jobs.flag(dbt.config.get("retrain"))
    dbt.ref("dq_fct_spike_features")  # runs after the mart's expectations passed
    mart = dbt.ref("fct_spike_features")
    schema_versions = dbt.ref("feature_schema_versions").df()
    registry = session.sql(f"select * from {dbt.this}").df() if dbt.is_incremental else (
        jobs.empty_registry())
    if not retrain:
        if not dbt.is_incremental:
            raise ValueError("ml_spike_training_runs: retrain is false but no model has been "
                             "trained yet; run once with --vars '{retrain: true}'")
        jobs.log("[ml] retrain is false: no training, the registry is unchanged")
        return session.sql(f"select * from {dbt.this} where false").df()
    rows = jobs.training_job("spike_risk", mart.df(), schema_versions, registry,
                             jobs.settings(dbt.config.get("ml_training")))
    return pd.DataFrame(rows)
