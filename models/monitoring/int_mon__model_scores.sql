-- Every row each model scored, once: a promoted challenger scored its rows
-- twice (as a shadow, then as champion), and its champion row is the one kept.
-- One row per task, model, entity and target hour, in ml_predictions' layout.
{{ config(materialized='view') }}

select *
from {{ ref('ml_predictions') }}
qualify
    row_number() over (
        partition by task, model_version, entity, target_ts_utc
        order by case role when 'champion' then 0 else 1 end
    ) = 1
