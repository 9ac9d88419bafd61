-- The schema of every feature mart a task of var ml_tasks learns from, as built
-- (ordered column names and types, from the warehouse), with each column's role
-- and metadata from the contract YAML's meta (role: key, feature or label; key:
-- entity, target_time or origin_time; lag_of and lag_hours; grain; split), a
-- stable hash of names, types and roles, and the vars that define the mart's
-- rows (the mart's meta.definition_vars).
-- Append-only: a build adds a row per mart only when its schema, metadata or
-- definition is new; --full-refresh leaves this history alone
-- (full_refresh=false).
{{ config(materialized='incremental', on_schema_change='append_new_columns',
          full_refresh=false, tags=['features']) }}
{#- a history recorded before definitions were recorded has no definition_hash
    yet -#}
{%- set recorded_columns = adapter.get_columns_in_relation(this)
    | map(attribute='name') | list
    if execute and is_incremental() else [] %}
{%- set marts = [] %}
{%- for task in var('ml_tasks').values() if task['mart'] not in marts %}
{%- do marts.append(task['mart']) %}
{%- endfor %}
{%- set meta_keys = ['key', 'lag_of', 'lag_hours', 'grain', 'split'] %}

with

{%- for mart_name in marts %}{% set mart, declared = ref(mart_name), [] %}
{%- if execute %}
{%- for node in graph.nodes.values() if node.resource_type == 'model'
        and node.name == mart_name %}
{%- for column in node.columns.values() %}
{%- set meta = {} %}
{%- for key in meta_keys if column.meta.get(key) is not none %}
{%- do meta.update({key: column.meta[key]}) %}
{%- endfor %}
{%- do declared.append((column.name, column.meta.get('role') or '',
    tojson(meta, sort_keys=true))) %}
{%- endfor %}
{%- endfor %}
{%- endif %}

built_{{ loop.index }} as (

    select
        column_name,
        lower(data_type) as data_type,
        ordinal_position
    from information_schema.columns
    where table_catalog = '{{ mart.database }}'
        and table_schema = '{{ mart.schema }}'
        and table_name = '{{ mart.identifier }}'

),

declared_{{ loop.index }} as (

    select * from (
        values
        {%- for name, role, meta in declared %}
        ('{{ name }}', '{{ role }}', '{{ meta }}'){{ "," if not loop.last }}
        {%- else %}
        ('', '', '{}')
        {%- endfor %}
    ) as declared (column_name, role, meta_json)  -- noqa: AL05

),

described_{{ loop.index }} as (

    select
        built.column_name,
        built.data_type,
        built.ordinal_position,
        case
            when declared.role in ('key', 'feature', 'label') then declared.role
            else
                error(
                    '{{ mart_name }}, column ' || built.column_name
                    || ': meta.role must be key, feature or label [rule: column_role]'  -- noqa: LT05
                )
        end as role,
        coalesce(declared.meta_json, '{}') as meta_json
    from built_{{ loop.index }} as built
    left join declared_{{ loop.index }} as declared
        on built.column_name = declared.column_name

),

schema_{{ loop.index }} as (

    select
        '{{ mart_name }}' as model_name,
        sha256(string_agg(
            column_name || ':' || data_type || ':' || role, ','
            order by ordinal_position
        )) as schema_hash,
        to_json(list(
            {
                'name': column_name,
                'data_type': data_type,
                'role': role,
                'meta': json(meta_json)
            }
            order by ordinal_position
        )) as columns_json,
        list(
            column_name order by ordinal_position
        ) filter (where role = 'feature') as feature_columns,
        list(
            column_name order by ordinal_position
        ) filter (where role = 'label') as label_columns,
        list(
            column_name order by ordinal_position
        ) filter (where role = 'key') as key_columns,
        '{{ mart_definition_json(mart_name) }}' as definition_json,
        sha256('{{ mart_definition_json(mart_name) }}') as definition_hash
    from described_{{ loop.index }}

),
{%- endfor %}

recorded as (

    {%- for mart_name in marts %}
    select * from schema_{{ loop.index }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}

)

select
    recorded.model_name,
    {%- if is_incremental() %}
    coalesce((
        select max(previous.schema_version) from {{ this }} as previous
        where previous.model_name = recorded.model_name
    ), 0) + 1 as schema_version,
    {%- else %}
    1 as schema_version,
    {%- endif %}
    recorded.schema_hash,
    cast(recorded.columns_json as varchar) as columns_json,
    recorded.feature_columns,
    recorded.label_columns,
    recorded.key_columns,
    recorded.definition_hash,
    recorded.definition_json,
    cast(timezone('UTC', now()) as timestamp) as recorded_at_utc,
    '{{ invocation_id }}' as dbt_invocation_id
from recorded
{%- if is_incremental() %}
where
    not exists (
        select 1 from {{ this }} as previous
        where previous.model_name = recorded.model_name
            and previous.schema_hash = recorded.schema_hash
            and previous.columns_json = cast(recorded.columns_json as varchar)
            {%- if 'definition_hash' in recorded_columns %}
            and previous.definition_hash = recorded.definition_hash
            {%- else %}
            and false
            {%- endif %}
            and previous.schema_version = (
                select max(latest.schema_version) from {{ this }} as latest
                where latest.model_name = recorded.model_name
            )
    )
{%- endif %}
