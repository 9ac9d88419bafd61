-- The tasks of var ml_tasks, one row each: kind, mart, the mart's relation and
-- the models that serve it. The shared Python models (training, promotions)
-- read each task's mart through mart_relation; the refs below make them run
-- after every mart and its expectations (each mart has a dq_<mart> model
-- running its suite).
{{ config(materialized='view') }}
{%- set tasks = var('ml_tasks') %}
{%- if not tasks %}
    {{ exceptions.raise_compiler_error("var ml_tasks declares no task") }}
{%- endif %}

{%- for name, task in tasks.items() %}
-- after the mart's expectations (its dq_ model) passed:
-- {{ ref('dq_' ~ task['mart']) }}
select
    cast('{{ name }}' as varchar) as task,
    cast('{{ task["kind"] }}' as varchar) as kind,
    cast('{{ task["mart"] }}' as varchar) as mart,
    cast('{{ ref(task["mart"]) }}' as varchar) as mart_relation,
    cast('{{ task["models"] }}' as varchar) as models,
    cast('{{ task["score_column"] }}' as varchar) as score_column,
    cast({{ 'false' if task.get('enabled', true) in [false, 'false']
        else 'true' }} as boolean) as enabled,
    cast({{ sql_strings([tojson(task, sort_keys=true)]) }} as varchar)
        as config_json
{{ 'union all' if not loop.last }}
{%- endfor %}
