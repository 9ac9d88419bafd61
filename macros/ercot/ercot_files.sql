{#-
    Reading ERCOT's raw report files. ERCOT publishes one file per report and delivery
    day (historical archives one per year), so each source is a folder of CSV files
    (gzip allowed) matched by the glob in the source's `meta.raw_path`. Staging models
    load whole files: a full build reads every file, an incremental run only the files
    the table does not hold yet, known by file name (landed files are immutable; a corrected
    file comes under a new name, or needs --full-refresh after the old one is removed).
-#}

{% macro ercot_files_to_load(table_name) -%}
    {#- The files the model reads in this run, sorted by name (ERCOT names sort by
        date). Fails naming the pattern when no file matches, unless the source is listed
        in var ercot_optional_sources. -#}
    {%- if not execute or model.resource_type == 'unit_test' -%}{{ return([]) }}{%- endif -%}
    {%- set pattern = raw_source_path('ercot', table_name) -%}
    {%- set found = run_query("select file from glob('" ~ pattern ~ "') order by file")
        .columns[0].values() | list -%}
    {%- if found | length == 0 and table_name not in var('ercot_optional_sources') -%}
        {{ exceptions.raise_compiler_error(
            pattern ~ ": no file matches [rule: raw_file_exists]. Generate the sample "
            ~ "(python -m python_ml generate ercot), land real files there, or list '"
            ~ table_name ~ "' in var ercot_optional_sources to build without it.") }}
    {%- endif -%}
    {%- if not is_incremental() -%}{{ return(found) }}{%- endif -%}
    {#- a file is known by its name: the raw folder may move between runs -#}
    {%- set loaded = run_query("select distinct parse_filename(source_file) from " ~ this)
        .columns[0].values() | list -%}
    {%- set new_files = [] -%}
    {%- for file in found if file.split('/')[-1] not in loaded -%}
        {%- do new_files.append(file) -%}
    {%- endfor -%}
    {{ return(new_files) }}
{%- endmacro %}


{% macro ercot_check_headers(files, required, optional=[], extra_columns=false) -%}
    {#- Every file's header must hold each required column and nothing outside required
        and optional columns (a renamed column shows up as both), unless extra_columns
        (reports whose further columns are not read). Reads only the headers; returns the
        column names seen in any file.
        Header names are compared trimmed: ERCOT writes e.g. 'REGUP ' in some years. -#}
    {%- if not execute or files | length == 0 -%}{{ return([]) }}{%- endif -%}
    {%- set known = required + optional -%}
    {%- set seen = [] -%}
    {%- for chunk in files | batch(200) -%}
        {%- set sniffs = [] -%}
        {%- for file in chunk -%}
            {%- do sniffs.append("select '" ~ file ~ "' as file, array_to_string(list_transform(Columns, c -> trim(c.name)), '|') as names "
                ~ "from sniff_csv('" ~ file ~ "', header = true, all_varchar = true, sample_size = 1, "
                ~ "delim = ',', quote = '\"', escape = '\"')") -%}
        {%- endfor -%}
        {%- set headers = run_query(sniffs | join(' union all ')) -%}
        {%- for row in headers.rows -%}
            {%- set names = row[1].split('|') -%}
            {%- for name in names if name not in seen -%}{%- do seen.append(name) -%}{%- endfor -%}
            {%- for name in required -%}
                {%- if name not in names -%}
                    {{ exceptions.raise_compiler_error(
                        row[0] ~ ", column " ~ name ~ ", line 1: required column is missing; "
                        ~ "the header has " ~ names | join(', ') ~ " [rule: required_columns]") }}
                {%- endif -%}
            {%- endfor -%}
            {%- for name in names -%}
                {%- if name not in known and not extra_columns -%}
                    {{ exceptions.raise_compiler_error(
                        row[0] ~ ", column " ~ name ~ ", line 1: unexpected column; this report has "
                        ~ known | join(', ') ~ " [rule: known_columns]") }}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(seen) }}
{%- endmacro %}


{% macro ercot_raw_lines(table_name, required, optional=[], extra_columns=false) -%}
    {#-
        A query over the raw lines of the files this run loads: every column as text
        (optional columns absent from a file are null), plus source_file and source_line
        (the line in its file; the header is line 1). With no file to load it selects
        nothing, with the same columns.
    -#}
    {%- set files = ercot_files_to_load(table_name) -%}
    {%- set seen = ercot_check_headers(files, required, optional, extra_columns) -%}
    {%- set columns = required + optional -%}
    {%- if files | length == 0 -%}
    select
        {%- for name in columns %}
        cast(null as varchar) as "{{ name }}",
        {%- endfor %}
        cast(null as varchar) as source_file,
        cast(null as bigint) as source_line
    where false
    {%- else -%}
    select
        {%- for name in columns %}
        {% if name in seen %}"{{ name }}"{% else %}cast(null as varchar) as "{{ name }}"{% endif %},
        {%- endfor %}
        filename as source_file,
        -- ordinality counts rows over the files in order; the line restarts per file
        ordinality - min(ordinality) over (partition by filename) + 2 as source_line
    from read_csv(
        [{%- for file in files -%}'{{ file }}'{{ ', ' if not loop.last }}{%- endfor -%}],
        header = true, all_varchar = true, delim = ',', quote = '"', escape = '"',
        strict_mode = true, null_padding = false, union_by_name = true, filename = true
    ) with ordinality as raw_file_row
    {%- endif -%}
{%- endmacro %}


{% macro ercot_required_text(raw, column_name, file, line) -%}
    {#- A text cell that must not be empty (a key such as the settlement point). -#}
    case
        when nullif(trim({{ raw }}), '') is null
            then {{ raise_raw_error(file, "'" ~ column_name ~ "'", line,
                "'empty value'", 'required_value') }}
        else trim({{ raw }})
    end
{%- endmacro %}


{% macro ercot_loaded_at() -%}
    {#- When this dbt invocation started (UTC): marks the rows a run loads, so the hourly
        layer can re-process a late file's hours. -#}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}
