# Task spike_risk: the champion's predictions (python_ml.dbt_models.champion_scores).
from python_ml import dbt_models


def model(dbt, session):
    dbt.ref("dq_fct_spike_features")  # runs after the mart's expectations passed
    return dbt_models.champion_scores(
        dbt,
        session,
        "spike_risk",
        dbt.config.get("ml_vars"),
        dbt.ref("fct_spike_features"),
        dbt.ref("feature_schema_versions"),
        dbt.ref("ml_training_runs"),
    )
