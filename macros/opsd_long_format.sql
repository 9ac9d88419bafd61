{#-
    The shared second half of the OPSD staging models: from a CTE of checked lines
    (ts_utc, source_file, source_line and the raw text columns) to the long format
    (ts_utc, <entity>, variable, value, source_column, source_file, source_line), one row
    per non-empty cell of the columns matching column_regex. Continues the model's WITH
    list (starts with a comma) and ends with its final select. On an incremental run
    (since set) every cell is still checked, the older lines column by column, and only
    the lines from `since` on are unpivoted and written.
-#}

{% macro opsd_wide_to_long(checked_lines, entity_column, column_regex, since) -%}
,
{%- if since %}

cells_checked as (

    {{ check_numeric_columns_or_fail(checked_lines, column_regex) }}

),

recent as (

    select * from {{ checked_lines }}
    where ts_utc >= timestamp '{{ since }}'

),
{%- endif %}

unpivoted as (

    -- only the columns that follow the naming convention; empty cells produce no row
    unpivot {{ 'recent' if since else checked_lines }}
    on columns('{{ column_regex }}')
    into name opsd_column value raw_value

),

column_names as (

    -- split each distinct column name once, not once per cell
    select
        opsd_column,
        regexp_extract(opsd_column, '{{ column_regex }}', 1) as {{ entity_column }},
        regexp_extract(opsd_column, '{{ column_regex }}', 2) as variable
    from (select distinct opsd_column from unpivoted)

),

parsed as (

    select *, try_cast(raw_value as double) as parsed_value
    from unpivoted

),

renamed as (

    select
        ---------- keys
        parsed.ts_utc,
        column_names.{{ entity_column }},
        column_names.variable,

        ---------- values
        {{ number_or_fail('parsed.parsed_value', 'parsed.raw_value', 'parsed.opsd_column',
            'parsed.source_file', 'parsed.source_line') }} as value,

        ---------- lineage
        parsed.opsd_column as source_column,
        parsed.source_file,
        parsed.source_line

    from parsed
    inner join column_names on parsed.opsd_column = column_names.opsd_column

)
{%- if since %}

-- reading cells_checked makes the whole-file check part of the query
select renamed.*
from renamed, cells_checked
where cells_checked.failures = 0
{%- else %}

select * from renamed
{%- endif %}
order by ts_utc, {{ entity_column }}, variable
{%- endmacro %}
