{#-
    Names of a model's columns whose contract entry declares meta.role = `role` (key,
    feature or label), in the contract's order: the one list of a mart's features that
    schema records and monitoring read.
-#}
{% macro contract_columns(model_name, role) -%}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model'
                and node.name == model_name -%}
            {%- for column in node.columns.values() if column.meta.get('role') == role -%}
                {%- do names.append(column.name) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(names) }}
{%- endmacro %}

{#-
    Names of a model's columns whose contract entry declares meta.<key> = value, in the
    contract's order (e.g. the features with meta.grain = origin).
-#}
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
