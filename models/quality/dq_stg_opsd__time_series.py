# Runs the Great Expectations suite expectations/stg_opsd__time_series.json on stg_opsd__time_series
# and appends one result row per expectation (python_ml.data.quality.quality_job). The dbt
# test expectations_passed on this model stops everything downstream when one fails.
from python_ml import dbt_models


def model(dbt, session):
    return dbt_models.quality_results(
        dbt,
        session,
        "stg_opsd__time_series",
        dbt.ref("stg_opsd__time_series"),
        dbt.config.get("dq_parameters"),
    )
