# The promotions log of every task, append-only (python_ml.dbt_models.promotion_decisions).
# Model statuses are derived from it, never written back; a decision takes effect from the
# next run's scoring.
from python_ml import dbt_models


def model(dbt, session):
    return dbt_models.promotion_decisions(
        dbt,
        session,
        dbt.config.get("ml_vars"),
        dbt.ref("ml_tasks"),
        dbt.ref("feature_schema_versions"),
        dbt.ref("ml_training_runs"),
        dbt.ref("ml_predictions"),
        dbt.ref("mon_prediction_drift"),
    )
