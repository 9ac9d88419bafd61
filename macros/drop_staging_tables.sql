{#-
    post-hook of the incremental Python models: dbt-duckdb stages each run's DataFrame in a
    table `<model>__dbt_tmp<timestamp>` of the target schema and, for Python models, does not
    drop it (its cleanup assumes a session-scoped temporary table). Runs inside the model's
    transaction, so the drop commits with the append. Tables left by a killed run are
    dropped by python_ml.runs before the next scheduled run.
-#}
{% macro drop_staging_tables() %}
    {%- if execute and model.language == 'python'
            and config.get('materialized') == 'incremental' -%}
        {%- set found = run_query(
            "select table_name from information_schema.tables where table_schema = '"
            ~ this.schema ~ "' and table_name like '" ~ this.identifier
            ~ "\\_\\_dbt\\_tmp%' escape '\\'") -%}
        {%- for row in found.rows %}
drop table if exists {{ this.database }}.{{ this.schema }}."{{ row[0] }}";
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
