# Every registered model's current status (champion, challenger, retired), derived from the
# registry rows and the promotions log by python_ml.lifecycle.model_statuses, the same rule
# the scoring models apply to the promotions log as the previous run left it.
from python_ml import lifecycle


def model(dbt, session):
    dbt.config(materialized="table")
    runs = dbt.ref("ml_spike_training_runs").df()
    promotions = dbt.ref("ml_model_promotions").df()
    statuses = lifecycle.model_statuses(runs, promotions)
    return statuses.merge(runs[["model_version", "status"]].rename(
        columns={"status": "registered_status"}), on="model_version")
