{#-
    Warns (configure severity: warn) with the PSI rows at alert severity on each model's
    latest day, so drift shows up in the `dbt build` output without stopping the build.
-#}
{% test no_drift_alert(model, label_column='feature') %}

select
    task,
    model_version,
    entity,
    {{ label_column }} as drifted,
    drift_date,
    round(psi, 3) as psi,
    window_rows
from {{ model }} as drift
where severity = 'alert'
  and drift_date = (select max(drift_date) from {{ model }} as latest
                    where latest.model_version = drift.model_version)
order by psi desc

{% endtest %}
