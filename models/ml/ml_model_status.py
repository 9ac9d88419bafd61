# Every registered model's current status (champion, challenger, retired), derived from the
# registry rows and the promotions log by python_ml.lifecycle.status.model_statuses, the
# same rule the scoring models apply to the promotions log as the previous run left it.
from python_ml import dbt_models


def model(dbt, session):
    return dbt_models.model_status(dbt.ref("ml_training_runs"), dbt.ref("ml_model_promotions"))
