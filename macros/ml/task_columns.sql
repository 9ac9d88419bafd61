{#-
    Column lists of a task's prediction tables, from var ml_tasks and its mart's contract
    (meta.key names the entity, target-time and origin columns). The Python side builds the
    same columns from python_ml.training.tasks.Task.prediction_dtypes.
-#}

{% macro ml_task(task_name) -%}
    {%- set tasks = var('ml_tasks') -%}
    {%- if task_name not in tasks -%}
        {{ exceptions.raise_compiler_error("task " ~ task_name ~ " is not in var ml_tasks") }}
    {%- endif -%}
    {{ return(tasks[task_name]) }}
{%- endmacro %}

{% macro contract_key(model_name, kind) -%}
    {#- The column of `model_name` whose contract entry declares meta.key = kind. -#}
    {%- if not execute -%}
        {{ return(kind) }}
    {%- endif -%}
    {%- set found = contract_columns_with(model_name, 'key', kind) -%}
    {%- if found | length != 1 -%}
        {{ exceptions.raise_compiler_error(model_name ~ ": expected one column with "
            ~ "meta.key = " ~ kind ~ " in its contract, found " ~ found
            ~ " [rule: task_columns]") }}
    {%- endif -%}
    {{ return(found[0]) }}
{%- endmacro %}

{% macro task_quantiles(task) -%}
    {#- quantile column suffixes in level order -#}
    {%- set levels = task.get('quantiles') or {} -%}
    {{ return(levels.items() | sort(attribute='1') | map(attribute='0') | list) }}
{%- endmacro %}

{% macro task_prediction_columns(task_name) -%}
    {#- The typed columns of a task's prediction view, selected from its scores table. -#}
    {%- set task = ml_task(task_name) -%}
    {%- set mart = task['mart'] -%}
    cast({{ contract_key(mart, 'entity') }} as varchar) as {{ contract_key(mart, 'entity') }},
    cast({{ contract_key(mart, 'target_time') }} as timestamp)
        as {{ contract_key(mart, 'target_time') }},
    cast({{ contract_key(mart, 'origin_time') }} as timestamp)
        as {{ contract_key(mart, 'origin_time') }},
    cast(model_version as bigint) as model_version,
    cast(model_family as varchar) as model_family,
    cast({{ task['score_column'] }} as double) as {{ task['score_column'] }},
    {%- if task['kind'] == 'classification' %}
    cast(raw_score as double) as raw_score,
    cast(is_alert as boolean) as is_alert,
    cast(alert_threshold as double) as alert_threshold,
    {%- else %}
    {%- for suffix in task_quantiles(task) %}
    cast({{ task['score_column'] }}_{{ suffix }} as double)
        as {{ task['score_column'] }}_{{ suffix }},
    {%- endfor %}
    {%- endif %}
    {{ scoring_run_columns() }}
{%- endmacro %}

{% macro task_generic_columns(task_name, role) -%}
    {#- A task's scores in the layout every task shares (ml_predictions). -#}
    {%- set task = ml_task(task_name) -%}
    {%- set mart = task['mart'] -%}
    {%- set quantiles = task_quantiles(task) -%}
    cast('{{ task_name }}' as varchar) as task,
    cast('{{ task["kind"] }}' as varchar) as kind,
    cast('{{ role }}' as varchar) as role,
    cast({{ contract_key(mart, 'entity') }} as varchar) as entity,
    cast({{ contract_key(mart, 'target_time') }} as timestamp) as target_ts_utc,
    cast({{ contract_key(mart, 'origin_time') }} as timestamp) as forecast_origin_ts_utc,
    cast(model_version as bigint) as model_version,
    cast(model_family as varchar) as model_family,
    cast({{ task['score_column'] }} as double) as score,
    {%- if task['kind'] == 'classification' %}
    cast(is_alert as boolean) as is_alert,
    cast(alert_threshold as double) as alert_threshold,
    {%- else %}
    cast(null as boolean) as is_alert,
    cast(null as double) as alert_threshold,
    {%- endif %}
    {%- if quantiles | length >= 2 %}
    cast({{ task['score_column'] }}_{{ quantiles[0] }} as double) as interval_low,
    cast({{ task['score_column'] }}_{{ quantiles[-1] }} as double) as interval_high,
    {%- else %}
    cast(null as double) as interval_low,
    cast(null as double) as interval_high,
    {%- endif %}
    {{ scoring_run_columns() }}
{%- endmacro %}

{% macro scoring_run_columns() -%}
    {#- What every task's scores carry about the run that scored them. -#}
    cast(features_out_of_range as bigint) as features_out_of_range,
    cast(out_of_range_features as varchar) as out_of_range_features,
    cast(feature_schema_hash as varchar) as feature_schema_hash,
    cast(scored_at_utc as timestamp) as scored_at_utc,
    cast(dbt_invocation_id as varchar) as dbt_invocation_id
{%- endmacro %}
