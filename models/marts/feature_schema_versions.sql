-- The feature mart's schema as built (ordered column names and types, from the
-- warehouse) with each column's role (from the contract YAML's meta.role), a stable hash
-- of it, and the vars that define the mart's rows (spike_definition_json). Append-only:
-- a build adds a row only when the schema or the definition is new; --full-refresh
-- leaves this history alone (full_refresh=false).
{{ config(materialized='incremental', on_schema_change='append_new_columns',
          full_refresh=false, tags=['features']) }}
{#- a history recorded before definitions were recorded has no definition_hash yet -#}
{%- set recorded_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list
    if execute and is_incremental() else [] %}
{%- set mart = ref('fct_spike_features') %}
{%- set roles = {} %}
{%- if execute %}
    {%- for node in graph.nodes.values() %}
        {%- if node.resource_type == 'model' and node.name == 'fct_spike_features' %}
            {%- for column in node.columns.values() %}
                {%- do roles.update({column.name: column.meta.get('role')}) %}
            {%- endfor %}
        {%- endif %}
    {%- endfor %}
{%- endif %}

with

built as (

    select column_name, lower(data_type) as data_type, ordinal_position
    from information_schema.columns
    where table_catalog = '{{ mart.database }}'
      and table_schema = '{{ mart.schema }}'
      and table_name = '{{ mart.identifier }}'

),

declared_roles as (

    select * from (values
        {%- for name, role in roles.items() %}
        ('{{ name }}', '{{ role or "" }}'){{ "," if not loop.last }}
        {%- endfor %}
    ) as declared(column_name, role)

),

described as (

    select
        built.column_name,
        built.data_type,
        built.ordinal_position,
        case
            when declared_roles.role in ('key', 'feature', 'label') then declared_roles.role
            else error('fct_spike_features, column ' || built.column_name
                || ': meta.role must be key, feature or label [rule: column_role]')
        end as role
    from built
    left join declared_roles on built.column_name = declared_roles.column_name

),

schema_now as (

    select
        'fct_spike_features' as model_name,
        sha256(string_agg(column_name || ':' || data_type || ':' || role, ','
            order by ordinal_position)) as schema_hash,
        to_json(list({'name': column_name, 'data_type': data_type, 'role': role}
            order by ordinal_position)) as columns_json,
        list(column_name order by ordinal_position) filter (where role = 'feature')
            as feature_columns,
        list(column_name order by ordinal_position) filter (where role = 'label')
            as label_columns,
        list(column_name order by ordinal_position) filter (where role = 'key')
            as key_columns
    from described

),

recorded as (

    select
        schema_now.*,
        '{{ spike_definition_json() }}' as definition_json,
        sha256('{{ spike_definition_json() }}') as definition_hash
    from schema_now

)

select
    recorded.model_name,
    {%- if is_incremental() %}
    coalesce((select max(schema_version) from {{ this }}
              where model_name = recorded.model_name), 0) + 1 as schema_version,
    {%- else %}
    1 as schema_version,
    {%- endif %}
    recorded.schema_hash,
    recorded.columns_json,
    recorded.feature_columns,
    recorded.label_columns,
    recorded.key_columns,
    recorded.definition_hash,
    recorded.definition_json,
    cast(timezone('UTC', now()) as timestamp) as recorded_at_utc,
    '{{ invocation_id }}' as dbt_invocation_id
from recorded
{%- if is_incremental() %}
where not exists (
    select 1 from {{ this }} as previous
    where previous.model_name = recorded.model_name
      and previous.schema_hash = recorded.schema_hash
      {%- if 'definition_hash' in recorded_columns %}
      and previous.definition_hash = recorded.definition_hash
      {%- else %}
      and false
      {%- endif %}
      and previous.schema_version = (select max(schema_version) from {{ this }})
)
{%- endif %}
