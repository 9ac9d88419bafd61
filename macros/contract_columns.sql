{#-
    Names of a model's columns whose contract entry declares meta.<key> = value, in the
    contract's order: contract_columns(model, role) for meta.role (key, feature or label),
    the one list of a mart's features that schema records and monitoring read;
    contract_columns_with(model, key, value) for any other key (e.g. meta.grain = origin).
-#}
{% macro contract_columns(model_name, role) -%}
    {{ return(contract_columns_with(model_name, 'role', role)) }}
{%- endmacro %}

{% macro contract_columns_with(model_name, key, value) -%}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model'
                and node.name == model_name -%}
            {%- for column in node.columns.values() if column.meta.get(key) == value -%}
                {%- do names.append(column.name) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(names) }}
{%- endmacro %}
