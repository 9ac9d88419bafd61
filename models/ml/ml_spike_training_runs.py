# Trains the spike-risk models (python_ml.jobs.training_job) and appends their registry rows:
# the first run's best model is the task's initial champion, later runs add challengers
# (promotion is ml_model_promotions' job). With var retrain = false it appends nothing.
# Artifacts beyond var ml_lifecycle.keep_artifacts are pruned (the row stays, the text goes).
# Users read the registry through ml_model_registry (a SQL view with an enforced contract).
import pandas as pd

from python_ml import jobs, lifecycle


def model(dbt, session):
    # full_refresh=False: --full-refresh of the features must not wipe the model history.
    # append_new_columns: a warehouse from an earlier release gains new columns (null in
    # its old rows) instead of dropping them
    dbt.config(materialized="incremental", incremental_strategy="append", full_refresh=False,
               on_schema_change="append_new_columns")
    retrain = jobs.flag(dbt.config.get("retrain"))
    lifecycle_settings = jobs.settings(dbt.config.get("ml_lifecycle"))
    keep = int(lifecycle_settings["keep_artifacts"])
    dbt.ref("dq_fct_spike_features")  # runs after the mart's expectations passed
    mart = dbt.ref("fct_spike_features")
    schema_versions = dbt.ref("feature_schema_versions").df()
    registry = session.sql(f"select * from {dbt.this}").df() if dbt.is_incremental else (
        jobs.empty_registry())
    promotions = jobs.previous_table(session, dbt.this, "ml_model_promotions",
                                     lifecycle.empty_promotions())
    if not retrain:
        if not dbt.is_incremental:
            raise ValueError("ml_spike_training_runs: retrain is false but no model has been "
                             "trained yet; run once with --vars '{retrain: true}'")
        jobs.log("[ml] retrain is false: no training, the registry is unchanged")
        rows = registry.iloc[0:0]
    else:
        rows = jobs.training_job("spike_risk", mart.df(), schema_versions, registry,
                                 jobs.settings(dbt.config.get("ml_training")))
    if dbt.is_incremental:
        prune = jobs.artifacts_to_prune(pd.concat([registry, rows], ignore_index=True),
                                        promotions, keep)
        if prune:
            jobs.log(f"[ml] pruning the artifacts of model_version(s) {prune} "
                     f"(ml_lifecycle.keep_artifacts = {keep})")
            session.execute(f"update {dbt.this} set model_artifact = null where model_version "
                            f"in ({', '.join(str(v) for v in prune)})")
    return rows
