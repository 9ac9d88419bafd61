{#-
    Reading ERCOT's raw report files. ERCOT publishes one file per report and delivery
    day (historical archives one per year), so each source is a folder of CSV files
    (gzip allowed) matched by the glob in the source's `meta.raw_path`; names starting with
    a dot (writers' temporary files) are not read. Staging models load whole files: a full
    build reads every file, an incremental run only the files the table does not hold yet,
    known by file name. Landed files are immutable: a loaded file that changed fails the
    build; to load a correction, replace the file and rebuild with --full-refresh.
-#}

{% macro ercot_files_to_load(table_name) -%}
    {#- The files the model reads in this run, sorted by name (ERCOT names sort by
        date). Fails naming the pattern when no file matches, unless the source is listed
        in var ercot_optional_sources. -#}
    {%- if not execute or model.resource_type == 'unit_test' -%}{{ return([]) }}{%- endif -%}
    {%- set pattern = raw_source_path('ercot', table_name) -%}
    {#- one listing with size and modification time; dot files are writers' temporaries -#}
    {%- set listing = run_query(
        "select filename, size, strftime(timezone('UTC', last_modified), "
        ~ "'%Y-%m-%d %H:%M:%S.%f') from read_blob('" ~ pattern ~ "') "
        ~ "where not starts_with(parse_filename(filename), '.') order by filename").rows -%}
    {%- set found = listing | map(attribute=0) | list -%}
    {%- if found | length == 0 and table_name not in var('ercot_optional_sources') -%}
        {{ exceptions.raise_compiler_error(
            pattern ~ ": no file matches [rule: raw_file_exists]. Generate the sample "
            ~ "(python -m python_ml generate ercot), land real files there, or list '"
            ~ table_name ~ "' in var ercot_optional_sources to build without it.") }}
    {%- endif -%}
    {%- if not is_incremental() -%}{{ return(found) }}{%- endif -%}
    {#- a file is known by its name (the raw folder may move between runs); a known file
        must still have the size and modification time it was loaded with -#}
    {%- set loaded = run_query(
        "select parse_filename(source_file), bytes, strftime(modified, '%Y-%m-%d %H:%M:%S.%f') "
        ~ "from (select source_file, any_value(source_file_bytes) as bytes, "
        ~ "any_value(source_file_modified) as modified from " ~ this ~ " group by source_file)"
        ).rows -%}
    {%- set known = {} -%}
    {%- for row in loaded -%}{%- do known.update({row[0]: row}) -%}{%- endfor -%}
    {%- set new_files = [] -%}
    {%- for row in listing -%}
        {%- set name = row[0].split('/')[-1] -%}
        {%- if name not in known -%}
            {%- do new_files.append(row[0]) -%}
        {%- elif known[name][1] != row[1] or known[name][2] != row[2] -%}
            {{ exceptions.raise_compiler_error(
                row[0] ~ ": the file changed since it was loaded (" ~ known[name][1]
                ~ " bytes, modified " ~ known[name][2] ~ " UTC; now " ~ row[1] ~ " bytes, "
                ~ row[2] ~ " UTC) [rule: immutable_files]. Put the loaded file back, or load "
                ~ "the correction by rebuilding from the files with --full-refresh.") }}
        {%- endif -%}
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


{% macro ercot_raw_files(table_name, required, optional=[], extra_columns=false) -%}
    {#- The files this run loads for a report, their headers checked: a dict for
        ercot_lines and ercot_dates (so one model lists and checks the files once). -#}
    {%- set files = ercot_files_to_load(table_name) -%}
    {%- set seen = ercot_check_headers(files, required, optional, extra_columns) -%}
    {{ return({'files': files, 'seen': seen, 'columns': required + optional}) }}
{%- endmacro %}


{% macro ercot_read_csv(raw) -%}
    {#- read_csv over the files of `raw` (ercot_raw_files): by header name, all text, the
        dialect fixed (no sniffing per file), strict row shape. -#}
    read_csv(
        [{%- for file in raw.files -%}'{{ file }}'{{ ', ' if not loop.last }}{%- endfor -%}],
        header = true, all_varchar = true, delim = ',', quote = '"', escape = '"',
        strict_mode = true, null_padding = false, union_by_name = true, filename = true)
{%- endmacro %}


{% macro ercot_lines(raw) -%}
    {#-
        A query over the raw lines of the files of `raw` (ercot_raw_files): every column as
        text (optional columns absent from a file are null), plus source_file, source_line
        (the line in its file; the header is line 1) and the file's size and modification
        time (what ercot_files_to_load compares on later runs). With no file to load it
        selects nothing, with the same columns.

        Models read this query once (their `lines` CTE); the calendar's dates come from
        ercot_dates, a narrow scan of its own, because DuckDB holds a CTE read twice in
        memory whole, and re-reading a CSV costs less than holding 100M lines. The line
        number is the scan's ordinality (a streaming count over the files in order) minus
        the file's first one, from a second, narrow scan: no partitioned window holding all
        lines.
    -#}
    {%- if raw.files | length == 0 -%}
    select
        {%- for name in raw.columns %}
        cast(null as varchar) as "{{ name }}",
        {%- endfor %}
        cast(null as varchar) as source_file,
        cast(null as bigint) as source_line,
        cast(null as bigint) as source_file_bytes,
        cast(null as timestamp) as source_file_modified
    where false
    {%- else -%}
    select
        {%- for name in raw.columns %}
        {% if name in raw.seen %}raw_file_row."{{ name }}"{% else %}cast(null as varchar) as "{{ name }}"{% endif %},
        {%- endfor %}
        raw_file_row.filename as source_file,
        raw_file_row.ordinality - files.first_ordinality + 2 as source_line,
        files.source_file_bytes,
        files.source_file_modified
    from {{ ercot_read_csv(raw) }} with ordinality as raw_file_row
    inner join (
        select
            firsts.filename,
            firsts.first_ordinality,
            blobs.size as source_file_bytes,
            cast(timezone('UTC', blobs.last_modified) as timestamp) as source_file_modified
        from (
            select filename, min(ordinality) as first_ordinality
            from {{ ercot_read_csv(raw) }} with ordinality
            group by filename
        ) as firsts
        inner join read_blob([
            {%- for file in raw.files -%}'{{ file }}'{{ ', ' if not loop.last }}{%- endfor -%}
        ]) as blobs on blobs.filename = firsts.filename
    ) as files on raw_file_row.filename = files.filename
    {%- endif -%}
{%- endmacro %}


{% macro ercot_dates(raw, date_expression) -%}
    {#- The distinct delivery dates (text as written, from date_expression over the raw
        columns) in the files of `raw`: a narrow scan for ercot_calendar. -#}
    {%- if raw.files | length == 0 -%}
    select cast(null as varchar) as delivery_date_text where false
    {%- else -%}
    select distinct {{ date_expression }} as delivery_date_text from {{ ercot_read_csv(raw) }}
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
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}
