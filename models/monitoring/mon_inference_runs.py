# The inference log as a table: every scoring run (champion and shadow, every task) writes
# one JSON line to warehouse/logs/inference.jsonl; this model appends the lines whose run_id
# it does not hold yet, so a run whose scoring failed is recorded by the next one.
from python_ml import dbt_models


def model(dbt, session):
    dbt.ref("ml_predictions")  # runs after this run's scoring
    return dbt_models.inference_runs(dbt, session)
