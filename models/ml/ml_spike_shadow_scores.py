# Task spike_risk: the challengers' shadow predictions (python_ml.dbt_models.shadow_scores).
from python_ml import dbt_models


def model(dbt, session):
    return dbt_models.shadow_scores(
        dbt,
        session,
        "spike_risk",
        dbt.config.get("ml_vars"),
        dbt.ref("fct_spike_features"),
        dbt.ref("feature_schema_versions"),
        dbt.ref("ml_training_runs"),
        dbt.ref("ml_spike_scores"),
    )
