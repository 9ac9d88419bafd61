{#- A list of strings as SQL string literals, quotes doubled: a, b -> 'a', 'b'.
    `where variable in ({{ sql_strings(names) }})` keeps the literal list in one
    templated segment, so a long list is not a long line of the model's source. -#}
{% macro sql_strings(values) -%}
    {%- for value in values -%}
        '{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
