# The inference log as a table: every scoring run (champion and shadow) writes one JSON line
# to warehouse/logs/inference.jsonl (python_ml.jobs); this model appends the lines whose
# run_id it does not hold yet, so a run whose scoring failed is recorded by the next one.
from python_ml import jobs


def model(dbt, session):
    # append_new_columns: a warehouse from an earlier release gains new columns (null in
    # its old rows) instead of dropping them
    dbt.config(materialized="incremental", incremental_strategy="append", full_refresh=False,
               on_schema_change="append_new_columns")
    dbt.ref("ml_spike_scores")  # runs after this run's scoring
    dbt.ref("ml_shadow_scores")
    known = (set(session.sql(f"select run_id from {dbt.this}").df()["run_id"])
             if dbt.is_incremental else set())
    return jobs.read_inference_log(jobs.inference_log_path(session), known)
