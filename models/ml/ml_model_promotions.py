# The promotions log: one row per decision on a challenger (promote or keep, with every gate's
# evidence) and per manual promotion or rollback (var ml_promotion.promote_version).
# Append-only; model statuses are derived from it (python_ml.lifecycle), never written back.
# A decision takes effect from the next run's scoring.
from python_ml import jobs, lifecycle


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="append", full_refresh=False)
    promotion_vars = dbt.config.get("ml_promotion")
    drift_vars = dbt.config.get("drift")
    settings = lifecycle.PromotionSettings.from_vars(
        jobs.settings(promotion_vars), psi_alert=float(jobs.settings(drift_vars)["alert"]))
    previous = (session.sql(f"select * from {dbt.this}").df() if dbt.is_incremental
                else lifecycle.empty_promotions())
    keys = "model_version, zone, target_ts_utc, spike_probability"
    champion = dbt.ref("ml_spike_scores").project(keys).df()
    shadow = dbt.ref("ml_shadow_scores").project(keys).df()
    mart = dbt.ref("fct_spike_features").filter("split in ('test', 'score')").df()
    drift = dbt.ref("mon_prediction_drift").df()
    return jobs.promotion_job("spike_risk", dbt.ref("ml_spike_training_runs").df(), previous,
                              champion, shadow, mart, drift, settings)
