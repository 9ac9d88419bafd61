# Runs the Great Expectations suite expectations/fct_spike_features.json on fct_spike_features
# and appends one result row per expectation (python_ml.data.quality.quality_job). The dbt
# test expectations_passed on this model stops everything downstream when one fails.
from python_ml import dbt_models


def model(dbt, session):
    return dbt_models.quality_results(
        dbt,
        session,
        "fct_spike_features",
        dbt.ref("fct_spike_features"),
        dbt.config.get("dq_parameters"),
    )
