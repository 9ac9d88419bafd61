# Runs the Great Expectations suite expectations/int_opsd__zone_hours.json on int_opsd__zone_hours
# and appends one result row per expectation (python_ml.data.quality.quality_job). The dbt
# test expectations_passed on this model stops everything downstream when one fails.
from python_ml import dbt_models


def model(dbt, session):
    return dbt_models.quality_results(
        dbt,
        session,
        "int_opsd__zone_hours",
        dbt.ref("int_opsd__zone_hours"),
        dbt.config.get("dq_parameters"),
    )
