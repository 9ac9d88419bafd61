-- Every task's champion and challenger predictions in one layout (task, role,
-- entity, target_ts_utc, score, ...): what promotions and monitoring read. Each
-- task adds its two scores tables (ml_<models>_scores,
-- ml_<models>_shadow_scores) through var ml_tasks.
{{ config(materialized='view') }}
{%- set tasks = var('ml_tasks') %}

{%- for name, task in tasks.items() %}
select {{ task_generic_columns(name, 'champion') }}
from {{ ref('ml_' ~ task['models'] ~ '_scores') }}
union all
select {{ task_generic_columns(name, 'challenger') }}
from {{ ref('ml_' ~ task['models'] ~ '_shadow_scores') }}
{{ 'union all' if not loop.last }}
{%- endfor %}
