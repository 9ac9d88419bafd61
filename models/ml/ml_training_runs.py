# The registry of every task: trains each enabled task of var ml_tasks (var retrain) and
# appends one row per model (python_ml.dbt_models.training_runs). Users read it through
# ml_model_registry (a SQL view with an enforced contract).
from python_ml import dbt_models


def model(dbt, session):
    return dbt_models.training_runs(
        dbt,
        session,
        dbt.config.get("ml_vars"),
        dbt.ref("ml_tasks"),
        dbt.ref("feature_schema_versions"),
    )
