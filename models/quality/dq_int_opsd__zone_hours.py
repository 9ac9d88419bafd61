# Runs the Great Expectations suite expectations/int_opsd__zone_hours.json on int_opsd__zone_hours and appends one
# result row per expectation (python_ml.quality.quality_job). The dbt test
# expectations_passed on this model stops everything downstream when one fails.
from datetime import UTC, datetime

import pandas as pd

from python_ml import jobs, quality


def model(dbt, session):
    # append_new_columns: a warehouse from an earlier release gains new columns (null in
    # its old rows) instead of dropping them
    dbt.config(materialized="incremental", incremental_strategy="append", full_refresh=False,
               on_schema_change="append_new_columns")
    frame = dbt.ref("int_opsd__zone_hours").df()
    parameters = jobs.settings(dbt.config.get("dq_parameters"))
    return quality.quality_job("int_opsd__zone_hours", frame, parameters, jobs.invocation_id(),
                               pd.Timestamp(datetime.now(UTC)).tz_localize(None),
                               quality.last_run(session, dbt.this, dbt.is_incremental))
