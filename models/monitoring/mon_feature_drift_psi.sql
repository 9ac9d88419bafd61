-- Feature drift: PSI per task, model, entity, feature and day against the
-- model's training distribution (see mon_drift_psi for the window and the
-- bins).
{{ config(materialized='view') }}

select
    task,
    model_version,
    entity,
    feature,
    grain,
    drift_date,
    window_rows,
    bins,
    noise_floor,
    psi,
    severity
from {{ ref('mon_drift_psi') }}
where kind = 'feature'
